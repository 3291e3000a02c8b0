/* eval.c - evaluation of a finished run against its video's ground
 * truth with the COCO protocol of src/eval (docs/METRICS.md), stored with
 * its manifest and its per-frame outcome, and the stored result in the
 * UI's shape (web/src/features/results/api/types.ts).
 *
 * Mapping onto COCO: an image is a frame the run looked at (0, every,
 * 2 every, ... below frames_done), so ground truth on frames the run
 * skipped counts neither way, and so does a frame off the ground truth's
 * frame set (migrations/0013: the frames its import annotated, empty
 * ones being real negatives); a category is a class name after the
 * project's class map (the model's class names by index, then
 * ground-truth names the model lacks; with a non-empty map, classes it
 * leaves out are dropped from both sides); a "difficult" box is COCO's
 * ignore, iscrowd and an area the import kept (migrations/0021) are
 * COCO's, other areas w * h. Ground truth and detections are read with one
 * connection, which goes back to the pool while the numbers are
 * computed. */
#include "api/internal.h"

#include "eval/eval.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Categories by (mapped) name: id = position in names. */
typedef struct eval_input {
    eval_data_t *d;
    const eval_class_map_t *map;
    json_t *names; /* array of class names */
    json_t *ids;   /* name -> id */
    char *used;    /* per id: some box has it (grown with names) */
    int64_t *model_cat; /* per model class index: category, -1 unmapped */
    size_t nmodel;
    int every;
    size_t nframes; /* evaluated frames */
    double *t;     /* per evaluated frame (frame / every): time, NAN unseen */
    const gt_t *set; /* the ground truth's frame set (none: every frame) */
    int64_t off_set_det; /* detections on frames off it */
    int rc;
    avp_error_t err;
    int64_t num_gt, num_det, unmapped_gt, unmapped_det;
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

/* The category of a class name after the map; -1 when the map drops it. */
static int64_t mapped_category(eval_input_t *in, const char *name)
{
    const char *to = eval_class_map_apply(in->map, name);
    return to ? category(in, to) : -1;
}

/* The model's classes come first, so that category ids (and the order of
 * the per-class results) follow the model; a name the model repeats gets
 * "class<i>". */
static void input_init(eval_input_t *in, json_t *class_names,
                       const eval_class_map_t *map, int64_t frames, int every)
{
    memset(in, 0, sizeof *in);
    in->d = eval_data_create();
    in->map = map;
    in->names = json_array();
    in->ids = json_object();
    json_t *seen = json_object(), *v;
    size_t i;
    in->nmodel = json_array_size(class_names);
    in->model_cat = avp_calloc(in->nmodel + 1, sizeof *in->model_cat);
    json_array_foreach(class_names, i, v) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "class%zu", i);
        const char *name = json_is_string(v) ? json_string_value(v) : fallback;
        if (json_object_get(seen, name))
            name = fallback;
        json_object_set_new(seen, name, json_true());
        in->model_cat[i] = mapped_category(in, name);
    }
    json_decref(seen);
    memset(in->used, 0, json_array_size(in->names));
    in->every = every;
    in->nframes = (size_t)((frames + every - 1) / every);
    in->t = avp_malloc((in->nframes + 1) * sizeof *in->t);
    for (size_t f = 0; f <= in->nframes; f++)
        in->t[f] = NAN;
}

/* Remembers the time of an evaluated frame for its per-frame outcome. */
static void note_time(eval_input_t *in, int64_t frame, double t)
{
    if (frame >= 0 && (size_t)(frame / in->every) < in->nframes)
        in->t[frame / in->every] = t;
}

static void input_free(eval_input_t *in)
{
    eval_data_destroy(in->d);
    json_decref(in->names);
    json_decref(in->ids);
    avp_free(in->used);
    avp_free(in->model_cat);
    avp_free(in->t);
}

/* A frame the ground truth was annotated on. */
static int on_gt_frames(const eval_input_t *in, int64_t frame)
{
    return !gt_has_frame_set(in->set) ||
           gt_is_annotated_frame(in->set, frame);
}

