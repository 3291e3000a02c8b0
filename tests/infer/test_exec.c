/*
 * test_exec.c - the executor against the numpy reference of every small
 * graph, at batch 1 and in a batch of 3 distinct frames (each frame must
 * equal its own batch-1 run), with 1 and 2 threads.
 */
#include "small_graphs.h"

static const char *const graphs[] = {"ops13", "ops11", "head_x", "head_v5",
                                     "head_v8", "fold_bn", "depthwise",
                                     "concat_blocks"};

static void test_exec_matches_reference(void)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(graphs); i++) {
        size_t nin = 0, nref = 0;
        float *x = sg_floats(graphs[i], ".in.bin", &nin);
        float *ref = sg_floats(graphs[i], ".out.bin", &nref);
        infer_model_t *m = sg_load(graphs[i], 1, 2);
        int ok = x && ref && m;
        if (ok) {
            memcpy(infer_model_input(m, 0), x, nin * sizeof(float));
            avp_error_t err;
            infer_tensor_info_t info;
            ok = infer_model_run(m, 1, &err) == 0;
            const float *y = infer_model_output(m, 0, &info);
            ok = ok && sg_numel(&info) == nref &&
                 sg_mismatch(y, ref, nref, 1e-4) < 0;
        }
        if (!ok)
            fprintf(stderr, "%s differs from the reference\n", graphs[i]);
        free(x);
        free(ref);
        infer_model_destroy(m);
        CHECK(ok);
    }
}

/* Frame f of the batch gets the reference input scaled by (f + 1) / 3. */
static int batch_equals_single(const char *name, int batch, int threads)
{
    size_t nin = 0;
    float *x = sg_floats(name, ".in.bin", &nin);
    infer_model_t *b = sg_load(name, batch, threads), *s = sg_load(name, 1, 1);
    int ok = x && b && s;
    avp_error_t err;
    float *in = ok ? infer_model_input(b, 0) : NULL;
    for (int f = 0; ok && f < batch; f++)
        for (size_t i = 0; i < nin; i++)
            in[f * nin + i] = x[i] * (float)(f + 1) / 3.f;
    ok = ok && infer_model_run(b, batch, &err) == 0;
    infer_tensor_info_t info;
    const float *yb = ok ? infer_model_output(b, 0, &info) : NULL;
    size_t per = ok ? sg_numel(&info) / (size_t)batch : 0;
    for (int f = 0; ok && f < batch; f++) {
        memcpy(infer_model_input(s, 0), in + f * nin, nin * sizeof(float));
        ok = infer_model_run(s, 1, &err) == 0 &&
             sg_mismatch(yb + f * per, infer_model_output(s, 0, NULL), per,
                         1e-5) < 0;
    }
    free(x);
    infer_model_destroy(b);
    infer_model_destroy(s);
    return ok;
}

static void test_exec_batch_equals_frames(void)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(graphs); i++) {
        int ok = batch_equals_single(graphs[i], 3, 2) &&
                 batch_equals_single(graphs[i], 2, 1);
        if (!ok)
            fprintf(stderr, "%s: batch differs from single frames\n",
                    graphs[i]);
        CHECK(ok);
    }
}

int main(void)
{
    sg_make();
    RUN(test_exec_matches_reference);
    RUN(test_exec_batch_equals_frames);
    return CHECK_DONE();
}
