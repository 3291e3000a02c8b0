/*
 * test_plan.c - the memory plan: a run allocates nothing, view ops share
 * their input's storage, tensors whose lives do not overlap share arena
 * bytes, and a partial run computes exactly the first n frames.
 */
#include "infer/internal.h"
#include "small_graphs.h"

static void test_plan_run_allocates_nothing(void)
{
    infer_model_t *m = sg_load("head_v5", 4, 2);
    CHECK(m);
    avp_error_t err;
    infer_model_run(m, 4, &err); /* warm-up: thread start-up is not a run */
    uint64_t before = avp_alloc_count();
    int ok = 1;
    for (int i = 0; i < 5; i++)
        ok &= infer_model_run(m, 1 + i % 4, &err) == 0;
    uint64_t after = avp_alloc_count();
    infer_model_destroy(m);
    CHECK(ok);
    CHECK(after == before);
}

static void test_plan_views_alias(void)
{
    infer_model_t *m = sg_load("head_x", 2, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    int views = 0, ok = 1;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->dead || nd->op != OP_RESHAPE)
            continue;
        views++;
        ok &= g->t[nd->out[0]].ptr == g->t[nd->in[0]].ptr;
    }
    infer_model_destroy(m);
    CHECK(views == 3 && ok);
}

/* concat_blocks: the Concat's inputs live inside its output, in order. */
static void test_plan_concat_in_place(void)
{
    for (int batch = 1; batch <= 3; batch += 2) {
        infer_model_t *m = sg_load("concat_blocks", batch, 1);
        CHECK(m);
        const ir_graph_t *g = ir_model_graph(m);
        int ok = 0;
        for (int k = 0; k < g->nn; k++) {
            const ir_node_t *nd = &g->n[k];
            if (nd->op != OP_CONCAT)
                continue;
            const float *y = g->t[nd->out[0]].ptr;
            ok = nd->p.in_place && g->t[nd->in[0]].ptr == y &&
                 g->t[nd->in[1]].ptr == y + 5 * 9 * 7 &&
                 g->t[nd->in[2]].ptr == y + 9 * 9 * 7;
        }
        infer_model_destroy(m);
        CHECK(ok);
    }
}

/* The arena is smaller than all activations laid end to end, and no two
 * tensors live at the same node overlap in their planned bytes (one frame
 * of an intermediate in the frame loop). */
static void test_plan_reuses_memory(void)
{
    infer_model_t *m = sg_load("ops13", 2, 1);
    CHECK(m);
    const ir_graph_t *g = ir_model_graph(m);
    size_t total = 0;
    int overlaps = 0;
    for (int i = 0; i < g->nt; i++) {
        const ir_tensor_t *a = &g->t[i];
        if (a->data || a->alias >= 0 || a->last < -1)
            continue;
        size_t na = a->bytes;
        total += (size_t)ir_numel(a) * sizeof(float);
        for (int j = 0; j < g->nt; j++) {
            const ir_tensor_t *b = &g->t[j];
            if (j == i || b->data || b->alias >= 0 || b->last < -1 ||
                b->first > a->last || a->first > b->last)
                continue;
            size_t nb = b->bytes;
            overlaps += a->offset < b->offset + nb &&
                        b->offset < a->offset + na;
        }
    }
    const infer_info_t *info = infer_model_info(m);
    size_t arena_acts = info->arena_bytes;
    infer_model_destroy(m);
    CHECK(overlaps == 0);
    CHECK(arena_acts < total);
}

/* A run of n < batch frames gives the first n frames of a full run. */
static void test_plan_partial_run(void)
{
    infer_model_t *m = sg_load("head_x", 4, 2);
    CHECK(m);
    const infer_info_t *info = infer_model_info(m);
    size_t per_in = sg_numel(&info->inputs[0]) / 4;
    size_t per_out = sg_numel(&info->outputs[0]) / 4;
    float *in = infer_model_input(m, 0);
    for (size_t i = 0; i < 4 * per_in; i++)
        in[i] = (float)((i * 37) % 101) / 50.f - 1.f;
    avp_error_t err;
    CHECK(infer_model_run(m, 4, &err) == 0);
    float *full = malloc(4 * per_out * sizeof(float));
    memcpy(full, infer_model_output(m, 0, NULL), 4 * per_out * sizeof(float));
    int ok = infer_model_run(m, 2, &err) == 0 &&
             sg_mismatch(infer_model_output(m, 0, NULL), full, 2 * per_out,
                         1e-5) < 0;
    free(full);
    CHECK(infer_model_run(m, 0, &err) == AVP_EINVAL);
    CHECK(infer_model_run(m, 5, &err) == AVP_EINVAL);
    infer_model_destroy(m);
    CHECK(ok);
}

int main(void)
{
    sg_make();
    RUN(test_plan_run_allocates_nothing);
    RUN(test_plan_views_alias);
    RUN(test_plan_concat_in_place);
    RUN(test_plan_reuses_memory);
    RUN(test_plan_partial_run);
    return CHECK_DONE();
}
