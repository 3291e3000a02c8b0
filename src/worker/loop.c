/* loop.c - the worker process's loop and its reconciler.
 *
 * DESIGN
 * The tasks table is the truth; the Redis stream only says "look at task
 * N". So the loop trusts nothing an entry says beyond the id:
 *   1. Take work: first an entry another worker left pending for
 *      reclaim_idle_ms (it died: queue_reclaim), else a new entry
 *      (queue_claim, blocking 2 s so an idle worker costs nothing).
 *   2. Read the task row. Finished (done/failed/cancelled) or gone: ack
 *      and skip; a duplicate delivery ends here. Cancelled before it ran:
 *      record it and ack.
 *   3. Start it: state running, attempts + 1, our name in `worker`. The
 *      update only matches queued or running rows, so a finished task is
 *      never restarted.
 *   4. Run it (run.c): resume at the run's committed mark, append each
 *      batch together with the mark (a batch stored twice is impossible:
 *      the append names the mark it expects), tick every 250 ms with
 *      progress, heartbeat and the cancel check.
 *   5. End: done / cancelled / retry (queued, error kept; this worker
 *      enqueues it again once 2^attempts seconds have passed, and so does
 *      the reconciler should this worker die first) / failed after
 *      max_attempts; then ack. On SIGTERM the batch in flight is
 *      stored and the task is handed back (queued, the attempt not
 *      counted) and re-enqueued for another worker.
 * The reconciler thread runs every reconcile_s in every worker, but only
 * the process that wins pg_try_advisory_xact_lock does the pass: it
 * re-enqueues, each with its own kind, tasks that are queued (their entry
 * was lost with Redis, or enqueue failed while Redis was down, or they
 * wait for a retry) and tasks still running without an update for 60 s
 * (their worker is gone and the entry too). Enqueue is idempotent per task, so a task that still has an
 * entry is not queued twice.
 * Failures of PostgreSQL or Redis never end the loop: it waits and tries
 * again, since both come back (the pool and the queue connection
 * reconnect by themselves).
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CLAIM_BLOCK_MS 2000
#define STALE_RUNNING_S 60
#define PRUNE_IDLE_MS (3600 * 1000)

/* Retries waiting for their backoff; when full, the reconciler is the
 * fallback (it applies the same backoff). */
#define MAX_RETRIES 64

typedef struct retry {
    store_task_ref_t task;
    double due;
} retry_t;

typedef struct retries {
    retry_t items[MAX_RETRIES];
    int n;
} retries_t;

static void retry_later(retries_t *r, const store_task_t *t)
{
    if (r->n == MAX_RETRIES)
        return;
    retry_t *it = &r->items[r->n++];
    it->task.id = t->id;
    snprintf(it->task.kind, sizeof it->task.kind, "%s", t->kind);
    it->due = avp_now() + worker_backoff_s(t->attempts);
}

/* Enqueues the retries that are due; keeps those Redis refused. */
static void retry_due(retries_t *r, queue_conn_t *q)
{
    double now = avp_now();
    avp_error_t err;
    for (int i = 0; i < r->n;)
        if (r->items[i].due <= now &&
            queue_enqueue(q, r->items[i].task.id, r->items[i].task.kind, NULL,
                          &err) >= 0)
            r->items[i] = r->items[--r->n];
        else
            i++;
}

typedef struct reconciler {
    const worker_opts_t *opts;
    queue_conn_t *q;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int quit;
} reconciler_t;

void worker__reconcile(store_pool_t *pool, queue_conn_t *q, const char *name)
{
    store_task_ref_t *tasks = NULL;
    int n = 0;
    avp_error_t err;
    store_conn_t *c;
    if (store_pool_acquire(pool, -1, &c, &err))
        return; /* database down: next period */
    int rc = store_task_orphaned(c, STALE_RUNNING_S, &tasks, &n, &err);
    store_pool_release(c);
    if (rc)
        return;
    int added = 0;
    for (int i = 0; i < n; i++)
        if (queue_enqueue(q, tasks[i].id, tasks[i].kind, NULL, &err) == 1)
            added++;
    if (added)
        fprintf(stderr, "worker %s: reconciler enqueued %d of %d waiting "
                "tasks\n", name, added, n);
    if (n)
        queue_prune_consumers(q, PRUNE_IDLE_MS, &err);
    avp_free(tasks);
}

