/*
 * test_onnx_load.c - the loader's error messages, and that every truncated
 * or byte-flipped version of a small model fails cleanly (under ASan this
 * is the deterministic half of fuzz_onnx_load.c).
 */
#include "small_graphs.h"

#include <math.h>

#include "infer/internal.h"

static int load_error(const char *name, avp_error_t *err)
{
    infer_options_t opt = {1, 1};
    infer_model_t *m = NULL;
    int rc = infer_model_load(sg_path(name, ".onnx"), &opt, &m, err);
    infer_model_destroy(m);
    fprintf(stderr, "  %s: %s\n", name, err->msg);
    return rc;
}

static void test_onnx_load_unsupported_op(void)
{
    avp_error_t err = {0};
    CHECK(load_error("bad_op", &err) == AVP_EUNSUPPORTED);
    CHECK(strstr(err.msg, "'my_einsum'") && strstr(err.msg, "Einsum"));
    CHECK(strstr(err.msg, "bad_op.onnx"));
}

static void test_onnx_load_bad_attribute(void)
{
    avp_error_t err = {0};
    CHECK(load_error("bad_attr", &err) == AVP_EUNSUPPORTED);
    CHECK(strstr(err.msg, "'my_conv'") && strstr(err.msg, "Conv") &&
          strstr(err.msg, "'frobnicate'"));
    CHECK(load_error("bad_attr_value", &err) == AVP_EUNSUPPORTED);
    CHECK(strstr(err.msg, "'my_pool'") && strstr(err.msg, "storage_order"));
}

static void test_onnx_load_opset(void)
{
    avp_error_t err = {0};
    CHECK(load_error("bad_opset", &err) == AVP_EUNSUPPORTED);
    CHECK(strstr(err.msg, "opset 9"));
}

static infer_model_t *load_ok(const char *name, int batch)
{
    infer_options_t opt = {batch, 1};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    if (infer_model_load(sg_path(name, ".onnx"), &opt, &m, &err) != AVP_OK)
        fprintf(stderr, "  %s: %s\n", name, err.msg);
    return m;
}

/* Opset 18's forms: the output is LayerNormalization's (scale 1, bias 0,
 * so each run of 12 along the last axis has mean 0) resized 2x. */
static void test_onnx_load_opset18_ops(void)
{
    infer_model_t *m = load_ok("exports_norm18", 2);
    CHECK(m != NULL);
    float *in = infer_model_input(m, 0);
    for (int i = 0; i < 2 * 4 * 5 * 6; i++)
        in[i] = (float)((i * 7919) % 23) / 5.0f - 2.0f;
    avp_error_t err = {0};
    CHECK(infer_model_run(m, 2, &err) == AVP_OK);
    infer_tensor_info_t y;
    const float *out = infer_model_output(m, 0, &y);
    CHECK(y.ndim == 4 && y.dims[0] == 2 && y.dims[1] == 2 && y.dims[2] == 10 &&
          y.dims[3] == 12);
    for (int r = 0; r < 2 * 2 * 10; r++) {
        double sum = 0;
        for (int i = 0; i < 12; i++)
            sum += out[r * 12 + i];
        CHECK(fabs(sum / 12) < 1e-5);
    }
    infer_model_destroy(m);
}

/* float16 weights, from raw_data and from int32_data, widen exactly. */
static void test_onnx_load_float16(void)
{
    infer_model_t *m = load_ok("exports_half", 1);
    CHECK(m != NULL);
    const ir_graph_t *g = ir_model_graph(m);
    int b = ir_tensor_find(g, "b_typed"), w = ir_tensor_find(g, "w_raw");
    CHECK(b >= 0 && w >= 0 && g->t[b].dtype == IR_FLOAT);
    const float *v = g->t[b].data;
    CHECK(v[0] == 0.5f && v[1] == -2.0f && v[2] == 65504.0f &&
          v[3] == 0x1p-24f); /* 6e-8 is half's smallest subnormal */
    CHECK(g->t[w].ndim == 4 && g->t[w].dims[0] == 4);
    infer_model_destroy(m);
}

static void test_onnx_load_metadata(void)
{
    infer_model_t *m = load_ok("exports_meta", 1);
    CHECK(m != NULL);
    const infer_info_t *info = infer_model_info(m);
    CHECK(info->num_names == 2 && !strcmp(info->names[0], "person") &&
          !strcmp(info->names[1], "teddy's"));
    CHECK(!strcmp(info->task, "detect") && info->imgsz[0] == 5 &&
          info->imgsz[1] == 6 && info->stride == 32 && info->ultralytics);
    infer_model_destroy(m);
    avp_error_t err = {0};
    CHECK(load_error("bad_names", &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "metadata 'names'") && strstr(err.msg, "at byte 17"));
}

