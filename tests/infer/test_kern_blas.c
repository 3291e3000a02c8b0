/* test_kern_blas.c - OpenBLAS is not in a process until its first matrix
 * product (the API server shares the binary and must not carry its TLS in
 * every thread), and kern__sgemm then computes c = a * b, row-major, with
 * leading dimensions wider than the matrices. */
#include "check.h"
#include "infer/kern_internal.h"

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
    RUN(test_kern_blas_sgemm_matches_naive_product);
    return CHECK_DONE();
}
