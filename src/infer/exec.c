/*
 * exec.c - runs the live nodes in order, translating each into a kernel
 * call (kernels.h). Tensors were bound to arena or weight memory by
 * plan.c; nothing here allocates.
 *
 * Running n < N frames: when every activation is batch-major (frame i is
 * the i-th contiguous slice), the first n frames are a prefix of every
 * tensor, so each kernel is simply given n as the leading dim. Otherwise
 * (a graph that mixes frames, e.g. Concat on axis 0) model.c passes N.
 */
#include "infer/internal.h"

#include <string.h>


typedef struct exec_ctx {
    ir_graph_t *g;
    int n;              /* frames to compute */
    float *scratch;
    tpool_t *tp;
} exec_ctx_t;

static const ir_tensor_t *tin(const exec_ctx_t *c, const ir_node_t *nd, int i)
{
    return &c->g->t[nd->in[i]];
}

static const ir_tensor_t *tout(const exec_ctx_t *c, const ir_node_t *nd, int i)
{
    return &c->g->t[nd->out[i]];
}

/* A tensor's dims as computed this run: the batch dim shrinks to n. */
static void run_dims(const exec_ctx_t *c, const ir_tensor_t *t, int ndim,
                     int64_t *d)
{
    int pad = ndim - t->ndim;
    for (int i = 0; i < pad; i++)
        d[i] = 1;
    memcpy(d + pad, t->dims, (size_t)t->ndim * sizeof(int64_t));
    if (t->batch_major)
        d[pad] = c->n;
}

static int64_t run_numel(const exec_ctx_t *c, const ir_tensor_t *t)
{
    int64_t d[IR_MAX_DIMS], n = 1;
    run_dims(c, t, t->ndim, d);
    for (int i = 0; i < t->ndim; i++)
        n *= d[i];
    return n;
}

static void conv_params(const ir_graph_t *g, const ir_node_t *nd, int n,
                        kern_conv_t *p)
{
    const ir_tensor_t *x = &g->t[nd->in[0]], *w = &g->t[nd->in[1]];
    const ir_tensor_t *y = &g->t[nd->out[0]];
    const ir_params_t *q = &nd->p;
    *p = (kern_conv_t){
        .n = n, .c_in = (int)x->dims[1], .h_in = (int)x->dims[2],
        .w_in = (int)x->dims[3], .c_out = (int)w->dims[0],
        .h_out = (int)y->dims[2], .w_out = (int)y->dims[3],
        .k_h = (int)w->dims[2], .k_w = (int)w->dims[3],
        .stride_h = (int)q->strides[0], .stride_w = (int)q->strides[1],
        .pad_top = (int)q->pads[0], .pad_left = (int)q->pads[1],
        .pad_bottom = (int)q->pads[2], .pad_right = (int)q->pads[3],
        .dil_h = (int)q->dil[0], .dil_w = (int)q->dil[1],
        .groups = q->group, .act = q->act,
    };
}

size_t ir_exec_conv_scratch(const ir_graph_t *g, const ir_node_t *nd,
                            int one_frame, int threads)
{
    kern_conv_t p;
    const ir_tensor_t *x = &g->t[nd->in[0]];
    conv_params(g, nd, one_frame && x->batch_major ? 1 : (int)x->dims[0], &p);
    return kern_conv2d_scratch(&p, threads);
}

/* Conv input `slot` (IR_CONV_*) or NULL when the node has none. */
static const float *conv_in(const exec_ctx_t *c, const ir_node_t *nd, int slot)
{
    return nd->nin > slot && nd->in[slot] >= 0 ? tin(c, nd, slot)->ptr : NULL;
}

size_t ir_exec_conv_packed_floats(const ir_graph_t *g, const ir_node_t *nd)
{
    kern_conv_t p;
    conv_params(g, nd, 1, &p);
    return kern_conv2d_packed_floats(&p);
}

void ir_exec_conv_pack(const ir_graph_t *g, const ir_node_t *nd, float *packed)
{
    kern_conv_t p;
    conv_params(g, nd, 1, &p);
    kern_conv2d_pack(&p, g->t[nd->in[1]].data, packed);
}

static void run_conv(exec_ctx_t *c, const ir_node_t *nd)
{
    kern_conv_t p;
    int64_t d[4];
    run_dims(c, tin(c, nd, 0), 4, d);
    conv_params(c->g, nd, (int)d[0], &p);
    p.residual = conv_in(c, nd, IR_CONV_RESIDUAL);
    p.packed = conv_in(c, nd, IR_CONV_PACKED);
    kern_conv2d(&p, tin(c, nd, 0)->ptr, tin(c, nd, 1)->ptr,
                conv_in(c, nd, IR_CONV_BIAS), tout(c, nd, 0)->ptr, c->scratch,
                c->tp);
}

