/*
 * test_quant.c - quantized ONNX models (src/infer/quant.c) against ONNX
 * Runtime, the runtime that wrote and runs them.
 *
 * tests/oracle/make_quant_graphs.py builds, with the onnx module, the
 * chain ONNX Runtime's quantize_dynamic writes for a Conv
 * (DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul -> Add), over
 * shapes, strides, pads, dilations, groups, uint8/int8 weights, zero
 * points per tensor and per channel, with and without bias and the SiLU
 * after it, and writes an input per graph; tests/oracle/ort_run.js runs
 * each in ONNX Runtime. The integer part is exact in both, and AVP's
 * float epilogue does ORT's Mul and Add in ORT's order, so outputs must be
 * bit-identical (the SiLU graphs: within float rounding of the sigmoid).
 * The same script writes QDQ graphs (quantize_static's format: uint8 and
 * int8 activations and weights, per-tensor and per-channel, int32 or
 * float bias, depthwise, a quantized Add), which ORT runs as QLinearConv
 * with an integer requantization: within one step of the output's scale.
 * make_qop_graphs.py writes quantize_dynamic's MatMul (MatMulInteger,
 * exact) and quantize_static's QOperator format (QLinearConv, MatMul and
 * the com.microsoft QLinear ops, alone and as a YOLO-style block): within
 * one step of the output's scale.
 * Then the shared ultralytics YOLOv8n quantized with quantize_dynamic on
 * two photos (yolov8n_photo() says how close it must be), at batch 1 and
 * in a batch of 2 (each frame quantized on its own, so the batch must be
 * byte-identical to batch 1).
 *
 * Skips (77) without $AVP_PYTHON's onnx, node, or bench/ort/node_modules
 * (scripts/ort.sh installs it); the YOLOv8n check skips alone when the
 * shared model is absent.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "infer/infer.h"
#include "small_graphs.h"
#include "util/avp.h"

static char tmpdir[64];
static const char *python, *srcdir;
static char ortdir[512];

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static float *read_floats(const char *path, size_t *n)
{
    size_t len = 0;
    float *v = sg_read(path, &len);
    *n = len / sizeof(float);
    return v;
}

/* ORT's output for model on a float32 input (dims "N,C,H,W"); the graphs
 * here have one output. */
static float *ort_run(const char *model, const char *input, const char *dims,
                      size_t *n)
{
    char out[128], cmd[2048];
    snprintf(out, sizeof out, "%s/ort.f32", tmpdir);
    snprintf(cmd, sizeof cmd, "node '%s/tests/oracle/ort_run.js' '%s' '%s' "
             "'%s' float32 %s '%s'", srcdir, ortdir, model, input, dims, out);
    return sh(cmd) == 0 ? read_floats(out, n) : NULL;
}

/* AVP's output 0 for `frames` frames of x at batch `batch`. */
static float *avp_run(const char *model, const float *x, size_t frame_len,
                      int frames, int batch, size_t *n)
{
    infer_options_t opt = {.batch = batch, .threads = 2};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    if (infer_model_load(model, &opt, &m, &err) < 0) {
        fprintf(stderr, "load %s: %s\n", model, err.msg);
        return NULL;
    }
    memcpy(infer_model_input(m, 0), x, frame_len * frames * sizeof(float));
    float *y = NULL;
    infer_tensor_info_t info;
    if (infer_model_run(m, frames, &err) == 0) {
        const float *out = infer_model_output(m, 0, &info);
        size_t per = 1;
        for (int i = 1; i < info.ndim; i++)
            per *= (size_t)info.dims[i];
        *n = per * (size_t)frames;
        y = avp_malloc(*n * sizeof(float));
        memcpy(y, out, *n * sizeof(float));
    }
    infer_model_destroy(m);
    return y;
}

/* Largest |a - b|. */
static double worst(const float *a, const float *b, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        w = d > w ? d : w;
    }
    return w;
}

