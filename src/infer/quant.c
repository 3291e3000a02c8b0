/*
 * quant.c - ONNX Runtime's dynamic (quantize_dynamic) and QDQ
 * (quantize_static) int8 models run as integer convolutions.
 *
 * DESIGN: quantize_dynamic writes every Conv as
 *     x -> DynamicQuantizeLinear -> (xq, x_scale, x_zp)
 *     ConvInteger(xq, wq, x_zp, w_zp) -> Cast(float) -> Mul(x_scale * w_scale)
 *     -> Add(bias)
 * The runtime holds float tensors only, so the whole chain becomes one
 * OP_QCONV node reading the float x and writing the float sum: the kernel
 * (kern_int8.h) quantizes x exactly as DynamicQuantizeLinear does, per
 * frame (a frame of a batch is quantized as it would be at batch 1), sums
 * in int32 and applies scale and bias in the order ORT's Mul and Add do.
 * The uint8 and int32 intermediates never exist. A DynamicQuantizeLinear
 * read by several ConvIntegers is recomputed by each (a pass over x,
 * cheap beside the conv).
 *
 * quantize_static's QDQ format writes Conv(DQ(Q(x)), DQ(w), DQ(bias)):
 * the same node, quantizing x with Q's constants instead of its range.
 * Every other Q -> DQ pair (around Add, Concat, Sigmoid...) is one float
 * pass that rounds as the pair would (OP_FAKEQUANT), so the float ops
 * between see the values ORT's integer ops see, within a step. Integer
 * ops outside these patterns are refused, naming the form AVP runs.
 */
#include "infer/kern_int8.h"
#include "infer/quant_internal.h"

#include <math.h>
#include <string.h>

/* Live consumers of every tensor, counted once before the rewrite: the
 * chain of one conv (ConvInteger -> Cast -> Mul -> Add) is private to it,
 * so the counts stay true for those links while other chains are fused. */
typedef struct quant_index {
    int *uses;
    int *reader; /* the last live node reading the tensor */
} quant_index_t;

static void index_build(const ir_graph_t *g, quant_index_t *ix)
{
    ix->uses = avp_calloc((size_t)g->nt + 1, sizeof(int));
    ix->reader = avp_calloc((size_t)g->nt + 1, sizeof(int));
    for (int k = 0; k < g->nn; k++)
        for (int i = 0; !g->n[k].dead && i < g->n[k].nin; i++)
            if (g->n[k].in[i] >= 0) {
                ix->uses[g->n[k].in[i]]++;
                ix->reader[g->n[k].in[i]] = k;
            }
}

/* The node that alone reads t, if it has op `op`. */
static ir_node_t *sole_reader(ir_graph_t *g, const quant_index_t *ix, int t,
                              ir_op_t op)
{
    if (ix->uses[t] != 1 || g->t[t].is_output)
        return NULL;
    ir_node_t *nd = &g->n[ix->reader[t]];
    return nd->op == op ? nd : NULL;
}

static int other_input(const ir_node_t *nd, int t)
{
    return nd->in[0] == t ? nd->in[1] : nd->in[1] == t ? nd->in[0] : -1;
}

/* A constant float tensor holding one value per output channel in a shape
 * that broadcasts over an NCHW output per channel ([M,1,1], [1,M,1,1]),
 * or over a MatMul's last dim ([N]), or a single value when `scalar_ok`. */
static int per_channel(const ir_tensor_t *t, int64_t m, int scalar_ok,
                       int matmul)
{
    if (!t->data || t->dtype != IR_FLOAT)
        return 0;
    int64_t n = ir_numel(t);
    if (n == 1 && scalar_ok)
        return 1;
    if (matmul)
        return n == m && t->ndim == 1;
    if (n != m || t->ndim < 3 || t->ndim > 4 || t->dims[t->ndim - 3] != m)
        return 0;
    return t->ndim == 3 || t->dims[0] == 1;
}

