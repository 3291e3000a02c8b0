/* test_sessions.c - test sessions of devices under test: a session ties
 * a project, a video (its ground truth), a tolerance and pass/fail
 * criteria; a device posts detection events in video seconds or in its
 * own epoch clock after a sync; results are computed on request
 * (test_session_results.c) and stored as evaluations on request and
 * when the session closes. Every write is audited by the statement that
 * makes it (store/catalog_sessions.c) and tells the live watchers
 * (test_session_live.c). Viewers read, editors write. */
#include "api/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const http_schema_field_t criteria_fields[] = {
    {"min_precision", HTTP_SCHEMA_NUMBER, 0, 0, 1, "least overall precision",
     NULL},
    {"min_recall", HTTP_SCHEMA_NUMBER, 0, 0, 1, "least overall recall", NULL},
    {"max_median_latency_ms", HTTP_SCHEMA_NUMBER, 0, 0, 3600000,
     "largest median latency (event - onset)", NULL},
    {0}};

#define SESSION_FIELDS                                                       \
    {"name", HTTP_SCHEMA_STRING, 0, 0, 200, "for people", NULL},             \
    {"tolerance_ms", HTTP_SCHEMA_INTEGER, 0, 1, 3600000,                     \
     "matching window either side of an onset (the project's)", NULL},       \
    {"criteria", HTTP_SCHEMA_OBJECT, 0, 0, 0,                                \
     "{min_precision?, min_recall?, max_median_latency_ms?}", NULL}

/* The criteria object is free-form to the body schema: checked here. */
static int criteria_or_reply(http_req_t *req)
{
    json_t *c = json_object_get(http_req_body(req), "criteria");
    avp_error_t err;
    if (c && http_schema_check(criteria_fields, c, &err) < 0) {
        http_reply_error(req, 400, "bad_request", "criteria: %s", err.msg);
        return AVP_EINVAL;
    }
    return AVP_OK;
}

static void test_session_create(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t pid = http_req_param(req, "id");
    char *fields = NULL, *json;
    avp_error_t err;
    if (criteria_or_reply(req) < 0)
        return;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, pid,
                             STORE_ROLE_EDITOR, NULL) == AVP_OK) {
        fields = json_dumps(http_req_body(req), JSON_COMPACT);
        if (store_test_session_create(c, pid, http_req_user(req)->id,
                                      fields, &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 201, json);
    }
    store_pool_release(c);
    free(fields);
}

static void test_session_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_PROJECT, 2, store_test_session_list);
}

static void test_session_get(http_req_t *req, void *ctx)
{
    api__get_one(ctx, req, STORE_OBJ_SESSION, store_test_session_get);
}

/* Scores the session and stores the evaluation; *json is it. */
static int evaluate(store_conn_t *c, int64_t id, int64_t user_id, char **json,
                    avp_error_t *err)
{
    json_t *results, *manifest;
    int rc = api__test_session_results(c, id, &results, &manifest, err);
    if (rc == AVP_OK) {
        char *m = json_dumps(manifest, JSON_COMPACT);
        char *res = json_dumps(results, JSON_COMPACT);
        rc = store_test_session_eval_insert(c, id, user_id, m, res, json, err);
        free(m);
        free(res);
    }
    json_decref(results);
    json_decref(manifest);
    return rc;
}

/* The shared shape of PATCH and sync: editor access, an open session (a
 * closed one is final: 409), the update with its audit action, and the
 * evaluation when this closes it. One transaction that starts by locking
 * the session's row: a session is closed, and its evaluation stored, once
 * and together, and no events insert (which takes the same lock) lands
 * between the check and the update. */
