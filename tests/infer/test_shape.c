/*
 * test_shape.c - static shape inference and the batch rewrite: output
 * shapes of the small graphs at batch 1 and 3, hard-coded [1, C, -1]
 * Reshape targets and Shape->Gather->Unsqueeze->Concat targets becoming N,
 * and shape subgraphs folded away.
 */
#include "infer/internal.h"
#include "small_graphs.h"

static void check_dims(const infer_tensor_info_t *t, int ndim,
                       const int64_t *want, int *ok)
{
    *ok = t->ndim == ndim;
    for (int i = 0; *ok && i < ndim; i++)
        *ok = t->dims[i] == want[i];
}

static void test_shape_outputs(void)
{
    static const struct {
        const char *name;
        int ndim;
        int64_t dims[4]; /* dims[0] is the batch */
    } cases[] = {
        {"ops13", 4, {0, 3, 12, 3}}, {"ops11", 2, {0, 192}},
        {"head_x", 3, {0, 84, 85}}, {"head_v5", 3, {0, 252, 85}},
        {"head_v8", 3, {0, 14, 84}}, {"fold_bn", 4, {0, 8, 10, 12}},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++)
        for (int batch = 1; batch <= 3; batch += 2) {
            infer_model_t *m = sg_load(cases[i].name, batch, 1);
            CHECK(m);
            int64_t want[4];
            memcpy(want, cases[i].dims, sizeof(want));
            want[0] = batch;
            int ok;
            check_dims(&infer_model_info(m)->outputs[0], cases[i].ndim, want,
                       &ok);
            if (!ok)
                fprintf(stderr, "%s at batch %d\n", cases[i].name, batch);
            infer_model_destroy(m);
            CHECK(ok);
        }
}

/* Every Reshape in head_x, whatever its target's source, yields [N,...]. */
static void test_shape_reshape_batch(void)
{
    infer_model_t *m = sg_load("head_x", 4, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    int reshapes = 0, live_shape_ops = 0;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->op == OP_RESHAPE) {
            const ir_tensor_t *y = &g->t[nd->out[0]];
            reshapes += y->ndim == 3 && y->dims[0] == 4 && y->dims[1] == 85 &&
                        y->batch_major;
        }
        live_shape_ops += !nd->dead && (nd->op == OP_SHAPE ||
                                        nd->op == OP_GATHER ||
                                        nd->op == OP_UNSQUEEZE);
    }
    infer_model_destroy(m);
    CHECK(reshapes == 3);
    CHECK(live_shape_ops == 0);
}

/* The ops13 Slice (rows -1 down to the start by 2, columns clamped) and
 * SAME_UPPER padding give the spec's shapes. */
static void test_shape_slice_and_padding(void)
{
    infer_model_t *m = sg_load("ops13", 1, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    const ir_node_t *slice = NULL, *conv = NULL;
    for (int k = 0; k < g->nn; k++) {
        if (g->n[k].op == OP_SLICE && !slice)
            slice = &g->n[k];
        if (g->n[k].op == OP_CONV && !conv)
            conv = &g->n[k];
    }
    const ir_tensor_t *y = &g->t[slice->out[0]];
    int ok = y->ndim == 4 && y->dims[1] == 5 && y->dims[2] == 6 &&
             y->dims[3] == 12 && slice->p.starts[2] == 11 &&
             slice->p.steps[2] == -2 && slice->p.starts[3] == 0;
    ok = ok && conv->p.pads[0] == 1 && conv->p.pads[2] == 1 &&
         g->t[conv->out[0]].dims[2] == 12;
    infer_model_destroy(m);
    CHECK(ok);
}

static void test_shape_squeeze_without_axes(void)
{
    infer_model_t *m = sg_load("squeeze_all", 2, 1);
    CHECK(m);
    const infer_tensor_info_t *y = &infer_model_info(m)->outputs[0];
    int ok = y->ndim == 3 && y->dims[0] == 2 && y->dims[1] == 3 &&
             y->dims[2] == 5;
    infer_model_destroy(m);
    CHECK(ok);
}

static void test_shape_broadcast_rules(void)
{
    int64_t a[] = {4, 1, 3}, b[] = {5, 1}, y[8];
    int ny;
    CHECK(ir_broadcast(3, a, 2, b, &ny, y) == 0 && ny == 3);
    CHECK(y[0] == 4 && y[1] == 5 && y[2] == 3);
    int64_t c[] = {2, 4}; /* 3 vs 4 */
    CHECK(ir_broadcast(3, a, 2, c, &ny, y) == -1);
    int axis;
    CHECK(ir_norm_axis(-1, 3, &axis) == 0 && axis == 2);
    CHECK(ir_norm_axis(3, 3, &axis) == -1 && ir_norm_axis(-4, 3, &axis) == -1);
}

int main(void)
{
    sg_make();
    RUN(test_shape_outputs);
    RUN(test_shape_reshape_batch);
    RUN(test_shape_slice_and_padding);
    RUN(test_shape_squeeze_without_axes);
    RUN(test_shape_broadcast_rules);
    return CHECK_DONE();
}