/* The Mul's other operand is x_scale * w_scale, from a Mul of the
 * DynamicQuantizeLinear's scale and a constant. */
static int chain_scale(ir_graph_t *g, quant_chain_t *c, int64_t m, int mm)
{
    int s = other_input(c->mul, c->cast->out[0]);
    int p = s >= 0 ? g->t[s].producer : -1;
    const ir_node_t *sm = p >= 0 ? &g->n[p] : NULL;
    if (!sm || sm->dead || sm->op != OP_MUL)
        return 0;
    c->w_scale = other_input(sm, c->dq->out[1]);
    return c->w_scale >= 0 && per_channel(&g->t[c->w_scale], m, 1, mm);
}

/* The bias, constant or a Reshape of a constant [M] (as ORT writes it). */
static int chain_bias(ir_graph_t *g, const quant_chain_t *c, int64_t m,
                      int mm)
{
    int b = other_input(c->add, c->mul->out[0]);
    if (b < 0)
        return -1;
    if (per_channel(&g->t[b], m, 0, mm))
        return b;
    int p = g->t[b].producer;
    const ir_node_t *r = p >= 0 ? &g->n[p] : NULL;
    int64_t shape[IR_MAX_DIMS];
    if (!r || r->dead || r->op != OP_RESHAPE || !g->t[r->in[0]].data ||
        g->t[r->in[0]].dtype != IR_FLOAT || ir_numel(&g->t[r->in[0]]) != m)
        return -1;
    int n = ir_const_ints(&g->t[r->in[1]], shape, IR_MAX_DIMS);
    if (n < 3 || n > 4 || (shape[n - 3] != m && shape[n - 3] != -1))
        return -1;
    for (int i = 0; i < n; i++)
        if (i != n - 3 && shape[i] != 1)
            return -1;
    return r->in[0];
}

/* Fills c from a ConvInteger or MatMulInteger, or returns 0 when it is
 * not the pattern. */
static int chain_match(ir_graph_t *g, const quant_index_t *ix,
                       ir_node_t *conv, quant_chain_t *c)
{
    memset(c, 0, sizeof(*c));
    c->conv = conv;
    c->bias = c->bias_scale = c->x_quant = c->w_zp = -1;
    c->w = conv->in[1];
    int p = g->t[conv->in[0]].producer;
    const ir_tensor_t *w = &g->t[conv->in[1]];
    int mm = conv->op == OP_MATMULINTEGER;
    if (p < 0 || g->n[p].op != OP_DYNQUANT || g->n[p].out[0] != conv->in[0] ||
        conv->nin < 3 || conv->in[2] != g->n[p].out[2] || !w->data ||
        (w->dtype != IR_UINT8 && w->dtype != IR_INT8) ||
        w->ndim != (mm ? 2 : 4))
        return 0;
    c->dq = &g->n[p];
    c->x = c->dq->in[0];
    int64_t m = w->dims[mm];
    if (conv->nin > 3 && conv->in[3] >= 0) {
        c->w_zp = conv->in[3];
        const ir_tensor_t *z = &g->t[conv->in[3]];
        if (!z->data || z->dtype != w->dtype ||
            (ir_numel(z) != 1 && ir_numel(z) != m))
            return 0;
    }
    c->cast = sole_reader(g, ix, conv->out[0], OP_CAST);
    if (!c->cast || c->cast->p.to != IR_FLOAT)
        return 0;
    c->mul = sole_reader(g, ix, c->cast->out[0], OP_MUL);
    if (!c->mul || !chain_scale(g, c, m, mm))
        return 0;
    c->add = sole_reader(g, ix, c->mul->out[0], OP_ADD);
    if (c->add && (c->bias = chain_bias(g, c, m, mm)) < 0)
        c->add = NULL;
    c->y = (c->add ? c->add : c->mul)->out[0];
    return 1;
}

/* ---- the fused node's constants ------------------------------------- */

