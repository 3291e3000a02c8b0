/* routes_eval.c - evaluation of a finished run against its video's ground
 * truth with the COCO protocol of src/eval (docs/METRICS.md), stored with
 * its manifest, and the stored result in the UI's shape
 * (web/src/features/results/api/types.ts).
 *
 * Mapping onto COCO: an image is a frame the run looked at (0, every,
 * 2 every, ... below frames_done), so ground truth on frames the run
 * skipped counts neither way; a category is a class name (the model's
 * class_names by index, then ground-truth names the model lacks); a
 * "difficult" box is COCO's ignore; areas are w * h. Ground truth and
 * detections are read with one connection, which goes back to the pool
 * while the numbers are computed. */
#include "server/routes_internal.h"

#include "eval/eval.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Categories by name: id = position in names. */
typedef struct eval_input {
    eval_data_t *d;
    json_t *names; /* array of class names */
    json_t *ids;   /* name -> id */
    char *used;    /* per id: some box has it (grown with names) */
    size_t nmodel; /* the first nmodel names are the model's */
    int rc;
    avp_error_t err;
    int64_t num_gt, num_det;
} eval_input_t;

static int64_t category(eval_input_t *in, const char *name)
{
    json_t *id = json_object_get(in->ids, name);
    if (!id) {
        id = json_integer((json_int_t)json_array_size(in->names));
        json_object_set_new(in->ids, name, id);
        json_array_append_new(in->names, json_string(name));
        in->used = avp_realloc(in->used, json_array_size(in->names));
        in->used[json_integer_value(id)] = 0;
    }
    in->used[json_integer_value(id)] = 1;
    return json_integer_value(id);
}

static void input_init(eval_input_t *in, json_t *class_names)
{
    memset(in, 0, sizeof *in);
    in->d = eval_data_create();
    in->names = json_array();
    in->ids = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(class_names, i, v) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "class%zu", i);
        const char *name = json_is_string(v) ? json_string_value(v) : fallback;
        category(in, json_object_get(in->ids, name) ? fallback : name);
    }
    in->nmodel = json_array_size(in->names);
    if (in->nmodel)
        memset(in->used, 0, in->nmodel);
}

static void input_free(eval_input_t *in)
{
    eval_data_destroy(in->d);
    json_decref(in->names);
    json_decref(in->ids);
    avp_free(in->used);
}

static void add_gt(void *arg, const store_gt_box_t *b)
{
    eval_input_t *in = arg;
    eval_box_t e = {
        .id = b->id, .image_id = b->frame, .category_id = category(in, b->cls),
        .x = b->box[0], .y = b->box[1], .w = b->box[2] - b->box[0],
        .h = b->box[3] - b->box[1], .ignore = b->difficult,
    };
    e.area = e.w * e.h;
    if (in->rc == AVP_OK)
        in->rc = eval_data_add_gt(in->d, &e, &in->err);
    in->num_gt++;
}

/* A detection's class id is an index into the model's class names; one
 * past them (a model that changed) gets a name of its own. */
static int add_dets(store_conn_t *c, int64_t run_id, eval_input_t *in,
                    avp_error_t *err)
{
    store_det_iter_t *it;
    store_det_t d;
    int rc = store_det_iter_open(c, run_id, 2000, &it, err);
    while (rc == AVP_OK && (rc = store_det_iter_next(it, &d, err)) == 1) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "class%d", (int)d.cls);
        json_t *name = d.cls >= 0 && (size_t)d.cls < in->nmodel
                           ? json_array_get(in->names, (size_t)d.cls)
                           : NULL;
        eval_box_t e = {
            .image_id = d.frame,
            .category_id = category(in, name ? json_string_value(name)
                                             : fallback),
            .x = d.box[0], .y = d.box[1], .w = d.box[2] - d.box[0],
            .h = d.box[3] - d.box[1], .score = d.score,
        };
        rc = eval_data_add_det(in->d, &e, err);
        in->num_det++;
    }
    store_det_iter_close(it);
    return rc;
}

