/*
 * test_fold.c - constant folding and fusion: BatchNormalization folded into
 * the Conv gives the output of numpy-folded weights and of the numpy
 * reference; Conv+Relu and Conv+SiLU become one fused conv; Constant
 * nodes and shape subgraphs leave no live nodes behind.
 */
#include "infer/internal.h"
#include "small_graphs.h"

static int live_ops(const ir_graph_t *g, ir_op_t op)
{
    int n = 0;
    for (int k = 0; k < g->nn; k++)
        n += !g->n[k].dead && g->n[k].op == op;
    return n;
}

/* Runs name at batch 1 on its reference input; returns output 0 (malloc). */
static float *run_ref_input(const char *name, size_t *count)
{
    size_t nin = 0;
    float *x = sg_floats(name, ".in.bin", &nin);
    infer_model_t *m = sg_load(name, 1, 2);
    if (!m || !x) {
        free(x);
        infer_model_destroy(m);
        return NULL;
    }
    memcpy(infer_model_input(m, 0), x, nin * sizeof(float));
    free(x);
    avp_error_t err;
    infer_tensor_info_t info;
    infer_model_run(m, 1, &err);
    const float *y = infer_model_output(m, 0, &info);
    *count = sg_numel(&info);
    float *copy = malloc(*count * sizeof(float));
    memcpy(copy, y, *count * sizeof(float));
    infer_model_destroy(m);
    return copy;
}

static void test_fold_batchnorm_matches(void)
{
    size_t n1 = 0, n2 = 0, nref = 0;
    float *folded = run_ref_input("fold_bn", &n1);
    float *prefolded = run_ref_input("fold_bn_ref", &n2);
    float *ref = sg_floats("fold_bn", ".out.bin", &nref);
    int ok = folded && prefolded && ref && n1 == n2 && n1 == nref &&
             sg_mismatch(folded, prefolded, n1, 1e-5) < 0 &&
             sg_mismatch(folded, ref, n1, 1e-4) < 0;
    free(folded);
    free(prefolded);
    free(ref);
    CHECK(ok);
}

static void test_fold_batchnorm_graph(void)
{
    infer_model_t *m = sg_load("fold_bn", 1, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    int ok = live_ops(g, OP_BATCHNORM) == 0 && live_ops(g, OP_RELU) == 0 &&
             live_ops(g, OP_CONV) == 1;
    for (int k = 0; k < g->nn; k++)
        if (!g->n[k].dead)
            ok = ok && g->n[k].p.act.act == KERN_ACT_RELU &&
                 g->n[k].in[IR_CONV_BIAS] >= 0;
    infer_model_destroy(m);
    CHECK(ok);
}

/* head_x: the SiLU pair fuses; the Sigmoid feeding the output does not
 * exist there, but head_v8's final Sigmoid (not after a Conv) stays. */
static void test_fold_silu_fused(void)
{
    infer_model_t *x = sg_load("head_x", 1, 1), *v8 = sg_load("head_v8", 1, 1);
    CHECK(x && v8);
    const ir_graph_t *g = ir_model_graph(x);
    int ok = live_ops(g, OP_SIGMOID) == 0 && live_ops(g, OP_MUL) == 0;
    for (int k = 0; k < g->nn; k++)
        if (!g->n[k].dead && g->n[k].op == OP_CONV && g->n[k].p.kernel[0] == 3)
            ok = ok && g->n[k].p.act.act == KERN_ACT_SILU;
    ok = ok && live_ops(ir_model_graph(v8), OP_SIGMOID) == 1;
    infer_model_destroy(x);
    infer_model_destroy(v8);
    CHECK(ok);
}

/* ops11's Constant -> Concat -> Reshape target folds to a constant. */
/* concat_blocks ends in Add(conv(c), a): the conv adds a in its epilogue
 * and writes the graph's output itself; the Add is gone. */
static void test_fold_residual_add_fused(void)
{
    infer_model_t *m = sg_load("concat_blocks", 1, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    int ok = live_ops(g, OP_ADD) == 0, fused = 0;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->dead || nd->op != OP_CONV || nd->nin <= IR_CONV_RESIDUAL ||
            nd->in[IR_CONV_RESIDUAL] < 0)
            continue;
        fused++;
        ok = ok && g->t[nd->out[0]].is_output &&
             g->t[nd->in[IR_CONV_RESIDUAL]].producer >= 0;
    }
    infer_model_destroy(m);
    CHECK(ok && fused == 1);
}

static void test_fold_constant_nodes(void)
{
    infer_model_t *m = sg_load("ops11", 1, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    int ok = live_ops(g, OP_CONSTANT) == 0 && live_ops(g, OP_CONCAT) == 1;
    for (int k = 0; k < g->nn; k++)
        if (g->n[k].op == OP_RESHAPE) {
            const ir_tensor_t *s = &g->t[g->n[k].in[1]];
            int64_t v[3];
            ok = ok && ir_const_ints(s, v, 3) == 3 && v[0] == 1 && v[1] == 4 &&
                 v[2] == -1;
        }
    infer_model_destroy(m);
    CHECK(ok);
}

int main(void)
{
    sg_make();
    RUN(test_fold_batchnorm_matches);
    RUN(test_fold_batchnorm_graph);
    RUN(test_fold_silu_fused);
    RUN(test_fold_residual_add_fused);
    RUN(test_fold_constant_nodes);
    return CHECK_DONE();
}