int quant__new_const(ir_graph_t *g, ir_dtype_t dt, int64_t d0, int64_t d1)
{
    int64_t dims[2] = {d0, d1};
    int t = ir_tensor_add(g, NULL);
    if (ir_tensor_alloc(&g->t[t], dt, d1 ? 2 : 1, dims) < 0)
        return -1;
    return t;
}

/* Bias o of the chain: float, or int32 (loaded as int64) times its scale
 * as DequantizeLinear computes it. */
static float bias_of(const ir_graph_t *g, const quant_chain_t *c, int64_t o)
{
    if (c->bias < 0)
        return 0.f;
    const ir_tensor_t *b = &g->t[c->bias];
    if (b->dtype == IR_FLOAT)
        return ((const float *)b->data)[o];
    const ir_tensor_t *s = &g->t[c->bias_scale];
    float sc = ((const float *)s->data)[ir_numel(s) == 1 ? 0 : o];
    return (float)((const int64_t *)b->data)[o] * sc;
}

/* The weights as [m][k] rows: a conv's as they are, a MatMul's [K, N]
 * transposed into *tmp (owned by the caller). */
static const void *weight_rows(const ir_tensor_t *w, int64_t *m, int64_t *k,
                               uint8_t **tmp)
{
    *tmp = NULL;
    if (w->ndim == 4) {
        *m = w->dims[0];
        *k = w->dims[1] * w->dims[2] * w->dims[3];
        return w->data;
    }
    const uint8_t *src = w->data;
    *k = w->dims[0];
    *m = w->dims[1];
    *tmp = avp_malloc((size_t)(*m * *k));
    for (int64_t i = 0; i < *k; i++)
        for (int64_t j = 0; j < *m; j++)
            (*tmp)[j * *k + i] = src[i * *m + j];
    return *tmp;
}

/* The four constants kern_qconv_t reads: weights packed, terms, scales,
 * bias ([M], zero when the chain has none). */
static int pack_consts(ir_graph_t *g, const quant_chain_t *c, int out[4])
{
    int64_t m, k;
    uint8_t *tmp;
    /* The rows stay put while new tensors move the tensor array. */
    const void *rows = weight_rows(&g->t[c->w], &m, &k, &tmp);
    out[0] = quant__new_const(g, IR_INT8, m, kern_qconv_kpad((int)k));
    out[1] = quant__new_const(g, IR_INT64, 2, m);
    out[2] = quant__new_const(g, IR_FLOAT, m, 0);
    out[3] = quant__new_const(g, IR_FLOAT, m, 0);
    if (out[0] < 0 || out[1] < 0 || out[2] < 0 || out[3] < 0) {
        avp_free(tmp);
        return AVP_ENOMEM;
    }
    const ir_tensor_t *w = &g->t[c->w]; /* the array may have moved */
    const ir_tensor_t *z = c->w_zp >= 0 ? &g->t[c->w_zp] : NULL;
    const ir_tensor_t *s = &g->t[c->w_scale];
    float *sd = g->t[out[2]].data, *bd = g->t[out[3]].data;
    for (int64_t o = 0; o < m; o++) {
        sd[o] = ((const float *)s->data)[ir_numel(s) == 1 ? 0 : o];
        bd[o] = bias_of(g, c, o);
    }
    kern_qconv_pack(rows, w->dtype == IR_UINT8,
                    z ? z->data : NULL, z && ir_numel(z) > 1, (int)m, (int)k,
                    g->t[out[0]].data, g->t[out[1]].data);
    avp_free(tmp);
    return 0;
}

int quant__chain_fuse(ir_graph_t *g, quant_chain_t *c, ir_op_t op)
{
    int consts[4];
    if (pack_consts(g, c, consts) < 0)
        return AVP_ENOMEM;
    ir_node_t *conv = c->conv;
    int nin = c->x_quant >= 0 ? 7 : 6;
    conv->in = avp_realloc(conv->in, (size_t)nin * sizeof(int));
    conv->nin = nin;
    conv->in[0] = c->x;
    conv->in[1] = c->w;
    conv->in[2] = consts[3];
    conv->in[3] = consts[0];
    conv->in[4] = consts[1];
    conv->in[5] = consts[2];
    if (c->x_quant >= 0)
        conv->in[6] = c->x_quant;
    conv->op = op;
    g->t[conv->out[0]].producer = -1; /* ConvInteger's int32 sum is gone */
    g->t[c->y].producer = (int)(conv - g->n);
    conv->out[0] = c->y;
    return 0;
}

