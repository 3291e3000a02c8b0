/*
 * quant_qop.c - quantize_static's QOperator format: QLinearConv,
 * QLinearMatMul and the com.microsoft QLinear ops ONNX Runtime's
 * quantizer writes, between the format's QuantizeLinear and
 * DequantizeLinear.
 *
 * DESIGN: the runtime holds floats only, so an 8-bit tensor between
 * QOperator nodes is held as the floats it dequantizes to, (q - zp) *
 * scale: exact (an 8-bit integer times a float), and quantizing it again
 * with the same constants gives q back exactly. Each node then becomes
 * runtime ops that exist already:
 *   QuantizeLinear          OP_FAKEQUANT (quantized, held dequantized)
 *   DequantizeLinear        Identity, a view: the values are there
 *   QLinearConv, MatMul     OP_QCONV / OP_QMATMUL quantizing x with its
 *                           constants (exact), then OP_FAKEQUANT with y's
 *   QLinearAdd, Mul, Sigmoid, LeakyRelu, Concat, GlobalAveragePool
 *                           the float op, then OP_FAKEQUANT with y's
 * The convs and MatMuls, nearly all of the work, stay integer. ORT
 * requantizes their int32 sums with one float multiply where AVP scales
 * then divides, and computes the elementwise ops in float steps or
 * tables of its own, so outputs agree within one step of y's scale.
 * A tensor's constants are tracked from the node that quantized it
 * through the ops that move 8-bit values unchanged (Reshape, MaxPool,
 * Resize, Concat...); a reader expecting other constants, and a float op
 * reading 8-bit values (a Cast), are refused naming the node.
 */
#include "infer/quant_internal.h"

#include <string.h>

typedef struct qop {
    ir_graph_t *g;
    qparam_t *q;            /* per tensor that existed before the pass */
    char *set;              /* q[t] holds: t is 8-bit */
    int nt;
    avp_error_t *err;
} qop_t;

static const char qop_form[] =
    "AVP runs QOperator models as quantize_static writes them (per-tensor "
    "activations, constant weights)";

static int code_of(const qop_t *s, int t, qparam_t *q)
{
    if (t < 0 || t >= s->nt || !s->set[t])
        return 0;
    if (q)
        *q = s->q[t];
    return 1;
}

static void mark(qop_t *s, int t, const qparam_t *q)
{
    if (t >= 0 && t < s->nt) {
        s->q[t] = *q;
        s->set[t] = 1;
    }
}

static int same(const qparam_t *a, const qparam_t *b)
{
    return a->scale == b->scale && a->zp == b->zp && a->is_u8 == b->is_u8;
}

static int fail(qop_t *s, int k, const char *what, const char *name)
{
    return ir_node_error(&s->g->n[k], s->err, AVP_EUNSUPPORTED, "%s '%s': "
                         "%s", what, name, qop_form);
}

/* A constant 8-bit tensor as the floats it dequantizes to. */
static int dequant_const(ir_graph_t *g, int t, const qparam_t *q)
{
    int64_t n = ir_numel(&g->t[t]);
    int c = quant__new_const(g, IR_FLOAT, n, 0);
    if (c < 0)
        return -1;
    const ir_tensor_t *src = &g->t[t];
    ir_tensor_t *dst = &g->t[c];
    dst->ndim = src->ndim;
    memcpy(dst->dims, src->dims, sizeof(dst->dims));
    float *v = dst->data;
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)((src->dtype == IR_UINT8 ? ((const uint8_t *)src->data)[i]
                                               : ((const int8_t *)src->data)[i])
                       - q->zp) * q->scale;
    return c;
}

/* Operand (x, scale, zero point) of node k at inputs xi, xi + 1, xi + 2:
 * the float tensor that holds it in *t. */
static int operand(qop_t *s, int k, int xi, int *t)
{
    ir_graph_t *g = s->g;
    const ir_node_t *nd = &g->n[k];
    qparam_t q, have;
    int x = nd->in[xi];
    int zi = nd->nin > xi + 2 ? nd->in[xi + 2] : -1;
    if (x < 0)
        return ir_node_error(nd, s->err, AVP_EFORMAT, "input %d is empty",
                             xi);
    if (!quant__qparam_read(g, nd->in[xi + 1], zi, &q))
        return fail(s, k, "quantization constants of", g->t[x].name);
    const ir_tensor_t *xt = &g->t[x];
    if (xt->data && (xt->dtype == IR_UINT8 || xt->dtype == IR_INT8) &&
        (xt->dtype == IR_UINT8) == q.is_u8) {
        *t = dequant_const(g, x, &q);
        return *t < 0 ? AVP_ENOMEM : 0;
    }
    if (!code_of(s, x, &have) || !same(&have, &q))
        return fail(s, k, "reads with other constants than it was "
                    "quantized with", xt->name);
    *t = x;
    return 0;
}