static void run_pool(exec_ctx_t *c, const ir_node_t *nd)
{
    const ir_tensor_t *x = tin(c, nd, 0), *y = tout(c, nd, 0);
    int64_t d[4];
    run_dims(c, x, 4, d);
    const ir_params_t *q = &nd->p;
    kern_pool_t p = {
        .n = (int)d[0], .c = (int)d[1], .h_in = (int)d[2], .w_in = (int)d[3],
        .h_out = (int)y->dims[2], .w_out = (int)y->dims[3],
        .k_h = (int)q->kernel[0], .k_w = (int)q->kernel[1],
        .stride_h = (int)q->strides[0], .stride_w = (int)q->strides[1],
        .pad_top = (int)q->pads[0], .pad_left = (int)q->pads[1],
        .dil_h = (int)q->dil[0], .dil_w = (int)q->dil[1],
    };
    kern_maxpool2d(&p, x->ptr, y->ptr, c->tp);
}

static void run_resize(exec_ctx_t *c, const ir_node_t *nd)
{
    const ir_tensor_t *x = tin(c, nd, 0), *y = tout(c, nd, 0);
    int64_t d[4];
    run_dims(c, x, 4, d);
    kern_resize_t p = {
        .n = (int)d[0], .c = (int)d[1], .h_in = (int)d[2], .w_in = (int)d[3],
        .h_out = (int)y->dims[2], .w_out = (int)y->dims[3],
        .scale_h = nd->p.scale_h, .scale_w = nd->p.scale_w,
        .mode = nd->p.rmode, .coord = nd->p.coord, .nearest = nd->p.nearest,
    };
    kern_resize(&p, x->ptr, y->ptr, c->tp);
}

static void run_unary(exec_ctx_t *c, const ir_node_t *nd)
{
    const ir_tensor_t *x = tin(c, nd, 0);
    float *y = tout(c, nd, 0)->ptr;
    size_t n = (size_t)run_numel(c, x);
    kern_act_params_t a = {KERN_ACT_NONE, nd->p.alpha, nd->p.beta};
    switch (nd->op) {
    case OP_SIGMOID: kern_unary(KERN_SIGMOID_OP, x->ptr, y, n, c->tp); return;
    case OP_EXP: kern_unary(KERN_EXP, x->ptr, y, n, c->tp); return;
    case OP_RELU: kern_unary(KERN_RELU_OP, x->ptr, y, n, c->tp); return;
    case OP_LEAKYRELU: a.act = KERN_ACT_LEAKY_RELU; break;
    case OP_HARDSIGMOID: a.act = KERN_ACT_HARD_SIGMOID; break;
    default: a.act = KERN_ACT_HARD_SWISH; break;
    }
    kern_unary(KERN_IDENTITY, x->ptr, y, n, c->tp);
    kern_activate(&a, y, n, c->tp);
}

static void run_binary(exec_ctx_t *c, const ir_node_t *nd)
{
    static const kern_binop_t ops[] = {
        [OP_ADD] = KERN_ADD, [OP_SUB] = KERN_SUB, [OP_MUL] = KERN_MUL,
        [OP_DIV] = KERN_DIV, [OP_POW] = KERN_POW,
    };
    const ir_tensor_t *a = tin(c, nd, 0), *b = tin(c, nd, 1);
    const ir_tensor_t *y = tout(c, nd, 0);
    int64_t ad[IR_MAX_DIMS], bd[IR_MAX_DIMS], yd[IR_MAX_DIMS];
    run_dims(c, a, y->ndim, ad);
    run_dims(c, b, y->ndim, bd);
    run_dims(c, y, y->ndim, yd);
    kern_binary(ops[nd->op], y->ndim, ad, a->ptr, bd, b->ptr, yd, y->ptr,
                c->tp);
}

static void run_concat(exec_ctx_t *c, const ir_node_t *nd)
{
    int64_t dims[IR_MAX_PARTS][IR_MAX_DIMS];
    const int64_t *dp[IR_MAX_PARTS];
    const float *xp[IR_MAX_PARTS];
    const ir_tensor_t *y = tout(c, nd, 0);
    for (int i = 0; i < nd->nin; i++) {
        run_dims(c, tin(c, nd, i), y->ndim, dims[i]);
        dp[i] = dims[i];
        xp[i] = tin(c, nd, i)->ptr;
    }
    kern_concat(y->ndim, nd->p.axis, nd->nin, dp, xp, y->ptr);
}

