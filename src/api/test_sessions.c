/* test_sessions.c - test sessions of devices under test: a session ties
 * a project, a video (its ground truth), a tolerance and pass/fail
 * criteria; a device posts detection events in video seconds or in its
 * own epoch clock after a sync; results are computed on request
 * (test_session_results.c) and stored as evaluations on request and
 * when the session closes. Every write is audited by the statement that
 * makes it (store/catalog_test_sessions.c) and tells the live watchers
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

void api__test_session_create(http_req_t *req, void *ctx)
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

void api__test_session_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_PROJECT, 2, store_test_session_list);
}

void api__test_session_get(http_req_t *req, void *ctx)
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

void api__test_session_patch(http_req_t *req, void *ctx)
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
void api__test_session_sync(http_req_t *req, void *ctx)
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

void api__test_session_delete(http_req_t *req, void *ctx)
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

void api__test_session_results_get(http_req_t *req, void *ctx)
{
    test_session_read(req, ctx, results_only);
}

void api__test_session_targets_get(http_req_t *req, void *ctx)
{
    test_session_read(req, ctx, api__test_session_targets);
}

void api__test_session_evaluate(http_req_t *req, void *ctx)
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

void api__test_session_events_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_SESSION, 2,
                    store_test_session_events_page);
}