static void test_session_write(http_req_t *req, api_t *r, const char *action,
                               json_t *fields)
{
    int64_t id = http_req_param(req, "id"), uid = http_req_user(req)->id;
    char *text = json_dumps(fields, JSON_COMPACT), *json = NULL, *eval = NULL;
    const char *to = json_string_value(json_object_get(fields, "state"));
    int closing = to && !strcmp(to, "closed"), closed = 0, began = 0;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c || api__access_or_reply(r, req, c, STORE_OBJ_SESSION, id,
                                   STORE_ROLE_EDITOR, NULL) < 0)
        goto out;
    began = store_exec(c, "BEGIN", &err) == AVP_OK;
    if (!began || store_test_session_lock(c, id, &closed, &err) < 0)
        http_reply_avp_error(req, &err);
    else if (closed)
        http_reply_error(req, 409, "closed", "session %" PRId64 " is closed",
                         id);
    else if (store_test_session_update(c, id, uid, action, text, &json,
                                       &err) < 0 ||
             (closing && evaluate(c, id, uid, &eval, &err) < 0) ||
             store_exec(c, "COMMIT", &err) < 0)
        http_reply_avp_error(req, &err);
    else {
        began = 0;
        api__reply_text(req, 200, json);
        json = NULL;
        api__test_session_changed(r, id);
    }
    if (began)
        store_exec(c, "ROLLBACK", &err);
out:
    store_pool_release(c);
    avp_free(json);
    avp_free(eval);
    free(text);
}

static void test_session_patch(http_req_t *req, void *ctx)
{
    json_t *st = json_object_get(http_req_body(req), "state");
    const char *s = json_string_value(st);
    if (st && strcmp(s, "open") && strcmp(s, "running") &&
        strcmp(s, "closed")) {
        http_reply_error(req, 400, "bad_request", "field 'state' must be open, "
                         "running or closed");
        return;
    }
    if (criteria_or_reply(req) == AVP_OK)
        test_session_write(req, ctx, "update", http_req_body(req));
}

/* {"device_time", "video_time"} (playback of video_time was seen at
 * device_time) or {"offset"}: device clock minus video clock. */
static void test_session_sync(http_req_t *req, void *ctx)
{
    json_t *b = http_req_body(req);
    json_t *dt = json_object_get(b, "device_time");
    json_t *vt = json_object_get(b, "video_time");
    json_t *off = json_object_get(b, "offset");
    if (!!off == !!(dt || vt) || (!off && !(dt && vt))) {
        http_reply_error(req, 400, "bad_request",
                         "send either device_time with "
                         "video_time, or offset");
        return;
    }
    double offset = off ? json_number_value(off)
                        : json_number_value(dt) - json_number_value(vt);
    json_t *fields = json_pack("{s:f}", "sync_offset", offset);
    test_session_write(req, ctx, "sync", fields);
    json_decref(fields);
}

static void test_session_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_SESSION, id,
                             STORE_ROLE_EDITOR, NULL) == AVP_OK) {
        if (store_test_session_delete(c, id, http_req_user(req)->id,
                                      &err) < 0)
            http_reply_avp_error(req, &err);
        else {
            http_reply_empty(req, 204);
            api__test_session_changed(r, id); /* its watchers are let go */
        }
    }
    store_pool_release(c);
}

/* What a viewer reads that is computed from the session, not stored. */
typedef int (*test_session_read_fn)(store_conn_t *c, int64_t id, json_t **out,
                                    avp_error_t *err);

static void test_session_read(http_req_t *req, api_t *r,
                              test_session_read_fn fn)
{
    int64_t id = http_req_param(req, "id");
    json_t *out;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_SESSION, id,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        if (fn(c, id, &out, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            http_reply_json(req, 200, out);
    }
    store_pool_release(c);
}

static int results_only(store_conn_t *c, int64_t id, json_t **out,
                        avp_error_t *err)
{
    return api__test_session_results(c, id, out, NULL, err);
}

static void test_session_results(http_req_t *req, void *ctx)
{
    test_session_read(req, ctx, results_only);
}

static void test_session_targets(http_req_t *req, void *ctx)
{
    test_session_read(req, ctx, api__test_session_targets);
}

static void test_session_evaluate(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_SESSION, id,
                             STORE_ROLE_EDITOR, NULL) == AVP_OK) {
        if (evaluate(c, id, http_req_user(req)->id, &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 201, json);
    }
    store_pool_release(c);
}