/* Reads the frames, ground truth and detections of the run into in. */
static int load_input(store_conn_t *c, int64_t run_id, json_t *src,
                      eval_input_t *in, avp_error_t *err)
{
    int64_t frames = json_integer_value(json_object_get(src, "frames_done"));
    int every = (int)json_integer_value(json_object_get(src, "every"));
    int64_t video = json_integer_value(json_object_get(src, "video_id"));
    for (int64_t f = 0; f < frames; f += every)
        eval_data_add_image(in->d, f);
    int rc = store_gt_each(c, video, frames, every, add_gt, in, err);
    if (rc == AVP_OK && in->rc < 0) {
        *err = in->err;
        return in->rc;
    }
    if (rc == AVP_OK)
        rc = add_dets(c, run_id, in, err);
    for (size_t k = 0; rc == AVP_OK && k < json_array_size(in->names); k++)
        if (in->used[k])
            eval_data_add_category(in->d, (int64_t)k, json_string_value(
                                   json_array_get(in->names, k)));
    return rc;
}

static json_t *reals(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *counts_json(const eval_counts_t *c, const double *stats,
                           double best_thr, double best_f1)
{
    return json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
                     "tp", (json_int_t)c->tp, "fp", (json_int_t)c->fp, "fn",
                     (json_int_t)c->fn, "precision", c->precision, "recall",
                     c->recall, "f1", c->f1, "ap50", stats[EVAL_AP50], "ap75",
                     stats[EVAL_AP75], "map", stats[EVAL_AP], "best_threshold",
                     best_thr, "best_f1", best_f1);
}

static json_t *class_json(const eval_result_t *r, const eval_class_t *c)
{
    double thr[EVAL_NUM_F1];
    for (int i = 0; i < EVAL_NUM_F1; i++)
        thr[i] = i / 100.0;
    json_t *o = counts_json(&c->at_thr, c->stats, c->best_thr, c->best_f1);
    json_object_set_new(o, "class", json_string(c->name));
    json_object_set_new(o, "num_gt", json_integer(c->num_gt));
    json_object_set_new(o, "num_det", json_integer(c->num_det));
    json_object_set_new(o, "coco_stats", reals(c->stats, EVAL_NUM_STATS));
    json_object_set_new(o, "pr_curve", json_pack(
        "{s:o, s:o, s:o}", "recall", reals(r->rec_thrs, EVAL_NUM_REC),
        "precision", reals(c->pr_precision, EVAL_NUM_REC), "score",
        reals(c->pr_score, EVAL_NUM_REC)));
    json_object_set_new(o, "f1_curve", json_pack(
        "{s:o, s:o}", "threshold", reals(thr, EVAL_NUM_F1), "f1",
        reals(c->f1_curve, EVAL_NUM_F1)));
    return o;
}

static json_t *results_json(const eval_result_t *r)
{
    json_t *classes = json_array(), *names = json_array();
    for (int k = 0; k < r->num_classes; k++)
        json_array_append_new(classes, class_json(r, &r->classes[k]));
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        json_array_append_new(names, json_string(eval_stat_names[i]));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I}", "overall",
                     counts_json(&r->overall, r->coco_stats, r->best_thr,
                                 r->best_f1),
                     "classes", classes, "coco_stats",
                     reals(r->coco_stats, EVAL_NUM_STATS), "coco_stat_names",
                     names, "confusion", eval_confusion_json(r, "matrix"), "num_images",
                     (json_int_t)r->num_images, "num_gt", (json_int_t)r->num_gt,
                     "num_det", (json_int_t)r->num_det);
}

static json_t *manifest_json(json_t *src, int64_t run_id,
                             const eval_result_t *r, const eval_input_t *in)
{
    json_t *m = json_pack(
        "{s:O, s:O, s:f, s:f, s:o, s:f, s:s, s:s, s:I, s:O, s:O, s:O, s:O, "
        "s:O, s:I, s:I, s:I}",
        "model_sha256", json_object_get(src, "model_sha256"), "video_sha256",
        json_object_get(src, "video_sha256"), "score_threshold", r->score_thr,
        "iou_threshold", 0.5, "iou_thresholds", reals(r->iou_thrs, EVAL_NUM_IOU),
        "confusion_iou", r->cm_iou, "avp_version", AVP_VERSION, "protocol",
        "COCO bbox, 101-point interpolation, maxDets 1/10/100 "
        "(docs/METRICS.md)", "run_id", (json_int_t)run_id, "model_id",
        json_object_get(src, "model_id"), "video_id",
        json_object_get(src, "video_id"), "run_conf",
        json_object_get(src, "conf"), "run_iou", json_object_get(src, "iou"),
        "every", json_object_get(src, "every"), "frames",
        (json_int_t)r->num_images, "gt_boxes", (json_int_t)in->num_gt,
        "detections", (json_int_t)in->num_det);
    return m;
}

