/*
 * test_model.c - the real YOLOX-Nano from the shared models: loads with
 * the expected info, a batch of 8 distinct frames equals 8 runs at batch 1,
 * and runs allocate nothing. Skipped (77) when the model is absent.
 */
#include "small_graphs.h"

static char model_path[512];

static int op_count(const infer_info_t *info, const char *op)
{
    for (int i = 0; i < info->num_op_counts; i++)
        if (!strcmp(info->op_counts[i].op, op))
            return info->op_counts[i].count;
    return 0;
}

static void test_model_yolox_info(void)
{
    infer_options_t opt = {8, 2};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    CHECK(infer_model_load(model_path, &opt, &m, &err) == 0);
    const infer_info_t *info = infer_model_info(m);
    const infer_tensor_info_t *y = &info->outputs[0];
    int ok = op_count(info, "Conv") == 113 &&
             op_count(info, "Sigmoid") == 110 &&
             op_count(info, "Mul") == 104 && op_count(info, "Resize") == 2 &&
             info->opset == 11 && y->ndim == 3 && y->dims[0] == 8 &&
             y->dims[1] == 3549 && y->dims[2] == 85 &&
             info->inputs[0].dims[0] == 8 && info->inputs[0].dims[2] == 416 &&
             info->family == INFER_FAMILY_YOLOX && info->num_classes == 80 &&
             info->params > 800000 && info->params < 1000000 &&
             info->flops_per_frame > 0.9e9 && info->flops_per_frame < 1.2e9;
    fprintf(stderr, "  params %lld, %.3f GFLOPs/frame, arena %.1f MB\n",
            (long long)info->params, info->flops_per_frame / 1e9,
            (double)info->arena_bytes / 1e6);
    infer_model_destroy(m);
    CHECK(ok);
}

static void fill_frame(float *x, size_t n, int frame)
{
    uint32_t s = 2463534242u + (uint32_t)frame * 7919u;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        x[i] = (float)(s % 256);
    }
}

static void test_model_yolox_batch(void)
{
    infer_options_t o8 = {8, 2}, o1 = {1, 2};
    infer_model_t *b = NULL, *s = NULL;
    avp_error_t err = {0};
    CHECK(infer_model_load(model_path, &o8, &b, &err) == 0);
    CHECK(infer_model_load(model_path, &o1, &s, &err) == 0);
    size_t per_in = 3 * 416 * 416, per_out = 3549 * 85;
    for (int f = 0; f < 8; f++)
        fill_frame(infer_model_input(b, 0) + f * per_in, per_in, f);
    int ok = infer_model_run(b, 8, &err) == 0;
    uint64_t allocs = avp_alloc_count();
    double t0 = avp_now();
    ok = ok && infer_model_run(b, 8, &err) == 0;
    double t8 = (avp_now() - t0) / 8;
    ok = ok && avp_alloc_count() == allocs;
    const float *yb = infer_model_output(b, 0, NULL);
    for (int f = 0; ok && f < 8; f++) {
        fill_frame(infer_model_input(s, 0), per_in, f);
        ok = infer_model_run(s, 1, &err) == 0 &&
             sg_mismatch(yb + f * per_out, infer_model_output(s, 0, NULL),
                         per_out, 1e-4) < 0;
        if (!ok)
            fprintf(stderr, "frame %d differs\n", f);
    }
    fprintf(stderr, "  batch 8, 2 threads: %.1f ms/frame\n", t8 * 1e3);
    infer_model_destroy(b);
    infer_model_destroy(s);
    CHECK(ok);
}

int main(void)
{
    const char *shared = getenv("AVP_SHARED_DIR");
    snprintf(model_path, sizeof(model_path), "%s/models/yolox_nano.onnx",
             shared ? shared : "../shared");
    FILE *f = fopen(model_path, "rb");
    if (!f)
        CHECK_SKIP("shared model yolox_nano.onnx not found (AVP_SHARED_DIR)");
    fclose(f);
    RUN(test_model_yolox_info);
    RUN(test_model_yolox_batch);
    return CHECK_DONE();
}
