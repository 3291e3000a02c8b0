/*
 * test_graphs.c - proves the runtime computes the right numbers on whole
 * YOLO-style graphs, against an independent oracle.
 *
 * tests/oracle/build_models.py writes small YOLOv5/YOLOv8/YOLO11-style
 * graphs (random seeded weights) into a temp dir; with YOLOX-Nano from the
 * shared models they are run on random frames (for YOLOX-Nano, mostly
 * real letterboxed photos) by tests/oracle/
 * run_reference.py (OpenCV DNN, or its numpy interpreter where OpenCV 4.6
 * cannot run the graph), each frame at batch 1. AVP then runs the same
 * frames at batch 1 and in a larger batch (including a partial batch), and
 * every output element of every frame must satisfy
 *     |avp - ref| <= 1e-3 * max(1, |ref|)
 * (element-wise relative tolerance, absolute below magnitude 1).
 *
 * Needs $AVP_PYTHON with cv2, onnx and numpy (skips with 77 otherwise);
 * YOLOX-Nano is skipped alone when the shared model is absent.
 */
#include <ftw.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "infer/infer.h"

#define TOLERANCE 1e-3

typedef struct graph_case {
    float input_scale;    /* frames are uniform in [0, input_scale) */
    int photos;           /* except the first `photos`: letterboxed photos */
    int batch;            /* the batched run; frames = batch */
    const char *oracle;   /* run_reference.py --oracle */
    const char *oracle_model; /* the oracle runs this one; NULL: the same */
} graph_case_t;

static char tmpdir[64];
static const char *python, *srcdir;

/* The reference for all frames of a case: output 0, frame-major, and its
 * shape as the oracle reports it (dims[0] = frames). */
typedef struct reference {
    float *data;
    int64_t frame_len;
    int ndim;
    int64_t dims[INFER_MAX_DIMS];
} reference_t;

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static float rand_unit(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (float)(rng_state >> 40) / (float)(1u << 24);
}

static int write_frames(const char *path, const float *x, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t wrote = fwrite(x, sizeof(float), n, f);
    return fclose(f) == 0 && wrote == n ? 0 : -1;
}

static float *read_floats(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (len <= 0) {
        fclose(f);
        return NULL;
    }
    float *x = malloc((size_t)len);
    *n = fread(x, 1, (size_t)len, f) / sizeof(float);
    fclose(f);
    return x;
}

/* Reads output 0's shape from OUTPUT.json, so that the reference can be
 * checked against the shape AVP reports rather than trusted. */
static int read_shape(const char *path, reference_t *ref)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        return -1;
    json_t *shape = json_object_get(json_array_get(json_object_get(root, "outputs"), 0), "shape");
    ref->ndim = (int)json_array_size(shape);
    for (int i = 0; i < ref->ndim && i < INFER_MAX_DIMS; i++)
        ref->dims[i] = json_integer_value(json_array_get(shape, (size_t)i));
    json_decref(root);
    return ref->ndim > 0 && ref->ndim <= INFER_MAX_DIMS ? 0 : -1;
}

/* Same shape apart from the batch dimension. */
static int same_frame_shape(const reference_t *ref, const infer_tensor_info_t *t)
{
    if (ref->ndim != t->ndim)
        return 0;
    for (int i = 1; i < t->ndim; i++)
        if (ref->dims[i] != t->dims[i])
            return 0;
    return 1;
}

static int64_t frame_elems(const infer_tensor_info_t *t)
{
    int64_t n = 1;
    for (int i = 1; i < t->ndim; i++)
        n *= t->dims[i];
    return n;
}

/* Overwrites the first n frames of `in` with darknet's photos, letterboxed
 * by tests/oracle/letterbox.py. Without the photos the frames stay random. */
static int load_photos(float *in, int n, const infer_tensor_info_t *shape)
{
    static const char *names[] = {"person", "dog", "horses", "giraffe", "eagle", "kite"};
    const char *dir = "/usr/share/darknet/data";
    char cmd[1024], path[128];
    if (n == 0)
        return 0;
    snprintf(path, sizeof path, "%s/tmp_photos.f32", tmpdir);
    int len = snprintf(cmd, sizeof cmd, "'%s' '%s/tests/oracle/letterbox.py' %lld '%s'",
                       python, srcdir, (long long)shape->dims[2], path);
    for (int i = 0; i < n && i < (int)AVP_ARRAY_LEN(names); i++)
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s/%s.jpg", dir, names[i]);
    snprintf(path, sizeof path, "%s/person.jpg", dir);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "  no darknet photos in %s: all frames random\n", dir);
        return 0;
    }
    snprintf(path, sizeof path, "%s/tmp_photos.f32", tmpdir);
    size_t got = 0;
    float *x = sh(cmd) == 0 ? read_floats(path, &got) : NULL;
    int ok = x && (int64_t)got == n * frame_elems(shape);
    if (ok)
        memcpy(in, x, got * sizeof(float));
    free(x);
    return ok ? 0 : -1;
}

