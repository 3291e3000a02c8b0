/*
 * shape_layout.c - shape inference for the ops that move data rather than
 * compute it (Reshape and its kin, Transpose, Concat, Split, Slice, Gather,
 * Resize) and for MatMul. Their parameters (targets, starts, sizes, scales)
 * must be constant by the time the node is reached; shape.c's in-order
 * folding makes the usual shape subgraphs so.
 */
#include "infer/internal.h"

#include <string.h>

#define FAIL(code, ...) ir_node_error(nd, err, code, __VA_ARGS__)

/* Reads constant integer input i (at most max values); -1 if it is not a
 * constant integer vector. */
static int const_input(ir_graph_t *g, const ir_node_t *nd, int i, int64_t *v,
                       int max)
{
    const ir_tensor_t *t = ir_shape_in(g, nd, i);
    if (!t || !t->data || t->dtype != IR_INT64 || t->ndim > 1 ||
        ir_numel(t) > max)
        return -1;
    return ir_const_ints(t, v, max);
}

/* ---- views: Reshape, Flatten, Squeeze, Unsqueeze, Identity ------------- */

static int reshape_target(ir_graph_t *g, ir_node_t *nd, const ir_tensor_t *x,
                          int64_t *y, int *ny, avp_error_t *err)
{
    int n = const_input(g, nd, 1, y, IR_MAX_DIMS);
    if (n < 0)
        return FAIL(AVP_EUNSUPPORTED, "target shape must be constant");
    /* Exports hard-code the batch as 1 ([1, 85, -1]); the data's leading
     * dim is now N, so the target's is too. */
    if (x->batch_major && g->batch > 1 && n > 0 && y[0] == 1)
        y[0] = g->batch;
    int64_t known = 1;
    int infer = -1;
    for (int i = 0; i < n; i++) {
        if (y[i] == 0 && !nd->p.allowzero) {
            if (i >= x->ndim)
                return FAIL(AVP_EFORMAT, "0 in target beyond input rank");
            y[i] = x->dims[i];
        }
        if (y[i] == -1 && infer < 0)
            infer = i;
        else if (y[i] < 0)
            return FAIL(AVP_EFORMAT, "bad target dim %lld", (long long)y[i]);
        else if (__builtin_mul_overflow(known, y[i], &known) ||
                 known > IR_MAX_ELEMS)
            return FAIL(AVP_EFORMAT, "target too large");
    }
    if (infer >= 0)
        y[infer] = known ? ir_numel(x) / known : 0;
    *ny = n;
    return 0;
}

static int squeeze_axes(ir_graph_t *g, ir_node_t *nd, int rank, int *mask,
                        avp_error_t *err)
{
    int64_t axes[IR_MAX_DIMS];
    int n = nd->p.naxes;
    if (rank > IR_MAX_DIMS)
        return FAIL(AVP_EUNSUPPORTED, "too many dims");
    if (n < 0 && !ir_shape_in(g, nd, 1) && nd->op == OP_UNSQUEEZE)
        return FAIL(AVP_EFORMAT, "no axes");
    if (n >= 0)
        memcpy(axes, nd->p.axes, sizeof(axes));
    else if (ir_shape_in(g, nd, 1) &&
             (n = const_input(g, nd, 1, axes, IR_MAX_DIMS)) < 0)
        return FAIL(AVP_EUNSUPPORTED, "axes must be constant");
    n = n < 0 ? 0 : n; /* Squeeze without axes: every dim of 1 */
    memset(mask, 0, (size_t)IR_MAX_DIMS * sizeof(int));
    for (int i = 0; i < n; i++) {
        int a;
        if (ir_norm_axis(axes[i], rank, &a) < 0 || mask[a])
            return FAIL(AVP_EFORMAT, "bad axes");
        mask[a] = 1;
    }
    return n;
}

