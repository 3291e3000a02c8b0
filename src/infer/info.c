/*
 * info.c - what `avp models inspect` and the detect pipeline learn about a
 * model: the op histogram of the file, parameter count, FLOPs per frame,
 * input/output shapes, and which YOLO family the output layout says it is.
 */
#include "infer/internal.h"

#include <stdio.h>
#include <string.h>

void ir_info_histogram(const ir_graph_t *g, ir_info_state_t *s)
{
    s->ops = avp_calloc((size_t)g->nn + 1, sizeof(*s->ops));
    int n = 0;
    for (int k = 0; k < g->nn; k++) {
        int i = 0;
        while (i < n && strcmp(s->ops[i].op, g->n[k].op_type))
            i++;
        if (i == n)
            snprintf(s->ops[n++].op, sizeof(s->ops[0].op), "%s",
                     g->n[k].op_type);
        s->ops[i].count++;
    }
    s->info.num_op_counts = n;
    s->info.op_counts = s->ops;
}

static int op_count(const ir_info_state_t *s, const char *op)
{
    for (int i = 0; i < s->info.num_op_counts; i++)
        if (!strcmp(s->ops[i].op, op))
            return s->ops[i].count;
    return 0;
}

/* Per frame: tensors whose leading dim is the batch are divided by it. */
static double per_frame(const ir_graph_t *g, const ir_tensor_t *t)
{
    double n = (double)ir_numel(t);
    return t->batch_major ? n / (double)g->batch : n;
}

static double flops(const ir_graph_t *g)
{
    double f = 0;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        int mm = nd->op == OP_MATMUL || nd->op == OP_QMATMUL;
        if (nd->dead || (nd->op != OP_CONV && nd->op != OP_QCONV && !mm))
            continue;
        const ir_tensor_t *a = &g->t[nd->in[0]], *b = &g->t[nd->in[1]];
        const ir_tensor_t *y = &g->t[nd->out[0]];
        double k_len = !mm
                       ? (double)(b->dims[1] * b->dims[2] * b->dims[3])
                       : (double)a->dims[a->ndim - 1];
        f += 2.0 * per_frame(g, y) * k_len;
    }
    return f;
}

/* Anchor points of a stride-8/16/32 head on the input's H x W. */
static int64_t anchor_points(const ir_graph_t *g)
{
    const ir_tensor_t *in = &g->t[g->inputs[0]];
    if (in->ndim != 4)
        return -1;
    int64_t a = 0;
    for (int s = 8; s <= 32; s *= 2)
        a += (in->dims[2] / s) * (in->dims[3] / s);
    return a;
}

/* YOLOv5 decodes in the graph: Pow/Exp, or Mul/Add with 5-D anchor and
 * grid constants. The YOLOX export stops at sigmoid-ed raw offsets. */
static int has_decode(const ir_graph_t *g, const ir_info_state_t *s)
{
    if (op_count(s, "Pow") || op_count(s, "Exp"))
        return 1;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->op != OP_MUL && nd->op != OP_ADD)
            continue;
        for (int i = 0; i < nd->nin; i++)
            if (nd->in[i] >= 0 && g->t[nd->in[i]].ndim == 5)
                return 1;
    }
    return 0;
}

static void family(const ir_graph_t *g, ir_info_state_t *s)
{
    const ir_tensor_t *y = &g->t[g->outputs[0]];
    int64_t a = anchor_points(g);
    infer_info_t *info = &s->info;
    info->family = INFER_FAMILY_UNKNOWN;
    info->num_classes = 0;
    /* ultralytics says what the model does: only its detect task has the
     * [N, 4+C, A] output the decoder reads (segment adds mask rows). */
    if (y->ndim != 3 || a <= 0 || (info->task[0] &&
                                   strcmp(info->task, "detect")))
        return;
    if ((y->dims[1] == a || y->dims[1] == 3 * a) && y->dims[2] > 5 &&
        !info->ultralytics) {
        info->family = has_decode(g, s) ? INFER_FAMILY_YOLOV5
                                        : INFER_FAMILY_YOLOX;
        info->num_classes = (int)(y->dims[2] - 5);
    } else if (y->dims[2] == a && y->dims[1] > 4) {
        info->family = INFER_FAMILY_YOLOV8;
        info->num_classes = (int)(y->dims[1] - 4);
    }
}

static infer_tensor_info_t *tensor_infos(const ir_graph_t *g, const int *ts,
                                         int n)
{
    infer_tensor_info_t *out = avp_calloc((size_t)n, sizeof(*out));
    for (int i = 0; i < n; i++) {
        const ir_tensor_t *t = &g->t[ts[i]];
        snprintf(out[i].name, sizeof(out[i].name), "%s", t->name);
        out[i].ndim = t->ndim;
        memcpy(out[i].dims, t->dims, sizeof(out[i].dims));
    }
    return out;
}

void ir_info_finish(const ir_graph_t *g, ir_info_state_t *s)
{
    infer_info_t *info = &s->info;
    info->opset = g->opset;
    info->num_inputs = g->ninputs;
    info->num_outputs = g->noutputs;
    s->inputs = tensor_infos(g, g->inputs, g->ninputs);
    s->outputs = tensor_infos(g, g->outputs, g->noutputs);
    info->inputs = s->inputs;
    info->outputs = s->outputs;
    info->params = g->params;
    info->flops_per_frame = flops(g);
    family(g, s);
}

void ir_info_free(ir_info_state_t *s)
{
    for (int i = 0; i < s->info.num_names; i++)
        avp_free(s->names[i]);
    avp_free(s->names);
    avp_free(s->ops);
    avp_free(s->inputs);
    avp_free(s->outputs);
    memset(s, 0, sizeof(*s));
}

const char *infer_family_name(infer_family_t f)
{
    switch (f) {
    case INFER_FAMILY_YOLOX: return "yolox";
    case INFER_FAMILY_YOLOV5: return "yolov5";
    case INFER_FAMILY_YOLOV8: return "yolov8";
    default: return "unknown";
    }
}