/* Runs the oracle on `frames` frames written at `in`; fills ref. */
static int run_oracle(const char *model, const graph_case_t *c, const float *in,
                      const infer_tensor_info_t *shape, int frames, reference_t *ref)
{
    char in_path[128], out_path[128], meta_path[160], cmd[1024];
    snprintf(in_path, sizeof in_path, "%s/input.f32", tmpdir);
    snprintf(out_path, sizeof out_path, "%s/ref.f32", tmpdir);
    snprintf(meta_path, sizeof meta_path, "%s.json", out_path);
    if (write_frames(in_path, in, (size_t)(frames * frame_elems(shape))) != 0)
        return -1;
    snprintf(cmd, sizeof cmd,
             "PYTHONDONTWRITEBYTECODE=1 '%s' '%s/tests/oracle/run_reference.py' '%s' "
             "'%s' '%s' --shape %d,%lld,%lld,%lld --oracle %s >&2",
             python, srcdir, model, in_path, out_path, frames, (long long)shape->dims[1],
             (long long)shape->dims[2], (long long)shape->dims[3], c->oracle);
    if (sh(cmd) != 0)
        return -1;
    size_t n = 0;
    if (read_shape(meta_path, ref) != 0 || ref->dims[0] != frames ||
        !(ref->data = read_floats(out_path, &n)))
        return -1;
    ref->frame_len = (int64_t)n / frames;
    return 0;
}

/* Counts elements outside the tolerance and reports the worst one. */
static int64_t compare_frame(const char *what, int frame, const float *got,
                             const float *want, int64_t n)
{
    int64_t bad = 0, worst = 0;
    double worst_err = -1;
    for (int64_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]) / fmax(1.0, fabs(want[i]));
        if (!(err <= TOLERANCE))
            bad++;
        if (!(err <= worst_err)) {
            worst_err = err;
            worst = i;
        }
    }
    if (bad)
        fprintf(stderr, "  %s frame %d: %lld of %lld outside tolerance, worst [%lld] "
                "avp %.7g ref %.7g\n", what, frame, (long long)bad, (long long)n,
                (long long)worst, got[worst], want[worst]);
    return bad;
}

/* A test that cannot tell frames apart cannot catch a runtime that mixes
 * them up: the first two reference frames must differ beyond tolerance. */
static int frames_distinct(const reference_t *ref)
{
    const float *a = ref->data, *b = ref->data + ref->frame_len;
    for (int64_t i = 0; i < ref->frame_len; i++)
        if (fabs((double)a[i] - b[i]) > 10 * TOLERANCE * fmax(1.0, fabs(b[i])))
            return 1;
    return 0;
}

/* Runs one batch of n frames, in[order[0..n)], on a loaded model and
 * compares each frame with its reference. Returns the number of bad
 * elements, or -1 if the runtime failed. */
static int64_t run_batch(infer_model_t *m, const float *in, const reference_t *ref,
                         const int *order, int n)
{
    const infer_info_t *info = infer_model_info(m);
    int64_t in_len = frame_elems(&info->inputs[0]), bad = 0;
    for (int i = 0; i < n; i++)
        memcpy(infer_model_input(m, 0) + i * in_len, in + order[i] * in_len,
               (size_t)in_len * sizeof(float));
    avp_error_t err = {0};
    if (infer_model_run(m, n, &err) != AVP_OK) {
        fprintf(stderr, "  run of %d frames: %s\n", n, err.msg);
        return -1;
    }
    char what[64];
    snprintf(what, sizeof what, "batch %d (%d frames)", (int)info->inputs[0].dims[0], n);
    const float *out = infer_model_output(m, 0, NULL);
    for (int i = 0; i < n; i++)
        bad += compare_frame(what, order[i], out + i * ref->frame_len,
                             ref->data + order[i] * ref->frame_len, ref->frame_len);
    return bad;
}

/* Loads `model` at `batch` and runs consecutive batches on the one handle:
 * batch r takes the next sizes[r] frames of `order`. */
