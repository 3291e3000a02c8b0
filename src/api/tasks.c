/* tasks.c - processing: start a detect run on a video (one
 * transaction for the run and its task, then an idempotent enqueue), task
 * status and cancel, and the runs of a video. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>

/* The run and task are committed (with whatever other requests the group
 * gathered) before Redis is touched: a slow or absent Redis must not hold
 * one of the pool's few connections. */
void api__start_task(api_t *r, http_req_t *req, const char *kind,
                     int replace)
{
    json_t *body = http_req_body(req);
    json_t *conf = json_object_get(body, "conf");
    json_t *iou = json_object_get(body, "iou");
    json_t *every = json_object_get(body, "every");
    const char *pre = json_string_value(json_object_get(body, "preprocess"));
    media_preprocess_t mode;
    if (pre && media_preprocess_parse(pre, &mode) != AVP_OK) {
        http_reply_error(req, 400, "bad_request", "preprocess must be "
                         "\"exact\" or \"fast\", not \"%s\"", pre);
        return;
    }
    store_process_t p = {
        .video_id = http_req_param(req, "id"),
        .model_id = json_integer_value(json_object_get(body, "model_id")),
        .user_id = http_req_user(req)->id,
        .conf = conf ? json_number_value(conf) : DETECT_DEFAULT_CONF,
        .iou = iou ? json_number_value(iou) : DETECT_DEFAULT_IOU,
        .every = every ? (int)json_integer_value(every) : 1,
        .preprocess = pre,
        .kind = kind,
        .replace = replace,
    };
    store_process_out_t out;
    avp_error_t err;
    /* The access check is part of the statement: one round trip. */
    int rc = store_group_process(r->group, &p, &out, &err);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        rc = api__role_or_reply(req, out.project_id, out.role,
                                STORE_ROLE_EDITOR);
    if (rc < 0) {
        avp_free(out.members);
        return;
    }
    /* Redis down: the task stays queued in the table and the workers'
     * reconciler enqueues it once Redis is back. */
    if (r->q &&
        queue_enqueue(api__q(r), out.task_id, kind, NULL, &err) < 0)
        fprintf(stderr, "avp serve: task %" PRId64 " left to the "
                "reconciler: %s\n", out.task_id, err.msg);
    api__invalidate_people(r, out.project_id, out.members, out.nmembers);
    avp_free(out.members);
    http_reply_json(req, 202, json_pack("{s:I, s:I}", "task_id",
                                        (json_int_t)out.task_id, "run_id",
                                        (json_int_t)out.run_id));
}

void api__video_process(http_req_t *req, void *ctx)
{
    api__start_task(ctx, req, "detect", 0);
}

void api__task_status(http_req_t *req, void *ctx)
{
    api__get_one(ctx, req, STORE_OBJ_TASK, store_task_status);
}

/* Tells watchers a queued task was cancelled: no worker will. */
static void publish_cancelled(api_t *r, int64_t id)
{
    char json[160];
    avp_error_t err;
    snprintf(json, sizeof json,
             "{\"task_id\":%" PRId64 ",\"state\":\"cancelled\"}", id);
    if (r->q)
        queue_publish_progress(r->q, id, json, &err);
}

void api__task_cancel(http_req_t *req, void *ctx)
{
    static const char *const states[] = {"", "cancelled", "cancelling",
                                         "ended"};
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), pid;
    store_cancel_t what;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_TASK, id,
                             STORE_ROLE_EDITOR, &pid) < 0)
        goto out;
    if (store_task_cancel(c, id, &what, &err) < 0) {
        http_reply_avp_error(req, &err);
        goto out;
    }
    if (what == STORE_CANCEL_DONE) {
        api__invalidate_project(r, c, pid);
        publish_cancelled(r, id);
    }
    if (what != STORE_CANCEL_ENDED)
        api__audit(c, req, "cancel", "task", id, NULL);
    http_reply_json(req, what == STORE_CANCEL_ENDED ? 409 : 202,
                    what == STORE_CANCEL_ENDED
                   ? json_pack("{s:{s:s, s:s}}", "error", "code", "conflict",
                               "message", "the task has already ended")
                   : json_pack("{s:I, s:s}", "task_id", (json_int_t)id,
                               "state", states[what]));
out:
    store_pool_release(c);
}

typedef struct list_arg {
    int64_t id;
    const int64_t *after;
    int limit;
} list_arg_t;

static int fill_runs(api_t *r, store_conn_t *c, void *arg, char **json,
                     avp_error_t *err)
{
    (void)r;
    list_arg_t *a = arg;
    store_list_t l;
    int rc = store_run_list(c, a->id, a->after, a->limit, &l, err);
    if (rc == AVP_OK)
        *json = api__page_json(&l, 2);
    store_list_free(&l);
    return rc;
}

void api__run_list(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t keys[2], pid;
    list_arg_t a = {http_req_param(req, "id"), NULL, 0};
    if (api__page_or_reply(req, 2, keys, &a.after, &a.limit) < 0)
        return;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, a.id,
                             STORE_ROLE_VIEWER, &pid) == AVP_OK) {
        char key[128], tag[32];
        snprintf(key, sizeof key, "runs:%" PRId64 ":%" PRId64 ":%" PRId64
                 ":%d", a.id, a.after ? keys[0] : 0, a.after ? keys[1] : 0,
                 a.limit);
        snprintf(tag, sizeof tag, "p:%" PRId64, pid);
        const char *tags[] = {tag};
        api__reply_cached(r, req, c, key, tags, 1, fill_runs, &a);
    }
    store_pool_release(c);
}

void api__run_get(http_req_t *req, void *ctx)
{
    api__get_one(ctx, req, STORE_OBJ_RUN, store_run_get);
}
