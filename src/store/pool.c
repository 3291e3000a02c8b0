/*
 * pool.c - a fixed number of connection slots shared by threads.
 *
 * DESIGN
 * A slot is idle (open, in the idle stack), empty (no connection, in the
 * empty stack) or lent. The mutex guards only the stacks and counters;
 * connecting, health checks and rollbacks run outside it, so one slow
 * connect never stalls threads that could use an idle connection. A thread
 * that finds neither an idle nor an empty slot waits on the condition
 * variable until its deadline (CLOCK_MONOTONIC, immune to clock changes),
 * then gives up with AVP_EBUSY instead of queueing without bound.
 *
 * Health check: an idle connection should have nothing to read. If its
 * socket is readable, the server has sent something on its own, usually
 * its goodbye before closing (restart, idle timeout), so the input is read
 * and the status looked at again. This costs one poll() instead of a round
 * trip per acquire. A connection that died silently (a cut network) still
 * passes; the first query on it fails and release() drops it.
 *
 * Failover: the URL may name a primary and its standbys with
 * target_session_attrs=read-write (docs/DEPLOY.md); a new connection goes
 * to whichever host accepts writes now, so after a promotion the broken
 * connections are replaced one acquire at a time. The pool never sends a
 * failed statement again itself: only the caller knows whether that is
 * safe. The worker re-sends a batch of detections (idempotent: it names
 * the mark it expects), the API answers 503 and its client retries.
 */
#include "store/internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *conninfo;
    char *appname;
    char connect_timeout[16];
    int max_size;
    int timeout_ms;
    store_conn_t *slots; /* max_size */
    int *idle, nidle;    /* stacks of slot indices */
    int *empty, nempty;
    int in_use, waiters;
    uint64_t acquires, waits, timeouts, broken, connect_failures;
    double wait_seconds;
};

/* Notices ("relation already exists, skipping") are for people at a psql
 * prompt; libpq would print them on stderr. Errors still reach callers. */
static void ignore_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int slot_connect(store_pool_t *p, store_conn_t *c, avp_error_t *err)
{
    store__stmts_forget(c); /* they lived on the connection being replaced */
    /* Later keywords override earlier ones, so settings in the caller's
     * URL win over these defaults. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {p->connect_timeout, p->appname, p->conninfo, NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
        PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
        return AVP_OK;
    }
    const char *msg = c->pg ? PQerrorMessage(c->pg) : "out of memory";
    avp_error_set(err, AVP_EUNAVAILABLE, "database connection: %.*s",
                  (int)strcspn(msg, "\n"), msg);
    if (err) /* libpq names the socket's path or the host */
        err->log_only = 1;
    PQfinish(c->pg);
    c->pg = NULL;
    return AVP_EUNAVAILABLE;
}

static int slot_healthy(PGconn *pg)
{
    if (PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) != PQTRANS_IDLE)
        return 0;
    /* A few rounds: the server's last message and the EOF after it may
     * arrive in separate reads. Still readable after that means a stream
     * of notices we do not expect on an idle connection. */
    for (int round = 0; round < 8; round++) {
        struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
        int r = poll(&pfd, 1, 0);
        if (r == 0)
            return 1;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || !PQconsumeInput(pg))
            return 0;
        PGnotify *n;
        while ((n = PQnotifies(pg)))
            PQfreemem(n);
        if (PQstatus(pg) != CONNECTION_OK)
            return 0;
    }
    return 0;
}