static void *reconcile_main(void *arg)
{
    reconciler_t *rc = arg;
    pthread_mutex_lock(&rc->mu);
    while (!rc->quit) {
        pthread_mutex_unlock(&rc->mu);
        worker__reconcile(rc->opts->pool, rc->q, rc->opts->name);
        pthread_mutex_lock(&rc->mu);
        struct timespec until = avp_deadline_ms((int64_t)rc->opts->reconcile_s
                                                * 1000);
        while (!rc->quit &&
               pthread_cond_timedwait(&rc->wake, &rc->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&rc->mu);
    return NULL;
}

static void reconciler_stop(reconciler_t *rc)
{
    pthread_mutex_lock(&rc->mu);
    rc->quit = 1;
    pthread_cond_signal(&rc->wake);
    pthread_mutex_unlock(&rc->mu);
    pthread_join(rc->thread, NULL);
    pthread_cond_destroy(&rc->wake);
    pthread_mutex_destroy(&rc->mu);
}

/* Takes the next entry: orphans first. 1 with *m, 0 for none. */
static int take(queue_conn_t *q, const worker_opts_t *o, queue_msg_t *m)
{
    avp_error_t err;
    int rc = queue_reclaim(q, o->name, o->reclaim_idle_ms, m, &err);
    if (rc == 0)
        rc = queue_claim(q, o->name, CLAIM_BLOCK_MS, m, &err);
    if (rc == AVP_EUNAVAILABLE)
        usleep(500 * 1000); /* claim already waited; reclaim did not */
    return rc == 1;
}

static bool finished(const char *state)
{
    return !strcmp(state, "done") || !strcmp(state, "failed") ||
           !strcmp(state, "cancelled");
}

static bool known_kind(const char *kind)
{
    return !strcmp(kind, "detect") || !strcmp(kind, "auto_gt");
}

/* Steps 2 and 3 of the DESIGN on one pooled connection: 1 when t was
 * started, 0 when the entry is done with (to ack), an error when the
 * database failed (the entry stays pending, to be reclaimed when the
 * database is back). */
static int start(const worker_opts_t *o, const queue_msg_t *m,
                 store_task_t *t)
{
    store_conn_t *c;
    avp_error_t err;
    int rc = store_pool_acquire(o->pool, -1, &c, &err);
    if (rc)
        return rc;
    rc = store_task_load(c, m->task_id, t, &err);
    if (rc == AVP_ENOTFOUND || (rc == AVP_OK && finished(t->state)))
        rc = 0; /* a duplicate delivery ends here */
    else if (rc == AVP_OK && t->cancel_requested)
        rc = store_task_end(c, t, STORE_TASK_CANCELLED, NULL, 0, &err);
    else if (rc == AVP_OK && !known_kind(t->kind)) {
        store_task_end(c, t, STORE_TASK_FAILED, "unknown task kind", 0, &err);
        rc = 0;
    } else if (rc == AVP_OK)
        rc = store_task_start(c, t, o->name, &err);
    store_pool_release(c);
    return rc;
}

/* Steps 2-5 of the DESIGN for one entry. */
static void handle(worker_ctx_t *ctx, retries_t *retries, const queue_msg_t *m)
{
    store_task_t t;
    avp_error_t err;
    int rc = start(ctx->opts, m, &t);
    if (rc == 0)
        queue_ack(ctx->q, m->id, &err);
    if (rc != 1)
        return;
    store_task_end_t end = worker__run_detect(ctx, &t, m->id);
    if (end == STORE_TASK_RETRY)
        retry_later(retries, &t);
    /* The log's words, and the observer's label for the same end. */
    static const char *const said[][2] = {
        [STORE_TASK_DONE] = {"done", "done"},
        [STORE_TASK_FAILED] = {"failed", "failed"},
        [STORE_TASK_RETRY] = {"will be retried", "retry"},
        [STORE_TASK_CANCELLED] = {"cancelled", "cancelled"},
        [STORE_TASK_HANDBACK] = {"handed back", "handback"}};
    fprintf(stderr, "worker %s: task %lld %s\n", ctx->opts->name,
            (long long)t.id, said[end][0]);
    const worker_observer_t *obs = ctx->opts->observer;
    if (obs && obs->task_end)
        obs->task_end(obs->ctx, said[end][1]);
}

static worker_opts_t with_defaults(const worker_opts_t *in)
{
    worker_opts_t o = *in;
    if (o.batch <= 0) o.batch = 8;
    if (o.threads <= 0) o.threads = 1;
    if (!o.model_cache_bytes) o.model_cache_bytes = (size_t)512 << 20;
    if (o.reconcile_s <= 0) o.reconcile_s = 10;
    if (o.reclaim_idle_ms <= 0) o.reclaim_idle_ms = 30000;
    if (!o.file_cache_bytes) o.file_cache_bytes = (uint64_t)4 << 30;
    return o;
}

int worker_run(const worker_opts_t *in, avp_error_t *err)
{
    worker_opts_t o = with_defaults(in);
    queue_opts_t qo = {.lazy = 1};
    queue_conn_t *claim_q = NULL, *side_q = NULL, *rec_q = NULL;
    int rc = queue_conn_open(o.redis_url, &qo, &claim_q, err);
    if (!rc) rc = queue_conn_open(o.redis_url, &qo, &side_q, err);
    if (!rc) rc = queue_conn_open(o.redis_url, &qo, &rec_q, err);
    worker_blobs_t *blobs = NULL;
    if (!rc) rc = worker_blobs_create(o.pool, o.s3, o.name, o.data_dir,
                                      o.file_cache_bytes, &blobs, err);
    if (rc)
        goto out;
    worker_models_t *own = o.models ? NULL
        : worker_models_create(o.model_cache_bytes, NULL, o.batch, o.threads);
    worker_ctx_t ctx = {&o, o.models ? o.models : own, side_q, blobs};
    reconciler_t rec = {.opts = &o, .q = rec_q};
    pthread_mutex_init(&rec.mu, NULL);
    avp_cond_init_monotonic(&rec.wake);
    pthread_create(&rec.thread, NULL, reconcile_main, &rec);
    fprintf(stderr, "worker %s: ready (batch %d, %d threads)\n", o.name,
            o.batch, o.threads);
    retries_t retries = {.n = 0};
    while (!*o.stop) {
        queue_msg_t m;
        if (take(claim_q, &o, &m))
            handle(&ctx, &retries, &m);
        retry_due(&retries, side_q);
    }
    reconciler_stop(&rec);
    worker_models_destroy(own);
    worker_blobs_destroy(blobs);
out:
    queue_conn_close(claim_q);
    queue_conn_close(side_q);
    queue_conn_close(rec_q);
    return rc;
}