static int shape_view(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    int64_t y[IR_MAX_DIMS];
    int ny = 0, mask[IR_MAX_DIMS], rc = 0;
    if (nd->op == OP_RESHAPE) {
        rc = reshape_target(g, nd, x, y, &ny, err);
    } else if (nd->op == OP_FLATTEN) {
        int axis = nd->p.axis < 0 ? nd->p.axis + x->ndim : nd->p.axis;
        if (axis < 0 || axis > x->ndim)
            return FAIL(AVP_EFORMAT, "axis out of range");
        y[0] = y[1] = 1;
        for (int i = 0; i < x->ndim; i++)
            y[i >= axis] *= x->dims[i];
        ny = 2;
    } else if (nd->op == OP_SQUEEZE) {
        int n = squeeze_axes(g, nd, x->ndim, mask, err);
        for (int i = 0; n >= 0 && i < x->ndim; i++)
            if (n > 0 ? !mask[i] : x->dims[i] != 1)
                y[ny++] = x->dims[i];
            else if (x->dims[i] != 1)
                return FAIL(AVP_EFORMAT, "squeezed dim is not 1");
        rc = n < 0 ? n : 0;
    } else if (nd->op == OP_UNSQUEEZE) {
        const ir_tensor_t *a = ir_shape_in(g, nd, 1);
        int64_t k = nd->p.naxes >= 0 ? nd->p.naxes : a ? ir_numel(a) : 0;
        int n = squeeze_axes(g, nd, (int)(x->ndim + (k < 9 ? k : 9)), mask,
                             err);
        if (n < 0)
            return n;
        for (int i = 0, k = 0; i < x->ndim + n; i++)
            y[ny++] = mask[i] ? 1 : x->dims[k++];
    } else {
        ny = x->ndim;
        memcpy(y, x->dims, sizeof(y));
    }
    if (rc < 0)
        return rc;
    int64_t numel = 1;
    for (int i = 0; i < ny; i++)
        numel *= y[i];
    if (numel != ir_numel(x))
        return FAIL(AVP_EFORMAT, "%lld elements cannot become %lld",
                    (long long)ir_numel(x), (long long)numel);
    ir_shape_set_out(g, nd, 0, x->dtype, ny, y, x->batch_major);
    return 0;
}

/* ---- Transpose, Concat, Split, Slice, Gather --------------------------- */

static int shape_transpose(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    ir_params_t *p = &nd->p;
    int seen[IR_MAX_DIMS] = {0};
    int64_t y[IR_MAX_DIMS];
    if (p->nperm == 0) { /* default: reverse the dims */
        p->nperm = x->ndim;
        for (int i = 0; i < x->ndim; i++)
            p->perm[i] = x->ndim - 1 - i;
    }
    if (p->nperm != x->ndim)
        return FAIL(AVP_EFORMAT, "perm has %d entries for %d dims", p->nperm,
                    x->ndim);
    for (int i = 0; i < x->ndim; i++) {
        if (p->perm[i] < 0 || p->perm[i] >= x->ndim || seen[p->perm[i]]++)
            return FAIL(AVP_EFORMAT, "perm is not a permutation");
        y[i] = x->dims[p->perm[i]];
    }
    ir_shape_set_out(g, nd, 0, x->dtype, x->ndim, y, x->batch_major && p->perm[0] == 0);
    return 0;
}

static int shape_concat(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    int axis, bm = 1;
    int64_t y[IR_MAX_DIMS];
    if (ir_norm_axis(nd->p.axis, x->ndim, &axis) < 0)
        return FAIL(AVP_EFORMAT, "axis out of range");
    nd->p.axis = axis;
    memcpy(y, x->dims, sizeof(y));
    y[axis] = 0;
    for (int i = 0; i < nd->nin; i++) {
        const ir_tensor_t *t = ir_shape_in(g, nd, i);
        if (!t || t->ndim != x->ndim || t->dtype != x->dtype)
            return FAIL(AVP_EFORMAT, "inputs differ in rank or type");
        for (int d = 0; d < x->ndim; d++)
            if (d != axis && t->dims[d] != x->dims[d])
                return FAIL(AVP_EFORMAT, "input %d has dim %d = %lld, not "
                            "%lld", i, d, (long long)t->dims[d],
                            (long long)x->dims[d]);
        y[axis] += t->dims[axis];
        bm &= t->batch_major || (t->data != NULL && g->batch == 1);
    }
    ir_shape_set_out(g, nd, 0, x->dtype, x->ndim, y, bm && axis > 0);
    return 0;
}