static int dynamic_fuse(ir_graph_t *g, quant_chain_t *c)
{
    if (quant__chain_fuse(g, c, c->conv->op == OP_MATMULINTEGER
                                   ? OP_QMATMUL : OP_QCONV) < 0)
        return AVP_ENOMEM;
    ir_node_kill(g, c->cast);
    ir_node_kill(g, c->mul);
    if (c->add)
        ir_node_kill(g, c->add);
    return 0;
}

/* ---- what is left --------------------------------------------------- */

/* Scale Muls, DynamicQuantizeLinears and QDQ nodes that nothing reads any
 * more go, last first, so that a Mul's going frees its
 * DynamicQuantizeLinear and a DQ's its Q. */
static void drop_dead(ir_graph_t *g)
{
    ir_count_uses(g);
    for (int k = g->nn - 1; k >= 0; k--) {
        ir_node_t *nd = &g->n[k];
        if (nd->dead || (nd->op != OP_MUL && nd->op != OP_DYNQUANT &&
                         nd->op != OP_QUANTIZE && nd->op != OP_DEQUANTIZE))
            continue;
        int read = 0;
        for (int o = 0; o < nd->nout; o++)
            read |= g->t[nd->out[o]].uses > 0 || g->t[nd->out[o]].is_output;
        if (!read)
            ir_node_kill(g, nd);
    }
}

static int is_bytes(const ir_tensor_t *t)
{
    return t->dtype == IR_UINT8 || t->dtype == IR_INT8;
}

static const char qdq_form[] =
    "QDQ models as quantize_static writes them: QuantizeLinear -> "
    "DequantizeLinear with the same per-tensor constants, into a Conv with "
    "DequantizeLinear weights or any float op";
static const char dynamic_form[] =
    "dynamic quantization as quantize_dynamic writes it: "
    "DynamicQuantizeLinear -> ConvInteger or MatMulInteger (constant "
    "weights) -> Cast(float) -> Mul(x_scale * w_scale) [-> Add(bias)]";

/* Bytes are read only by OP_QCONV: elsewhere the runtime's float and
 * int64 code would read them as wider elements. */
static int check_left(ir_graph_t *g, avp_error_t *err)
{
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->dead || nd->op == OP_QCONV || nd->op == OP_QMATMUL)
            continue;
        if (nd->op == OP_QUANTIZE || nd->op == OP_DEQUANTIZE ||
            nd->op == OP_DYNQUANT || nd->op == OP_CONVINTEGER ||
            nd->op == OP_MATMULINTEGER)
            return ir_node_error(nd, err, AVP_EUNSUPPORTED, "AVP runs %s",
                                 nd->op == OP_QUANTIZE ||
                                 nd->op == OP_DEQUANTIZE ? qdq_form
                                                         : dynamic_form);
        for (int i = 0; i < nd->nin; i++)
            if (nd->in[i] >= 0 && is_bytes(&g->t[nd->in[i]]))
                return ir_node_error(nd, err, AVP_EUNSUPPORTED, "reads "
                                     "the 8-bit tensor '%s'",
                                     g->t[nd->in[i]].name);
        for (int a = 0; a < nd->nattr; a++)
            if (nd->attr[a].tensor >= 0 &&
                is_bytes(&g->t[nd->attr[a].tensor]))
                return ir_node_error(nd, err, AVP_EUNSUPPORTED, "8-bit "
                                     "constant");
    }
    for (int i = 0; i < g->noutputs; i++)
        if (is_bytes(&g->t[g->outputs[i]]))
            return avp_error_set(err, AVP_EUNSUPPORTED, "output '%s' is "
                                 "8-bit", g->t[g->outputs[i]].name);
    return 0;
}