static void test_onnx_load_missing_and_garbage(void)
{
    avp_error_t err = {0};
    infer_model_t *m = NULL;
    CHECK(infer_model_load("/nonexistent/model.onnx", NULL, &m, &err) ==
          AVP_ENOTFOUND && m == NULL);
    static const char text[] = "this is not a protobuf message";
    CHECK(infer_model_load_buffer(text, sizeof(text), NULL, &m, &err) ==
          AVP_EFORMAT && m == NULL && err.msg[0]);
    CHECK(infer_model_load_buffer(text, 0, NULL, &m, &err) == AVP_EFORMAT);
    infer_options_t bad = {0, -3};
    CHECK(infer_model_load(sg_path("fold_bn", ".onnx"), &bad, &m, &err) ==
          AVP_EINVAL);
}

static void test_onnx_load_buffer_matches_file(void)
{
    size_t len = 0;
    uint8_t *data = sg_read(sg_path("ops13", ".onnx"), &len);
    infer_model_t *a = NULL, *b = sg_load("ops13", 1, 1);
    CHECK(data && b);
    avp_error_t err = {0};
    CHECK(infer_model_load_buffer(data, len, NULL, &a, &err) == 0);
    free(data);
    const infer_info_t *ia = infer_model_info(a), *ib = infer_model_info(b);
    CHECK(ia->params == ib->params && ia->num_op_counts == ib->num_op_counts);
    CHECK(ia->outputs[0].ndim == 4 && ia->outputs[0].dims[3] == 3);
    infer_model_destroy(a);
    infer_model_destroy(b);
}

/* Every proper prefix must fail: onnx writes opset_import last, so a cut
 * file either lacks it or has a length running past the end. */
static void test_onnx_load_truncated(void)
{
    size_t len = 0;
    uint8_t *data = sg_read(sg_path("ops13", ".onnx"), &len);
    CHECK(data && len > 1000);
    for (size_t n = 0; n < len; n++) {
        infer_model_t *m = NULL;
        avp_error_t err = {0};
        int rc = infer_model_load_buffer(data, n, NULL, &m, &err);
        if (rc >= 0 || m || !err.msg[0]) {
            fprintf(stderr, "prefix %zu of %zu: rc %d '%s'\n", n, len, rc,
                    err.msg);
            infer_model_destroy(m);
            free(data);
            CHECK(0);
        }
    }
    free(data);
}

/* Flipped bytes may still parse (a weight changes); what matters is a
 * clean result: success, or an error with a message, never a crash. */
static void test_onnx_load_flipped(void)
{
    size_t len = 0;
    uint8_t *data = sg_read(sg_path("ops13", ".onnx"), &len);
    CHECK(data);
    uint32_t seed = 12345;
    int failed = 0, loaded = 0;
    for (int i = 0; i < 3000; i++) {
        seed = seed * 1664525u + 1013904223u;
        size_t at = (seed >> 8) % len;
        uint8_t old = data[at];
        data[at] ^= (uint8_t)(1u << (seed & 7)) | (i & 1 ? 0x80 : 0);
        infer_model_t *m = NULL;
        avp_error_t err = {0};
        int rc = infer_model_load_buffer(data, len, NULL, &m, &err);
        if (rc < 0 && (m || !err.msg[0]))
            failed++;
        if (rc == 0 && infer_model_run(m, 1, &err) == 0)
            loaded++;
        infer_model_destroy(m);
        data[at] = old;
    }
    free(data);
    fprintf(stderr, "  %d of 3000 flipped files still loaded and ran\n",
            loaded);
    CHECK(failed == 0);
}

int main(void)
{
    sg_make();
    RUN(test_onnx_load_unsupported_op);
    RUN(test_onnx_load_bad_attribute);
    RUN(test_onnx_load_opset);
    RUN(test_onnx_load_opset18_ops);
    RUN(test_onnx_load_float16);
    RUN(test_onnx_load_metadata);
    RUN(test_onnx_load_missing_and_garbage);
    RUN(test_onnx_load_buffer_matches_file);
    RUN(test_onnx_load_truncated);
    RUN(test_onnx_load_flipped);
    return CHECK_DONE();
}
