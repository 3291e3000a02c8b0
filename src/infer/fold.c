/*
 * fold.c - constant folding. Exports compute shapes at run time (Shape ->
 * Gather -> Unsqueeze -> Concat -> Reshape) and build constants from ops
 * (Constant, ConstantOfShape, Range, Cast); with every shape static these
 * are all known at load. shape.c calls ir_fold_node() for a node as soon
 * as its inputs are constant; the node dies and its output becomes a
 * constant tensor. Integer tensors exist only here: whatever stays integer
 * after folding is unsupported at run time.
 *
 * The values are small (shape vectors, a few scalars), so these loops
 * favour brevity: elements are addressed by computing coordinates.
 */
#include "infer/internal.h"

#include <math.h>
#include <string.h>

#define FAIL(code, ...) ir_node_error(nd, err, code, __VA_ARGS__)

int ir_const_ints(const ir_tensor_t *t, int64_t *v, int max)
{
    int64_t n = ir_numel(t);
    if (n > max || !t->data)
        return -1;
    for (int64_t i = 0; i < n; i++)
        v[i] = t->dtype == IR_INT64 ? ((const int64_t *)t->data)[i]
                                    : (int64_t)((const float *)t->data)[i];
    return (int)n;
}

int ir_fold_foldable(const ir_graph_t *g, const ir_node_t *nd)
{
    switch (nd->op) {
    case OP_CONSTANT: case OP_SHAPE:
        return 1;
    case OP_GATHER: case OP_UNSQUEEZE: case OP_SQUEEZE: case OP_CONCAT:
    case OP_SLICE: case OP_CAST: case OP_CONSTANTOFSHAPE: case OP_RANGE:
    case OP_RESHAPE: case OP_FLATTEN: case OP_IDENTITY: case OP_ADD:
    case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW:
        break;
    default:
        return 0;
    }
    for (int i = 0; i < nd->nin; i++)
        if (nd->in[i] >= 0 && !g->t[nd->in[i]].data)
            return 0;
    return 1;
}

/* Flat index into a tensor of dims a (na, right-aligned against y) for the
 * output coordinates c, honouring broadcasting. */
static int64_t bcast_index(int ny, const int64_t *c, int na, const int64_t *a)
{
    int64_t idx = 0;
    for (int i = 0; i < na; i++) {
        int64_t ci = c[ny - na + i];
        idx = idx * a[i] + (a[i] == 1 ? 0 : ci);
    }
    return idx;
}

static void coords(int64_t flat, int n, const int64_t *dims, int64_t *c)
{
    for (int i = n - 1; i >= 0; i--) {
        c[i] = dims[i] ? flat % dims[i] : 0;
        flat = dims[i] ? flat / dims[i] : 0;
    }
}

static double get_f(const ir_tensor_t *t, int64_t i)
{
    return t->dtype == IR_FLOAT ? ((const float *)t->data)[i]
                                : (double)((const int64_t *)t->data)[i];
}

static int64_t to_i64(double v)
{
    if (!(v == v))
        return 0;
    return v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
}

static int fold_binary(const ir_tensor_t *a, const ir_tensor_t *b,
                       ir_tensor_t *y, ir_op_t op)
{
    int64_t c[IR_MAX_DIMS];
    for (int64_t i = 0, n = ir_numel(y); i < n; i++) {
        coords(i, y->ndim, y->dims, c);
        int64_t ia = bcast_index(y->ndim, c, a->ndim, a->dims);
        int64_t ib = bcast_index(y->ndim, c, b->ndim, b->dims);
        if (y->dtype == IR_INT64) {
            int64_t u = ((const int64_t *)a->data)[ia];
            int64_t v = ((const int64_t *)b->data)[ib], r;
            if (op == OP_DIV && (v == 0 || (u == INT64_MIN && v == -1)))
                return -1;
            /* Unsigned arithmetic wraps instead of overflowing (UB). */
            r = op == OP_ADD ? (int64_t)((uint64_t)u + (uint64_t)v)
              : op == OP_SUB ? (int64_t)((uint64_t)u - (uint64_t)v)
              : op == OP_MUL ? (int64_t)((uint64_t)u * (uint64_t)v)
              : op == OP_DIV ? u / v : to_i64(pow((double)u, (double)v));
            ((int64_t *)y->data)[i] = r;
        } else {
            float u = ((const float *)a->data)[ia];
            float v = ((const float *)b->data)[ib];
            ((float *)y->data)[i] = op == OP_ADD ? u + v : op == OP_SUB ? u - v
                                  : op == OP_MUL ? u * v : op == OP_DIV ? u / v
                                  : powf(u, v);
        }
    }
    return 0;
}

