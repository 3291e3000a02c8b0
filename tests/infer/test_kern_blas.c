/* test_kern_blas.c - OpenBLAS is not in a process until the first model
 * load (the API server shares the binary and must not carry its TLS in
 * every thread); a missing OpenBLAS fails that load with
 * AVP_EUNAVAILABLE and dlerror's reason, and a later load tries again;
 * kern__sgemm computes c = a * b, row-major, with leading dimensions
 * wider than the matrices. */
#include "check.h"
#include "infer/kern_internal.h"
#include "small_graphs.h"

#include <stdio.h>
#include <string.h>

/* Whether a library whose path contains name is mapped into this process. */
static int mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, name) != NULL;
    if (f)
        fclose(f);
    return found;
}

static void test_kern_blas_not_loaded_before_use(void)
{
    CHECK(!mapped("openblas"));
}

/* fold_bn (a Conv) runs like the numpy reference. */
static int runs_like_reference(infer_model_t *m)
{
    size_t nin = 0, nref = 0;
    float *x = sg_floats("fold_bn", ".in.bin", &nin);
    float *ref = sg_floats("fold_bn", ".out.bin", &nref);
    infer_tensor_info_t info;
    int ok = m && x && ref;
    if (ok) {
        memcpy(infer_model_input(m, 0), x, nin * sizeof(float));
        ok = infer_model_run(m, 1, NULL) == AVP_OK;
    }
    const float *y = ok ? infer_model_output(m, 0, &info) : NULL;
    ok = ok && sg_numel(&info) == nref && sg_mismatch(y, ref, nref, 1e-4) < 0;
    free(x);
    free(ref);
    return ok;
}

/* The soname hook stands for an installation without OpenBLAS: the load
 * fails cleanly, and the next one, with OpenBLAS back, works. */
static void test_kern_blas_missing_fails_model_load(void)
{
    sg_make();
    infer_options_t opt = {1, 1};
    infer_model_t *m = (infer_model_t *)1;
    avp_error_t err = {0};
    kern__blas_soname("libopenblas-avp-missing.so.0");
    int rc = infer_model_load(sg_path("fold_bn", ".onnx"), &opt, &m, &err);
    kern__blas_soname(NULL);
    if (rc != AVP_EUNAVAILABLE)
        fprintf(stderr, "  load: %d '%s'\n", rc, err.msg);
    CHECK(rc == AVP_EUNAVAILABLE && err.code == AVP_EUNAVAILABLE && !m);
    CHECK(strstr(err.msg, "fold_bn.onnx: cannot load "
                          "libopenblas-avp-missing.so.0: "));
    CHECK(strstr(err.msg, "No such file"));
    CHECK(!mapped("openblas"));
    m = sg_load("fold_bn", 1, 1);
    int ok = runs_like_reference(m);
    infer_model_destroy(m);
    CHECK(ok);
    CHECK(mapped("openblas"));
}

/* 3x4 times 4x5 inside arrays with leading dimensions 6, 7 and 8. */
static void test_kern_blas_sgemm_matches_naive_product(void)
{
    enum { M = 3, K = 4, N = 5, LDA = 6, LDB = 7, LDC = 8 };
    float a[M * LDA], b[K * LDB], c[M * LDC];
    for (int i = 0; i < M * LDA; i++)
        a[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < K * LDB; i++)
        b[i] = (float)(i % 5) * 0.5f - 1.0f;
    for (int i = 0; i < M * LDC; i++)
        c[i] = 99.0f; /* beta is 0: overwritten inside, kept outside */
    CHECK(kern__blas_open(NULL) == AVP_OK);
    kern__sgemm(M, N, K, a, LDA, b, LDB, c, LDC);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < LDC; j++) {
            float want = 99.0f;
            if (j < N) {
                want = 0.0f;
                for (int k = 0; k < K; k++)
                    want += a[i * LDA + k] * b[k * LDB + j];
            }
            CHECK_NEAR(c[i * LDC + j], want, 1e-5);
        }
    CHECK(mapped("openblas"));
}

int main(void)
{
    RUN(test_kern_blas_not_loaded_before_use);
    RUN(test_kern_blas_missing_fails_model_load);
    RUN(test_kern_blas_sgemm_matches_naive_product);
    return CHECK_DONE();
}
