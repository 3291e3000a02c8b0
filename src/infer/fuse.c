/*
 * fuse.c - graph rewrites that remove whole passes over activations:
 * BatchNormalization folded into the preceding Conv's weights and bias,
 * and the activation after a Conv (Relu, LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish, and the x * sigmoid(x) / x * hardsigmoid(x) pairs that
 * exporters emit for SiLU and HardSwish) applied by the conv kernel while
 * the output is still in cache, the residual Add after such a conv
 * (YOLO bottlenecks: x + act(conv(...))) done in the same epilogue, and a
 * Slice of a Slice (YOLOv5/YOLOX Focus stems take every other row, then
 * every other column) made one pass. Last, each conv's weights are packed
 * once for the kernel that will read them (kern_conv2d_pack()).
 */
#include "infer/internal.h"

#include <math.h>
#include <string.h>

/* The only live node reading tensor t after node `after`, or NULL. */
static ir_node_t *sole_consumer(ir_graph_t *g, int t, int after)
{
    if (g->t[t].uses != 1 || g->t[t].is_output)
        return NULL;
    for (int k = after + 1; k < g->nn; k++) {
        ir_node_t *nd = &g->n[k];
        for (int i = 0; !nd->dead && i < nd->nin; i++)
            if (nd->in[i] == t)
                return nd;
    }
    return NULL;
}

/* Moves `from`'s output to conv: conv now writes what `from` wrote. */
static void take_output(ir_graph_t *g, ir_node_t *conv, ir_node_t *from)
{
    int y = from->out[0];
    g->t[y].producer = (int)(conv - g->n);
    conv->out[0] = y;
    ir_node_kill(g, from);
}

static int new_const(ir_graph_t *g, int ndim, const int64_t *dims)
{
    int t = ir_tensor_add(g, NULL);
    if (ir_tensor_alloc(&g->t[t], IR_FLOAT, ndim, dims) < 0)
        return -1;
    return t;
}

/* Grows a Conv's inputs to every IR_CONV_* slot, absent ones -1. */
static void conv_slots(ir_node_t *conv)
{
    if (conv->nin >= IR_CONV_SLOTS)
        return;
    conv->in = avp_realloc(conv->in, IR_CONV_SLOTS * sizeof(int));
    for (int i = conv->nin; i < IR_CONV_SLOTS; i++)
        conv->in[i] = -1;
    conv->nin = IR_CONV_SLOTS;
}

/* w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps).
 * New tensors, because the old weights may be shared. */
static int fold_bn(ir_graph_t *g, ir_node_t *conv, ir_node_t *bn)
{
    const ir_tensor_t *w = &g->t[conv->in[1]];
    const float *gamma = g->t[bn->in[1]].data, *beta = g->t[bn->in[2]].data;
    const float *mean = g->t[bn->in[3]].data, *var = g->t[bn->in[4]].data;
    const float *b = conv->nin > IR_CONV_BIAS && conv->in[IR_CONV_BIAS] >= 0 ?
                     g->t[conv->in[IR_CONV_BIAS]].data : NULL;
    int64_t m = w->dims[0], per = ir_numel(w) / m;
    int wt = new_const(g, w->ndim, w->dims), bt = new_const(g, 1, &m);
    if (wt < 0 || bt < 0)
        return AVP_ENOMEM;
    w = &g->t[conv->in[1]]; /* the tensor array may have moved */
    float *w2 = g->t[wt].data, *b2 = g->t[bt].data;
    for (int64_t o = 0; o < m; o++) {
        float s = gamma[o] / sqrtf(var[o] + bn->p.eps);
        for (int64_t i = 0; i < per; i++)
            w2[o * per + i] = ((const float *)w->data)[o * per + i] * s;
        b2[o] = ((b ? b[o] : 0.f) - mean[o]) * s + beta[o];
    }
    for (int i = 1; i < conv->nin; i++)
        if (conv->in[i] >= 0)
            g->t[conv->in[i]].uses--;
    conv_slots(conv);
    conv->in[1] = wt;
    conv->in[IR_CONV_BIAS] = bt;
    g->t[wt].uses = g->t[bt].uses = 1;
    take_output(g, conv, bn);
    return 0;
}