/* Evaluates run_id as src (store_eval_source) describes it into *results
 * and *manifest; c is released before the numbers are computed. */
static int evaluate(store_conn_t *c, int64_t run_id, json_t *src,
                    double score_thr, json_t **results, json_t **manifest,
                    avp_error_t *err)
{
    eval_input_t in;
    eval_result_t *res = NULL;
    eval_options_t opt;
    eval_options_default(&opt);
    opt.score_thr = score_thr;
    input_init(&in, json_object_get(src, "class_names"));
    int rc = load_input(c, run_id, src, &in, err);
    store_pool_release(c);
    if (rc == AVP_OK)
        rc = eval_run(in.d, &opt, &res, err);
    if (rc == AVP_OK) {
        *results = results_json(res);
        *manifest = manifest_json(src, run_id, res, &in);
    }
    eval_result_destroy(res);
    input_free(&in);
    return rc;
}

/* The run's description, or NULL after replying (409 unless it is done). */
static json_t *source_or_reply(server_req_t *req, store_conn_t *c,
                               int64_t run_id)
{
    char *text;
    avp_error_t err;
    if (store_eval_source(c, run_id, &text, &err) < 0) {
        reply_avp_error(req, &err);
        return NULL;
    }
    json_t *src = json_loads(text, 0, NULL);
    avp_free(text);
    const char *state = json_string_value(json_object_get(src, "state"));
    if (!state || strcmp(state, "done")) {
        reply_error(req, 409, "conflict", "run %" PRId64 " is %s; only a "
                    "finished run can be evaluated", run_id,
                    state ? state : "unreadable");
        json_decref(src);
        return NULL;
    }
    return src;
}

static void store_reply(routes_t *r, server_req_t *req, int64_t run_id,
                        json_t *manifest, json_t *results)
{
    char *m = json_dumps(manifest, JSON_COMPACT);
    char *res = json_dumps(results, JSON_COMPACT), *json;
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (c) {
        if (store_eval_insert(c, run_id, server_req_user(req)->id, m, res,
                              &json, &err) < 0)
            reply_avp_error(req, &err);
        else
            routes__reply_text(req, 201, json);
        store_pool_release(c);
    }
    free(m);
    free(res);
}

static void eval_post(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    int64_t id = server_req_param(req, "id");
    json_t *thr = json_object_get(server_req_body(req), "score_threshold");
    json_t *src = NULL, *results = NULL, *manifest = NULL;
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    if (routes__access_or_reply(r, req, c, STORE_OBJ_RUN, id,
                                STORE_ROLE_EDITOR, NULL) < 0 ||
        !(src = source_or_reply(req, c, id))) {
        store_pool_release(c);
        return;
    }
    if (evaluate(c, id, src, thr ? json_number_value(thr) : 0.25, &results,
                 &manifest, &err) < 0)
        reply_avp_error(req, &err);
    else
        store_reply(r, req, id, manifest, results);
    json_decref(src);
    json_decref(results);
    json_decref(manifest);
}

static void eval_get(server_req_t *req, void *ctx)
{
    routes__get_one(ctx, req, STORE_OBJ_RUN, store_eval_latest);
}

int routes__add_eval(routes_t *r, server_t *srv, avp_error_t *err)
{
    static const schema_field_t eval_body[] = {
        {"score_threshold", SCHEMA_NUMBER, 0, 0, 1,
         "operating point for TP/FP/FN and the confusion matrix (0.25)"},
        /* The UI sends it; the protocol counts TP/FP/FN at IoU .50 (AP
         * spans .50:.95), so any other value is refused, not ignored. */
        {"iou_threshold", SCHEMA_NUMBER, 0, 0.5, 0.5,
         "IoU of the operating point: 0.5 (the protocol's)"},
        {0}};
    const server_route_t routes[] = {
        {"POST", "/api/runs/{id}/evaluate", "runs_evaluate",
         "Evaluate a finished run against its video's ground truth (COCO "
         "protocol) and store the result with its manifest", eval_post, r, 0,
         eval_body, NULL, 0},
        {"GET", "/api/runs/{id}/evaluation", "runs_evaluation",
         "The run's latest stored evaluation", eval_get, r, 0, NULL, NULL, 0},
    };
    return routes__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