/* ---- QDQ: quantize_static's format ----------------------------------- */

int quant__qparam_read(const ir_graph_t *g, int si, int zi, qparam_t *q)
{
    if (si < 0)
        return 0;
    const ir_tensor_t *s = &g->t[si], *z = zi >= 0 ? &g->t[zi] : NULL;
    if (!s->data || s->dtype != IR_FLOAT || ir_numel(s) != 1 ||
        (z && (!z->data || !is_bytes(z) || ir_numel(z) != 1)))
        return 0;
    q->scale = *(const float *)s->data;
    q->is_u8 = !z || z->dtype == IR_UINT8;
    q->zp = !z ? 0 : q->is_u8 ? *(const uint8_t *)z->data
                              : *(const int8_t *)z->data;
    return q->scale > 0.f && isfinite(q->scale);
}

static int qparam_of(const ir_graph_t *g, const ir_node_t *nd, qparam_t *q)
{
    return quant__qparam_read(g, nd->in[1], nd->nin > 2 ? nd->in[2] : -1, q);
}

/* The Q feeding DQ node dq with the same constants, or NULL. */
static ir_node_t *q_of(ir_graph_t *g, const ir_node_t *dq, qparam_t *q)
{
    int p = g->t[dq->in[0]].producer;
    ir_node_t *qn = p >= 0 ? &g->n[p] : NULL;
    qparam_t a;
    if (!qn || qn->dead || qn->op != OP_QUANTIZE || !qparam_of(g, qn, q) ||
        !qparam_of(g, dq, &a) || a.scale != q->scale || a.zp != q->zp ||
        a.is_u8 != q->is_u8)
        return NULL;
    return qn;
}

static ir_node_t *producer_op(ir_graph_t *g, int t, ir_op_t op)
{
    int p = t >= 0 ? g->t[t].producer : -1;
    return p >= 0 && !g->n[p].dead && g->n[p].op == op ? &g->n[p] : NULL;
}

/* {scale, zero point, low, high} of a quantization, in the uint8 domain
 * when `u8_domain` (int8 values plus 128: x - zp is unchanged). */
int quant__qparam_const(ir_graph_t *g, const qparam_t *q, int u8_domain)
{
    int t = quant__new_const(g, IR_FLOAT, 4, 0);
    if (t < 0)
        return -1;
    float *v = g->t[t].data;
    int shift = u8_domain && !q->is_u8 ? 128 : 0;
    v[0] = q->scale;
    v[1] = (float)(q->zp + shift);
    v[2] = q->is_u8 || shift ? 0.f : -128.f;
    v[3] = q->is_u8 || shift ? 255.f : 127.f;
    return t;
}

/* DQ(w): constant 8-bit weights [M, ...], scale and zero point per tensor
 * or per output channel (axis 0). */
static int qdq_weights(ir_graph_t *g, quant_chain_t *c, const ir_node_t *dq)
{
    const ir_tensor_t *w = &g->t[dq->in[0]], *s = &g->t[dq->in[1]];
    const ir_tensor_t *z = dq->nin > 2 && dq->in[2] >= 0 ? &g->t[dq->in[2]]
                                                         : NULL;
    if (!w->data || !is_bytes(w) || w->ndim != 4)
        return 0;
    int64_t m = w->dims[0], ns = ir_numel(s);
    if (!s->data || s->dtype != IR_FLOAT || (ns != 1 && ns != m) ||
        (ns > 1 && dq->p.axis != 0) ||
        (z && (!z->data || z->dtype != w->dtype || ir_numel(z) != ns)))
        return 0;
    c->w = dq->in[0];
    c->w_scale = dq->in[1];
    c->w_zp = z ? dq->in[2] : -1;
    return 1;
}

/* The bias: constant float [M], or DQ of constant int32 [M] with zero
 * point 0 (as quantize_static writes it). */
