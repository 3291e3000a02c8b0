/*
 * tpool.h - a fixed set of worker threads that run one parallel loop at a
 * time. Kernels split their work into tasks (rows, channels, images) and
 * call tpool_run(); the calling thread takes part, so a pool of N threads
 * starts N-1 helpers.
 *
 * Why not OpenMP: libgomp's idle threads spin after each parallel region and
 * steal the cores that OpenBLAS (single-threaded inside our tasks) needs;
 * its wait policy is only settable through the environment before start-up.
 *
 * Thread model: tpool_run() may be called by one thread at a time per pool.
 */
#ifndef AVP_UTIL_TPOOL_H
#define AVP_UTIL_TPOOL_H

typedef struct tpool tpool_t;

/* fn(ctx, task) is called once for every task in [0, ntasks). */
typedef void (*tpool_fn)(void *ctx, int task);

/* threads <= 1 gives a pool that runs everything on the caller. */
tpool_t *tpool_create(int threads);
void tpool_destroy(tpool_t *tp); /* NULL is a no-op */
int tpool_threads(const tpool_t *tp); /* NULL counts as 1 */

/* Runs all tasks and returns when they are done. tp may be NULL. */
void tpool_run(tpool_t *tp, int ntasks, tpool_fn fn, void *ctx);

#endif
