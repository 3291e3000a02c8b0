/* kern_matmul.c - batched MatMul with numpy broadcasting over the leading
 * dims: one single-threaded sgemm per (batch, row block), spread over the
 * pool. A lone product is cut into row blocks so every thread works. */
#include "infer/kern_internal.h"

#include <string.h>

typedef struct mm_job {
    int nb;                    /* batch dims */
    int64_t dims[KERN_MAX_DIMS];    /* y's batch dims */
    int64_t sa[KERN_MAX_DIMS], sb[KERN_MAX_DIMS]; /* matrix strides, 0 = broadcast */
    const float *a, *b;
    float *y;
    int m, n, k, mblocks;
} mm_job_t;

static void mm_task(void *ctx, int task)
{
    const mm_job_t *j = ctx;
    int64_t batch = task / j->mblocks, rest = batch, oa = 0, ob = 0;
    for (int d = j->nb - 1; d >= 0; d--) {
        int64_t i = rest % j->dims[d];
        rest /= j->dims[d];
        oa += i * j->sa[d];
        ob += i * j->sb[d];
    }
    size_t r0, r1;
    kern__range((size_t)j->m, j->mblocks, task % j->mblocks, &r0, &r1);
    if (r1 == r0)
        return;
    const float *a = j->a + oa * j->m * j->k + (int64_t)r0 * j->k;
    float *y = j->y + (batch * j->m + (int64_t)r0) * j->n;
    kern__sgemm((int)(r1 - r0), j->n, j->k, a, j->k,
                j->b + ob * j->k * j->n, j->n, y, j->n);
}

void kern_matmul(int ndim, const int64_t *a_dims, const float *a,
                 const int64_t *b_dims, const float *b, const int64_t *y_dims,
                 float *y, tpool_t *tp)
{
    mm_job_t j = {.nb = ndim - 2, .a = a, .b = b, .y = y,
                  .m = (int)y_dims[ndim - 2], .n = (int)y_dims[ndim - 1],
                  .k = (int)a_dims[ndim - 1]};
    int64_t batches = 1, ca = 1, cb = 1;
    for (int d = j.nb - 1; d >= 0; d--) {
        j.dims[d] = y_dims[d];
        j.sa[d] = a_dims[d] == 1 ? 0 : ca;
        j.sb[d] = b_dims[d] == 1 ? 0 : cb;
        ca *= a_dims[d];
        cb *= b_dims[d];
        batches *= y_dims[d];
    }
    int threads = tpool_threads(tp);
    j.mblocks = batches >= threads ? 1 : threads;
    if (batches == 0 || j.m == 0 || j.n == 0)
        return;
    if (j.k == 0) { /* empty sum; sgemm rejects lda = 0 */
        memset(y, 0, sizeof(float) * (size_t)batches * j.m * j.n);
        return;
    }
    tpool_run(tp, (int)batches * j.mblocks, mm_task, &j);
}