/* Node k reads `n` inputs now. */
static void set_inputs(ir_graph_t *g, int k, const int *in, int n)
{
    ir_node_t *nd = &g->n[k];
    nd->in = avp_realloc(nd->in, (size_t)n * sizeof(int));
    memcpy(nd->in, in, (size_t)n * sizeof(int));
    nd->nin = n;
}

/* A new node at k + 1: producers after k move up one. */
static ir_node_t *insert_after(ir_graph_t *g, int k)
{
    ir_node_add(g);
    memmove(&g->n[k + 2], &g->n[k + 1],
            (size_t)(g->nn - k - 2) * sizeof(ir_node_t));
    for (int t = 0; t < g->nt; t++)
        if (g->t[t].producer > k)
            g->t[t].producer++;
    ir_node_t *nd = &g->n[k + 1];
    memset(nd, 0, sizeof(*nd));
    return nd;
}

/* y's constants, at inputs si and zi (-1 or past the end: absent). */
static int yparam(qop_t *s, int k, int si, int zi, qparam_t *q)
{
    const ir_node_t *nd = &s->g->n[k];
    if (!quant__qparam_read(s->g, nd->in[si], zi < nd->nin ? nd->in[zi] : -1,
                            q))
        return fail(s, k, "quantization constants of",
                    s->g->t[nd->out[0]].name);
    return 0;
}

/* Node k's output goes through a new OP_FAKEQUANT with y's constants,
 * which writes the original output. Returns the nodes added (1). */
static int requant(qop_t *s, int k, const qparam_t *q)
{
    ir_graph_t *g = s->g;
    int c = quant__qparam_const(g, q, 0), mid = ir_tensor_add(g, NULL);
    if (c < 0)
        return AVP_ENOMEM;
    int y = g->n[k].out[0];
    ir_node_t *fq = insert_after(g, k);
    const ir_node_t *nd = &g->n[k];
    fq->name = avp_strdup(nd->name);
    fq->op_type = avp_strdup(nd->op_type);
    fq->op = OP_FAKEQUANT;
    fq->nin = 2;
    fq->in = avp_malloc(2 * sizeof(int));
    fq->in[0] = mid;
    fq->in[1] = c;
    fq->nout = 1;
    fq->out = avp_malloc(sizeof(int));
    fq->out[0] = y;
    g->n[k].out[0] = mid;
    g->t[mid].producer = k;
    g->t[y].producer = k + 1;
    mark(s, y, q);
    return 1;
}

/* ---- QLinearConv, QLinearMatMul -------------------------------------- */

/* Constant 8-bit weights of `ndim` dims at input wi, scale and zero point
 * after them, per tensor or one per output channel (dim `ch`). */
static int weights(qop_t *s, int k, int wi, int ndim, int ch,
                   quant_chain_t *c)
{
    const ir_graph_t *g = s->g;
    const ir_node_t *nd = &g->n[k];
    const ir_tensor_t *w = &g->t[nd->in[wi]], *sc = &g->t[nd->in[wi + 1]];
    const ir_tensor_t *z = &g->t[nd->in[wi + 2]];
    if (!w->data || (w->dtype != IR_UINT8 && w->dtype != IR_INT8) ||
        w->ndim != ndim)
        return fail(s, k, "weights are not constant 8-bit", w->name);
    int64_t ns = ir_numel(sc);
    if (!sc->data || sc->dtype != IR_FLOAT ||
        (ns != 1 && (ns != w->dims[ch] || sc->ndim != 1)) || !z->data ||
        z->dtype != w->dtype || ir_numel(z) != ns)
        return fail(s, k, "weight scale or zero point is not per tensor or "
                    "per output channel", sc->name);
    c->w = nd->in[wi];
    c->w_scale = nd->in[wi + 1];
    c->w_zp = nd->in[wi + 2];
    return 0;
}

/* QLinearConv's int32 bias, scaled by x_scale * w_scale as ORT adds it to
 * the sum. */
static int conv_bias(qop_t *s, int k, float x_scale, quant_chain_t *c)
{
    ir_graph_t *g = s->g;
    int b = g->n[k].nin > 8 ? g->n[k].in[8] : -1;
    int64_t m = g->t[c->w].dims[0];
    if (b < 0)
        return 0;
    if (!g->t[b].data || g->t[b].dtype != IR_INT64 || ir_numel(&g->t[b]) != m)
        return fail(s, k, "bias is not constant int32 per channel",
                    g->t[b].name);
    int t = quant__new_const(g, IR_FLOAT, m, 0);
    if (t < 0)
        return AVP_ENOMEM;
    const ir_tensor_t *ws = &g->t[c->w_scale];
    for (int64_t o = 0; o < m; o++)
        ((float *)g->t[t].data)[o] =
            x_scale * ((const float *)ws->data)[ir_numel(ws) == 1 ? 0 : o];
    c->bias = b;
    c->bias_scale = t;
    return 0;
}