/* x twice at batch 2 gives y twice, byte for byte: each frame is
 * quantized on its own. */
static int batch_same(const char *model, const float *x, size_t nx,
                      const float *y, size_t ny)
{
    float *x2 = avp_malloc(2 * nx * sizeof(float));
    memcpy(x2, x, nx * sizeof(float));
    memcpy(x2 + nx, x, nx * sizeof(float));
    size_t n = 0;
    float *y2 = avp_run(model, x2, nx, 2, 2, &n);
    int ok = y2 && n == 2 * ny && !memcmp(y2, y, ny * sizeof(float)) &&
             !memcmp(y2 + ny, y, ny * sizeof(float));
    avp_free(x2);
    avp_free(y2);
    return ok;
}

/* Every case tests/oracle/SCRIPT writes, in AVP and in ORT, and at batch
 * 2; *cases counts them. */
static void cases_match_ort(const char *script, int *cases)
{
    char cmd[1024], list[128];
    snprintf(list, sizeof list, "%s/cases.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "PYTHONDONTWRITEBYTECODE=1 '%s' "
             "'%s/tests/oracle/%s' '%s' > '%s'", python, srcdir, script,
             tmpdir, list);
    CHECK(sh(cmd) == 0);
    FILE *f = fopen(list, "r");
    CHECK(f);
    char name[64], dims[64];
    double tol;
    *cases = 0;
    while (fscanf(f, "%63s %63s %lf", name, dims, &tol) == 3) {
        char model[160], input[160];
        size_t nx = 0, nr = 0, na = 0;
        snprintf(model, sizeof model, "%s/%s.onnx", tmpdir, name);
        snprintf(input, sizeof input, "%s/%s.f32", tmpdir, name);
        float *x = read_floats(input, &nx), *ref = ort_run(model, input, dims, &nr);
        float *got = x && ref ? avp_run(model, x, nx, 1, 1, &na) : NULL;
        double w = got && na == nr ? worst(got, ref, nr) : 1e9;
        int batch = got && batch_same(model, x, nx, got, na);
        if (w > tol || !batch)
            fprintf(stderr, "%s: worst %.3g over %zu elements (allowed "
                    "%.3g), batch 2 %s\n", name, w, nr, tol,
                    batch ? "identical" : "differs");
        free(x), free(ref), avp_free(got);
        CHECK(w <= tol && batch);
        (*cases)++;
    }
    fclose(f);
}

static void test_quant_graphs_match_ort(void)
{
    int cases;
    cases_match_ort("make_quant_graphs.py", &cases);
    CHECK(cases >= 17);
}

/* quantize_static's QOperator format (QLinearConv, QLinearMatMul, the
 * com.microsoft QLinear ops, 8-bit MaxPool and Resize, a YOLO-style
 * block) and quantize_dynamic's MatMul (MatMulInteger), from
 * make_qop_graphs.py: the dynamic MatMuls bit for bit, the QOperator
 * graphs within one step of their output's scale. */
static void test_quant_qop_graphs_match_ort(void)
{
    int cases;
    cases_match_ort("make_qop_graphs.py", &cases);
    CHECK(cases >= 25);
}

/* Largest difference over the anchors ORT scores above 0.25 of a YOLOv8
 * output [rows, anchors]: of the box rows (0-3) relative to the box's
 * longer side (a large box on the stride-32 grid moves by a few pixels
 * when one of its DFL bins does), and of the class rows. */
static void strong_diffs(const float *a, const float *b, size_t n, int rows,
                         double *box, double *score)
{
    size_t anchors = n / (size_t)rows;
    *box = *score = 0;
    for (size_t i = 0; i < anchors; i++) {
        float best = 0;
        for (int r = 4; r < rows; r++)
            best = fmaxf(best, b[r * anchors + i]);
        double side = fmax(1.0, fmax(b[2 * anchors + i], b[3 * anchors + i]));
        for (int r = 0; best > 0.25f && r < rows; r++) {
            double d = fabs((double)a[r * anchors + i] - b[r * anchors + i]);
            double *w = r < 4 ? box : score;
            d = r < 4 ? d / side : d;
            *w = d > *w ? d : *w;
        }
    }
}