static int64_t run_avp(const char *model, int batch, int threads, const float *in,
                       const reference_t *ref, const int *order, const int *sizes,
                       int runs)
{
    infer_options_t opt = {.batch = batch, .threads = threads};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    if (infer_model_load(model, &opt, &m, &err) != AVP_OK) {
        fprintf(stderr, "  load at batch %d: %s\n", batch, err.msg);
        return -1;
    }
    const infer_info_t *info = infer_model_info(m);
    int64_t bad = 0;
    if (info->inputs[0].dims[0] != batch || info->outputs[0].dims[0] != batch ||
        !same_frame_shape(ref, &info->outputs[0]) ||
        frame_elems(&info->outputs[0]) != ref->frame_len) {
        fprintf(stderr, "  batch %d: shapes do not match the reference\n", batch);
        bad = -1;
    }
    for (int r = 0; r < runs && bad == 0; order += sizes[r++])
        bad = run_batch(m, in, ref, order, sizes[r]);
    infer_model_destroy(m);
    return bad;
}

/* The whole check for one graph: the oracle on `batch` frames, then AVP
 * at batch 1 on two frames in turn (1 thread), and at `batch` (2 threads)
 * on all frames and then on all but one in reverse order, so a runtime
 * that keeps stale outputs or mixes up frames fails. */
static int check_graph(const char *model, const graph_case_t *c)
{
    infer_options_t opt = {.batch = 1, .threads = 1};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    if (infer_model_load(model, &opt, &m, &err) != AVP_OK) {
        fprintf(stderr, "  %s: %s\n", model, err.msg);
        return -1;
    }
    infer_tensor_info_t shape = infer_model_info(m)->inputs[0];
    infer_model_destroy(m);
    int n = c->batch, order[32] = {0, 1}, /* batch <= 16 */ ones[2] = {1, 1}, sizes[2] = {n, n - 1};
    int64_t in_len = frame_elems(&shape), bad = -1;
    float *in = malloc((size_t)(n * in_len) * sizeof(float));
    for (int64_t i = 0; i < n * in_len; i++)
        in[i] = rand_unit() * c->input_scale;
    reference_t ref = {0};
    int rc = load_photos(in, c->photos, &shape);
    if (rc == 0)
        rc = run_oracle(c->oracle_model ? c->oracle_model : model, c, in, &shape, n, &ref);
    if (rc != 0 || !frames_distinct(&ref)) {
        fprintf(stderr, "  %s\n", rc ? "input or oracle failed" : "reference frames are identical");
        goto done;
    }
    bad = run_avp(model, 1, 1, in, &ref, order, ones, 2);
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 0; i < n - 1; i++)
        order[n + i] = n - 2 - i;
    if (bad == 0)
        bad = run_avp(model, n, 2, in, &ref, order, sizes, 2);
done:
    free(ref.data);
    free(in);
    return bad == 0 ? 0 : -1;
}

static int check_generated(const char *name, int batch)
{
    char model[128];
    snprintf(model, sizeof model, "%s/%s.onnx", tmpdir, name);
    graph_case_t c = {1.0f, 0, batch, "auto", NULL};
    /* OpenCV runs the v5 graph, so there both oracles run and must agree:
     * that is what vouches for the numpy interpreter on the other graphs. */
    if (strcmp(name, "yolov5s_like") == 0)
        c.oracle = "both";
    return check_graph(model, &c);
}

static void test_graphs_yolov5_like(void) { CHECK(check_generated("yolov5s_like", 4) == 0); }
static void test_graphs_yolov8_like(void) { CHECK(check_generated("yolov8n_like", 4) == 0); }
static void test_graphs_yolo11_like(void) { CHECK(check_generated("yolo11n_like", 4) == 0); }
static void test_graphs_ops_misc(void) { CHECK(check_generated("ops_misc", 3) == 0); }

/* Exports of other opsets and float16 (build_exports.py), against ONNX
 * Runtime; a float16 graph against its float32 twin (build_exports.py's
 * add_half() says why). */
static int check_export(const char *name, int has_twin)
{
    char model[128], twin[128];
    snprintf(model, sizeof model, "%s/%s.onnx", tmpdir, name);
    snprintf(twin, sizeof twin, "%s/%s.f32.onnx", tmpdir, name);
    graph_case_t c = {1.0f, 0, 3, "ort", has_twin ? twin : NULL};
    return check_graph(model, &c);
}