static void events_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_SESSION, 2,
                    store_test_session_events_page);
}

int api__add_test_sessions(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t create_body[] = {
        {"video_id", HTTP_SCHEMA_INTEGER, 1, 1, 9.2e18,
         "a ready video of the project (its ground truth)", NULL},
        SESSION_FIELDS, {0}};
    static const http_schema_field_t patch_body[] = {
        SESSION_FIELDS,
        {"state", HTTP_SCHEMA_STRING, 0, 4, 7,
         "open, running or closed (closing stores an evaluation)", NULL},
        {0}};
    static const http_schema_field_t sync_body[] = {
        {"device_time", HTTP_SCHEMA_NUMBER, 0, -1e12, 1e12,
         "device epoch seconds at which video_time was played", NULL},
        {"video_time", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "video seconds", NULL},
        {"offset", HTTP_SCHEMA_NUMBER, 0, -1e12, 1e12,
         "device clock minus video clock (s)", NULL},
        {0}};
    static const http_schema_field_t ws_query[] = {
        {"token", HTTP_SCHEMA_STRING, 0, 1, HTTP_AUTH_TOKEN_MAX,
         "session token or API key, for clients that cannot send a cookie "
         "or header", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/projects/{id}/test-sessions", "test_sessions_create",
         "Create a test session of a device on a video (editor)",
         test_session_create, r, 0, create_body, NULL, 0},
        {"GET", "/api/projects/{id}/test-sessions", "test_sessions_list",
         "Test sessions of a project, newest first", test_session_list, r, 0,
         NULL, api__list_query, 0},
        {"GET", "/api/test-sessions/{id}", "test_sessions_get",
         "A test session", test_session_get, r, 0, NULL, NULL, 0},
        {"PATCH", "/api/test-sessions/{id}", "test_sessions_update",
         "Rename, change tolerance or criteria, or change state; closing "
         "stores an evaluation (editor)",
         test_session_patch, r, 0, patch_body, NULL, 0},
        {"DELETE", "/api/test-sessions/{id}", "test_sessions_delete",
         "Delete a test session with its events (editor)", test_session_delete,
         r, 0, NULL, NULL, 0},
        {"POST", "/api/test-sessions/{id}/sync", "test_sessions_sync",
         "Relate the device clock to the video clock (editor)",
         test_session_sync, r, 0, sync_body, NULL, 0},
        {"POST", "/api/test-sessions/{id}/events", "test_sessions_events_post",
         "Post detection events: one {class, confidence?, box?: [x1, y1, "
         "x2, y2], t? | device_time?} or {\"events\": [...]} (at most 10000), "
         "all or nothing (editor)",
         api__test_session_events_post, r, HTTP_RAW_BODY, NULL, NULL,
         API_TEST_SESSION_EVENTS_BODY_MAX},
        {"GET", "/api/test-sessions/{id}/events", "test_sessions_events_list",
         "Events of a session in (timestamp, id) order", events_list, r, 0,
         NULL, api__list_query, 0},
        {"GET", "/api/test-sessions/{id}/results", "test_sessions_results",
         "Results of the session against its video's ground-truth tracks",
         test_session_results, r, 0, NULL, NULL, 0},
        {"GET", "/api/test-sessions/{id}/targets", "test_sessions_targets",
         "The targets of the session: one onset per ground-truth track "
         "(boxes in no track are linked by the IoU tracker)",
         test_session_targets, r, 0, NULL, NULL, 0},
        {"POST", "/api/test-sessions/{id}/evaluate", "test_sessions_evaluate",
         "Score the session and store the evaluation with its manifest "
         "(editor)",
         test_session_evaluate, r, 0, NULL, NULL, 0},
        {"GET", "/ws/test-sessions/{id}", API_WS_TEST_SESSION,
         "WebSocket: the session's results now and after every change "
         "(at most every 250 ms)",
         NULL, NULL, HTTP_WEBSOCKET, NULL, ws_query, 0},
    };
    return api__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