static int fuse_bn(ir_graph_t *g, avp_error_t *err)
{
    for (int k = 0; k < g->nn; k++) {
        ir_node_t *bn = &g->n[k];
        if (bn->dead || bn->op != OP_BATCHNORM)
            continue;
        int p = g->t[bn->in[0]].producer;
        ir_node_t *conv = p >= 0 ? &g->n[p] : NULL;
        if (!conv || conv->dead || conv->op != OP_CONV ||
            sole_consumer(g, bn->in[0], p) != bn)
            return ir_node_error(bn, err, AVP_EUNSUPPORTED, "only "
                                 "BatchNormalization right after a Conv");
        if (fold_bn(g, conv, bn) < 0)
            return avp_error_set(err, AVP_ENOMEM, "out of memory");
    }
    return 0;
}

static int act_of(const ir_node_t *nd, kern_act_params_t *a)
{
    memset(a, 0, sizeof(*a));
    switch (nd->op) {
    case OP_RELU: a->act = KERN_ACT_RELU; return 1;
    case OP_SIGMOID: a->act = KERN_ACT_SIGMOID; return 1;
    case OP_HARDSWISH: a->act = KERN_ACT_HARD_SWISH; return 1;
    case OP_LEAKYRELU:
        a->act = KERN_ACT_LEAKY_RELU;
        a->alpha = nd->p.alpha;
        return 1;
    case OP_HARDSIGMOID:
        a->act = KERN_ACT_HARD_SIGMOID;
        a->alpha = nd->p.alpha;
        a->beta = nd->p.beta;
        return 1;
    default:
        return 0;
    }
}

/* conv -> gate(y) -> Mul(y, gate): SiLU with Sigmoid, HardSwish with
 * HardSigmoid(1/6, 1/2). Returns 1 if fused. */
static int fuse_gated(ir_graph_t *g, ir_node_t *conv, int k)
{
    int y = conv->out[0];
    if (g->t[y].uses != 2 || g->t[y].is_output)
        return 0;
    ir_node_t *gate = NULL, *mul = NULL;
    for (int j = k + 1; j < g->nn && !(gate && mul); j++) {
        ir_node_t *nd = &g->n[j];
        if (nd->dead || nd->in[0] != y)
            continue;
        if (!gate && (nd->op == OP_SIGMOID || nd->op == OP_HARDSIGMOID))
            gate = nd;
    }
    if (!gate)
        return 0;
    int s = gate->out[0];
    mul = sole_consumer(g, s, (int)(gate - g->n));
    if (!mul || mul->op != OP_MUL ||
        !((mul->in[0] == y && mul->in[1] == s) ||
          (mul->in[1] == y && mul->in[0] == s)))
        return 0;
    kern_act_params_t a = {KERN_ACT_SILU, 0.f, 0.f};
    if (gate->op == OP_HARDSIGMOID) {
        if (fabsf(gate->p.alpha - 1.f / 6) > 1e-6f ||
            fabsf(gate->p.beta - 0.5f) > 1e-6f)
            return 0;
        a.act = KERN_ACT_HARD_SWISH;
    }
    conv->p.act = a;
    ir_node_kill(g, gate);
    take_output(g, conv, mul);
    return 1;
}

static void fuse_act(ir_graph_t *g)
{
    for (int k = 0; k < g->nn; k++) {
        ir_node_t *conv = &g->n[k];
        if (conv->dead || (conv->op != OP_CONV && conv->op != OP_QCONV) ||
            conv->p.act.act != KERN_ACT_NONE || fuse_gated(g, conv, k))
            continue;
        ir_node_t *c = sole_consumer(g, conv->out[0], k);
        kern_act_params_t a;
        if (c && act_of(c, &a)) {
            conv->p.act = a;
            take_output(g, conv, c);
        }
    }
}

static int same_dims(const ir_tensor_t *a, const ir_tensor_t *b)
{
    return a->ndim == b->ndim && a->batch_major == b->batch_major &&
           !memcmp(a->dims, b->dims, (size_t)a->ndim * sizeof(int64_t));
}

/* The dense conv whose output is add's input i and may take the Add in
 * its epilogue: it is the Add's only reader, the other input has the
 * same shape and is computed before the conv runs. NULL otherwise. */
