/* kern_blas.c - OpenBLAS, opened when the first model is loaded rather
 * than linked.
 *
 * Why not linked: glibc gives every thread of a process a copy of the
 * thread-local storage of each library loaded at start-up, and OpenBLAS
 * has 60 KiB of it. The avp binary also runs the API server, whose 512
 * civetweb threads never multiply a matrix: linked, OpenBLAS cost that
 * server 30 MB of resident memory. A library opened with dlopen() gets
 * dynamic TLS, which is only allocated in the threads that touch it
 * (inference threads). OpenBLAS's soname is the same for Debian's pthread
 * and OpenMP builds.
 *
 * Why at model load: a missing OpenBLAS is then an error of the load
 * (AVP_EUNAVAILABLE) that `avp detect` and the worker report, not an
 * abort in the middle of the first inference; and the GEMM path is a
 * plain call through a pointer that no longer changes. */
#include "infer/kern_internal.h"

#include <dlfcn.h>
#include <pthread.h>

#include <cblas.h>

#define KERN_OPENBLAS_SONAME "libopenblas.so.0"

typedef void (*sgemm_fn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                         const enum CBLAS_TRANSPOSE, const blasint,
                         const blasint, const blasint, const float,
                         const float *, const blasint, const float *,
                         const blasint, const float, float *, const blasint);

/* Written once, under blas_mu, before any model exists; read without the
 * lock by the kernels, which only run on a loaded model. */
static sgemm_fn sgemm;
static pthread_mutex_t blas_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *blas_soname = KERN_OPENBLAS_SONAME;

/* Resolves sgemm from the library, or says why not. Called under blas_mu. */
static int blas_open(avp_error_t *err)
{
    void *lib = dlopen(blas_soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return avp_error_set(err, AVP_EUNAVAILABLE, "cannot load %s: %s",
                             blas_soname, dlerror());
    void (*set_threads)(int);
    sgemm_fn gemm;
    *(void **)&gemm = dlsym(lib, "cblas_sgemm");
    *(void **)&set_threads = dlsym(lib, "openblas_set_num_threads");
    if (!gemm || !set_threads) {
        dlclose(lib);
        return avp_error_set(err, AVP_EUNAVAILABLE, "cannot load %s: no "
                             "cblas_sgemm or openblas_set_num_threads",
                             blas_soname);
    }
    /* Our tasks call sgemm concurrently; OpenBLAS's own threads would
     * oversubscribe the cores we already keep busy. */
    set_threads(1);
    sgemm = gemm;
    return AVP_OK;
}

int kern__blas_open(avp_error_t *err)
{
    pthread_mutex_lock(&blas_mu);
    int rc = sgemm ? AVP_OK : blas_open(err);
    pthread_mutex_unlock(&blas_mu);
    return rc;
}

void kern__blas_soname(const char *soname)
{
    pthread_mutex_lock(&blas_mu);
    blas_soname = soname ? soname : KERN_OPENBLAS_SONAME;
    pthread_mutex_unlock(&blas_mu);
}

void kern__sgemm(int m, int n, int k, const float *a, int lda, const float *b,
                 int ldb, float *c, int ldc)
{
    sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b,
          ldb, 0.0f, c, ldc);
}
