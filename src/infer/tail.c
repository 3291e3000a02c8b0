/*
 * tail.c - raw logits at the output. YOLOX and ultralytics exports end in
 * a Sigmoid on the objectness and class scores; an export made without it
 * (a head cut before its activation) still loads and runs,
 * but its "scores" are logits: 300 boxes per frame scoring up to 15. The
 * graph's tail tells: walking back from the output through the ops that
 * only move data (Concat, Reshape, Transpose...), the score channels come
 * from a Sigmoid in a normal export and from a Conv or a Split in a raw
 * one. When no Sigmoid is found there, info.raw_scores says so, and after
 * infer_model_activate_scores() (the detect pipeline calls it) each run
 * applies the activation to the score entries, so the output is what the
 * family's decoder expects.
 *
 * The walk runs before fusion (which folds a Sigmoid into its Conv) and
 * is bounded by the node count and a depth.
 */
#include "infer/internal.h"

#define WALK_DEPTH 32

static int moves_data(ir_op_t op)
{
    return op == OP_CONCAT || op == OP_RESHAPE || op == OP_TRANSPOSE ||
           op == OP_FLATTEN || op == OP_IDENTITY || op == OP_SQUEEZE ||
           op == OP_UNSQUEEZE;
}

/* Counts the producers the data of tensor t comes from, and how many of
 * them are Sigmoids; *budget caps the nodes visited and depth the
 * recursion (a real head is a few data moves deep). */
static void walk(const ir_graph_t *g, int t, int *sigmoids, int *leaves,
                 int *budget, int depth)
{
    int k = g->t[t].producer;
    if (k < 0 || --*budget < 0 || depth > WALK_DEPTH)
        return;
    const ir_node_t *nd = &g->n[k];
    if (!moves_data(nd->op)) {
        *sigmoids += nd->op == OP_SIGMOID;
        (*leaves)++;
        return;
    }
    int nin = nd->op == OP_CONCAT ? nd->nin : 1; /* Reshape's shape: not data */
    for (int i = 0; i < nin; i++)
        if (nd->in[i] >= 0)
            walk(g, nd->in[i], sigmoids, leaves, budget, depth + 1);
}

void ir_tail_scan(const ir_graph_t *g, ir_info_state_t *s)
{
    int budget = g->nn;
    s->tail_sigmoids = s->tail_leaves = 0;
    walk(g, g->outputs[0], &s->tail_sigmoids, &s->tail_leaves, &budget, 0);
}

/* YOLOX and ultralytics heads only: YOLOv5 applies its Sigmoid before
 * splitting the decode, so its tail ends in Split and Mul. */
void ir_tail_decide(ir_info_state_t *s)
{
    infer_info_t *info = &s->info;
    info->raw_scores = (info->family == INFER_FAMILY_YOLOX ||
                        info->family == INFER_FAMILY_YOLOV8) &&
                       s->tail_leaves > 0 && s->tail_sigmoids == 0;
}

/* Sigmoid over the score entries of the first n frames' output: columns
 * 4.. of [N, A, 5+C] (objectness and classes), rows 4.. of [N, 4+C, A]. */
void ir_tail_apply(const ir_graph_t *g, const infer_info_t *info, int n,
                   tpool_t *tp)
{
    const ir_tensor_t *y = &g->t[g->outputs[0]];
    size_t d1 = (size_t)y->dims[1], d2 = (size_t)y->dims[2];
    for (int f = 0; f < n; f++) {
        float *p = y->ptr + (size_t)f * d1 * d2;
        if (info->family == INFER_FAMILY_YOLOV8) {
            kern_unary(KERN_SIGMOID_OP, p + 4 * d2, p + 4 * d2,
                       (d1 - 4) * d2, tp);
            continue;
        }
        for (size_t a = 0; a < d1; a++)
            kern_unary(KERN_SIGMOID_OP, p + a * d2 + 4, p + a * d2 + 4,
                       d2 - 4, NULL);
    }
}