static ir_node_t *residual_conv(ir_graph_t *g, ir_node_t *add, int i)
{
    int t = add->in[i], o = add->in[1 - i], p = g->t[t].producer;
    ir_node_t *conv = p >= 0 ? &g->n[p] : NULL;
    if (!conv || conv->dead || conv->op != OP_CONV || conv->p.group != 1 ||
        t == o || g->t[o].data || sole_consumer(g, t, p) != add ||
        (conv->nin > IR_CONV_RESIDUAL && conv->in[IR_CONV_RESIDUAL] >= 0))
        return NULL;
    const ir_tensor_t *y = &g->t[add->out[0]];
    if (!same_dims(&g->t[t], y) || !same_dims(&g->t[o], y) ||
        g->t[o].producer >= p)
        return NULL;
    return conv;
}

/* Conv then Add(conv's output, r) -> one Conv that adds r last. When both
 * inputs come from convs, the later conv takes the Add. */
static void fuse_residual(ir_graph_t *g)
{
    for (int k = 0; k < g->nn; k++) {
        ir_node_t *add = &g->n[k];
        if (add->dead || add->op != OP_ADD)
            continue;
        ir_node_t *c0 = residual_conv(g, add, 0), *c1 = residual_conv(g, add, 1);
        int i = c1 && (!c0 || c1 > c0) ? 1 : 0;
        ir_node_t *conv = i ? c1 : c0;
        if (!conv)
            continue;
        int r = add->in[1 - i];
        conv_slots(conv);
        conv->in[IR_CONV_RESIDUAL] = r;
        take_output(g, conv, add);
        g->t[r].uses++;
    }
}

/* Packs each live conv's weights for its kernel into a new constant (the
 * original stays for the paths that read it as it is). */
static int pack_convs(ir_graph_t *g)
{
    for (int k = 0; k < g->nn; k++) {
        ir_node_t *conv = &g->n[k];
        if (conv->dead || conv->op != OP_CONV)
            continue;
        int64_t n = (int64_t)ir_exec_conv_packed_floats(g, conv);
        if (n == 0)
            continue;
        int t = new_const(g, 1, &n);
        if (t < 0)
            return AVP_ENOMEM;
        conv = &g->n[k];
        ir_exec_conv_pack(g, conv, g->t[t].data);
        conv_slots(conv);
        conv->in[IR_CONV_PACKED] = t;
        g->t[t].uses = 1;
    }
    return 0;
}

/* Slice(Slice(x)) -> one Slice of x: per axis, the inner slice's start
 * and step are in the outer slice's coordinates. */
static void fuse_slices(ir_graph_t *g)
{
    for (int k = 0; k < g->nn; k++) {
        ir_node_t *outer = &g->n[k];
        if (outer->dead || outer->op != OP_SLICE)
            continue;
        ir_node_t *inner = sole_consumer(g, outer->out[0], k);
        if (!inner || inner->op != OP_SLICE || inner->in[0] != outer->out[0])
            continue;
        const ir_tensor_t *x = &g->t[outer->in[0]];
        for (int d = 0; d < x->ndim; d++) {
            inner->p.starts[d] = outer->p.starts[d] +
                                 inner->p.starts[d] * outer->p.steps[d];
            inner->p.steps[d] *= outer->p.steps[d];
        }
        ir_node_kill(g, outer);
        g->t[outer->out[0]].uses--; /* inner now reads x instead */
        inner->in[0] = outer->in[0];
        g->t[inner->in[0]].uses++;
    }
}

/* Weights replaced by folding are freed now rather than at destroy. */
static void drop_unused(ir_graph_t *g)
{
    for (int i = 0; i < g->nt; i++) {
        ir_tensor_t *t = &g->t[i];
        if (t->data && t->uses == 0 && !t->is_output) {
            avp_free_aligned(t->data);
            t->data = NULL;
        }
    }
}

int ir_fuse(ir_graph_t *g, avp_error_t *err)
{
    ir_count_uses(g);
    int rc = fuse_bn(g, err);
    if (rc < 0)
        return rc;
    fuse_act(g);
    fuse_residual(g);
    fuse_slices(g);
    drop_unused(g);
    if (pack_convs(g) < 0)
        return avp_error_set(err, AVP_ENOMEM, "out of memory");
    return 0;
}
