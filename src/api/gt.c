/* gt.c - ground truth of a video: boxes by time window in keyset
 * pages, and audited edits (add, move/resize, flags, class, delete). The
 * audit record is written by the same statement as the change
 * (store/catalog_gt.c), so there is no edit without its record. */
#include "api/internal.h"

#include <math.h>
#include <stdlib.h>

/* The UI asks for pages of up to 1000 boxes; the catalog answers at most
 * STORE_LIST_MAX per page and the client follows next_cursor. */
#define GT_PAGE_ASK_MAX 1000

static void gt_list(http_req_t *req, void *ctx)
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

static void gt_write(http_req_t *req, api_t *r, store_object_t kind,
                     gt_write_fn write, int status)
{
    int64_t id = http_req_param(req, "id"), pid;
    char *fields = json_dumps(http_req_body(req), JSON_COMPACT), *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (c && api__access_or_reply(r, req, c, kind, id, STORE_ROLE_EDITOR,
                                  &pid) == AVP_OK) {
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

static void gt_add(http_req_t *req, void *ctx)
{
    gt_write(req, ctx, STORE_OBJ_VIDEO, store_gt_insert, 201);
}

static void gt_patch(http_req_t *req, void *ctx)
{
    gt_write(req, ctx, STORE_OBJ_GT, store_gt_update, 200);
}

static void gt_delete(http_req_t *req, void *ctx)
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

/* Pixel coordinates and times are bounded only to keep them finite and
 * sane; the database checks that corners are in order. */
#define GT_COORD(name, req) \
    {name, HTTP_SCHEMA_NUMBER, req, -1e6, 1e6, "pixels", NULL}
#define GT_FLAGS(req)                                                        \
    {"validated", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, "checked by a person",       \
     NULL},                                                                  \
    {"difficult", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, "ignored by the metrics",    \
     NULL},                                                                  \
    {"occluded", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},                  \
    {"truncated", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},                 \
    {"frame", HTTP_SCHEMA_INTEGER, req, 0, 2147483647, "frame index", NULL}, \
    {"t", HTTP_SCHEMA_NUMBER, req, 0, 1e9, "presentation time (s)", NULL},   \
    {"class", HTTP_SCHEMA_STRING, req, 1, 128, "class name", NULL},          \
    GT_COORD("x1", req), GT_COORD("y1", req), GT_COORD("x2", req),           \
    GT_COORD("y2", req)

int api__add_gt(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t list_query[] = {
        {"cursor", HTTP_SCHEMA_STRING, 0, 1, HTTP_REPLY_CURSOR_MAX - 1,
         "next_cursor of the previous page", NULL},
        {"limit", HTTP_SCHEMA_INTEGER, 0, 1, GT_PAGE_ASK_MAX,
         "boxes per page (50; pages hold at most 200)", NULL},
        {"t0", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "from this time (s)", NULL},
        {"t1", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "to this time (s)", NULL},
        {0}};
    static const http_schema_field_t add_body[] = {GT_FLAGS(1), {0}};
    static const http_schema_field_t patch_body[] = {GT_FLAGS(0), {0}};
    const http_route_t routes[] = {
        {"GET", "/api/videos/{id}/ground-truth", "gt_list",
         "Ground-truth boxes of a video in (frame, id) order", gt_list, r, 0,
         NULL, list_query, 0},
        {"POST", "/api/videos/{id}/ground-truth", "gt_add",
         "Add a ground-truth box (audited)", gt_add, r, 0, add_body, NULL, 0},
        {"PATCH", "/api/ground-truth/{id}", "gt_patch",
         "Move, resize, flag or relabel a box (audited)", gt_patch, r, 0,
         patch_body, NULL, 0},
        {"DELETE", "/api/ground-truth/{id}", "gt_delete",
         "Delete a ground-truth box (audited)", gt_delete, r, 0, NULL, NULL,
         0},
    };
    return api__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