static int shape_split(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    int axis;
    if (ir_norm_axis(nd->p.axis, x->ndim, &axis) < 0)
        return FAIL(AVP_EFORMAT, "axis out of range");
    nd->p.axis = axis;
    if (!nd->p.sizes) {
        nd->p.sizes = avp_malloc((size_t)nd->nout * sizeof(int64_t));
        if (ir_shape_in(g, nd, 1)) {
            if (const_input(g, nd, 1, nd->p.sizes, nd->nout) != nd->nout)
                return FAIL(AVP_EUNSUPPORTED, "split sizes must be constant, "
                            "one per output");
        } else {
            /* Opset 18's num_outputs: ceil-sized parts, the last smaller. */
            int64_t part = (x->dims[axis] + nd->nout - 1) / nd->nout;
            if (x->dims[axis] % nd->nout && !nd->p.num_outputs)
                return FAIL(AVP_EUNSUPPORTED, "uneven split");
            for (int i = 0; i < nd->nout; i++)
                nd->p.sizes[i] = i < nd->nout - 1 ? part
                               : x->dims[axis] - part * (nd->nout - 1);
        }
    }
    int64_t sum = 0, y[IR_MAX_DIMS];
    memcpy(y, x->dims, sizeof(y));
    for (int i = 0; i < nd->nout; i++) {
        if (nd->p.sizes[i] < 0)
            return FAIL(AVP_EFORMAT, "negative split");
        sum += nd->p.sizes[i];
        y[axis] = nd->p.sizes[i];
        ir_shape_set_out(g, nd, i, x->dtype, x->ndim, y, x->batch_major && axis > 0);
    }
    if (sum != x->dims[axis])
        return FAIL(AVP_EFORMAT, "split sizes sum to %lld, not %lld",
                    (long long)sum, (long long)x->dims[axis]);
    return 0;
}

/* One axis of Slice, clamped as the ONNX spec says; returns the count. */
static int64_t slice_axis(int64_t dim, int64_t start, int64_t end,
                          int64_t step, int64_t *first)
{
    if (start < 0)
        start += dim;
    if (end < 0)
        end += dim;
    if (step > 0) {
        start = start < 0 ? 0 : start > dim ? dim : start;
        end = end < 0 ? 0 : end > dim ? dim : end;
        *first = start;
        return end > start ? (end - start - 1) / step + 1 : 0;
    }
    step = step < -INT64_MAX ? -INT64_MAX : step; /* so -step exists */
    start = start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
    end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
    *first = start;
    return start > end ? (start - end - 1) / -step + 1 : 0;
}

static int shape_slice(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    int64_t st[IR_MAX_DIMS], en[IR_MAX_DIMS], ax[IR_MAX_DIMS], sp[IR_MAX_DIMS];
    int n = const_input(g, nd, 1, st, IR_MAX_DIMS);
    int ne = const_input(g, nd, 2, en, IR_MAX_DIMS);
    int na = ir_shape_in(g, nd, 3) ? const_input(g, nd, 3, ax, IR_MAX_DIMS) : n;
    int ns = ir_shape_in(g, nd, 4) ? const_input(g, nd, 4, sp, IR_MAX_DIMS) : n;
    if (n < 0 || ne != n || na != n || ns != n)
        return FAIL(AVP_EUNSUPPORTED, "starts, ends, axes and steps must be "
                    "constant and of equal length");
    ir_params_t *p = &nd->p;
    int64_t y[IR_MAX_DIMS];
    int seen[IR_MAX_DIMS] = {0};
    memcpy(y, x->dims, sizeof(y));
    for (int d = 0; d < x->ndim; d++) {
        p->starts[d] = 0;
        p->steps[d] = 1;
    }
    for (int i = 0; i < n; i++) {
        int a;
        if (ir_norm_axis(ir_shape_in(g, nd, 3) ? ax[i] : i, x->ndim, &a) < 0 ||
            seen[a]++)
            return FAIL(AVP_EFORMAT, "bad axes");
        int64_t step = ir_shape_in(g, nd, 4) ? sp[i] : 1;
        if (step == 0)
            return FAIL(AVP_EFORMAT, "step 0");
        p->steps[a] = step;
        y[a] = slice_axis(x->dims[a], st[i], en[i], step, &p->starts[a]);
    }
    int bm = x->batch_major && p->starts[0] == 0 && p->steps[0] == 1;
    ir_shape_set_out(g, nd, 0, x->dtype, x->ndim, y, bm);
    return 0;
}

static int shape_gather(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0), *idx = ir_shape_in(g, nd, 1);
    int axis;
    if (ir_norm_axis(nd->p.axis, x->ndim, &axis) < 0)
        return FAIL(AVP_EFORMAT, "axis out of range");
    nd->p.axis = axis;
    if (!idx->data || idx->dtype != IR_INT64)
        return FAIL(AVP_EUNSUPPORTED, "indices must be constant integers");
    const int64_t *v = idx->data;
    for (int64_t i = 0; i < ir_numel(idx); i++)
        if (v[i] < -x->dims[axis] || v[i] >= x->dims[axis])
            return FAIL(AVP_EFORMAT, "index %lld out of range",
                        (long long)v[i]);
    if (x->ndim - 1 + idx->ndim > IR_MAX_DIMS)
        return FAIL(AVP_EUNSUPPORTED, "too many dims");
    int64_t y[IR_MAX_DIMS];
    int ny = 0;
    for (int i = 0; i < axis; i++)
        y[ny++] = x->dims[i];
    for (int i = 0; i < idx->ndim; i++)
        y[ny++] = idx->dims[i];
    for (int i = axis + 1; i < x->ndim; i++)
        y[ny++] = x->dims[i];
    ir_shape_set_out(g, nd, 0, x->dtype, ny, y, x->batch_major && axis > 0);
    return 0;
}