static void add_gt(void *arg, const store_gt_box_t *b)
{
    eval_input_t *in = arg;
    if (!on_gt_frames(in, b->frame))
        return; /* drawn on a frame the import did not cover */
    int64_t cat = mapped_category(in, b->cls);
    note_time(in, b->frame, b->t);
    if (cat < 0) {
        in->unmapped_gt++;
        return;
    }
    eval_box_t e = {
        .id = b->id, .image_id = b->frame, .category_id = cat,
        .x = b->box[0], .y = b->box[1], .w = b->box[2] - b->box[0],
        .h = b->box[3] - b->box[1], .ignore = b->difficult,
        .iscrowd = b->crowd,
    };
    /* COCO's own area (a segment's) when the import kept one: it decides
     * the small/medium/large range as in pycocotools. */
    e.area = b->area > 0 ? b->area : e.w * e.h;
    if (in->rc == AVP_OK)
        in->rc = eval_data_add_gt(in->d, &e, &in->err);
    in->num_gt++;
}

/* A detection's class id is an index into the model's class names; one
 * past them (a model that changed) gets a name of its own. */
static int64_t det_category(eval_input_t *in, int cls)
{
    if (cls >= 0 && (size_t)cls < in->nmodel) {
        if (in->model_cat[cls] >= 0)
            in->used[in->model_cat[cls]] = 1;
        return in->model_cat[cls];
    }
    char fallback[32];
    snprintf(fallback, sizeof fallback, "class%d", cls);
    return mapped_category(in, fallback);
}