/* Puts slot i back (open or empty) and wakes one waiter. */
static void slot_return(store_pool_t *p, store_conn_t *c)
{
    pthread_mutex_lock(&p->mu);
    if (c->pg)
        p->idle[p->nidle++] = c->slot;
    else
        p->empty[p->nempty++] = c->slot;
    p->in_use--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void drop_broken(store_pool_t *p, store_conn_t *c)
{
    PQfinish(c->pg);
    c->pg = NULL;
    pthread_mutex_lock(&p->mu);
    p->broken++;
    pthread_mutex_unlock(&p->mu);
}

/* Takes a slot under the lock, waiting until the deadline. Returns the slot
 * or NULL on timeout. */
static store_conn_t *take_slot(store_pool_t *p, int timeout_ms)
{
    struct timespec deadline = avp_deadline_ms(timeout_ms);
    double t0 = 0;
    int timed_out = 0;
    pthread_mutex_lock(&p->mu);
    while (!p->nidle && !p->nempty && !timed_out && timeout_ms > 0) {
        if (!t0) {
            t0 = avp_now();
            p->waits++;
        }
        p->waiters++;
        timed_out = pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT;
        p->waiters--;
    }
    store_conn_t *c = NULL;
    if (p->nidle)
        c = &p->slots[p->idle[--p->nidle]];
    else if (p->nempty)
        c = &p->slots[p->empty[--p->nempty]];
    if (c)
        p->in_use++;
    else
        p->timeouts++;
    if (t0)
        p->wait_seconds += avp_now() - t0;
    pthread_mutex_unlock(&p->mu);
    return c;
}

int store_pool_acquire(store_pool_t *p, int timeout_ms, store_conn_t **out,
                       avp_error_t *err)
{
    *out = NULL;
    if (timeout_ms < 0)
        timeout_ms = p->timeout_ms;
    store_conn_t *c = take_slot(p, timeout_ms);
    if (!c)
        return avp_error_set(err, AVP_EBUSY,
                             "database pool: all %d connections busy for %d ms",
                             p->max_size, timeout_ms);
    if (c->pg && !slot_healthy(c->pg))
        drop_broken(p, c);
    if (!c->pg) {
        int rc = slot_connect(p, c, err);
        if (rc) {
            pthread_mutex_lock(&p->mu);
            p->connect_failures++;
            pthread_mutex_unlock(&p->mu);
            slot_return(p, c);
            return rc;
        }
    }
    pthread_mutex_lock(&p->mu);
    p->acquires++;
    pthread_mutex_unlock(&p->mu);
    *out = c;
    return AVP_OK;
}

void store_pool_release(store_conn_t *c)
{
    if (!c)
        return;
    store_pool_t *p = c->pool;
    /* A connection is only reused in a clean state: outside any
     * transaction and with no query or COPY still running. */
    if (PQstatus(c->pg) == CONNECTION_OK) {
        store__rollback(c);
        if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
            slot_return(p, c);
            return;
        }
    }
    drop_broken(p, c);
    slot_return(p, c);
}

static void pool_free(store_pool_t *p)
{
    for (int i = 0; i < p->max_size; i++) {
        PQfinish(p->slots[i].pg);
        store__stmts_forget(&p->slots[i]);
        avp_free(p->slots[i].copy_buf);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    avp_free(p->slots);
    avp_free(p->idle);
    avp_free(p->empty);
    avp_free(p->conninfo);
    avp_free(p->appname);
    avp_free(p);
}

static store_pool_t *pool_alloc(const store_pool_opts_t *o)
{
    store_pool_t *p = avp_calloc(1, sizeof(*p));
    p->max_size = o->max_size > 0 ? o->max_size : 10;
    p->timeout_ms = o->acquire_timeout_ms > 0 ? o->acquire_timeout_ms : 5000;
    snprintf(p->connect_timeout, sizeof(p->connect_timeout), "%d",
             o->connect_timeout_s > 0 ? o->connect_timeout_s : 5);
    p->conninfo = avp_strdup(o->conninfo);
    p->appname = avp_strdup(o->application_name ? o->application_name : "avp");
    p->slots = avp_calloc((size_t)p->max_size, sizeof(*p->slots));
    p->idle = avp_calloc((size_t)p->max_size, sizeof(int));
    p->empty = avp_calloc((size_t)p->max_size, sizeof(int));
    /* Empty slots are taken from the top: slot 0 first. */
    for (int i = 0; i < p->max_size; i++) {
        p->slots[i].pool = p;
        p->slots[i].slot = i;
        p->empty[p->nempty++] = p->max_size - 1 - i;
    }
    avp_cond_init_monotonic(&p->cv);
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

int store_pool_create(const store_pool_opts_t *o, store_pool_t **out,
                      avp_error_t *err)
{
    *out = NULL;
    if (!o || !o->conninfo)
        return avp_error_set(err, AVP_EINVAL, "database pool: no connection URL");
    int min = o->min_size > 0 ? o->min_size : 1;
    int max = o->max_size > 0 ? o->max_size : 10;
    if (o->min_size < 0 || min > max)
        return avp_error_set(err, AVP_EINVAL,
                             "database pool: min size %d outside 1..%d",
                             o->min_size, max);
    store_pool_t *p = pool_alloc(o);
    for (int i = 0; i < min; i++) {
        store_conn_t *c = &p->slots[p->empty[--p->nempty]];
        int rc = slot_connect(p, c, err);
        if (rc) {
            pool_free(p);
            return rc;
        }
        p->idle[p->nidle++] = c->slot;
    }
    *out = p;
    return AVP_OK;
}

void store_pool_destroy(store_pool_t *p)
{
    if (!p)
        return;
    if (p->in_use)
        fprintf(stderr, "avp: store_pool_destroy with %d connections lent\n",
                p->in_use);
    pool_free(p);
}

void store_pool_stats(store_pool_t *p, store_pool_stats_t *s)
{
    pthread_mutex_lock(&p->mu);
    *s = (store_pool_stats_t){
        .size = p->max_size - p->nempty,
        .in_use = p->in_use,
        .waiters = p->waiters,
        .max_size = p->max_size,
        .acquires = p->acquires,
        .waits = p->waits,
        .timeouts = p->timeouts,
        .broken = p->broken,
        .connect_failures = p->connect_failures,
        .wait_seconds = p->wait_seconds,
    };
    pthread_mutex_unlock(&p->mu);
}