/* ORT's own spread: the largest strong_diffs() between ORT on x and ORT
 * on x moved by one ulp (every pixel up, every pixel down, every other
 * pixel up). */
static int ort_spread(const char *model, const float *x, size_t nx,
                      const float *ref, size_t nr, double *box, double *score)
{
    static const int moves[3][2] = {{1, 1}, {1, -1}, {2, 1}};
    char path[128];
    snprintf(path, sizeof path, "%s/moved.f32", tmpdir);
    float *y = avp_malloc(nx * sizeof(float));
    *box = *score = 0;
    int ok = 1;
    for (int m = 0; m < 3 && ok; m++) {
        memcpy(y, x, nx * sizeof(float));
        for (size_t i = 0; i < nx; i += (size_t)moves[m][0])
            y[i] = nextafterf(y[i], moves[m][1] > 0 ? 2.f : -1.f);
        FILE *f = fopen(path, "wb");
        ok = f && fwrite(y, sizeof(float), nx, f) == nx;
        if (f)
            fclose(f);
        size_t n = 0;
        float *out = ok ? ort_run(model, path, "1,3,640,640", &n) : NULL;
        double b, s;
        ok = out && n == nr;
        if (ok)
            strong_diffs(out, ref, nr, 84, &b, &s);
        *box = ok && b > *box ? b : *box;
        *score = ok && s > *score ? s : *score;
        free(out);
    }
    avp_free(y);
    return ok;
}

/* The real model on a letterboxed photo. Each conv quantizes its input
 * from the float activations, which differ from ORT's in the last bits
 * after the float ops between convs (AVP's Sigmoid is not MLAS's); when
 * the range moves by an ulp, the scale does, values near a rounding
 * boundary move one quantization step and the difference travels on. So
 * the bound is ORT's own: on the anchors it scores above 0.25, AVP may
 * differ from ORT by at most three times as much as ORT differs from
 * itself on inputs moved by one ulp (those moves reach the first conv
 * only; AVP's float rounding differs before every conv), and never by
 * more than 0.15 in a score or 5% of a box. Batch 2 must equal batch 1
 * byte for byte (frames are quantized alone). */
static void yolov8n_photo(const char *model, const char *photo)
{
    char input[128], cmd[1024];
    snprintf(input, sizeof input, "%s/photo.f32", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/oracle/make_quant_graphs.py' "
             "--photos '%s' '%s'", python, srcdir, input, photo);
    CHECK(sh(cmd) == 0);
    size_t nx = 0, nr = 0, n1 = 0, n2 = 0;
    float *x = read_floats(input, &nx);
    CHECK(x && nx == 3 * 640 * 640);
    float *x2 = avp_malloc(2 * nx * sizeof(float));
    memcpy(x2, x, nx * sizeof(float));
    memcpy(x2 + nx, x, nx * sizeof(float));
    float *ref = ort_run(model, input, "1,3,640,640", &nr);
    float *one = avp_run(model, x2, nx, 1, 1, &n1);
    float *two = avp_run(model, x2, nx, 2, 2, &n2);
    double box = 1e9, score = 1e9, box_ort = 0, score_ort = 0;
    int ok = ref && one && two && n1 == nr && n2 == 2 * nr &&
             !memcmp(one, two, nr * sizeof(float)) &&
             !memcmp(one, two + nr, nr * sizeof(float)) &&
             ort_spread(model, x, nx, ref, nr, &box_ort, &score_ort);
    if (ok)
        strong_diffs(one, ref, nr, 84, &box, &score);
    fprintf(stderr, "%s: AVP vs ORT box %.3g score %.3g; ORT moved by one "
            "ulp: box %.3g score %.3g\n", photo, box, score, box_ort,
            score_ort);
    free(x), avp_free(x2), free(ref), avp_free(one), avp_free(two);
    CHECK(ok);
    CHECK(box <= 3 * box_ort + 1e-3 && score <= 3 * score_ort + 1e-3);
    CHECK(box <= 0.05 && score <= 0.15);
}

