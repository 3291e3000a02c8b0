/*
 * small_graphs.h - helpers for the runtime tests: generate the small ONNX
 * graphs of make_small_graphs.py into a temp dir (skipping with 77 when
 * Debian's python3 with onnx and numpy is missing), read their reference
 * input and output, load them, compare outputs.
 */
#ifndef AVP_TESTS_INFER_SMALL_GRAPHS_H
#define AVP_TESTS_INFER_SMALL_GRAPHS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "infer/infer.h"

static char sg_dir[64];

static inline void sg_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sg_dir);
    if (sg_dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", sg_dir);
}

/* Writes the graphs once per process; removed at exit. */
static inline void sg_make(void)
{
    const char *py = getenv("AVP_PYTHON"), *src = getenv("AVP_SOURCE_DIR");
    if (!py || !src)
        CHECK_SKIP("AVP_PYTHON / AVP_SOURCE_DIR not set (run under ctest)");
    snprintf(sg_dir, sizeof(sg_dir), "/tmp/avp-infer-XXXXXX");
    if (!mkdtemp(sg_dir))
        CHECK_SKIP("cannot create a temp dir");
    atexit(sg_cleanup);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' '%s/tests/infer/make_small_graphs.py' "
             "'%s'", py, src, sg_dir);
    int rc = system(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        CHECK_SKIP("make_small_graphs.py failed (needs python3-onnx, "
                   "python3-numpy)");
}

static inline const char *sg_path(const char *name, const char *ext)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s%s", sg_dir, name, ext);
    return path;
}

/* Reads a whole file; *len gets its size. Caller frees with free(). */
static inline void *sg_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *data = malloc((size_t)n + 1);
    *len = fread(data, 1, (size_t)n, f);
    fclose(f);
    return data;
}

static inline float *sg_floats(const char *name, const char *ext,
                                size_t *count)
{
    size_t len = 0;
    float *v = sg_read(sg_path(name, ext), &len);
    *count = len / sizeof(float);
    return v;
}

static inline infer_model_t *sg_load(const char *name, int batch,
                                     int threads)
{
    infer_options_t opt = {batch, threads};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    if (infer_model_load(sg_path(name, ".onnx"), &opt, &m, &err) < 0)
        fprintf(stderr, "load %s: %s\n", name, err.msg);
    return m;
}

/* Index of the first element where |a - b| > tol * max(1, |b|), or -1. */
static inline long sg_mismatch(const float *a, const float *b, size_t n,
                               double tol)
{
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= tol * fmax(1.0, fabs((double)b[i])))) {
            fprintf(stderr, "element %zu: %.7g vs %.7g\n", i, a[i], b[i]);
            return (long)i;
        }
    }
    return -1;
}

static inline size_t sg_numel(const infer_tensor_info_t *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= (size_t)t->dims[i];
    return n;
}

#endif