static int qlinear_mm(qop_t *s, int k)
{
    ir_graph_t *g = s->g;
    int conv = g->n[k].op == OP_QLINEARCONV, rc;
    quant_chain_t c = {.conv = &g->n[k], .bias = -1, .bias_scale = -1};
    qparam_t xq, yq;
    c.x = g->n[k].in[0];
    if (!code_of(s, c.x, NULL) ||
        !quant__qparam_read(g, g->n[k].in[1], g->n[k].in[2], &xq) ||
        !same(&s->q[c.x], &xq))
        return fail(s, k, "reads with other constants than it was "
                    "quantized with", g->t[c.x].name);
    if ((rc = yparam(s, k, 6, 7, &yq)) < 0 ||
        (rc = weights(s, k, 3, conv ? 4 : 2, conv ? 0 : 1, &c)) < 0 ||
        (conv && (rc = conv_bias(s, k, xq.scale, &c)) < 0))
        return rc;
    c.y = g->n[k].out[0];
    if ((c.x_quant = quant__qparam_const(g, &xq, 1)) < 0)
        return AVP_ENOMEM;
    if (quant__chain_fuse(g, &c, conv ? OP_QCONV : OP_QMATMUL) < 0)
        return AVP_ENOMEM;
    return requant(s, k, &yq);
}

/* ---- the com.microsoft elementwise ops ------------------------------- */

typedef struct eltwise_def {
    ir_op_t qop, op;
    int a, b, ys;           /* operand inputs (b: -1 for one), y's scale */
} eltwise_def_t;

static const eltwise_def_t eltwise_defs[] = {
    {OP_QLINEARADD, OP_ADD, 0, 3, 6},
    {OP_QLINEARMUL, OP_MUL, 0, 3, 6},
    {OP_QLINEARSIGMOID, OP_SIGMOID, 0, -1, 3},
    {OP_QLINEARLEAKYRELU, OP_LEAKYRELU, 0, -1, 3},
    {OP_QLINEARGAP, OP_REDUCEMEAN, 0, -1, 3},
};

static int eltwise(qop_t *s, int k, const eltwise_def_t *d)
{
    int in[2], n = d->b >= 0 ? 2 : 1, rc;
    qparam_t yq;
    if ((rc = yparam(s, k, d->ys, d->ys + 1, &yq)) < 0 ||
        (rc = operand(s, k, d->a, &in[0])) < 0 ||
        (n > 1 && (rc = operand(s, k, d->b, &in[1])) < 0))
        return rc;
    ir_node_t *nd = &s->g->n[k];
    set_inputs(s->g, k, in, n);
    nd->op = d->op;
    if (d->op == OP_REDUCEMEAN) { /* the mean over H and W, kept */
        nd->p.naxes = 2;
        nd->p.axes[0] = 2;
        nd->p.axes[1] = 3;
        nd->p.keepdims = 1;
    }
    return requant(s, k, &yq);
}

/* QLinearConcat(y_scale, y_zp, (x, x_scale, x_zp)...). */
static int concat(qop_t *s, int k)
{
    int nin = s->g->n[k].nin, rc;
    if (nin < 5 || (nin - 2) % 3)
        return ir_node_error(&s->g->n[k], s->err, AVP_EFORMAT, "%d inputs "
                             "are not y_scale, y_zero_point and triples",
                             nin);
    qparam_t yq;
    int in[IR_MAX_PARTS], n = (nin - 2) / 3;
    if (n > IR_MAX_PARTS)
        return fail(s, k, "too many inputs", s->g->t[s->g->n[k].out[0]].name);
    if ((rc = yparam(s, k, 0, 1, &yq)) < 0)
        return rc;
    for (int i = 0; i < n; i++)
        if ((rc = operand(s, k, 2 + 3 * i, &in[i])) < 0)
            return rc;
    set_inputs(s->g, k, in, n);
    s->g->n[k].op = OP_CONCAT;
    return requant(s, k, &yq);
}

/* ---- the format's edges and the ops between -------------------------- */

/* QuantizeLinear of a float tensor: OP_FAKEQUANT, its output 8-bit. */
static int quantize(qop_t *s, int k)
{
    ir_graph_t *g = s->g;
    ir_node_t *nd = &g->n[k];
    qparam_t q;
    if (code_of(s, nd->in[0], NULL) ||
        !quant__qparam_read(g, nd->in[1], nd->nin > 2 ? nd->in[2] : -1, &q))
        return fail(s, k, "quantizes per axis or 8-bit values",
                    g->t[nd->in[0]].name);
    int in[2] = {nd->in[0], quant__qparam_const(g, &q, 0)};
    if (in[1] < 0)
        return AVP_ENOMEM;
    set_inputs(g, k, in, 2);
    g->n[k].op = OP_FAKEQUANT;
    mark(s, g->n[k].out[0], &q);
    return 0;
}

