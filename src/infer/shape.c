/*
 * shape.c - static shape inference, in node order, at the loaded batch.
 *
 * The graph input's batch dim of 1 becomes N before this runs; every
 * output shape then follows from its inputs. Two things make batching
 * correct on real exports: Shape ops read the rewritten dims (so shape
 * subgraphs compute N), and a constant Reshape target that hard-codes a
 * leading 1 for data whose leading dim is the batch is rewritten to N.
 * batch_major records which tensors keep frames as contiguous prefixes;
 * plan.c uses it to run fewer than N frames.
 *
 * A node whose inputs are all constant is folded (fold.c) right after its
 * shape is known, so shape subgraphs collapse into constants in one pass.
 */
#include "infer/internal.h"

#include <string.h>

#define FAIL(code, ...) ir_node_error(nd, err, code, __VA_ARGS__)

int ir_norm_axis(int64_t axis, int ndim, int *out)
{
    if (axis < -ndim || axis >= ndim)
        return -1;
    *out = (int)(axis < 0 ? axis + ndim : axis);
    return 0;
}

int ir_broadcast(int na, const int64_t *a, int nb, const int64_t *b,
                 int *ny, int64_t *y)
{
    int n = na > nb ? na : nb;
    for (int i = 0; i < n; i++) {
        int64_t da = i < n - na ? 1 : a[i - (n - na)];
        int64_t db = i < n - nb ? 1 : b[i - (n - nb)];
        if (da != db && da != 1 && db != 1)
            return -1;
        y[i] = da == 1 ? db : da;
    }
    *ny = n;
    return 0;
}

ir_tensor_t *ir_shape_in(ir_graph_t *g, const ir_node_t *nd, int i)
{
    return i < nd->nin && nd->in[i] >= 0 ? &g->t[nd->in[i]] : NULL;
}

void ir_shape_set_out(ir_graph_t *g, const ir_node_t *nd, int o, ir_dtype_t dt,
                      int ndim, const int64_t *dims, int batch_major)
{
    ir_tensor_t *t = &g->t[nd->out[o]];
    t->dtype = dt;
    t->ndim = ndim;
    memmove(t->dims, dims, (size_t)ndim * sizeof(int64_t));
    t->batch_major = batch_major && ndim > 0 && dims[0] == g->batch;
}

/* ---- convolution and pooling windows ---------------------------------- */

static int window(int64_t in, int64_t k, int64_t s, int64_t d, int auto_pad,
                  int ceil_mode, int64_t *pb, int64_t *pe, int64_t *out)
{
    int64_t ek = (k - 1) * d + 1;
    if (auto_pad == IR_PAD_SAME_UPPER || auto_pad == IR_PAD_SAME_LOWER) {
        *out = (in + s - 1) / s;
        int64_t total = (*out - 1) * s + ek - in;
        total = total > 0 ? total : 0;
        *pb = auto_pad == IR_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *pe = total - *pb;
        return 0;
    }
    if (auto_pad == IR_PAD_VALID)
        *pb = *pe = 0;
    int64_t span = in + *pb + *pe - ek;
    if (span < 0 || k < 1)
        return -1;
    *out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (ceil_mode && (*out - 1) * s >= in + *pb)
        (*out)--; /* the last window must start inside the input */
    return 0;
}

static int shape_window(ir_graph_t *g, ir_node_t *nd, int64_t c_out,
                        avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    ir_params_t *p = &nd->p;
    int64_t y[4] = {x->dims[0], c_out, 0, 0};
    for (int i = 0; i < 2; i++)
        if (window(x->dims[2 + i], p->kernel[i], p->strides[i], p->dil[i],
                   p->auto_pad, p->ceil_mode, &p->pads[i], &p->pads[2 + i],
                   &y[2 + i]) < 0)
            return FAIL(AVP_EFORMAT, "window larger than the padded input");
    if (p->pads[0] > 1 << 16 || p->pads[1] > 1 << 16 || p->pads[2] > 1 << 16 ||
        p->pads[3] > 1 << 16)
        return FAIL(AVP_EFORMAT, "implausible pads");
    ir_shape_set_out(g, nd, 0, IR_FLOAT, 4, y, x->batch_major);
    return 0;
}

static int shape_conv(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0), *w = ir_shape_in(g, nd, 1);
    const ir_tensor_t *b = ir_shape_in(g, nd, 2);
    int64_t gr = nd->p.group;
    if (x->ndim != 4)
        return FAIL(AVP_EUNSUPPORTED, "only 2-D convolution (input has %d "
                    "dims)", x->ndim);
    if (!w->data || w->ndim != 4 || (b && (!b->data || b->ndim != 1 ||
                                           b->dims[0] != w->dims[0])))
        return FAIL(AVP_EUNSUPPORTED, "weights and bias must be constant "
                    "[M,C/g,kh,kw] and [M]");
    if (gr < 1 || x->dims[1] % gr || w->dims[0] % gr ||
        w->dims[1] * gr != x->dims[1])
        return FAIL(AVP_EFORMAT, "group %lld does not fit %lld input and "
                    "%lld output channels", (long long)gr,
                    (long long)x->dims[1], (long long)w->dims[0]);
    for (int i = 0; i < 2; i++) {
        if (nd->p.kernel[i] && nd->p.kernel[i] != w->dims[2 + i])
            return FAIL(AVP_EFORMAT, "kernel_shape differs from weights");
        nd->p.kernel[i] = w->dims[2 + i];
    }
    return shape_window(g, nd, w->dims[0], err);
}