static void run_split(exec_ctx_t *c, const ir_node_t *nd)
{
    float *yp[IR_MAX_PARTS];
    const ir_tensor_t *x = tin(c, nd, 0);
    int64_t d[IR_MAX_DIMS];
    run_dims(c, x, x->ndim, d);
    for (int i = 0; i < nd->nout; i++)
        yp[i] = tout(c, nd, i)->ptr;
    kern_split(x->ndim, d, nd->p.axis, nd->nout, nd->p.sizes, x->ptr, yp);
}

static void run_layout(exec_ctx_t *c, const ir_node_t *nd)
{
    const ir_tensor_t *x = tin(c, nd, 0), *y = tout(c, nd, 0);
    int64_t xd[IR_MAX_DIMS], yd[IR_MAX_DIMS];
    run_dims(c, x, x->ndim, xd);
    run_dims(c, y, y->ndim, yd);
    if (nd->op == OP_SLICE) {
        kern_slice(x->ndim, xd, nd->p.starts, nd->p.steps, yd, x->ptr, y->ptr);
    } else if (nd->op == OP_TRANSPOSE) {
        kern_transpose(x->ndim, xd, nd->p.perm, x->ptr, y->ptr);
    } else if (nd->op == OP_GATHER) {
        const ir_tensor_t *idx = tin(c, nd, 1);
        kern_gather(x->ndim, xd, nd->p.axis, x->ptr, (size_t)ir_numel(idx),
                    idx->data, y->ptr);
    } else { /* Softmax: before opset 13 the axis splits a 2-D view */
        size_t outer = 1, dim = 1, inner = 1;
        int legacy = c->g->opset < 13;
        for (int i = 0; i < x->ndim; i++) {
            size_t v = (size_t)xd[i];
            if (i < nd->p.axis)
                outer *= v;
            else if (i == nd->p.axis || legacy)
                dim *= v;
            else
                inner *= v;
        }
        kern_softmax(outer, dim, inner, x->ptr, y->ptr);
    }
}

static void run_matmul(exec_ctx_t *c, const ir_node_t *nd)
{
    const ir_tensor_t *a = tin(c, nd, 0), *b = tin(c, nd, 1);
    const ir_tensor_t *y = tout(c, nd, 0);
    int64_t ad[IR_MAX_DIMS], bd[IR_MAX_DIMS], yd[IR_MAX_DIMS];
    run_dims(c, a, y->ndim, ad);
    run_dims(c, b, y->ndim, bd);
    run_dims(c, y, y->ndim, yd);
    kern_matmul(y->ndim, ad, a->ptr, bd, b->ptr, yd, y->ptr, c->tp);
}

static void run_node(exec_ctx_t *c, const ir_node_t *nd)
{
    switch (nd->op) {
    case OP_CONV: run_conv(c, nd); break;
    case OP_MAXPOOL: run_pool(c, nd); break;
    case OP_RESIZE: case OP_UPSAMPLE: run_resize(c, nd); break;
    case OP_SIGMOID: case OP_EXP: case OP_RELU: case OP_LEAKYRELU:
    case OP_HARDSIGMOID: case OP_HARDSWISH:
        run_unary(c, nd);
        break;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW:
        run_binary(c, nd);
        break;
    case OP_CONCAT:
        if (!nd->p.in_place)
            run_concat(c, nd);
        break;
    case OP_SPLIT: run_split(c, nd); break;
    case OP_SLICE: case OP_TRANSPOSE: case OP_GATHER: case OP_SOFTMAX:
        run_layout(c, nd);
        break;
    case OP_MATMUL: run_matmul(c, nd); break;
    case OP_LAYERNORM: case OP_REDUCEMEAN: case OP_CLIP:
        ir_norm_run(c->g, nd, c->n);
        break;
    case OP_PAD: ir_pad_run(c->g, nd, c->n); break;
    case OP_QCONV: case OP_QMATMUL: ir_quant_run(c->g, nd, c->n, c->scratch, c->tp); break;
    case OP_FAKEQUANT: ir_quant_fake_run(c->g, nd, c->n, c->tp); break;
    default: break; /* views: plan.c aliased their storage */
    }
}

void ir_exec_run(ir_graph_t *g, int n, float *scratch, tpool_t *tp,
                 ir_profile_t *prof)
{
    exec_ctx_t c = {g, n, scratch, tp};
    for (int k = 0; k < g->nn; k++) {
        if (g->n[k].dead)
            continue;
        if (!prof) {
            run_node(&c, &g->n[k]);
            continue;
        }
        ir_profile_start(prof);
        run_node(&c, &g->n[k]);
        ir_profile_stop(prof, k);
    }
    if (prof)
        ir_profile_frames(prof, n);
}