static int add_dets(store_conn_t *c, int64_t run_id, eval_input_t *in,
                    avp_error_t *err)
{
    store_det_iter_t *it;
    store_det_t d;
    int rc = store_det_iter_open(c, run_id, 2000, &it, err);
    while (rc == AVP_OK && (rc = store_det_iter_next(it, &d, err)) == 1) {
        rc = AVP_OK;
        if (!on_gt_frames(in, d.frame)) {
            in->off_set_det++;
            continue;
        }
        int64_t cat = det_category(in, (int)d.cls);
        note_time(in, d.frame, d.t);
        if (cat < 0) {
            in->unmapped_det++;
            continue;
        }
        eval_box_t e = {
            .image_id = d.frame, .category_id = cat, .x = d.box[0],
            .y = d.box[1], .w = (double)d.box[2] - d.box[0],
            .h = (double)d.box[3] - d.box[1], /* exact in double */
            .score = d.score,
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
    int64_t video = json_integer_value(json_object_get(src, "video_id"));
    for (int64_t f = 0; f < frames; f += in->every)
        if (on_gt_frames(in, f))
            eval_data_add_image(in->d, f);
    int rc = store_gt_each(c, video, frames, in->every, add_gt, in, err);
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

/* A ratio that -1 marks as undefined (recall without ground truth, AP of
 * an absent class) goes to the UI as null; coco_stats keep pycocotools'
 * -1. */
static json_t *ratio(double v)
{
    return api__number_or_null(v, v >= 0);
}

static json_t *counts_json(const eval_counts_t *c, const double *stats,
                           double best_thr, double best_f1)
{
    return json_pack("{s:I, s:I, s:I, s:f, s:o, s:o, s:o, s:o, s:o, s:f, s:o}",
                     "tp", (json_int_t)c->tp, "fp", (json_int_t)c->fp, "fn",
                     (json_int_t)c->fn, "precision", c->precision, "recall",
                     ratio(c->recall), "f1", ratio(c->f1), "ap50",
                     ratio(stats[EVAL_AP50]), "ap75", ratio(stats[EVAL_AP75]),
                     "map", ratio(stats[EVAL_AP]), "best_threshold", best_thr,
                     "best_f1", ratio(best_f1));
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
    json_object_set_new(o, "coco_stats", eval_json_reals(c->stats, EVAL_NUM_STATS));
    json_object_set_new(o, "pr_curve", json_pack(
        "{s:o, s:o, s:o}", "recall", eval_json_reals(r->rec_thrs, EVAL_NUM_REC),
        "precision", eval_json_reals(c->pr_precision, EVAL_NUM_REC), "score",
        eval_json_reals(c->pr_score, EVAL_NUM_REC)));
    json_object_set_new(o, "f1_curve", json_pack(
        "{s:o, s:o}", "threshold", eval_json_reals(thr, EVAL_NUM_F1), "f1",
        eval_json_reals(c->f1_curve, EVAL_NUM_F1)));
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
                     eval_json_reals(r->coco_stats, EVAL_NUM_STATS), "coco_stat_names",
                     names, "confusion", eval_confusion_json(r, "matrix"), "num_images",
                     (json_int_t)r->num_images, "num_gt", (json_int_t)r->num_gt,
                     "num_det", (json_int_t)r->num_det);
}

/* The frames with a nonzero count as parallel arrays (migrations/0007). */
static json_t *frames_json(const eval_result_t *r, const eval_input_t *in)
{
    json_t *f = json_array(), *t = json_array(), *tp = json_array(),
           *fp = json_array(), *fn = json_array();
    for (int64_t i = 0; i < r->num_images; i++) {
        const eval_image_counts_t *c = &r->images[i];
        if (!c->tp && !c->fp && !c->fn)
            continue;
        double sec = in->t[c->image_id / in->every];
        json_array_append_new(f, json_integer(c->image_id));
        json_array_append_new(t, isnan(sec) ? json_null() : json_real(sec));
        json_array_append_new(tp, json_integer(c->tp));
        json_array_append_new(fp, json_integer(c->fp));
        json_array_append_new(fn, json_integer(c->fn));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "frame", f, "t", t, "tp",
                     tp, "fp", fp, "fn", fn);
}

static json_t *manifest_json(json_t *src, int64_t run_id,
                             const eval_result_t *r, const eval_input_t *in)
{
    json_t *m = json_pack(
        "{s:O, s:O, s:f, s:f, s:o, s:f, s:s, s:s, s:I, s:O, s:O, s:O, s:O, "
        "s:O, s:I, s:I, s:I}",
        "model_sha256", json_object_get(src, "model_sha256"), "video_sha256",
        json_object_get(src, "video_sha256"), "score_threshold", r->score_thr,
        "iou_threshold", 0.5, "iou_thresholds", eval_json_reals(r->iou_thrs, EVAL_NUM_IOU),
        "confusion_iou", r->cm_iou, "avp_version", AVP_VERSION, "protocol",
        "COCO bbox, 101-point interpolation, maxDets 1/10/100 "
        "(docs/METRICS.md)", "run_id", (json_int_t)run_id, "model_id",
        json_object_get(src, "model_id"), "video_id",
        json_object_get(src, "video_id"), "run_conf",
        json_object_get(src, "conf"), "run_iou", json_object_get(src, "iou"),
        "every", json_object_get(src, "every"), "frames",
        (json_int_t)r->num_images, "gt_boxes", (json_int_t)in->num_gt,
        "detections", (json_int_t)in->num_det);
    /* Which pixels the detections came from (migrations/0017). */
    json_object_set(m, "preprocess", json_object_get(src, "preprocess"));
    /* What the class map left out, so that a number can be traced. */
    json_object_set_new(m, "class_map",
                        json_deep_copy(eval_class_map_json(in->map)));
    json_object_set_new(m, "unmapped_gt_boxes",
                        json_integer(in->unmapped_gt));
    json_object_set_new(m, "unmapped_detections",
                        json_integer(in->unmapped_det));
    json_object_set_new(m, "gt_frames", api__gt_frames_json(in->set));
    json_object_set_new(m, "detections_off_gt_frames",
                        json_integer(in->off_set_det));
    /* Boxes are in the displayed picture's coordinates when the video
     * records its turn (null: stored before AVP turned frames). */
    json_object_set(m, "video_rotation", json_object_get(src, "video_rotation"));
    json_object_set(m, "video_mirrored", json_object_get(src, "video_mirrored"));
    /* Frames a damaged video lost are frames the numbers never saw. */
    json_object_set(m, "video_damage", json_object_get(src, "video_damage"));
    return m;
}

/* What an evaluation produces, as JSON to store. */
typedef struct eval_output {
    json_t *results, *manifest, *frames, *failures;
} eval_output_t;

static void output_free(eval_output_t *o)
{
    json_decref(o->results);
    json_decref(o->manifest);
    json_decref(o->frames);
    json_decref(o->failures);
}

/* Evaluates run_id as src (store_eval_source) describes it, with the
 * class map, into *out; c is released before the numbers are computed. */
static int evaluate(store_conn_t *c, int64_t run_id, json_t *src,
                    const gt_t *set, const eval_class_map_t *map,
                    double score_thr,
                    const eval_rules_t *rules, eval_output_t *out,
                    avp_error_t *err)
{
    eval_rules_report_t rep;
    eval_input_t in;
    eval_result_t *res = NULL;
    eval_tide_result_t *tide = NULL;
    eval_options_t opt;
    eval_options_default(&opt);
    opt.score_thr = score_thr;
    input_init(&in, json_object_get(src, "class_names"), map,
               json_integer_value(json_object_get(src, "frames_done")),
               (int)json_integer_value(json_object_get(src, "every")));
    in.set = set;
    int rc = load_input(c, run_id, src, &in, err);
    store_pool_release(c);
    if (rc == AVP_OK && rules)
        eval_rules_apply(in.d, rules, &rep);
    if (rc == AVP_OK)
        rc = eval_run(in.d, &opt, &res, err);
    if (rc == AVP_OK)
        rc = eval_tide(in.d, &tide, err);
    if (rc == AVP_OK) {
        out->results = results_json(res);
        json_object_set_new(out->results, "tide", eval_tide_json(tide));
        out->manifest = manifest_json(src, run_id, res, &in);
        if (rules)
            json_object_set_new(out->manifest, "rules",
                                eval_rules_report_json(rules, &rep));
        out->frames = frames_json(res, &in);
        api_failure_frames_t fr = {in.t, in.every, in.nframes};
        out->failures = api__failures_json(tide, in.names, &fr);
    }
    eval_tide_result_destroy(tide);
    eval_result_destroy(res);
    input_free(&in);
    return rc;
}

/* The run's description, or NULL after replying (409 unless it is done). */
static json_t *source_or_reply(http_req_t *req, store_conn_t *c,
                               int64_t run_id)
{
    char *text;
    avp_error_t err;
    if (store_eval_source(c, run_id, &text, &err) < 0) {
        http_reply_avp_error(req, &err);
        return NULL;
    }
    json_t *src = json_loads(text, 0, NULL);
    avp_free(text);
    const char *state = json_string_value(json_object_get(src, "state"));
    if (!state || strcmp(state, "done")) {
        http_reply_error(req, 409, "conflict", "run %" PRId64 " is %s; only a "
                         "finished run can be evaluated", run_id,
                         state ? state : "unreadable");
        json_decref(src);
        return NULL;
    }
    return src;
}

/* The project's class map, or NULL after replying. The map was checked
 * when it was stored; a map that no longer passes is reported, not
 * guessed at. */
static eval_class_map_t *class_map_or_reply(http_req_t *req,
                                            store_conn_t *c,
                                            int64_t project_id)
{
    char *text;
    avp_error_t err;
    eval_class_map_t *map = NULL;
    if (store_class_map_get(c, project_id, &text, &err) < 0) {
        http_reply_avp_error(req, &err);
        return NULL;
    }
    json_t *j = json_loads(text, 0, NULL);
    avp_free(text);
    if (eval_class_map_create(j, &map, &err) < 0)
        http_reply_error(req, 500, "internal",
                         "project %" PRId64 ": stored class "
                         "map: %s",
                         project_id, err.msg);
    json_decref(j);
    return map;
}

/* The video's ground-truth frame set into set (left without one when
 * none was stored); replies on failure. */
static int frame_set_or_reply(http_req_t *req, store_conn_t *c,
                              json_t *src, gt_t *set)
{
    store_gt_video_t v = {0};
    avp_error_t err;
    int64_t video = json_integer_value(json_object_get(src, "video_id"));
    int rc = store_video_geometry(c, video, &v, &err);
    if (rc == AVP_OK)
        rc = api__gt_frame_set(set, &v, &err);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    store_gt_video_fini(&v);
    return rc < 0 ? rc : AVP_OK;
}

/* 1 if a frame the run looked at (0, every, ... below frames) is a frame
 * of the ground truth's set. */
static int run_meets_set(const gt_t *set, int64_t frames, int every)
{
    for (int64_t f = gt_frame_after(set, -1); f >= 0 && f < frames;
         f = gt_frame_after(set, f))
        if (f % every == 0)
            return 1;
    return 0;
}

/* Where the ground truth on the run's frames came from, each source
 * marked when the run's own model made it (eval_gt_provenance_mark);
 * NULL after replying, 409 when the run's frames hold no ground truth: a
 * score against none is precision 0 that means nothing. With a stored
 * frame set that is when none of its frames is one the run looked at
 * (its frames without boxes are real negatives, which a run is scored
 * on: every detection there a false positive); without one, when no box
 * is on them. */
static json_t *provenance_or_reply(http_req_t *req, store_conn_t *c,
                                   int64_t run_id, json_t *src,
                                   const gt_t *set)
{
    char *text;
    avp_error_t err;
    int64_t frames = json_integer_value(json_object_get(src, "frames_done"));
    int every = (int)json_integer_value(json_object_get(src, "every"));
    int64_t video = json_integer_value(json_object_get(src, "video_id"));
    if (store_gt_provenance(c, video, frames, every, &text, &err) < 0) {
        http_reply_avp_error(req, &err);
        return NULL;
    }
    json_t *gt = json_loads(text, 0, NULL);
    avp_free(text);
    if (gt_has_frame_set(set) ? !run_meets_set(set, frames, every)
                              : json_integer_value(json_object_get(
                                    gt, "boxes")) == 0) {
        http_reply_error(req, 409, "no_ground_truth", "video %" PRId64
                         " has no ground truth on the frames run %" PRId64
                         " looked at, so there is nothing to score it "
                         "against: draw boxes, import a ground-truth file or "
                         "make auto ground truth from another model, then "
                         "evaluate again", video, run_id);
        json_decref(gt);
        return NULL;
    }
    if (eval_gt_provenance_mark(gt, json_integer_value(json_object_get(
            src, "model_id")), json_string_value(json_object_get(
            src, "model_sha256")), &err) < 0) {
        http_reply_avp_error(req, &err);
        json_decref(gt);
        return NULL;
    }
    return gt;
}

/* The request's rules, else the video's, else its project's (*source
 * says which: "request", "video", "project"; NULL with no rules); -1
 * after replying. */
static int rules_or_reply(http_req_t *req, store_conn_t *c, json_t *src,
                          eval_rules_t **rules, const char **source)
{
    const json_t *given = json_object_get(http_req_body(req), "rules");
    avp_error_t err;
    int rc;
    if (given) {
        *source = "request";
        rc = eval_rules_parse(given, rules, &err);
        if (rc < 0)
            avp_error_prefix(&err, "rules");
    } else
        rc = api__eval_rules_stored(c, json_integer_value(json_object_get(
                                        src, "video_id")), rules, source, &err);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    return rc;
}

static void store_reply(api_t *r, http_req_t *req, int64_t run_id,
                        const eval_output_t *o)
{
    char *m = json_dumps(o->manifest, JSON_COMPACT);
    char *res = json_dumps(o->results, JSON_COMPACT);
    char *frames = json_dumps(o->frames, JSON_COMPACT), *json;
    char *failures = json_dumps(o->failures, JSON_COMPACT);
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (c) {
        if (store_eval_insert(c, run_id, http_req_user(req)->id, m, res,
                              frames, failures, &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 201, json);
        store_pool_release(c);
    }
    free(m);
    free(res);
    free(frames);
    free(failures);
}

void api__eval_post(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), project_id;
    json_t *thr = json_object_get(http_req_body(req), "score_threshold");
    json_t *src = NULL, *gt = NULL, *tracking = NULL;
    int with_tracks = json_is_true(json_object_get(http_req_body(req),
                                                   "tracking"));
    gt_t *set = gt_create();
    api_track_input_t *track = NULL;
    eval_class_map_t *map = NULL;
    eval_output_t out = {0};
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_RUN, id,
                             STORE_ROLE_EDITOR, &project_id) < 0 ||
        !(src = source_or_reply(req, c, id)) ||
        frame_set_or_reply(req, c, src, set) < 0 ||
        !(gt = provenance_or_reply(req, c, id, src, set)) ||
        !(map = class_map_or_reply(req, c, project_id)) ||
        (with_tracks &&
         !(track = api__eval_track_load_or_reply(req, c, id, src, set)))) {
        store_pool_release(c);
        json_decref(src);
        json_decref(gt);
        eval_class_map_destroy(map);
        gt_destroy(set);
        return;
    }
    double score_thr = thr ? json_number_value(thr) : EVAL_DEFAULT_SCORE_THR;
    const char *source = NULL;
    eval_rules_t *rules = NULL;
    if (rules_or_reply(req, c, src, &rules, &source) < 0) {
        store_pool_release(c);
    } else if (evaluate(c, id, src, set, map, score_thr, rules, &out,
                        &err) < 0) {
        http_reply_avp_error(req, &err);
    } else if (!track || (tracking = api__eval_track_run_or_reply(req,
                                                                  track))) {
        json_object_set(out.manifest, "ground_truth", gt);
        if (tracking)
            json_object_set_new(out.results, "tracking", tracking);
        if (source)
            json_object_set_new(json_object_get(out.manifest, "rules"),
                                "source", json_string(source));
        store_reply(r, req, id, &out);
    }
    api__eval_track_free(track);
    eval_rules_destroy(rules);
    gt_destroy(set);
    json_decref(src);
    json_decref(gt);
    eval_class_map_destroy(map);
    output_free(&out);
}

void api__eval_get(http_req_t *req, void *ctx)
{
    api__get_one(ctx, req, STORE_OBJ_RUN, store_eval_latest);
}
