/* kern_blas.c - OpenBLAS, opened on first use rather than linked.
 *
 * Why: glibc gives every thread of a process a copy of the thread-local
 * storage of each library loaded at start-up, and OpenBLAS has 60 KiB of
 * it. The avp binary also runs the API server, whose 512 civetweb threads
 * never multiply a matrix: linked, OpenBLAS cost that server 30 MB of
 * resident memory. A library opened with dlopen() gets dynamic TLS, which
 * is only allocated in the threads that touch it (inference threads).
 * OpenBLAS's soname is the same for Debian's pthread and OpenMP builds. */
#include "infer/kern_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#define KERN_OPENBLAS_SONAME "libopenblas.so.0"

static void (*sgemm)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                     const enum CBLAS_TRANSPOSE, const blasint, const blasint,
                     const blasint, const float, const float *, const blasint,
                     const float *, const blasint, const float, float *,
                     const blasint);
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

/* A missing OpenBLAS used to stop the binary from starting at all; now it
 * stops the first inference, with the same kind of message. */
static void blas_open(void)
{
    void *lib = dlopen(KERN_OPENBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    void (*set_threads)(int) = NULL;
    if (lib) {
        *(void **)&sgemm = dlsym(lib, "cblas_sgemm");
        *(void **)&set_threads = dlsym(lib, "openblas_set_num_threads");
    }
    if (!sgemm || !set_threads) {
        fprintf(stderr, "avp: cannot load OpenBLAS (%s): %s\n",
                KERN_OPENBLAS_SONAME, dlerror());
        abort();
    }
    /* Our tasks call sgemm concurrently; OpenBLAS's own threads would
     * oversubscribe the cores we already keep busy. */
    set_threads(1);
}

void kern__blas_init(void)
{
    pthread_once(&blas_once, blas_open);
}

void kern__sgemm(int m, int n, int k, const float *a, int lda, const float *b,
                 int ldb, float *c, int ldc)
{
    kern__blas_init();
    sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b,
          ldb, 0.0f, c, ldc);
}
