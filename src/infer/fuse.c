/*
 * fuse.c - graph rewrites that remove whole passes over activations:
 * BatchNormalization folded into the preceding Conv's weights and bias,
 * and the activation after a Conv (Relu, LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish, and the x * sigmoid(x) / x * hardsigmoid(x) pairs that
 * exporters emit for SiLU and HardSwish) applied by the conv kernel while
 * the output is still in cache, and a Slice of a Slice (YOLOv5/YOLOX Focus
 * stems take every other row, then every other column) made one pass.
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

/* w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps).
 * New tensors, because the old weights may be shared. */
static int fold_bn(ir_graph_t *g, ir_node_t *conv, ir_node_t *bn)
{
    const ir_tensor_t *w = &g->t[conv->in[1]];
    const float *gamma = g->t[bn->in[1]].data, *beta = g->t[bn->in[2]].data;
    const float *mean = g->t[bn->in[3]].data, *var = g->t[bn->in[4]].data;
    const float *b = conv->nin > 2 && conv->in[2] >= 0 ?
                     g->t[conv->in[2]].data : NULL;
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
    if (conv->nin < 3)
        conv->in = avp_realloc(conv->in, 3 * sizeof(int));
    conv->nin = 3;
    conv->in[1] = wt;
    conv->in[2] = bt;
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
    fuse_slices(g);
    drop_unused(g);
    return 0;
}
