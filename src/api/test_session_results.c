/* test_session_results.c - the results of a test session: the video's
 * ground-truth tracks become targets (their onsets), the session's events
 * are scored against them by device_score (docs/METRICS.md, "Device
 * sessions") with the project's class map, the session's tolerance and
 * criteria, and the numbers are shaped as the UI's SessionResults
 * (web/src/features/sessions/api/types.ts), undefined ones as null.
 *
 * Targets: a box with a track_id belongs to that track. Boxes in no track
 * (human ground truth drawn frame by frame, imports) are linked into
 * tracks by the IoU tracker of gt.h with tracks of any length, so per-frame
 * ground truth still has onsets. `difficult` boxes are left out. */
#include "api/internal.h"

#include "eval/eval.h"
#include "gt/gt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct score_input {
    gt_t *tracked, *loose;  /* boxes with and without a track */
    int64_t max_track;
    device_event_t *ev;
    size_t nev, cap;
    int rc;
    avp_error_t err;
} score_input_t;

/* A box of zero width or height (the database allows them) still says
 * the object is there: it is kept with a tiny extent. */
static void add_gt_box(void *arg, const store_track_box_t *sb)
{
    score_input_t *in = arg;
    gt_t *g = sb->track_id >= 0 ? in->tracked : in->loose;
    gt_box_t b = {.frame = sb->frame, .t = sb->t, .label = gt_label(g, sb->cls),
                  .x = sb->box[0], .y = sb->box[1],
                  .w = fmax(sb->box[2] - sb->box[0], 1e-3),
                  .h = fmax(sb->box[3] - sb->box[1], 1e-3), .score = 1,
                  .source = GT_SOURCE_HUMAN, .track_id = sb->track_id};
    if (sb->track_id > in->max_track)
        in->max_track = sb->track_id;
    if (in->rc == AVP_OK)
        in->rc = gt_add_box(g, &b, &in->err);
}

static void add_event(void *arg, const char *cls, double confidence, double t)
{
    score_input_t *in = arg;
    if (in->nev == in->cap) {
        in->cap = in->cap ? 2 * in->cap : 256;
        in->ev = avp_realloc(in->ev, in->cap * sizeof(*in->ev));
    }
    in->ev[in->nev++] = (device_event_t){avp_strdup(cls), confidence, 0, {0},
                                         t, DEVICE_CLOCK_VIDEO};
}

static void input_free(score_input_t *in)
{
    for (size_t i = 0; i < in->nev; i++)
        avp_free((char *)in->ev[i].label);
    avp_free(in->ev);
    gt_destroy(in->tracked);
    gt_destroy(in->loose);
}

/* Links the loose boxes into tracks numbered after the stored ones. */
static int link_loose(score_input_t *in)
{
    if (!gt_num_boxes(in->loose))
        return AVP_OK;
    gt_track_options_t o;
    gt_track_options_default(&o);
    o.min_length = 1;
    gt_t *linked;
    int rc = gt_autotrack(in->loose, &o, &linked, &in->err);
    const gt_box_t *b = rc == AVP_OK ? gt_boxes(linked) : NULL;
    for (size_t i = 0; rc == AVP_OK && i < gt_num_boxes(linked); i++) {
        gt_box_t nb = b[i];
        nb.label = gt_label(in->tracked, gt_label_name(linked, b[i].label));
        nb.track_id = in->max_track + b[i].track_id;
        rc = gt_add_box(in->tracked, &nb, &in->err);
    }
    gt_destroy(linked);
    return rc;
}

/* Reads the ground truth and events of the session described by src. */
static int load(store_conn_t *c, json_t *src, int64_t session_id,
                score_input_t *in)
{
    json_t *s = json_object_get(src, "session");
    memset(in, 0, sizeof *in);
    in->tracked = gt_create();
    in->loose = gt_create();
    in->max_track = 0;
    gt_set_video(in->tracked,
                 (int)json_integer_value(json_object_get(src, "width")),
                 (int)json_integer_value(json_object_get(src, "height")),
                 json_number_value(json_object_get(src, "fps")),
                 json_integer_value(json_object_get(src, "frame_count")));
    int rc = store_test_session_gt_each(
        c, json_integer_value(json_object_get(s, "video_id")), add_gt_box, in,
        &in->err);
    if (rc == AVP_OK)
        rc = in->rc;
    if (rc == AVP_OK)
        rc = store_test_session_events_each(c, session_id, add_event, in,
                                            &in->err);
    if (rc == AVP_OK)
        rc = link_loose(in);
    return rc;
}

