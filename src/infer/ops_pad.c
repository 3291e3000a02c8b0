/*
 * ops_pad.c - Pad (opset 11 on: pads, constant_value and, from 18, axes
 * as inputs; constant, reflect and edge modes). The pads must be constant
 * and leave the batch dim alone, so frames stay prefixes of the output.
 * Padded tensors in detection exports are small (a stem, a head branch),
 * so the run maps each output element to its source by coordinates.
 */
#include "infer/internal.h"

#include <string.h>

#define FAIL(code, ...) ir_node_error(nd, err, code, __VA_ARGS__)
#define PAD_MAX (1 << 16)

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE };

void ir_pad_parse(ir_node_t *nd, const char **bad)
{
    static const char *const modes[] = {"constant", "reflect", "edge", NULL};
    if (nd->op != OP_PAD)
        return;
    int m = ir_attr_enum(nd, "mode", modes, bad);
    nd->p.pad_mode = m < 0 ? PAD_CONSTANT : m;
}

/* pads (and axes) -> begin/end per dim in p->starts/p->steps. */
static int pad_amounts(ir_graph_t *g, ir_node_t *nd, int ndim,
                       avp_error_t *err)
{
    const ir_tensor_t *pt = ir_shape_in(g, nd, 1), *at = ir_shape_in(g, nd, 3);
    int64_t pads[2 * IR_MAX_DIMS], axes[IR_MAX_DIMS];
    int na = ndim;
    for (int d = 0; d < IR_MAX_DIMS; d++)
        axes[d] = d;
    if (at && (!at->data || at->dtype != IR_INT64 ||
               (na = ir_const_ints(at, axes, IR_MAX_DIMS)) < 0))
        return FAIL(AVP_EUNSUPPORTED, "axes must be constant");
    if (!pt->data || pt->dtype != IR_INT64 ||
        ir_const_ints(pt, pads, 2 * IR_MAX_DIMS) != 2 * na)
        return FAIL(AVP_EUNSUPPORTED, "pads must be constant, 2 per axis");
    memset(nd->p.starts, 0, sizeof(nd->p.starts));
    memset(nd->p.steps, 0, sizeof(nd->p.steps));
    for (int i = 0; i < na; i++) {
        int d;
        if (ir_norm_axis(axes[i], ndim, &d) < 0)
            return FAIL(AVP_EFORMAT, "bad axes");
        if (pads[i] < 0 || pads[na + i] < 0 || pads[i] > PAD_MAX ||
            pads[na + i] > PAD_MAX)
            return FAIL(AVP_EUNSUPPORTED, "pads must be 0..%d (no cropping)",
                        PAD_MAX);
        nd->p.starts[d] = pads[i];
        nd->p.steps[d] = pads[na + i];
    }
    return 0;
}

int ir_pad_shape(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = ir_shape_in(g, nd, 0), *v = ir_shape_in(g, nd, 2);
    int rc = pad_amounts(g, nd, x->ndim, err);
    if (rc < 0)
        return rc;
    if (x->dtype != IR_FLOAT || (v && (!v->data || v->dtype != IR_FLOAT ||
                                       ir_numel(v) != 1)))
        return FAIL(AVP_EUNSUPPORTED, "float input and a constant float "
                    "constant_value");
    nd->p.alpha = v ? *(const float *)v->data : 0.f;
    if (x->batch_major && (nd->p.starts[0] || nd->p.steps[0]))
        return FAIL(AVP_EUNSUPPORTED, "padding the batch dim");
    int64_t y[IR_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++) {
        y[d] = x->dims[d] + nd->p.starts[d] + nd->p.steps[d];
        if (nd->p.pad_mode != PAD_CONSTANT && x->dims[d] == 0)
            return FAIL(AVP_EFORMAT, "reflect or edge of an empty dim");
        if (nd->p.pad_mode == PAD_REFLECT &&
            (nd->p.starts[d] >= x->dims[d] || nd->p.steps[d] >= x->dims[d]))
            return FAIL(AVP_EUNSUPPORTED, "reflect pad as large as the dim");
    }
    ir_shape_set_out(g, nd, 0, IR_FLOAT, x->ndim, y, x->batch_major);
    return 0;
}

/* Source index along a dim of size n for output coordinate c - begin, or
 * -1 for the constant. */
static int64_t pad_source(int mode, int64_t i, int64_t n)
{
    if (i >= 0 && i < n)
        return i;
    if (mode == PAD_CONSTANT)
        return -1;
    if (mode == PAD_EDGE)
        return i < 0 ? 0 : n - 1;
    return i < 0 ? -i : 2 * (n - 1) - i; /* reflect, pad < n */
}

void ir_pad_run(ir_graph_t *g, const ir_node_t *nd, int n)
{
    const ir_tensor_t *x = &g->t[nd->in[0]], *yt = &g->t[nd->out[0]];
    int64_t xd[IR_MAX_DIMS], yd[IR_MAX_DIMS], c[IR_MAX_DIMS] = {0}, ny = 1;
    int rank = x->ndim;
    memcpy(xd, x->dims, sizeof(xd));
    memcpy(yd, yt->dims, sizeof(yd));
    if (x->batch_major)
        xd[0] = yd[0] = n;
    for (int d = 0; d < rank; d++)
        ny *= yd[d];
    for (int64_t i = 0; i < ny; i++) {
        int64_t src = 0;
        for (int d = 0; d < rank && src >= 0; d++) {
            int64_t s = pad_source(nd->p.pad_mode, c[d] - nd->p.starts[d],
                                   xd[d]);
            src = s < 0 ? -1 : src * xd[d] + s;
        }
        yt->ptr[i] = src < 0 ? nd->p.alpha : x->ptr[src];
        for (int d = rank - 1; d >= 0 && ++c[d] == yd[d]; d--)
            c[d] = 0;
    }
}