static int shape_pool(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    if (x->ndim != 4)
        return FAIL(AVP_EUNSUPPORTED, "only 2-D pooling");
    return shape_window(g, nd, x->dims[1], err);
}

/* ---- elementwise ------------------------------------------------------- */

static int shape_binary(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *a = ir_shape_in(g, nd, 0), *b = ir_shape_in(g, nd, 1);
    int64_t y[IR_MAX_DIMS];
    int ny;
    if (ir_broadcast(a->ndim, a->dims, b->ndim, b->dims, &ny, y) < 0)
        return FAIL(AVP_EFORMAT, "shapes do not broadcast");
    if (a->dtype != b->dtype)
        return FAIL(AVP_EFORMAT, "mixed element types");
    /* Frames stay prefixes only if every batched input spans all dims. */
    int bm = (a->batch_major || b->batch_major) &&
             (!a->batch_major || a->ndim == ny) &&
             (!b->batch_major || b->ndim == ny);
    ir_shape_set_out(g, nd, 0, a->dtype, ny, y, bm);
    return 0;
}

static int shape_same(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    if (nd->op == OP_BATCHNORM) {
        for (int i = 1; i < 5; i++) {
            const ir_tensor_t *t = ir_shape_in(g, nd, i);
            if (!t || !t->data || ir_numel(t) != (x->ndim > 1 ? x->dims[1] : 0))
                return FAIL(AVP_EUNSUPPORTED, "parameters must be constant "
                            "with one value per channel");
        }
    }
    ir_dtype_t dt = nd->op == OP_CAST ? (ir_dtype_t)nd->p.to : x->dtype;
    if (nd->op == OP_CAST && dt == IR_INT32)
        dt = IR_INT64;
    if (nd->op == OP_CAST && (dt == IR_DOUBLE || dt == IR_FLOAT16))
        dt = IR_FLOAT; /* as their constants are on load */
    if (dt != IR_FLOAT && dt != IR_INT64)
        return FAIL(AVP_EUNSUPPORTED, "cast to element type %d", nd->p.to);
    int bm = x->batch_major;
    if (nd->op == OP_SOFTMAX) {
        int axis;
        if (ir_norm_axis(nd->p.axis, x->ndim, &axis) < 0)
            return FAIL(AVP_EFORMAT, "axis out of range");
        nd->p.axis = axis;
        bm = bm && axis > 0;
    }
    ir_shape_set_out(g, nd, 0, dt, x->ndim, x->dims, bm);
    return 0;
}

/* ---- constants from values ------------------------------------------- */

static int shape_valued(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    int64_t d[IR_MAX_DIMS];
    if (nd->op == OP_SHAPE) {
        int64_t r = x->ndim, s = nd->p.shape_start, e = nd->p.shape_end;
        s = s < 0 ? s + r : s;
        e = e < 0 ? e + r : e;
        s = s < 0 ? 0 : s > r ? r : s;
        e = e < 0 ? 0 : e > r ? r : e;
        nd->p.shape_start = s;
        nd->p.shape_end = e > s ? e : s;
        d[0] = nd->p.shape_end - s;
        ir_shape_set_out(g, nd, 0, IR_INT64, 1, d, 0);
        return 0;
    }
    if (!x->data || x->dtype != IR_INT64 || x->ndim != 1 ||
        x->dims[0] > IR_MAX_DIMS)
        return FAIL(AVP_EUNSUPPORTED, "input must be a constant shape");
    int n = ir_const_ints(x, d, IR_MAX_DIMS);
    for (int i = 0; i < n; i++)
        if (d[i] < 0 || d[i] > (1 << 24))
            return FAIL(AVP_EFORMAT, "bad shape value");
    ir_shape_set_out(g, nd, 0, IR_FLOAT, n, d, 0); /* dtype fixed by fold.c */
    return 0;
}

static int shape_range(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    double v[3];
    for (int i = 0; i < 3; i++) {
        const ir_tensor_t *t = ir_shape_in(g, nd, i);
        if (!t || !t->data || ir_numel(t) != 1)
            return FAIL(AVP_EUNSUPPORTED, "inputs must be constant scalars");
        v[i] = t->dtype == IR_FLOAT ? *(const float *)t->data
                                    : (double)*(const int64_t *)t->data;
    }
    double count = v[2] != 0 ? (v[1] - v[0]) / v[2] : -1;
    if (v[2] == 0 || count > (1 << 24))
        return FAIL(AVP_EFORMAT, "bad range");
    int64_t d = count > 0 ? (int64_t)count + ((double)(int64_t)count < count)
                          : 0;
    ir_shape_set_out(g, nd, 0, ir_shape_in(g, nd, 0)->dtype, 1, &d, 0);
    return 0;
}