/* DequantizeLinear of an 8-bit tensor: the values are there already. */
static int dequantize(qop_t *s, int k)
{
    ir_graph_t *g = s->g;
    ir_node_t *nd = &g->n[k];
    qparam_t q, have;
    if (!code_of(s, nd->in[0], &have) ||
        !quant__qparam_read(g, nd->in[1], nd->nin > 2 ? nd->in[2] : -1, &q) ||
        !same(&have, &q))
        return fail(s, k, "dequantizes with other constants than it was "
                    "quantized with", g->t[nd->in[0]].name);
    nd->nin = 1;
    nd->op = OP_IDENTITY;
    return 0;
}

/* Ops that move 8-bit values without arithmetic (ORT's quantizer leaves
 * them on uint8): their outputs keep the input's constants. */
static int moves_bytes(ir_op_t op)
{
    switch (op) {
    case OP_RESHAPE: case OP_TRANSPOSE: case OP_MAXPOOL: case OP_RESIZE:
    case OP_UPSAMPLE: case OP_SLICE: case OP_SPLIT: case OP_SQUEEZE:
    case OP_UNSQUEEZE: case OP_FLATTEN: case OP_IDENTITY: case OP_CONCAT:
    case OP_GATHER:
        return 1;
    default:
        return 0;
    }
}

/* Any other node: 8-bit inputs only where it moves them unchanged, all
 * with one set of constants. */
static int other(qop_t *s, int k)
{
    const ir_node_t *nd = &s->g->n[k];
    qparam_t q0, q;
    int bytes0 = nd->nin > 0 && code_of(s, nd->in[0], &q0);
    for (int i = 0; i < nd->nin; i++) {
        int is = code_of(s, nd->in[i], &q);
        if (is && (!moves_bytes(nd->op) || !bytes0 || !same(&q, &q0)))
            return fail(s, k, "reads 8-bit values as float",
                        s->g->t[nd->in[i]].name);
    }
    for (int o = 0; bytes0 && o < nd->nout; o++)
        mark(s, nd->out[o], &q0);
    return 0;
}

/* Q or DQ on a runtime tensor read by something: constants feeding
 * fused convs, and pairs quant.c folded, are left to drop_dead(). */
static int edge_live(const ir_graph_t *g, const ir_node_t *nd)
{
    return !g->t[nd->in[0]].data &&
           (g->t[nd->out[0]].uses > 0 || g->t[nd->out[0]].is_output);
}

static int rewrite(qop_t *s, int k)
{
    const ir_node_t *nd = &s->g->n[k];
    for (size_t i = 0; i < AVP_ARRAY_LEN(eltwise_defs); i++)
        if (eltwise_defs[i].qop == nd->op)
            return eltwise(s, k, &eltwise_defs[i]);
    switch (nd->op) {
    case OP_QUANTIZE:
        return edge_live(s->g, nd) ? quantize(s, k) : 0;
    case OP_DEQUANTIZE:
        return edge_live(s->g, nd) ? dequantize(s, k) : 0;
    case OP_QLINEARCONV: case OP_QLINEARMATMUL: return qlinear_mm(s, k);
    case OP_QLINEARCONCAT: return concat(s, k);
    default: return other(s, k);
    }
}

int quant__qop_rewrite(ir_graph_t *g, avp_error_t *err)
{
    qop_t s = {.g = g, .nt = g->nt, .err = err};
    s.q = avp_calloc((size_t)g->nt + 1, sizeof(qparam_t));
    s.set = avp_calloc((size_t)g->nt + 1, 1);
    int rc = 0;
    ir_count_uses(g);
    for (int k = 0; k < g->nn && rc >= 0; k++)
        if (!g->n[k].dead && (rc = rewrite(&s, k)) > 0)
            k += rc; /* past the node it added */
    for (int i = 0; rc >= 0 && i < g->noutputs; i++)
        if (code_of(&s, g->outputs[i], NULL))
            rc = avp_error_set(err, AVP_EUNSUPPORTED, "output '%s' is 8-bit "
                               "(AVP's outputs are float)",
                               g->t[g->outputs[i]].name);
    if (rc == AVP_ENOMEM)
        rc = avp_error_set(err, AVP_ENOMEM, "out of memory");
    avp_free(s.q);
    avp_free(s.set);
    return rc < 0 ? rc : 0;
}