/* A criterion of the session, or -1 ("not set") when absent. */
static double criterion(json_t *criteria, const char *name, double scale)
{
    json_t *v = json_object_get(criteria, name);
    return json_is_number(v) ? json_number_value(v) * scale : -1;
}

static json_t *latency_json(const device_stats_t *st, double tol)
{
    json_t *edges = json_array(), *counts = json_array();
    for (int i = 0; i <= DEVICE_HIST_BINS; i++)
        json_array_append_new(edges, json_real(1e3 * (-tol + 2 * tol * i /
                                                      DEVICE_HIST_BINS)));
    for (int i = 0; i < DEVICE_HIST_BINS; i++)
        json_array_append_new(counts, json_integer(st->latency_hist[i]));
    int any = st->tp > 0;
    return json_pack("{s:o, s:o, s:o, s:{s:o, s:o}}", "median",
                     api__number_or_null(1e3 * st->latency_median, any),
                     "p90", api__number_or_null(1e3 * st->latency_p90, any),
                     "p99", api__number_or_null(1e3 * st->latency_p99, any),
                     "histogram", "edges", edges, "counts", counts);
}

static json_t *ci_json(const double ci[2])
{
    return json_pack("[o, o]", api__number_or_null(ci[0], ci[0] >= 0),
                     api__number_or_null(ci[1], ci[1] >= 0));
}

/* Counts, ratios and latencies of one row into o. */
static void stats_into(json_t *o, const device_stats_t *st, double tol)
{
    json_object_set_new(o, "targets", json_integer(st->targets));
    json_object_set_new(o, "events", json_integer(st->events));
    json_object_set_new(o, "tp", json_integer(st->tp));
    json_object_set_new(o, "fp", json_integer(st->fp));
    json_object_set_new(o, "fn", json_integer(st->fn));
    json_object_set_new(o, "precision", api__number_or_null(
                            st->precision, st->events > 0));
    json_object_set_new(o, "recall", api__number_or_null(
                            st->recall, st->recall >= 0));
    json_object_set_new(o, "f1", api__number_or_null(
                            st->f1, st->f1 >= 0 && st->events > 0));
    json_object_set_new(o, "precision_ci", ci_json(st->precision_ci));
    json_object_set_new(o, "recall_ci", ci_json(st->recall_ci));
    json_object_set_new(o, "latency_ms", latency_json(st, tol));
}

static json_t *results_json(int64_t session_id, const device_result_t *res,
                            const device_options_t *o, json_t *criteria)
{
    json_t *out = json_pack("{s:I}", "session_id", (json_int_t)session_id);
    stats_into(out, &res->overall, o->tolerance);
    json_t *classes = json_array();
    for (int i = 0; i < res->num_classes; i++) {
        json_t *row = json_pack("{s:s}", "class", res->classes[i].label);
        stats_into(row, &res->classes[i], o->tolerance);
        json_array_append_new(classes, row);
    }
    json_object_set_new(out, "classes", classes);
    int judged = o->min_precision >= 0 || o->min_recall >= 0 ||
                 o->max_median_latency >= 0;
    json_object_set(out, "criteria", criteria);
    json_object_set_new(out, "pass",
                        judged ? json_boolean(res->pass) : json_null());
    json_object_set_new(out, "fail_reason",
                        judged && !res->pass ? json_string(res->fail_reason)
                                             : json_null());
    return out;
}

static json_t *manifest_json(json_t *src, json_t *map, size_t nev)
{
    json_t *s = json_object_get(src, "session");
    return json_pack("{s:O, s:O, s:O, s:O, s:I, s:s}", "video_sha256",
                     json_object_get(src, "video_sha256"), "tolerance_ms",
                     json_object_get(s, "tolerance_ms"), "criteria",
                     json_object_get(s, "criteria"), "class_map", map,
                     "events_count", (json_int_t)nev, "avp_version",
                     AVP_VERSION);
}

