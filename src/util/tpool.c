/* tpool.c - see tpool.h. Tasks are handed out through an atomic counter so
 * uneven tasks balance themselves. */
#include "tpool.h"
#include "avp.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct tpool {
    int nthreads;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    /* The current loop; generation changes for each tpool_run(). */
    unsigned generation;
    tpool_fn fn;
    void *ctx;
    int ntasks;
    atomic_int next;
    int busy; /* helpers still inside the current loop */
    bool quit;
};

static void run_tasks(tpool_t *tp, tpool_fn fn, void *ctx, int ntasks)
{
    for (;;) {
        int t = atomic_fetch_add(&tp->next, 1);
        if (t >= ntasks)
            return;
        fn(ctx, t);
    }
}

static void *helper_main(void *arg)
{
    tpool_t *tp = arg;
    unsigned seen = 0;
    pthread_mutex_lock(&tp->mu);
    for (;;) {
        while (!tp->quit && tp->generation == seen)
            pthread_cond_wait(&tp->wake, &tp->mu);
        if (tp->quit)
            break;
        seen = tp->generation;
        tpool_fn fn = tp->fn;
        void *ctx = tp->ctx;
        int ntasks = tp->ntasks;
        pthread_mutex_unlock(&tp->mu);
        run_tasks(tp, fn, ctx, ntasks);
        pthread_mutex_lock(&tp->mu);
        if (--tp->busy == 0)
            pthread_cond_signal(&tp->done);
    }
    pthread_mutex_unlock(&tp->mu);
    return NULL;
}

tpool_t *tpool_create(int threads)
{
    tpool_t *tp = avp_calloc(1, sizeof(*tp));
    tp->nthreads = threads < 1 ? 1 : threads;
    pthread_mutex_init(&tp->mu, NULL);
    pthread_cond_init(&tp->wake, NULL);
    pthread_cond_init(&tp->done, NULL);
    tp->threads = avp_calloc((size_t)tp->nthreads, sizeof(pthread_t));
    for (int i = 1; i < tp->nthreads; i++) {
        if (pthread_create(&tp->threads[i], NULL, helper_main, tp) != 0) {
            tp->nthreads = i; /* run with what we got */
            break;
        }
    }
    return tp;
}

void tpool_destroy(tpool_t *tp)
{
    if (!tp)
        return;
    pthread_mutex_lock(&tp->mu);
    tp->quit = true;
    pthread_cond_broadcast(&tp->wake);
    pthread_mutex_unlock(&tp->mu);
    for (int i = 1; i < tp->nthreads; i++)
        pthread_join(tp->threads[i], NULL);
    pthread_mutex_destroy(&tp->mu);
    pthread_cond_destroy(&tp->wake);
    pthread_cond_destroy(&tp->done);
    avp_free(tp->threads);
    avp_free(tp);
}

int tpool_threads(const tpool_t *tp) { return tp ? tp->nthreads : 1; }

void tpool_run(tpool_t *tp, int ntasks, tpool_fn fn, void *ctx)
{
    if (ntasks <= 0)
        return;
    if (!tp || tp->nthreads == 1 || ntasks == 1) {
        for (int t = 0; t < ntasks; t++)
            fn(ctx, t);
        return;
    }
    pthread_mutex_lock(&tp->mu);
    tp->fn = fn;
    tp->ctx = ctx;
    tp->ntasks = ntasks;
    atomic_store(&tp->next, 0);
    tp->busy = tp->nthreads - 1;
    tp->generation++;
    pthread_cond_broadcast(&tp->wake);
    pthread_mutex_unlock(&tp->mu);

    run_tasks(tp, fn, ctx, ntasks);

    pthread_mutex_lock(&tp->mu);
    while (tp->busy > 0)
        pthread_cond_wait(&tp->done, &tp->mu);
    pthread_mutex_unlock(&tp->mu);
}
