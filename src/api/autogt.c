/* autogt.c - auto ground truth (a detect task of kind 'auto_gt'
 * whose worker turns the run into the video's model-made ground truth:
 * src/worker/autogt.c), a video's tracks, and the track edits, merge and
 * split, each one transaction with its audit record
 * (store/catalog_autogt.c). */
#include "api/internal.h"

#include <stdlib.h>

#define MERGE_FROM_MAX 1000

void api__video_auto_gt(http_req_t *req, void *ctx)
{
    json_t *replace = json_object_get(http_req_body(req), "replace");
    api__start_task(ctx, req, "auto_gt", replace ? json_is_true(replace) : 1);
}

void api__track_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_VIDEO, 1, store_track_list);
}

/* The track of the {id} parameter (or `id`) at editor level: its video's
 * access check; *pid is its project. A connection, or NULL after
 * replying. */
static store_conn_t *track_conn_or_reply(api_t *r, http_req_t *req,
                                         int64_t id, int64_t *pid)
{
    int64_t video;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return NULL;
    if (store_track_video(c, id, &video, &err) < 0) {
        http_reply_avp_error(req, &err);
    } else if (api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, video,
                                    STORE_ROLE_EDITOR, pid) == AVP_OK) {
        return c;
    }
    store_pool_release(c);
    return NULL;
}

/* {"into": id, "from": [id, ...]}: the schema language has no arrays, so
 * this body is checked here, as strictly (unknown fields are errors). */
static int merge_body_or_reply(http_req_t *req, int64_t *into,
                               int64_t **from, size_t *n)
{
    json_t *b, *f;
    if (http_reply_read_json_or_reply(req, 65536, NULL, &b) < 0)
        return AVP_EINVAL;
    f = json_object_get(b, "from");
    *n = json_array_size(f);
    int ok = json_is_object(b) && json_object_size(b) == 2 &&
             json_is_integer(json_object_get(b, "into")) && json_is_array(f) &&
             *n >= 1 && *n <= MERGE_FROM_MAX;
    *from = ok ? avp_malloc(sizeof **from * *n) : NULL;
    for (size_t i = 0; ok && i < *n; i++) {
        ok = json_is_integer(json_array_get(f, i));
        (*from)[i] = json_integer_value(json_array_get(f, i));
    }
    *into = json_integer_value(json_object_get(b, "into"));
    json_decref(b);
    if (ok)
        return AVP_OK;
    avp_free(*from);
    *from = NULL;
    http_reply_error(req, 400, "bad_request",
                     "body must be {\"into\": track id, "
                     "\"from\": [1 to %d track ids]}",
                     MERGE_FROM_MAX);
    return AVP_EINVAL;
}

void api__track_merge(http_req_t *req, void *ctx)
{
    int64_t into, *from, pid;
    size_t n;
    char *json;
    avp_error_t err;
    if (merge_body_or_reply(req, &into, &from, &n) < 0)
        return;
    store_conn_t *c = track_conn_or_reply(ctx, req, into, &pid);
    if (c) {
        if (store_track_merge(c, into, from, n, http_req_user(req)->id,
                              &json, &err) < 0) {
            http_reply_avp_error(req, &err);
        } else {
            api__reply_text(req, 200, json);
            api__project_test_sessions_changed(ctx, c, pid);
        }
        store_pool_release(c);
    }
    avp_free(from);
}

void api__track_split(http_req_t *req, void *ctx)
{
    int64_t id = http_req_param(req, "id");
    int64_t frame = json_integer_value(json_object_get(http_req_body(req),
                                                       "frame"));
    char *json;
    avp_error_t err;
    int64_t pid;
    store_conn_t *c = track_conn_or_reply(ctx, req, id, &pid);
    if (!c)
        return;
    if (store_track_split(c, id, frame, http_req_user(req)->id, &json,
                          &err) < 0) {
        http_reply_avp_error(req, &err);
    } else {
        api__reply_text(req, 200, json);
        api__project_test_sessions_changed(ctx, c, pid);
    }
    store_pool_release(c);
}