/* Scores the loaded input with the session's settings. */
static int score(score_input_t *in, json_t *src, json_t *map,
                 int64_t session_id, json_t **results, avp_error_t *err)
{
    json_t *s = json_object_get(src, "session");
    json_t *criteria = json_object_get(s, "criteria");
    device_options_t o;
    device_options_default(&o);
    o.tolerance = json_integer_value(json_object_get(s, "tolerance_ms")) / 1e3;
    o.min_precision = criterion(criteria, "min_precision", 1);
    o.min_recall = criterion(criteria, "min_recall", 1);
    o.max_median_latency = criterion(criteria, "max_median_latency_ms", 1e-3);
    eval_class_map_t *m;
    int rc = eval_class_map_create(map, &m, err);
    if (rc < 0)
        return rc;
    o.map = m;
    device_target_t *tg;
    size_t nt;
    device_targets_from_gt(in->tracked, &tg, &nt);
    device_result_t *res;
    rc = device_score(tg, nt, in->ev, in->nev, &o, &res, err);
    if (rc == AVP_OK)
        *results = results_json(session_id, res, &o, criteria);
    device_result_destroy(res);
    avp_free(tg);
    eval_class_map_destroy(m);
    return rc;
}

/* The session's description and its project's class map, parsed. */
static int source(store_conn_t *c, int64_t session_id, json_t **src,
                  json_t **map, avp_error_t *err)
{
    char *text = NULL, *map_text = NULL;
    int rc = store_test_session_source(c, session_id, &text, err);
    *src = rc == AVP_OK ? json_loads(text, 0, NULL) : NULL;
    json_t *pid = json_object_get(json_object_get(*src, "session"),
                                  "project_id");
    if (rc == AVP_OK)
        rc = store_class_map_get(c, json_integer_value(pid), &map_text, err);
    *map = rc == AVP_OK ? json_loads(map_text, 0, NULL) : NULL;
    avp_free(text);
    avp_free(map_text);
    if (rc == AVP_OK && (!*src || !*map))
        rc = avp_error_set(err, AVP_EINTERNAL, "unreadable session source");
    return rc;
}

/* What a computation over a session works on, loaded. */
typedef struct test_session_data {
    int64_t id;
    json_t *src, *map;
    score_input_t in;
} test_session_data_t;

static int data_load(store_conn_t *c, int64_t session_id,
                     test_session_data_t *d, avp_error_t *err)
{
    memset(d, 0, sizeof *d);
    d->id = session_id;
    int rc = source(c, session_id, &d->src, &d->map, err);
    if (rc == AVP_OK && (rc = load(c, d->src, session_id, &d->in)) < 0)
        *err = d->in.err;
    return rc;
}

static void data_free(test_session_data_t *d)
{
    input_free(&d->in);
    json_decref(d->src);
    json_decref(d->map);
}

static json_t *targets_json(const gt_t *g)
{
    device_target_t *tg;
    size_t nt;
    device_targets_from_gt(g, &tg, &nt);
    json_t *items = json_array();
    for (size_t i = 0; i < nt; i++)
        json_array_append_new(items, json_pack(
            "{s:I, s:s, s:f, s:f}", "track_id", (json_int_t)tg[i].track_id,
            "class", tg[i].label, "onset", tg[i].onset, "end", tg[i].end));
    avp_free(tg);
    return json_pack("{s:o}", "items", items);
}

int api__test_session_targets(store_conn_t *c, int64_t session_id,
                              json_t **out, avp_error_t *err)
{
    test_session_data_t d;
    int rc = data_load(c, session_id, &d, err);
    *out = rc == AVP_OK ? targets_json(d.in.tracked) : NULL;
    data_free(&d);
    return rc;
}

int api__test_session_results(store_conn_t *c, int64_t session_id,
                              json_t **results, json_t **manifest,
                              avp_error_t *err)
{
    test_session_data_t d;
    *results = NULL;
    if (manifest)
        *manifest = NULL;
    int rc = data_load(c, session_id, &d, err);
    if (rc == AVP_OK)
        rc = score(&d.in, d.src, d.map, session_id, results, err);
    if (rc == AVP_OK && manifest)
        *manifest = manifest_json(d.src, d.map, d.in.nev);
    data_free(&d);
    return rc;
}
