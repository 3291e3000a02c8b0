/* test_session_live.c - live results of test sessions over
 * WS /ws/test-sessions/{id}.
 *
 * DESIGN: a write that changes a session's results marks it stale in this
 * process and publishes the news on Redis (topic session), so the relay of
 * every other instance (live.c) marks it stale there too; a
 * process ignores its own news by a random instance tag in the message.
 * Without Redis only this process's watchers learn of it, which is all
 * there is. One pusher thread per process recomputes the results of
 * stale sessions that have watchers and pushes them, at most once per
 * API_TEST_SESSION_PUSH_MS per session: a device posting 50 batches a
 * second costs 4 recomputations a second, and the last batch is always
 * followed by a push. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct api_test_session_live {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int started, stop;
    api_coalesce_t pace; /* sessions to push, paced */
    uint64_t tag; /* this process's news carry it */
};

static void mark_stale(api_test_session_live_t *l, int64_t id)
{
    pthread_mutex_lock(&l->mu);
    api__coalesce_mark(&l->pace, id);
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* Recomputes and pushes one session's results to its watchers here.
 * AVP_EBUSY when no database connection came: try again later. */
static int push(api_t *r, int64_t id)
{
    if (!http_ws_watchers(r->srv, API_WS_TEST_SESSION, id))
        return AVP_OK;
    store_conn_t *c;
    json_t *results = NULL;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c,
                           &err) < 0)
        return AVP_EBUSY;
    int rc = api__test_session_results(c, id, &results, NULL, &err);
    store_pool_release(c);
    if (rc == AVP_ENOTFOUND) { /* deleted: nothing more to watch */
        http_ws_end(r->srv, API_WS_TEST_SESSION, id, NULL);
        return AVP_OK;
    }
    if (rc < 0) {
        fprintf(stderr, "avp serve: results of session %" PRId64 ": %s\n", id,
                err.msg);
        return AVP_OK; /* not the database's absence: nothing to retry */
    }
    char *text = json_dumps(results, API_TEST_SESSION_JSON_FLAGS);
    http_ws_push(r->srv, API_WS_TEST_SESSION, id, text);
    free(text);
    json_decref(results);
    return AVP_OK;
}

static void *pusher(void *arg)
{
    api_t *r = arg;
    api_test_session_live_t *l = r->test_session_live;
    int64_t due[64];
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        double next;
        size_t n = api__coalesce_due(&l->pace, avp_now(), due,
                                     AVP_ARRAY_LEN(due), &next);
        if (n) {
            pthread_mutex_unlock(&l->mu);
            int retry[AVP_ARRAY_LEN(due)];
            for (size_t i = 0; i < n; i++)
                retry[i] = push(r, due[i]) == AVP_EBUSY;
            pthread_mutex_lock(&l->mu);
            for (size_t i = 0; i < n; i++)
                if (retry[i])
                    api__coalesce_mark(&l->pace, due[i]);
            continue;
        }
        /* avp_now() is CLOCK_MONOTONIC, the condition's clock (set in
         * api__test_session_live_start). */
        struct timespec ts = {(time_t)next,
                              (long)((next - (double)(time_t)next) * 1e9)};
        pthread_cond_timedwait(&l->cv, &l->mu, &ts);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int api__test_session_live_start(api_t *r, avp_error_t *err)
{
    api_test_session_live_t *l = avp_calloc(1, sizeof(*l));
    avp_cond_init_monotonic(&l->cv);
    pthread_mutex_init(&l->mu, NULL);
    api__coalesce_init(&l->pace, API_TEST_SESSION_PUSH_MS / 1e3);
    l->tag = ((uint64_t)getpid() << 32) ^ (uint64_t)(avp_now() * 1e9) ^
             (uint64_t)(uintptr_t)l;
    r->test_session_live = l;
    if (pthread_create(&l->thread, NULL, pusher, r) != 0) {
        api__test_session_live_stop(r);
        return avp_error_set(err, AVP_ENOMEM, "cannot start the session "
                             "pusher");
    }
    l->started = 1;
    return AVP_OK;
}

void api__test_session_live_stop(api_t *r)
{
    api_test_session_live_t *l = r->test_session_live;
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
    api__coalesce_fini(&l->pace);
    avp_free(l);
    r->test_session_live = NULL;
}

void api__test_session_changed(api_t *r, int64_t session_id)
{
    api_test_session_live_t *l = r->test_session_live;
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
    queue_publish(api__q(r), QUEUE_TOPIC_SESSION, session_id, msg, &err);
}

void api__project_test_sessions_changed(api_t *r, store_conn_t *c,
                                        int64_t project_id)
{
    int64_t *ids;
    int n;
    avp_error_t err;
    if (!r->test_session_live ||
        store_test_session_open_ids(c, project_id, &ids, &n, &err) < 0)
        return; /* watchers catch up at the session's next change */
    for (int i = 0; i < n; i++)
        api__test_session_changed(r, ids[i]);
    avp_free(ids);
}

void api__test_session_news(api_t *r, int64_t session_id, const char *json)
{
    api_test_session_live_t *l = r->test_session_live;
    char mine[64];
    if (!l)
        return;
    snprintf(mine, sizeof mine, "{\"from\":\"%016" PRIx64 "\"}", l->tag);
    if (strcmp(json, mine))
        mark_stale(l, session_id);
}
