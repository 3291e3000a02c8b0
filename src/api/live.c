/* live.c - live updates: who may watch a task or a test session
 * (ws_access), the first message a watcher gets (ws_hello), and the
 * subscriber thread that relays every task's progress from Redis to the
 * WebSockets watching it and every session's news to the session pusher
 * (test_session_live.c).
 *
 * DESIGN: one subscription for all tasks per server process, so the cost
 * is one Redis connection whatever the number of watchers, and any server
 * instance can serve any watcher. The relay also sees what the workers
 * change, which the API's cache must follow although the workers know
 * nothing of it: each progress message means the run's row moved (the
 * project's lists are stale), each new state (running, done, ...) also
 * changes the members' dashboards. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>


static int is_test_session(const char *topic)
{
    return !strcmp(topic, API_WS_TEST_SESSION);
}

int api__ws_access(void *ctx, const http_auth_user_t *user,
                   const char *topic, int64_t id)
{
    api_t *r = ctx;
    store_conn_t *c;
    int64_t pid;
    store_role_t role;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c, &err) < 0)
        return AVP_EUNAVAILABLE;
    int rc = store_object_access(c, is_test_session(topic) ? STORE_OBJ_SESSION
                                                      : STORE_OBJ_TASK,
                                 id, user->id, &pid, &role, &err);
    store_pool_release(c);
    return rc == AVP_OK || rc == AVP_ENOTFOUND ? rc : AVP_EUNAVAILABLE;
}

static int is_final(const char *state)
{
    return state && (!strcmp(state, "done") || !strcmp(state, "failed") ||
                     !strcmp(state, "cancelled"));
}

/* The state field of a progress or status message, or NULL. */
static const char *state_of(json_t *msg)
{
    return json_string_value(json_object_get(msg, "state"));
}

/* The session's results as they are now. */
static char *test_session_hello(api_t *r, int64_t id)
{
    store_conn_t *c;
    json_t *results = NULL;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c,
                           &err) < 0)
        return NULL;
    api__test_session_results(c, id, &results, NULL, &err);
    store_pool_release(c);
    char *text = results ? json_dumps(results, API_TEST_SESSION_JSON_FLAGS)
                         : NULL;
    char *out = text ? avp_strdup(text) : NULL;
    free(text);
    json_decref(results);
    return out;
}

/* A task: the table says whether it has ended (the last publish may have
 * been lost); otherwise Redis has the freshest progress. A session: its
 * current results. */
char *api__ws_hello(void *ctx, const char *topic, int64_t task_id,
                    int *ended)
{
    api_t *r = ctx;
    store_conn_t *c;
    char *status = NULL, *latest = NULL;
    avp_error_t err;
    *ended = 0;
    if (is_test_session(topic))
        return test_session_hello(r, task_id);
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c, &err) == 0) {
        store_task_status(c, task_id, &status, &err);
        store_pool_release(c);
    }
    json_t *st = status ? json_loads(status, 0, NULL) : NULL;
    *ended = is_final(state_of(st));
    json_decref(st);
    if (*ended || !r->q ||
        queue_latest_progress(api__q(r), task_id, &latest, &err) != 1)
        return status;
    avp_free(status);
    return latest;
}

/* Per task: its project and the last state seen (a small direct-mapped
 * table; a collision only costs a lookup and a spare invalidation). */
#define SEEN_SLOTS 1024
typedef struct seen {
    int64_t task_id, project_id;
    char state[12];
} seen_t;

/* The slot of the task, its project looked up when the slot was another
 * task's. NULL when the database cannot say. */
static seen_t *seen_slot(api_t *r, seen_t *seen, int64_t task_id)
{
    seen_t *s = &seen[(uint64_t)task_id % SEEN_SLOTS];
    if (s->task_id == task_id)
        return s;
    store_conn_t *c;
    store_role_t role;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c, &err) < 0)
        return NULL;
    int rc = store_object_access(c, STORE_OBJ_TASK, task_id, 0,
                                 &s->project_id, &role, &err);
    store_pool_release(c);
    if (rc < 0)
        return NULL;
    s->task_id = task_id;
    s->state[0] = 0;
    return s;
}

/* A progress message means the run's row moved (frames_done): the lists
 * of its project are stale. A new state also changes the dashboards of
 * every member (runs by state, detections when done). */
static void invalidate_for(api_t *r, seen_t *s, const char *state)
{
    if (!state || !strcmp(s->state, state)) {
        api__invalidate(r, "p:%" PRId64, s->project_id);
        return;
    }
    snprintf(s->state, sizeof s->state, "%s", state);
    store_conn_t *c;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c, &err) == 0) {
        api__invalidate_project(r, c, s->project_id);
        store_pool_release(c);
    }
}

/* A finished task may have been an auto ground truth, which replaced the
 * ground truth the project's sessions are scored against. */
static void task_done(api_t *r, int64_t project_id)
{
    store_conn_t *c;
    avp_error_t err;
    if (store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c, &err) < 0)
        return;
    api__project_test_sessions_changed(r, c, project_id);
    store_pool_release(c);
}

static void relay(api_t *r, seen_t *seen, const queue_event_t *ev)
{
    if (ev->topic == QUEUE_TOPIC_SESSION) {
        api__test_session_news(r, ev->id, ev->json);
        return;
    }
    http_ws_push(r->srv, API_WS_PROGRESS, ev->id, ev->json);
    json_t *msg = json_loads(ev->json, 0, NULL);
    const char *state = state_of(msg);
    seen_t *s = r->cache ? seen_slot(r, seen, ev->id) : NULL;
    if (s)
        invalidate_for(r, s, state);
    if (s && state && !strcmp(state, "done"))
        task_done(r, s->project_id);
    if (is_final(state))
        http_ws_end(r->srv, API_WS_PROGRESS, ev->id, NULL);
    json_decref(msg);
}

static void *subscriber(void *arg)
{
    api_t *r = arg;
    queue_sub_t *sub;
    queue_event_t ev;
    avp_error_t err;
    if (queue_sub_open(r->redis_url, &(queue_opts_t){.lazy = 1}, &sub,
                       &err) < 0) {
        fprintf(stderr, "avp serve: progress relay: %s\n", err.msg);
        return NULL;
    }
    seen_t *seen = avp_calloc(SEEN_SLOTS, sizeof *seen);
    /* Remembered if Redis is down. */
    queue_sub_add(sub, QUEUE_TOPIC_TASK, -1, &err);
    queue_sub_add(sub, QUEUE_TOPIC_SESSION, -1, &err);
    while (!atomic_load(&r->stop))
        if (queue_sub_read(sub, 250, &ev, &err) == 1 &&
            ev.type == QUEUE_EVENT_MESSAGE)
            relay(r, seen, &ev);
    avp_free(seen);
    queue_sub_close(sub);
    return NULL;
}

int api__live_start(api_t *r, avp_error_t *err)
{
    int rc = api__test_session_live_start(r, err);
    if (rc < 0 || !r->redis_url)
        return rc;
    if (pthread_create(&r->sub_thread, NULL, subscriber, r) != 0)
        return avp_error_set(err, AVP_ENOMEM, "cannot start the progress relay");
    r->sub_started = 1;
    return AVP_OK;
}

void api__live_stop(api_t *r)
{
    if (r->sub_started) {
        atomic_store(&r->stop, 1);
        pthread_join(r->sub_thread, NULL);
        r->sub_started = 0;
    }
    /* After the relay, which calls into it. */
    api__test_session_live_stop(r);
}