static int shape_matmul(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *a = ir_shape_in(g, nd, 0), *b = ir_shape_in(g, nd, 1);
    int64_t y[IR_MAX_DIMS];
    int ny;
    if (a->ndim < 2 || b->ndim < 2)
        return FAIL(AVP_EUNSUPPORTED, "1-D operands");
    if (a->dims[a->ndim - 1] != b->dims[b->ndim - 2] ||
        ir_broadcast(a->ndim - 2, a->dims, b->ndim - 2, b->dims, &ny, y) < 0)
        return FAIL(AVP_EFORMAT, "shapes do not multiply");
    y[ny++] = a->dims[a->ndim - 2];
    y[ny++] = b->dims[b->ndim - 1];
    int bm = a->batch_major && a->ndim == ny &&
             (!b->batch_major || (b->ndim == ny && ny >= 3));
    ir_shape_set_out(g, nd, 0, IR_FLOAT, ny, y, bm);
    return 0;
}

/* ---- Resize and Upsample ----------------------------------------------- */

static int resize_params(ir_graph_t *g, ir_node_t *nd, const ir_tensor_t *x,
                         int64_t *y, avp_error_t *err)
{
    int is_up = nd->op == OP_UPSAMPLE;
    const ir_tensor_t *scales = ir_shape_in(g, nd, is_up ? 1 : 2);
    const ir_tensor_t *sizes = is_up ? NULL : ir_shape_in(g, nd, 3);
    if (sizes && ir_numel(sizes) > 0) {
        if (const_input(g, nd, 3, y, 4) != 4)
            return FAIL(AVP_EUNSUPPORTED, "sizes must be constant, 4 values");
        if (x->batch_major && y[0] == 1)
            y[0] = g->batch; /* a hard-coded batch, as in Reshape */
        nd->p.scale_h = (float)y[2] / (float)x->dims[2];
        nd->p.scale_w = (float)y[3] / (float)x->dims[3];
        return 0;
    }
    if (!scales || !scales->data || scales->dtype != IR_FLOAT ||
        ir_numel(scales) != 4)
        return FAIL(AVP_EUNSUPPORTED, "scales must be constant, 4 values");
    const float *s = scales->data;
    if (s[0] != 1.f || s[1] != 1.f || !(s[2] > 0.f && s[2] < 1e4f) ||
        !(s[3] > 0.f && s[3] < 1e4f))
        return FAIL(AVP_EUNSUPPORTED, "only spatial scaling");
    y[0] = x->dims[0];
    y[1] = x->dims[1];
    y[2] = (int64_t)((double)x->dims[2] * s[2]);
    y[3] = (int64_t)((double)x->dims[3] * s[3]);
    nd->p.scale_h = s[2];
    nd->p.scale_w = s[3];
    return 0;
}

int ir_shapes_resize(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    int64_t y[4];
    if (x->ndim != 4)
        return FAIL(AVP_EUNSUPPORTED, "only 4-D (NCHW) input");
    int rc = resize_params(g, nd, x, y, err);
    if (rc < 0)
        return rc;
    if (y[0] != x->dims[0] || y[1] != x->dims[1] || y[2] < 1 || y[3] < 1)
        return FAIL(AVP_EUNSUPPORTED, "only spatial resizing");
    ir_shape_set_out(g, nd, 0, IR_FLOAT, 4, y, x->batch_major);
    return 0;
}

int ir_shapes_layout(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    switch (nd->op) {
    case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
    case OP_IDENTITY:
        return shape_view(g, nd, err);
    case OP_TRANSPOSE: return shape_transpose(g, nd, err);
    case OP_CONCAT: return shape_concat(g, nd, err);
    case OP_SPLIT: return shape_split(g, nd, err);
    case OP_SLICE: return shape_slice(g, nd, err);
    case OP_GATHER: return shape_gather(g, nd, err);
    case OP_MATMUL: return shape_matmul(g, nd, err);
    default:
        return FAIL(AVP_EINTERNAL, "no shape rule");
    }
}
