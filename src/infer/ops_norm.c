/*
 * ops_norm.c - the ops of attention-style heads (YOLO11's C2PSA, YOLOv10's
 * PSA, transformer necks) beyond what ops.c had: LayerNormalization,
 * ReduceMean and Clip. Each has its attribute parsing (with the opset
 * changes: ReduceMean's axes became an input in opset 18), its shape rule
 * and its run here, so ops.c, shape.c and exec.c only dispatch to them.
 */
#include "infer/internal.h"

#include <math.h>
#include <string.h>

#define FAIL(code, ...) ir_node_error(nd, err, code, __VA_ARGS__)

void ir_norm_parse(const ir_graph_t *g, ir_node_t *nd, const char **bad)
{
    ir_params_t *p = &nd->p;
    if (nd->op == OP_LAYERNORM) {
        p->axis = (int)ir_attr_int(nd, "axis", -1, bad);
        p->eps = ir_attr_float(nd, "epsilon", 1e-5f, bad);
        /* stash_type 1: statistics in float (or wider), which AVP does. */
        if (ir_attr_int(nd, "stash_type", 1, bad) != 1)
            *bad = "stash_type";
    } else if (nd->op == OP_REDUCEMEAN) {
        p->keepdims = (int)ir_attr_int(nd, "keepdims", 1, bad);
        p->naxes = -1;
        if (g->opset < 18)
            p->naxes = ir_attr_ints(nd, "axes", p->axes, -1, bad);
        else
            p->noop_empty = (int)ir_attr_int(nd, "noop_with_empty_axes", 0,
                                             bad);
        if (g->opset < 18 && p->naxes == 0)
            p->naxes = -1; /* absent: every axis */
    }
}

/* Clip's bounds: optional constant scalars (inputs since opset 11). */
static int clip_bound(ir_graph_t *g, ir_node_t *nd, int i, float def,
                      float *out, avp_error_t *err)
{
    const ir_tensor_t *t = ir_shape_in(g, nd, i);
    *out = def;
    if (!t)
        return 0;
    if (!t->data || t->dtype != IR_FLOAT || ir_numel(t) != 1)
        return FAIL(AVP_EUNSUPPORTED, "min and max must be constant float "
                    "scalars");
    *out = *(const float *)t->data;
    return 0;
}

static int shape_layernorm(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0), *s = ir_shape_in(g, nd, 1);
    const ir_tensor_t *b = ir_shape_in(g, nd, 2);
    int axis;
    if (ir_norm_axis(nd->p.axis, x->ndim, &axis) < 0)
        return FAIL(AVP_EFORMAT, "axis out of range");
    nd->p.axis = axis;
    int64_t inner = 1;
    for (int d = axis; d < x->ndim; d++)
        inner *= x->dims[d];
    if (ir_numel(s) != inner || (b && ir_numel(b) != inner) ||
        s->dtype != IR_FLOAT || (b && b->dtype != IR_FLOAT))
        return FAIL(AVP_EUNSUPPORTED, "scale and bias must have the %lld "
                    "values of the normalized dims", (long long)inner);
    ir_shape_set_out(g, nd, 0, IR_FLOAT, x->ndim, x->dims,
                     x->batch_major && axis > 0);
    return 0;
}

/* Marks the reduced dims in nd->p.axes[0..ndim) as 0/1 flags. */
static int reduce_mask(ir_graph_t *g, ir_node_t *nd, int ndim, int *mask,
                       avp_error_t *err)
{
    int64_t axes[IR_MAX_DIMS];
    int n = nd->p.naxes;
    if (n >= 0)
        memcpy(axes, nd->p.axes, sizeof(axes));
    const ir_tensor_t *a = ir_shape_in(g, nd, 1);
    if (a && ir_numel(a) > 0) {
        if (!a->data || a->dtype != IR_INT64 || a->ndim != 1 ||
            (n = ir_const_ints(a, axes, IR_MAX_DIMS)) < 0)
            return FAIL(AVP_EUNSUPPORTED, "axes must be constant, at most "
                        "%d", IR_MAX_DIMS);
    }
    for (int d = 0; d < ndim; d++)
        mask[d] = n < 0 && !nd->p.noop_empty;
    for (int i = 0; i < n; i++) {
        int d;
        if (ir_norm_axis(axes[i], ndim, &d) < 0 || mask[d])
            return FAIL(AVP_EFORMAT, "bad axes");
        mask[d] = 1;
    }
    return 0;
}

static int shape_reduce(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    ir_params_t *p = &nd->p;
    int mask[IR_MAX_DIMS], ny = 0, rc;
    int64_t y[IR_MAX_DIMS];
    if (nd->nin > 1 && p->naxes >= 0)
        return FAIL(AVP_EFORMAT, "axes both as attribute and input");
    if ((rc = reduce_mask(g, nd, x->ndim, mask, err)) < 0)
        return rc;
    for (int d = 0; d < x->ndim; d++) {
        p->reduced[d] = mask[d];
        if (!mask[d] || p->keepdims)
            y[ny++] = mask[d] ? 1 : x->dims[d];
    }
    ir_shape_set_out(g, nd, 0, IR_FLOAT, ny, y, x->batch_major && !mask[0]);
    return 0;
}

int ir_norm_shape(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0);
    if (x->dtype != IR_FLOAT)
        return FAIL(AVP_EUNSUPPORTED, "input must be float");
    if (nd->op == OP_LAYERNORM)
        return shape_layernorm(g, nd, err);
    if (nd->op == OP_REDUCEMEAN)
        return shape_reduce(g, nd, err);
    int rc = clip_bound(g, nd, 1, -INFINITY, &nd->p.alpha, err);
    if (rc == 0)
        rc = clip_bound(g, nd, 2, INFINITY, &nd->p.beta, err);
    if (rc == 0)
        ir_shape_set_out(g, nd, 0, IR_FLOAT, x->ndim, x->dims,
                         x->batch_major);
    return rc;
}

void ir_norm_run(ir_graph_t *g, const ir_node_t *nd, int n)
{
    const ir_tensor_t *x = &g->t[nd->in[0]];
    float *y = g->t[nd->out[0]].ptr;
    int64_t d[IR_MAX_DIMS], numel = 1, inner = 1;
    memcpy(d, x->dims, sizeof(d));
    if (x->batch_major)
        d[0] = n; /* only the first n frames are computed */
    for (int i = 0; i < x->ndim; i++) {
        numel *= d[i];
        inner *= i >= nd->p.axis ? d[i] : 1;
    }
    if (nd->op == OP_LAYERNORM) {
        const float *b = nd->nin > 2 && nd->in[2] >= 0
                         ? g->t[nd->in[2]].ptr : NULL;
        kern_layernorm((size_t)(numel / inner), (size_t)inner, x->ptr,
                       g->t[nd->in[1]].ptr, b, nd->p.eps, y);
    } else if (nd->op == OP_REDUCEMEAN) {
        kern_reduce_mean(x->ndim, d, nd->p.reduced, x->ptr, y);
    } else {
        kern_clip(x->ptr, y, (size_t)numel, nd->p.alpha, nd->p.beta);
    }
}