static int qdq_bias(ir_graph_t *g, quant_chain_t *c, int64_t m)
{
    int b = c->conv->nin > 2 ? c->conv->in[2] : -1;
    if (b < 0)
        return 1;
    const ir_tensor_t *bt = &g->t[b];
    if (bt->data && bt->dtype == IR_FLOAT && ir_numel(bt) == m) {
        c->bias = b;
        return 1;
    }
    const ir_node_t *dq = producer_op(g, b, OP_DEQUANTIZE);
    const ir_tensor_t *q = dq ? &g->t[dq->in[0]] : NULL, *s;
    if (!q || !q->data || q->dtype != IR_INT64 || ir_numel(q) != m)
        return 0;
    s = &g->t[dq->in[1]];
    int64_t ns = ir_numel(s);
    if (!s->data || s->dtype != IR_FLOAT || (ns != 1 && ns != m) ||
        (dq->nin > 2 && dq->in[2] >= 0))
        return 0;
    c->bias = dq->in[0];
    c->bias_scale = dq->in[1];
    return 1;
}

/* Conv(DQ(Q(x)), DQ(w), bias) -> OP_QCONV quantizing x with Q's
 * constants. */
static int qdq_conv(ir_graph_t *g, ir_node_t *conv)
{
    quant_chain_t c;
    qparam_t q;
    memset(&c, 0, sizeof(c));
    c.conv = conv;
    c.bias = c.bias_scale = c.w_zp = -1;
    ir_node_t *dx = producer_op(g, conv->in[0], OP_DEQUANTIZE);
    ir_node_t *dw = producer_op(g, conv->in[1], OP_DEQUANTIZE);
    ir_node_t *qx = dx ? q_of(g, dx, &q) : NULL;
    if (!qx || !dw || !qdq_weights(g, &c, dw) ||
        !qdq_bias(g, &c, g->t[c.w].dims[0]))
        return 0;
    c.x = qx->in[0];
    c.y = conv->out[0];
    if ((c.x_quant = quant__qparam_const(g, &q, 1)) < 0 ||
        quant__chain_fuse(g, &c, OP_QCONV) < 0)
        return AVP_ENOMEM;
    return 0;
}

/* DQ(Q(x)) elsewhere: one OP_FAKEQUANT on x. */
static int qdq_pair(ir_graph_t *g, ir_node_t *dq)
{
    qparam_t q;
    ir_node_t *qn = q_of(g, dq, &q);
    if (!qn)
        return 0;
    int t = quant__qparam_const(g, &q, 0);
    if (t < 0)
        return AVP_ENOMEM;
    dq->in = avp_realloc(dq->in, 2 * sizeof(int));
    dq->nin = 2;
    dq->in[0] = qn->in[0];
    dq->in[1] = t;
    dq->op = OP_FAKEQUANT;
    return 0;
}

/* Convs first: the pairs feeding them are theirs. */
static int qdq_fuse(ir_graph_t *g)
{
    int rc = 0;
    for (int k = 0; k < g->nn && rc == 0; k++)
        if (!g->n[k].dead && g->n[k].op == OP_CONV)
            rc = qdq_conv(g, &g->n[k]);
    for (int k = 0; k < g->nn && rc == 0; k++)
        if (!g->n[k].dead && g->n[k].op == OP_DEQUANTIZE &&
            !g->t[g->n[k].in[0]].data)
            rc = qdq_pair(g, &g->n[k]);
    return rc;
}

