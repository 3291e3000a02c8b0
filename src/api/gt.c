/* gt.c - ground truth of a video: boxes by time window in keyset
 * pages, and audited edits (add, move/resize, flags, class, delete). The
 * audit record is written by the same statement as the change
 * (store/catalog_gt.c), so there is no edit without its record. */
#include "api/internal.h"

#include <math.h>
#include <stdlib.h>

void api__gt_list(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t keys[2];
    json_t *q = http_req_query(req);
    json_t *t0 = json_object_get(q, "t0"), *t1 = json_object_get(q, "t1");
    store_gt_query_t gq = {
        .video_id = http_req_param(req, "id"),
        .t0 = t0 ? json_number_value(t0) : NAN,
        .t1 = t1 ? json_number_value(t1) : NAN,
    };
    if (api__page_or_reply(req, 2, keys, &gq.after, &gq.limit) < 0)
        return;
    if (gq.limit > STORE_LIST_MAX)
        gq.limit = STORE_LIST_MAX;
    store_list_t l = {0};
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, gq.video_id,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        if (store_gt_list(c, &gq, &l, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 200, api__page_json(&l, 2));
    }
    store_list_free(&l);
    store_pool_release(c);
}

/* The writes share their shape: access to the object at editor level, one
 * catalog call, the box (or nothing) back. */
typedef int (*gt_write_fn)(store_conn_t *c, int64_t id, int64_t user_id,
                           const char *fields, char **json, avp_error_t *err);

/* 400 unless the body's frame, if it has one, is inside the video of
 * object id (a video or a box, whose video cannot change). */
static int frame_or_reply(http_req_t *req, store_conn_t *c,
                          store_object_t kind, int64_t id)
{
    json_t *frame = json_object_get(http_req_body(req), "frame");
    int64_t frames;
    avp_error_t err;
    if (!frame)
        return AVP_OK;
    if (store_gt_frames(c, kind, id, &frames, &err) < 0) {
        http_reply_avp_error(req, &err);
        return err.code;
    }
    return api__frame_or_reply(req, json_integer_value(frame), frames);
}

static void gt_write(http_req_t *req, api_t *r, store_object_t kind,
                     gt_write_fn write, int status)
{
    int64_t id = http_req_param(req, "id"), pid;
    char *fields = json_dumps(http_req_body(req), JSON_COMPACT), *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (c && api__access_or_reply(r, req, c, kind, id, STORE_ROLE_EDITOR,
                                  &pid) == AVP_OK &&
        frame_or_reply(req, c, kind, id) == AVP_OK) {
        if (write(c, id, http_req_user(req)->id, fields, &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else {
            api__reply_text(req, status, json);
            api__project_test_sessions_changed(r, c, pid);
        }
    }
    store_pool_release(c);
    free(fields);
}

void api__gt_add(http_req_t *req, void *ctx)
{
    gt_write(req, ctx, STORE_OBJ_VIDEO, store_gt_insert, 201);
}

void api__gt_patch(http_req_t *req, void *ctx)
{
    gt_write(req, ctx, STORE_OBJ_GT, store_gt_update, 200);
}

void api__gt_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), pid;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_GT, id, STORE_ROLE_EDITOR,
                             &pid) == AVP_OK) {
        if (store_gt_delete(c, id, http_req_user(req)->id, &err) < 0)
            http_reply_avp_error(req, &err);
        else {
            http_reply_empty(req, 204);
            api__project_test_sessions_changed(r, c, pid);
        }
    }
    store_pool_release(c);
}