/* Slice and Gather: each output element's source found by coordinates. */
static void fold_slice(const ir_node_t *nd, const ir_tensor_t *x,
                       ir_tensor_t *y)
{
    size_t es = ir_dtype_size(x->dtype);
    int64_t c[IR_MAX_DIMS];
    for (int64_t i = 0, n = ir_numel(y); i < n; i++) {
        coords(i, y->ndim, y->dims, c);
        int64_t src = 0;
        for (int d = 0; d < x->ndim; d++)
            src = src * x->dims[d] + nd->p.starts[d] + c[d] * nd->p.steps[d];
        memcpy((char *)y->data + i * es, (const char *)x->data + src * es, es);
    }
}

static void fold_gather(const ir_node_t *nd, const ir_tensor_t *x,
                        const ir_tensor_t *idx, ir_tensor_t *y)
{
    size_t es = ir_dtype_size(x->dtype);
    int axis = nd->p.axis;
    int64_t outer = 1, inner = 1, k = ir_numel(idx), dim = x->dims[axis];
    for (int d = 0; d < axis; d++)
        outer *= x->dims[d];
    for (int d = axis + 1; d < x->ndim; d++)
        inner *= x->dims[d];
    const int64_t *iv = idx->data;
    char *dst = y->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < k; j++) {
            int64_t at = iv[j] < 0 ? iv[j] + dim : iv[j];
            memcpy(dst, (const char *)x->data + ((o * dim + at) * inner) * es,
                   (size_t)inner * es);
            dst += inner * es;
        }
}

static void fold_concat(ir_graph_t *g, const ir_node_t *nd, ir_tensor_t *y)
{
    size_t es = ir_dtype_size(y->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < nd->p.axis; d++)
        outer *= y->dims[d];
    for (int d = nd->p.axis + 1; d < y->ndim; d++)
        inner *= y->dims[d];
    char *dst = y->data;
    for (int64_t o = 0; o < outer; o++)
        for (int i = 0; i < nd->nin; i++) {
            const ir_tensor_t *t = &g->t[nd->in[i]];
            size_t chunk = (size_t)(t->dims[nd->p.axis] * inner) * es;
            memcpy(dst, (const char *)t->data + (size_t)o * chunk, chunk);
            dst += chunk;
        }
}

static void fold_cast(const ir_tensor_t *x, ir_tensor_t *y)
{
    for (int64_t i = 0, n = ir_numel(y); i < n; i++) {
        double v = get_f(x, i);
        if (y->dtype == IR_FLOAT)
            ((float *)y->data)[i] = (float)v;
        else if (x->dtype == IR_INT64) /* exact, not through double */
            ((int64_t *)y->data)[i] = ((const int64_t *)x->data)[i];
        else
            ((int64_t *)y->data)[i] = to_i64(v);
    }
}