int ir_quant_fuse(ir_graph_t *g, avp_error_t *err)
{
    quant_index_t ix;
    index_build(g, &ix);
    int rc = 0;
    for (int k = 0; k < g->nn && rc == 0; k++) {
        quant_chain_t c;
        ir_node_t *nd = &g->n[k];
        if (!nd->dead && (nd->op == OP_CONVINTEGER ||
                          nd->op == OP_MATMULINTEGER) &&
            chain_match(g, &ix, nd, &c) && dynamic_fuse(g, &c) < 0)
            rc = avp_error_set(err, AVP_ENOMEM, "out of memory");
    }
    avp_free(ix.uses);
    avp_free(ix.reader);
    if (rc == 0 && qdq_fuse(g) < 0)
        rc = avp_error_set(err, AVP_ENOMEM, "out of memory");
    if (rc < 0 || (rc = quant__qop_rewrite(g, err)) < 0)
        return rc;
    drop_dead(g);
    return check_left(g, err);
}

/* ---- run ------------------------------------------------------------- */

static void qconv_params(const ir_graph_t *g, const ir_node_t *nd, int n,
                         kern_qconv_t *q)
{
    const ir_tensor_t *x = &g->t[nd->in[0]], *w = &g->t[nd->in[1]];
    const ir_tensor_t *y = &g->t[nd->out[0]];
    const ir_params_t *p = &nd->p;
    *q = (kern_qconv_t){
        .conv = {
            .n = n, .c_in = (int)x->dims[1], .h_in = (int)x->dims[2],
            .w_in = (int)x->dims[3], .c_out = (int)w->dims[0],
            .h_out = (int)y->dims[2], .w_out = (int)y->dims[3],
            .k_h = (int)w->dims[2], .k_w = (int)w->dims[3],
            .stride_h = (int)p->strides[0], .stride_w = (int)p->strides[1],
            .pad_top = (int)p->pads[0], .pad_left = (int)p->pads[1],
            .pad_bottom = (int)p->pads[2], .pad_right = (int)p->pads[3],
            .dil_h = (int)p->dil[0], .dil_w = (int)p->dil[1],
            .groups = p->group, .act = p->act,
        },
    };
    quant__kern_consts(g, nd, q);
}

void quant__kern_consts(const ir_graph_t *g, const ir_node_t *nd,
                        kern_qconv_t *q)
{
    q->w = g->t[nd->in[3]].data;
    q->terms = g->t[nd->in[4]].data;
    q->w_scale = g->t[nd->in[5]].data;
    q->bias = g->t[nd->in[2]].data;
    if (nd->nin > 6) { /* static: x quantized with fixed constants */
        const float *xq = g->t[nd->in[6]].data;
        q->static_x = 1;
        q->x_scale = xq[0];
        q->x_zp = (uint8_t)xq[1];
    }
}

size_t ir_quant_scratch(const ir_graph_t *g, const ir_node_t *nd,
                        int one_frame, int threads)
{
    if (nd->op == OP_QMATMUL)
        return quant__matmul_scratch(g, nd, threads);
    kern_qconv_t q;
    (void)one_frame; /* the kernel works one frame at a time anyway */
    qconv_params(g, nd, 1, &q);
    return (kern_qconv_scratch(&q, threads) + sizeof(float) - 1) /
           sizeof(float);
}

void ir_quant_run(const ir_graph_t *g, const ir_node_t *nd, int n,
                  float *scratch, tpool_t *tp)
{
    if (nd->op == OP_QMATMUL) {
        quant__matmul_run(g, nd, n, scratch, tp);
        return;
    }
    kern_qconv_t q;
    const ir_tensor_t *x = &g->t[nd->in[0]];
    qconv_params(g, nd, x->batch_major ? n : (int)x->dims[0], &q);
    kern_qconv(&q, x->ptr, g->t[nd->out[0]].ptr, scratch, tp);
}

void ir_quant_fake_run(const ir_graph_t *g, const ir_node_t *nd, int n,
                       tpool_t *tp)
{
    const ir_tensor_t *x = &g->t[nd->in[0]];
    const float *q = g->t[nd->in[1]].data;
    size_t count = (size_t)ir_numel(x);
    if (x->batch_major)
        count = count / (size_t)x->dims[0] * (size_t)n;
    kern_fake_quant(x->ptr, count, q[0], (int)q[1], (int)q[2], (int)q[3],
                    g->t[nd->out[0]].ptr, tp);
}