static void test_quant_yolov8n_matches_ort(void)
{
    const char *shared = getenv("AVP_SHARED_DIR");
    char model[512];
    snprintf(model, sizeof model, "%s/models/yolov8n_int8_dynamic.onnx",
             shared ? shared : "");
    if (!shared || access(model, R_OK) != 0) {
        fprintf(stderr, "skip: %s absent\n", model);
        return;
    }
    /* A batch runs as a loop of frames over one frame's intermediates:
     * the arena grows by the inputs and outputs only (~7.7 MB a frame),
     * not by every activation (~19 MB a frame). */
    size_t arena[2];
    for (int i = 0; i < 2; i++) {
        infer_options_t opt = {.batch = i ? 4 : 1, .threads = 1};
        infer_model_t *m = NULL;
        avp_error_t err = {0};
        CHECK(infer_model_load(model, &opt, &m, &err) == 0);
        arena[i] = infer_model_info(m)->arena_bytes;
        infer_model_destroy(m);
    }
    CHECK(arena[1] < arena[0] + 3 * (size_t)(10 << 20));
    yolov8n_photo(model, "/usr/share/darknet/data/dog.jpg");
    yolov8n_photo(model, "/usr/share/darknet/data/person.jpg");
}

/* Integer graphs outside both formats fail at load, naming the form AVP
 * runs, instead of computing something else. */
static void test_quant_other_forms_refused(void)
{
    static const char *const cases[][2] = {
        {"refused_cast_only", "quantize_dynamic"},
        {"refused_lone_q", "quantize_static"},
        {"refused_qop_constants", "other constants"},
    };
    char cmd[1024], model[160];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/oracle/make_quant_graphs.py' "
             "--refused '%s'", python, srcdir, tmpdir);
    CHECK(sh(cmd) == 0);
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        infer_model_t *m = NULL;
        avp_error_t err = {0};
        snprintf(model, sizeof model, "%s/%s.onnx", tmpdir, cases[i][0]);
        CHECK(infer_model_load(model, NULL, &m, &err) == AVP_EUNSUPPORTED);
        CHECK(!m && strstr(err.msg, cases[i][1]));
    }
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    python = getenv("AVP_PYTHON");
    srcdir = getenv("AVP_SOURCE_DIR");
    if (!python || !srcdir)
        CHECK_SKIP("AVP_PYTHON or AVP_SOURCE_DIR not set (run under CTest)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' -c 'import cv2, onnx, numpy' 2>/dev/null",
             python);
    if (sh(cmd) != 0)
        CHECK_SKIP("python3 with cv2, onnx and numpy is needed for the graphs");
    snprintf(ortdir, sizeof ortdir, "%s/bench/ort", srcdir);
    snprintf(cmd, sizeof cmd, "%s/node_modules/onnxruntime-node", ortdir);
    if (access(cmd, R_OK) != 0 || sh("node --version >/dev/null 2>&1") != 0)
        CHECK_SKIP("ONNX Runtime (bench/ort/node_modules) or node is absent: "
                   "run scripts/ort.sh");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/avp_test_quant_XXXXXX");
    if (!mkdtemp(tmpdir))
        return EXIT_FAILURE;
    RUN(test_quant_graphs_match_ort);
    RUN(test_quant_qop_graphs_match_ort);
    RUN(test_quant_other_forms_refused);
    RUN(test_quant_yolov8n_matches_ort);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return CHECK_DONE();
}