static void test_graphs_exports_opsets(void)
{
    static const int opsets[] = {11, 13, 17, 18, 19, 20, 21};
    char name[32];
    for (size_t i = 0; i < AVP_ARRAY_LEN(opsets); i++) {
        snprintf(name, sizeof name, "ops_opset%d", opsets[i]);
        fprintf(stderr, "  %s\n", name);
        CHECK(check_export(name, 0) == 0);
    }
}

static void test_graphs_exports_yolo11(void)
{
    CHECK(check_export("yolo11_opset19", 0) == 0);
    CHECK(check_export("yolo11_opset20", 0) == 0);
    CHECK(check_export("yolo11_opset21", 0) == 0);
}

static void test_graphs_exports_half(void)
{
    CHECK(check_export("yolo11_half", 1) == 0);
    CHECK(check_export("ops_half_io32", 1) == 0);
}

/* The shared ultralytics YOLOv8n (opset 17) on photos, and its float16
 * conversion that build_exports.py writes beside the graphs. */
static void test_graphs_exports_yolov8n(void)
{
    char model[512];
    snprintf(model, sizeof model, "%s/models/yolov8n_fp32.onnx", getenv("AVP_SHARED_DIR"));
    if (access(model, R_OK) != 0) {
        fprintf(stderr, "  SKIP: ../shared/models/yolov8n_fp32.onnx is absent\n");
        return;
    }
    graph_case_t c = {1.0f, 2, 2, "ort", NULL};
    CHECK(check_graph(model, &c) == 0);
    char half[128], twin[128];
    snprintf(half, sizeof half, "%s/yolov8n_half.onnx", tmpdir);
    snprintf(twin, sizeof twin, "%s/yolov8n_half.f32.onnx", tmpdir);
    c.oracle_model = twin;
    CHECK(check_graph(half, &c) == 0);
}

static void test_graphs_yolox_nano(void)
{
    char model[512];
    snprintf(model, sizeof model, "%s/models/yolox_nano.onnx", getenv("AVP_SHARED_DIR"));
    graph_case_t c = {255.0f, 6, 8, "auto", NULL};
    CHECK(check_graph(model, &c) == 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* `test_graphs` checks the generated graphs; `test_graphs yolox` checks
 * YOLOX-Nano, a separate CTest entry so that a missing shared model skips
 * only that. */
int main(int argc, char **argv)
{
    python = getenv("AVP_PYTHON");
    srcdir = getenv("AVP_SOURCE_DIR");
    if (!python || !srcdir || !getenv("AVP_SHARED_DIR"))
        CHECK_SKIP("AVP_PYTHON, AVP_SOURCE_DIR or AVP_SHARED_DIR not set (run under CTest)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' -c 'import cv2, onnx, numpy' 2>/dev/null", python);
    if (sh(cmd) != 0)
        CHECK_SKIP("python3 with cv2, onnx and numpy is needed for the oracle");
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "yolox")) {
        snprintf(cmd, sizeof cmd, "%s/models/yolox_nano.onnx", getenv("AVP_SHARED_DIR"));
        if (access(cmd, R_OK) != 0)
            CHECK_SKIP("../shared/models/yolox_nano.onnx is absent");
    }
    if (!strcmp(mode, "exports")) {
        snprintf(cmd, sizeof cmd, "%s/bench/ort/node_modules/onnxruntime-node", srcdir);
        if (access(cmd, R_OK) != 0)
            CHECK_SKIP("bench/ort/node_modules is absent (scripts/ort.sh installs ONNX "
                       "Runtime, the oracle of these graphs)");
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/avp_test_graphs_XXXXXX");
    if (!mkdtemp(tmpdir))
        return EXIT_FAILURE;
    snprintf(cmd, sizeof cmd, "PYTHONDONTWRITEBYTECODE=1 '%s' '%s/tests/oracle/%s.py' "
             "'%s' >/dev/null", python, srcdir,
             strcmp(mode, "exports") ? "build_models" : "build_exports", tmpdir);
    if (!strcmp(mode, "yolox")) {
        RUN(test_graphs_yolox_nano);
    } else if (sh(cmd) != 0) {
        fprintf(stderr, "building the graphs failed\n");
        check_failed_ = 1;
    } else if (!strcmp(mode, "exports")) {
        RUN(test_graphs_exports_opsets);
        RUN(test_graphs_exports_yolo11);
        RUN(test_graphs_exports_half);
        RUN(test_graphs_exports_yolov8n);
    } else {
        RUN(test_graphs_yolov5_like);
        RUN(test_graphs_yolov8_like);
        RUN(test_graphs_yolo11_like);
        RUN(test_graphs_ops_misc);
    }
    nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return CHECK_DONE();
}