/* Constant and ConstantOfShape: the value comes from an attribute. */
static int fold_constant(ir_graph_t *g, ir_node_t *nd, ir_tensor_t *y,
                         avp_error_t *err)
{
    const ir_attr_t *a = nd->nattr == 1 ? &nd->attr[0] : NULL;
    if (nd->op == OP_CONSTANTOFSHAPE) {
        const ir_tensor_t *v = a && a->type == IR_ATTR_TENSOR &&
                               a->tensor >= 0 ? &g->t[a->tensor] : NULL;
        if (nd->nattr > 1 || (a && (!v || ir_numel(v) != 1)))
            return FAIL(AVP_EFORMAT, "value must be one element");
        if (ir_tensor_alloc(y, v ? v->dtype : IR_FLOAT, y->ndim, y->dims) < 0)
            return FAIL(AVP_ENOMEM, "out of memory");
        for (int64_t i = 0, n = ir_numel(y); i < n; i++)
            if (y->dtype == IR_FLOAT)
                ((float *)y->data)[i] = v ? *(const float *)v->data : 0.f;
            else
                ((int64_t *)y->data)[i] = *(const int64_t *)v->data;
        return 0;
    }
    int numeric = a && (a->type == IR_ATTR_INT || a->type == IR_ATTR_FLOAT ||
                        a->type == IR_ATTR_INTS || a->type == IR_ATTR_FLOATS ||
                        (a->type == IR_ATTR_TENSOR && a->tensor >= 0));
    if (!numeric)
        return FAIL(AVP_EUNSUPPORTED, "needs one numeric value attribute");
    int64_t n = a->type == IR_ATTR_INTS ? a->n
              : a->type == IR_ATTR_FLOATS ? a->nf : 1;
    ir_dtype_t dt = a->type == IR_ATTR_INT || a->type == IR_ATTR_INTS
                    ? IR_INT64 : IR_FLOAT;
    if (a->type == IR_ATTR_TENSOR) {
        /* The attribute's tensor hands its storage to the output. */
        ir_tensor_t *v = &g->t[a->tensor];
        y->dtype = v->dtype;
        y->ndim = v->ndim;
        memcpy(y->dims, v->dims, sizeof(y->dims));
        y->data = v->data;
        v->data = NULL;
        return 0;
    }
    if (ir_tensor_alloc(y, dt, a->type == IR_ATTR_INTS ||
                        a->type == IR_ATTR_FLOATS, &n) < 0)
        return FAIL(AVP_ENOMEM, "out of memory");
    if (a->type == IR_ATTR_INT || a->type == IR_ATTR_FLOAT) {
        if (dt == IR_INT64)
            *(int64_t *)y->data = a->i;
        else
            *(float *)y->data = a->f;
    } else if (n) {
        memcpy(y->data, dt == IR_INT64 ? (void *)a->ints : (void *)a->floats,
               (size_t)n * ir_dtype_size(dt));
    }
    return 0;
}

static int fold_values(ir_graph_t *g, ir_node_t *nd, ir_tensor_t *y,
                       avp_error_t *err)
{
    const ir_tensor_t *x = nd->nin > 0 ? &g->t[nd->in[0]] : NULL;
    switch (nd->op) {
    case OP_SHAPE:
        for (int64_t i = 0; i < y->dims[0]; i++)
            ((int64_t *)y->data)[i] = x->dims[nd->p.shape_start + i];
        return 0;
    case OP_RANGE:
        for (int64_t i = 0; i < y->dims[0]; i++) {
            double v = get_f(x, 0) + (double)i * get_f(&g->t[nd->in[2]], 0);
            if (y->dtype == IR_FLOAT)
                ((float *)y->data)[i] = (float)v;
            else
                ((int64_t *)y->data)[i] = to_i64(v);
        }
        return 0;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW:
        if (fold_binary(x, &g->t[nd->in[1]], y, nd->op) < 0)
            return FAIL(AVP_EFORMAT, "integer division by zero");
        return 0;
    case OP_SLICE: fold_slice(nd, x, y); return 0;
    case OP_GATHER: fold_gather(nd, x, &g->t[nd->in[1]], y); return 0;
    case OP_CONCAT: fold_concat(g, nd, y); return 0;
    case OP_CAST: fold_cast(x, y); return 0;
    default: /* views: the same elements under new dims */
        memcpy(y->data, x->data, (size_t)ir_numel(x) * ir_dtype_size(x->dtype));
        return 0;
    }
}

int ir_fold_node(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    ir_tensor_t *y = &g->t[nd->out[0]];
    int rc;
    if (nd->op == OP_CONSTANT || nd->op == OP_CONSTANTOFSHAPE) {
        rc = fold_constant(g, nd, y, err);
    } else {
        if (ir_tensor_alloc(y, y->dtype, y->ndim, y->dims) < 0)
            return FAIL(AVP_ENOMEM, "out of memory folding");
        rc = fold_values(g, nd, y, err);
    }
    if (rc < 0)
        return rc;
    y->batch_major = 0;
    ir_node_kill(g, nd);
    return 0;
}
