/*
 * group.c - group commit of processing requests: the requests that arrive
 * while others are being written go to PostgreSQL together, as one
 * statement and one transaction (store_process_create).
 *
 * Why: every request used to be its own transaction on its own pooled
 * connection. At a few thousand requests a second on two cores, eight
 * backends then queue for the WAL flush lock, each commit waits for its
 * own fsync, and each transaction locks the same video, model, project
 * and user rows for its foreign keys (a multixact per overlap): bench/api
 * measured a p99 several times its p50. A batch does all that once.
 *
 * How (leader and followers, as PostgreSQL and MySQL commit groups): a
 * request queues itself; if fewer than GROUP_INFLIGHT batches are being
 * written, it leads: takes every queued request (up to a batch), writes
 * them on one pooled connection, wakes their threads and, when requests
 * are still queued, wakes the first of them to lead the next batch. A lone
 * request therefore leads at once and waits for nothing. No thread of its
 * own: the group lives on its callers' threads.
 *
 * A request still queued after the pool's acquire timeout (both batches
 * stuck, say behind a lock) leads a batch of its own all the same, so the
 * pool stays the one judge of overload: it answers AVP_EBUSY (503) when it
 * has no connection, and a request never waits on the group for ever. A
 * batch waits for a connection only as long as its oldest request has
 * left of that timeout, so a 503 comes after one timeout, not two.
 */
#include "store/internal.h"

#include <errno.h>
#include <stdlib.h>

/* Two batches in flight: one being written while the next one gathers
 * and starts would otherwise wait for a whole round trip and commit. */
#define GROUP_INFLIGHT 2

typedef struct job {
    const store_process_t *in;
    store_process_out_t *out;
    double until; /* avp_now() when its acquire timeout is up */
    int rc; /* the batch's, when its statement failed as a whole */
    avp_error_t err;
    int taken, done;
    pthread_cond_t cv;
    struct job *next;
} job_t;

struct store_group {
    store_pool_t *pool;
    int timeout_ms;
    pthread_mutex_t mu;
    job_t *head, *tail; /* queued, oldest first */
    int inflight;
    store_group_stats_t stats;
};

store_group_t *store_group_create(store_pool_t *pool, int acquire_timeout_ms)
{
    store_group_t *g = avp_calloc(1, sizeof *g);
    g->pool = pool;
    g->timeout_ms = acquire_timeout_ms;
    pthread_mutex_init(&g->mu, NULL);
    return g;
}

void store_group_destroy(store_group_t *g)
{
    if (!g)
        return;
    pthread_mutex_destroy(&g->mu);
    avp_free(g);
}

void store_group_stats(store_group_t *g, store_group_stats_t *out)
{
    pthread_mutex_lock(&g->mu);
    *out = g->stats;
    pthread_mutex_unlock(&g->mu);
}

/* Takes up to STORE_PROCESS_BATCH_MAX queued jobs, oldest first. */
static int take(store_group_t *g, job_t **batch)
{
    int n = 0;
    while (g->head && n < STORE_PROCESS_BATCH_MAX) {
        batch[n++] = g->head;
        g->head->taken = 1;
        g->head = g->head->next;
    }
    if (!g->head)
        g->tail = NULL;
    return n;
}

/* The batch as one statement; each job's out on success. */
static int write_together(store_conn_t *c, job_t **batch, int n,
                          avp_error_t *err)
{
    store_process_t *in = avp_malloc((size_t)n * sizeof *in);
    store_process_out_t *out = avp_malloc((size_t)n * sizeof *out);
    for (int i = 0; i < n; i++)
        in[i] = *batch[i]->in;
    int rc = store_process_create(c, in, n, out, err);
    for (int i = 0; rc == AVP_OK && i < n; i++)
        *batch[i]->out = out[i];
    avp_free(out);
    avp_free(in);
    return rc;
}

/* Writes the batch; each job's outcome is its rc/err and its out. When
 * the statement fails as a whole (a deadlock with a delete, one request
 * breaking a constraint), each request is tried on its own, so that one
 * cannot fail the others. */
static void write_batch(store_group_t *g, job_t **batch, int n)
{
    store_conn_t *c;
    avp_error_t err;
    double left = batch[0]->until - avp_now();
    int rc = store_pool_acquire(g->pool, left > 0 ? (int)(left * 1e3) : 0, &c,
                                &err);
    if (rc == AVP_EBUSY)
        avp_error_set(&err, rc, "database pool: no connection free within "
                      "%d ms", g->timeout_ms);
    if (rc == AVP_OK) {
        rc = write_together(c, batch, n, &err);
        for (int i = 0; rc != AVP_OK && n > 1 && i < n; i++)
            batch[i]->rc = store_process_create(c, batch[i]->in, 1,
                                                batch[i]->out, &batch[i]->err);
        if (n > 1)
            rc = AVP_OK;
        store_pool_release(c);
    }
    for (int i = 0; rc != AVP_OK && i < n; i++) {
        batch[i]->rc = rc;
        batch[i]->err = err;
    }
}

/* Called with the lock held; returns with it held. */
static void lead(store_group_t *g)
{
    job_t *batch[STORE_PROCESS_BATCH_MAX];
    int n = take(g, batch);
    g->inflight++;
    if (g->head && g->inflight < GROUP_INFLIGHT)
        pthread_cond_signal(&g->head->cv);
    pthread_mutex_unlock(&g->mu);
    write_batch(g, batch, n);
    pthread_mutex_lock(&g->mu);
    g->inflight--;
    g->stats.batches++;
    g->stats.requests += (uint64_t)n;
    for (int i = 0; i < n; i++) {
        batch[i]->done = 1;
        pthread_cond_signal(&batch[i]->cv);
    }
    if (g->head)
        pthread_cond_signal(&g->head->cv);
}

int store_group_process(store_group_t *g, const store_process_t *p,
                        store_process_out_t *out, avp_error_t *err)
{
    job_t self = {.in = p, .out = out, .until = avp_now() + g->timeout_ms / 1e3};
    *out = (store_process_out_t){0};
    avp_cond_init_monotonic(&self.cv);
    struct timespec deadline = avp_deadline_ms(g->timeout_ms);
    int late = 0;
    pthread_mutex_lock(&g->mu);
    if (g->tail)
        g->tail->next = &self;
    else
        g->head = &self;
    g->tail = &self;
    while (!self.done) {
        /* Still queued: lead when first in line and there is room for a
         * batch, or when it has waited too long. */
        int room = g->inflight < GROUP_INFLIGHT;
        if (!self.taken && (room ? g->head == &self : late))
            lead(g);
        else if (self.taken || late)
            pthread_cond_wait(&self.cv, &g->mu);
        else if (pthread_cond_timedwait(&self.cv, &g->mu, &deadline) == ETIMEDOUT)
            late = 1;
    }
    pthread_mutex_unlock(&g->mu);
    pthread_cond_destroy(&self.cv);
    if (self.rc != AVP_OK) {
        *err = self.err;
        return self.rc;
    }
    if (out->rc != AVP_OK)
        *err = out->err;
    return out->rc;
}
