/* eval_failures.c - the failure gallery of an evaluation: the worst
 * errors of each TIDE type per class (migrations/0023), chosen when the
 * run is evaluated, listed a page at a time, and each shown as a JPEG crop
 * of its frame around its boxes. The crop is made by a child `avp media
 * thumbnail --crop` (api/child.c: the server links no decoder) with no
 * pooled connection held, and kept in the thumbnail folder under the
 * evaluation's id, which never changes (thumbs.c bounds the folder). */
#include "api/internal.h"

#include "eval/eval.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Kept per type and class: a page of crops, worst first. */
#define FAILURES_PER_GROUP 16
/* Worse first: a false positive by its score, a miss (no score) by its
 * area; then image order (stable). */
static int worse(const void *a, const void *b)
{
    const eval_tide_failure_t *x = *(eval_tide_failure_t *const *)a;
    const eval_tide_failure_t *y = *(eval_tide_failure_t *const *)b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    double sx = x->has_det ? x->det.score : x->gt.w * x->gt.h;
    double sy = y->has_det ? y->det.score : y->gt.w * y->gt.h;
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return x < y ? -1 : x > y;
}

static json_t *box_json(int has, const eval_box_t *b)
{
    return has ? json_pack("[f, f, f, f]", b->x, b->y, b->x + b->w,
                           b->y + b->h)
               : json_null();
}

static json_t *item_json(const eval_tide_failure_t *f,
                         const api_failure_frames_t *fr, const char *cls)
{
    int64_t frame = f->has_det ? f->det.image_id : f->gt.image_id;
    double t = frame / fr->every < (int64_t)fr->nframes
                   ? fr->t[frame / fr->every] : NAN;
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "type",
                     eval_tide_names[f->type], "class", cls, "frame",
                     (json_int_t)frame, "t", api__number_or_null(t, !isnan(t)),
                     "box", box_json(f->has_det, &f->det), "score",
                     api__number_or_null(f->det.score, f->has_det), "gt_box",
                     box_json(f->has_gt, &f->gt), "iou",
                     api__number_or_null(f->iou, f->has_det && f->has_gt));
}

json_t *api__failures_json(const eval_tide_result_t *t, const json_t *names,
                           const api_failure_frames_t *frames)
{
    size_t n = t->num_failures, ncat = json_array_size(names);
    const eval_tide_failure_t **v = avp_malloc((n + 1) * sizeof *v);
    int *kept = avp_calloc((ncat + 1) * EVAL_TIDE_NUM_MAIN, sizeof *kept);
    for (size_t i = 0; i < n; i++)
        v[i] = &t->failures[i];
    qsort(v, n, sizeof *v, worse);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        /* A false positive is its detection's class, a miss its box's. */
        int64_t cat = v[i]->has_det ? v[i]->det.category_id
                                    : v[i]->gt.category_id;
        if (cat < 0 || (size_t)cat >= ncat ||
            kept[cat * EVAL_TIDE_NUM_MAIN + v[i]->type]++ >= FAILURES_PER_GROUP)
            continue;
        json_array_append_new(out, item_json(v[i], frames, json_string_value(
                                  json_array_get(names, (size_t)cat))));
    }
    avp_free(v);
    avp_free(kept);
    return out;
}

/* ?type= as one of TIDE's six names (NULL: any); -1 after replying. */
static int type_or_reply(http_req_t *req, const char **type)
{
    *type = json_string_value(json_object_get(http_req_query(req), "type"));
    for (int e = 0; *type && e < EVAL_TIDE_NUM_MAIN; e++)
        if (!strcmp(*type, eval_tide_names[e]))
            return AVP_OK;
    if (!*type)
        return AVP_OK;
    http_reply_error(req, 400, "bad_request", "type must be one of Cls, "
                     "Loc, Both, Dupe, Bkg or Miss, not \"%.40s\"", *type);
    return AVP_EINVAL;
}

void api__eval_failures_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), keys[2];
    const int64_t *after;
    const char *type, *cls = json_string_value(
        json_object_get(http_req_query(req), "class"));
    int limit;
    store_list_t l = {0};
    avp_error_t err;
    if (type_or_reply(req, &type) < 0 ||
        api__page_or_reply(req, 1, keys, &after, &limit) < 0)
        return;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_RUN, id, STORE_ROLE_VIEWER,
                             NULL) == AVP_OK) {
        if (store_eval_failures(c, id, type, cls, after, limit, &l, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 200, api__page_json(&l, 1));
    }
    store_list_free(&l);
    store_pool_release(c);
}

/* The item, its video's file (absolute path in video) and frame rate,
 * read on a connection given back before anything is decoded; NULL after
 * replying. */
static json_t *failure_or_reply(api_t *r, http_req_t *req, int64_t run,
                                int64_t n, char *video, double *fps)
{
    char *text = NULL;
    store_video_file_t f;
    avp_error_t err;
    json_t *j = NULL;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return NULL;
    if (api__access_or_reply(r, req, c, STORE_OBJ_RUN, run,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        if (store_eval_failure(c, run, n, &text, &err) < 0 ||
            !(j = json_loads(text, 0, NULL)) ||
            store_video_file(c, json_integer_value(json_object_get(
                                 j, "video_id")), &f, &err) < 0) {
            json_decref(j);
            j = NULL;
            http_reply_avp_error(req, &err);
        } else {
            api__path(r, f.path, video);
            *fps = f.fps;
        }
    }
    store_pool_release(c);
    avp_free(text);
    return j;
}

/* What the crop frames: the detection and the ground truth it was judged
 * against, both in view. */
static void crop_box(const json_t *item, char *out, size_t n)
{
    double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    const char *keys[] = {"box", "gt_box"};
    for (int k = 0; k < 2; k++) {
        const json_t *a = json_object_get(item, keys[k]);
        for (int i = 0; json_array_size(a) == 4 && i < 4; i++) {
            double v = json_number_value(json_array_get(a, (size_t)i));
            b[i] = i < 2 ? fmin(b[i], v) : fmax(b[i], v);
        }
    }
    snprintf(out, n, "%.3f,%.3f,%.3f,%.3f", b[0], b[1], b[2], b[3]);
}

void api__eval_failure_crop(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t run = http_req_param(req, "id"), n = http_req_param(req, "n");
    char video[PATH_MAX], path[PATH_MAX], rel[96], box[160];
    double fps = 0;
    avp_error_t err;
    json_t *j = failure_or_reply(r, req, run, n, video, &fps);
    if (!j)
        return;
    const json_t *item = json_object_get(j, "failure");
    /* A frame whose time the run did not record: its nominal time. */
    const json_t *t = json_object_get(item, "t");
    double at = json_is_number(t) ? json_number_value(t)
        : fps > 0 ? (double)json_integer_value(json_object_get(item, "frame")) / fps
                  : 0;
    snprintf(rel, sizeof rel, "thumbs/crop-%" PRId64 "-%" PRId64 ".jpg",
             (int64_t)json_integer_value(json_object_get(j, "evaluation_id")),
             n);
    api__path(r, rel, path);
    crop_box(item, box, sizeof box);
    if (api__thumb(r, video, at, box, path, &err) < 0)
        http_reply_avp_error(req, &err);
    else
        http_reply_file(req, path, "image/jpeg");
    json_decref(j);
}