static int shape_node(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    switch (nd->op) {
    case OP_CONV: case OP_QCONV: return shape_conv(g, nd, err);
    case OP_MAXPOOL: return shape_pool(g, nd, err);
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW:
        return shape_binary(g, nd, err);
    case OP_SHAPE: case OP_CONSTANTOFSHAPE: return shape_valued(g, nd, err);
    case OP_RANGE: return shape_range(g, nd, err);
    case OP_RESIZE: case OP_UPSAMPLE: return ir_shapes_resize(g, nd, err);
    case OP_CONSTANT: return 0; /* fold.c sets it from the attribute */
    case OP_LAYERNORM: case OP_REDUCEMEAN: case OP_CLIP:
        return ir_norm_shape(g, nd, err);
    case OP_PAD: return ir_pad_shape(g, nd, err);
    case OP_QMATMUL: return ir_quant_shape(g, nd, err);
    case OP_BATCHNORM: case OP_SIGMOID: case OP_EXP: case OP_RELU:
    case OP_LEAKYRELU: case OP_HARDSIGMOID: case OP_HARDSWISH:
    case OP_SOFTMAX: case OP_CAST: case OP_FAKEQUANT:
        return shape_same(g, nd, err);
    default:
        return ir_shapes_layout(g, nd, err);
    }
}

/* Caps every tensor at IR_MAX_ELEMS, so that no later size computation
 * (arena offsets, kernel loops over int) can overflow. */
static int check_sizes(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    for (int o = 0; o < nd->nout; o++) {
        const ir_tensor_t *t = &g->t[nd->out[o]];
        int64_t n = 1;
        for (int i = 0; i < t->ndim; i++)
            if (t->dims[i] < 0 ||
                __builtin_mul_overflow(n, t->dims[i], &n) || n > IR_MAX_ELEMS)
                return FAIL(AVP_EUNSUPPORTED, "tensor '%s' is too large or "
                            "has a negative dim", t->name);
    }
    return 0;
}

/* Runtime nodes compute float32 only; integer tensors must fold away. */
static int check_runtime(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    if (nd->nin > IR_MAX_PARTS || nd->nout > IR_MAX_PARTS)
        return FAIL(AVP_EUNSUPPORTED, "more than %d inputs or outputs",
                    IR_MAX_PARTS);
    for (int o = 0; o < nd->nout; o++) {
        const ir_tensor_t *t = &g->t[nd->out[o]];
        if (t->dtype != IR_FLOAT)
            return FAIL(AVP_EUNSUPPORTED, "integer tensor '%s' depends on "
                        "the input at run time", t->name);
        if (ir_numel(t) <= 0)
            return FAIL(AVP_EUNSUPPORTED, "empty output '%s'", t->name);
    }
    return 0;
}

static int batch_inputs(ir_graph_t *g, avp_error_t *err)
{
    for (int i = 0; i < g->ninputs; i++) {
        ir_tensor_t *t = &g->t[g->inputs[i]];
        int64_t n = g->batch;
        for (int d = 1; d < t->ndim; d++)
            if (__builtin_mul_overflow(n, t->dims[d], &n) || n > IR_MAX_ELEMS)
                return avp_error_set(err, AVP_EUNSUPPORTED, "input '%s' is "
                                     "too large", t->name);
        if (t->dims[0] != 1 && t->dims[0] != g->batch)
            return avp_error_set(err, AVP_EUNSUPPORTED, "input '%s' has "
                                 "batch %lld; AVP rewrites a batch of 1",
                                 t->name, (long long)t->dims[0]);
        t->dims[0] = g->batch;
        t->batch_major = 1;
    }
    return 0;
}

int ir_shapes_infer(ir_graph_t *g, avp_error_t *err)
{
    int rc = batch_inputs(g, err);
    ir_count_uses(g);
    for (int k = 0; rc >= 0 && k < g->nn; k++) {
        ir_node_t *nd = &g->n[k];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->nin; i++)
            if (nd->in[i] >= 0 && g->t[nd->in[i]].ndim < 0)
                return FAIL(AVP_EFORMAT, "input '%s' has no shape",
                            g->t[nd->in[i]].name);
        if ((rc = shape_node(g, nd, err)) < 0 ||
            (rc = check_sizes(g, nd, err)) < 0)
            break;
        if (ir_fold_foldable(g, nd))
            rc = ir_fold_node(g, nd, err);
        else
            rc = check_runtime(g, nd, err);
    }
    return rc;
}
