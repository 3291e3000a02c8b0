/* routes_sessions_live.c - live results of test sessions over
 * WS /ws/test-sessions/{id}.
 *
 * DESIGN: a write that changes a session's results marks it stale in this
 * process and publishes the news on Redis (topic session), so the relay of
 * every other instance (routes_live.c) marks it stale there too; a
 * process ignores its own news by a random instance tag in the message.
 * Without Redis only this process's watchers learn of it, which is all
 * there is. One pusher thread per process recomputes the results of
 * stale sessions that have watchers and pushes them, at most once per
 * ROUTES_SESSION_PUSH_MS per session: a device posting 50 batches a
 * second costs 4 recomputations a second, and the last batch is always
 * followed by a push. */
#include "server/routes_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct stale {
    int64_t id;
    int stale;
    double last_push; /* avp_now() of its last push */
} stale_t;

struct routes_session_live {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int started, stop;
    stale_t *v;
    size_t n, cap;
    uint64_t tag; /* this process's news carry it */
};

#define PUSH_GAP (ROUTES_SESSION_PUSH_MS / 1e3)

static void mark_stale(routes_session_live_t *l, int64_t id)
{
    pthread_mutex_lock(&l->mu);
    size_t i = 0;
    while (i < l->n && l->v[i].id != id)
        i++;
    if (i == l->n) {
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 16;
            l->v = avp_realloc(l->v, l->cap * sizeof(*l->v));
        }
        l->v[l->n++] = (stale_t){id, 0, 0};
    }
    l->v[i].stale = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* Recomputes and pushes one session's results to its watchers here. */
static void push(routes_t *r, int64_t id)
{
    if (!server_ws_watchers(r->srv, ROUTES_WS_SESSION, id))
        return;
    store_conn_t *c;
    json_t *results = NULL;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c,
                           &err) < 0)
        return;
    int rc = routes__session_results(c, id, &results, NULL, &err);
    store_pool_release(c);
    if (rc < 0) {
        fprintf(stderr, "avp serve: results of session %" PRId64 ": %s\n", id,
                err.msg);
        return;
    }
    char *text = json_dumps(results, ROUTES_SESSION_JSON_FLAGS);
    server_ws_push(r->srv, ROUTES_WS_SESSION, id, text);
    free(text);
    json_decref(results);
}

/* Under the lock: takes the sessions due now into due[] (at most cap),
 * forgets quiet ones, and says when the next one falls due. */
static size_t take_due(routes_session_live_t *l, double now, int64_t *due,
                       size_t cap, double *next)
{
    size_t n = 0, keep = 0;
    *next = now + 1;
    for (size_t i = 0; i < l->n; i++) {
        stale_t *s = &l->v[i];
        double at = s->last_push + PUSH_GAP;
        if (s->stale && at <= now && n < cap) {
            due[n++] = s->id;
            s->stale = 0;
            s->last_push = now;
        } else if (s->stale && at < *next)
            *next = at;
        /* A quiet entry past its gap has nothing left to enforce. */
        if (s->stale || now - s->last_push < PUSH_GAP)
            l->v[keep++] = *s;
    }
    l->n = keep;
    return n;
}

static void *pusher(void *arg)
{
    routes_t *r = arg;
    routes_session_live_t *l = r->session_live;
    int64_t due[64];
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        double next;
        size_t n = take_due(l, avp_now(), due, AVP_ARRAY_LEN(due), &next);
        if (n) {
            pthread_mutex_unlock(&l->mu);
            for (size_t i = 0; i < n; i++)
                push(r, due[i]);
            pthread_mutex_lock(&l->mu);
            continue;
        }
        /* avp_now() is CLOCK_MONOTONIC, the condition's clock (set in
         * routes__session_live_start). */
        struct timespec ts = {(time_t)next,
                              (long)((next - (double)(time_t)next) * 1e9)};
        pthread_cond_timedwait(&l->cv, &l->mu, &ts);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int routes__session_live_start(routes_t *r, avp_error_t *err)
{
    routes_session_live_t *l = avp_calloc(1, sizeof(*l));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&l->mu, NULL);
    l->tag = ((uint64_t)getpid() << 32) ^ (uint64_t)(avp_now() * 1e9) ^
             (uint64_t)(uintptr_t)l;
    r->session_live = l;
    if (pthread_create(&l->thread, NULL, pusher, r) != 0) {
        routes__session_live_stop(r);
        return avp_error_set(err, AVP_ENOMEM, "cannot start the session "
                             "pusher");
    }
    l->started = 1;
    return AVP_OK;
}

void routes__session_live_stop(routes_t *r)
{
    routes_session_live_t *l = r->session_live;
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    if (l->started)
        pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    avp_free(l->v);
    avp_free(l);
    r->session_live = NULL;
}

void routes__session_changed(routes_t *r, int64_t session_id)
{
    routes_session_live_t *l = r->session_live;
    if (!l)
        return;
    mark_stale(l, session_id);
    if (!r->q)
        return;
    char msg[64];
    avp_error_t err;
    snprintf(msg, sizeof msg, "{\"from\":\"%016" PRIx64 "\"}", l->tag);
    /* Lost news costs other instances' watchers this update only; the
     * next change brings them up to date. */
    queue_publish(routes__q(r), QUEUE_TOPIC_SESSION, session_id, msg, &err);
}

void routes__session_news(routes_t *r, int64_t session_id, const char *json)
{
    routes_session_live_t *l = r->session_live;
    char mine[64];
    if (!l)
        return;
    snprintf(mine, sizeof mine, "{\"from\":\"%016" PRIx64 "\"}", l->tag);
    if (strcmp(json, mine))
        mark_stale(l, session_id);
}
