/* compare.c - what a stored run evaluation says frame by frame, and
 * two runs of one video side by side: the per-frame TP/FP/FN that
 * eval.c stored with the evaluation (migrations/0007) and the
 * differences of two runs' latest evaluations - metric deltas (b - a)
 * overall and per class, and the frames where one run has a false
 * positive or a miss that the other has not. Both read stored results
 * only: nothing is recomputed, so a comparison shows exactly the numbers
 * each run's evaluation page shows. */
#include "api/internal.h"

#include <inttypes.h>
#include <string.h>

/* At most this many differing frames in a comparison. */
#define COMPARE_FRAMES_MAX 10000

/* A stored evaluation and its frames, read for one run. */
typedef struct stored_eval {
    int64_t run_id;
    json_t *eval;   /* {id, run_id, manifest, results, ...} */
    json_t *frames; /* {id, video_id, frames: {frame, t, tp, fp, fn}} */
} stored_eval_t;

static void stored_free(stored_eval_t *s)
{
    json_decref(s->eval);
    json_decref(s->frames);
}

static json_t *load_json(char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    avp_free(text);
    return j;
}

static void not_evaluated(http_req_t *req, int status, int64_t run_id,
                          const char *why)
{
    http_reply_error(req, status, "not_evaluated",
                     "run %" PRId64 " %s; POST "
                     "/api/runs/%" PRId64 "/evaluate first",
                     run_id, why, run_id);
}

/* Reads the run's latest evaluation (with_results: its results too), or
 * replies (`status` with code not_evaluated when it has none) and returns
 * an error. The caller has checked access. */
static int stored_or_reply(http_req_t *req, store_conn_t *c, int64_t run_id,
                           int with_results, int status, stored_eval_t *s)
{
    char *text;
    avp_error_t err;
    memset(s, 0, sizeof *s);
    s->run_id = run_id;
    int rc = store_eval_frames(c, run_id, &text, &err);
    if (rc == AVP_OK) {
        s->frames = load_json(text);
        if (with_results && (rc = store_eval_latest(c, run_id, &text,
                                                    &err)) == AVP_OK)
            s->eval = load_json(text);
    }
    if (rc == AVP_ENOTFOUND)
        not_evaluated(req, status, run_id, "has no evaluation");
    else if (rc < 0)
        http_reply_avp_error(req, &err);
    else if (!json_is_object(json_object_get(s->frames, "frames")))
        not_evaluated(req, status, run_id, "was evaluated before per-frame "
                      "outcomes were stored");
    else
        return AVP_OK;
    stored_free(s);
    return rc < 0 ? rc : AVP_ENOTFOUND;
}

/* Column `key` of the stored parallel arrays. */
static json_t *column(const stored_eval_t *s, const char *key)
{
    return json_object_get(json_object_get(s->frames, "frames"), key);
}

static json_t *counts_at(const stored_eval_t *s, size_t i)
{
    return json_pack("{s:O, s:O, s:O}", "tp",
                     json_array_get(column(s, "tp"), i), "fp",
                     json_array_get(column(s, "fp"), i), "fn",
                     json_array_get(column(s, "fn"), i));
}

void api__eval_frames_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    stored_eval_t s;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = api__access_or_reply(r, req, c, STORE_OBJ_RUN, id,
                                  STORE_ROLE_VIEWER, NULL);
    if (rc == AVP_OK)
        rc = stored_or_reply(req, c, id, 0, 404, &s);
    store_pool_release(c);
    if (rc < 0)
        return;
    json_t *items = json_array();
    for (size_t i = 0; i < json_array_size(column(&s, "frame")); i++) {
        json_t *o = counts_at(&s, i);
        json_object_set(o, "frame", json_array_get(column(&s, "frame"), i));
        json_object_set(o, "t", json_array_get(column(&s, "t"), i));
        json_array_append_new(items, o);
    }
    /* One page: the list is as long as the video, in one compact reply. */
    json_t *out = json_pack("{s:o, s:n, s:O}", "items", items, "next_cursor",
                            "evaluation_id", json_object_get(s.frames, "id"));
    api__reply_text(req, 200, json_dumps(out, JSON_COMPACT));
    json_decref(out);
    stored_free(&s);
}

/* ---- comparison ---------------------------------------------------------- */

static const char *const delta_keys[] = {"precision", "recall", "f1",
                                         "ap50", "ap75", "map"};

/* b - a of each metric; null where either side is undefined (stored as
 * -1, or absent: a class only one run has). */
static json_t *deltas(const json_t *a, const json_t *b)
{
    json_t *d = json_object();
    for (size_t i = 0; i < AVP_ARRAY_LEN(delta_keys); i++) {
        json_t *x = json_object_get(a, delta_keys[i]);
        json_t *y = json_object_get(b, delta_keys[i]);
        int ok = json_is_number(x) && json_is_number(y) &&
                 json_number_value(x) >= 0 && json_number_value(y) >= 0;
        json_object_set_new(d, delta_keys[i], ok ? json_real(
            json_number_value(y) - json_number_value(x)) : json_null());
    }
    return d;
}

static json_t *find_class(const json_t *classes, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(classes, i, c)
        if (!strcmp(json_string_value(json_object_get(c, "class")), name))
            return c;
    return NULL;
}

/* Per class, a's classes in order then those only b has. */
static json_t *class_deltas(const json_t *ra, const json_t *rb)
{
    json_t *ca = json_object_get(ra, "classes");
    json_t *cb = json_object_get(rb, "classes");
    json_t *out = json_array(), *c;
    size_t i;
    json_array_foreach(ca, i, c) {
        const char *name = json_string_value(json_object_get(c, "class"));
        json_t *d = deltas(c, find_class(cb, name));
        json_object_set_new(d, "class", json_string(name));
        json_array_append_new(out, d);
    }
    json_array_foreach(cb, i, c) {
        const char *name = json_string_value(json_object_get(c, "class"));
        if (find_class(ca, name))
            continue;
        json_t *d = deltas(NULL, c);
        json_object_set_new(d, "class", json_string(name));
        json_array_append_new(out, d);
    }
    return out;
}

/* Walks both runs' frames in frame order. */
typedef struct frame_walk {
    const stored_eval_t *s;
    size_t i, n;
} frame_walk_t;

static int64_t walk_frame(const frame_walk_t *w)
{
    return w->i < w->n ? json_integer_value(json_array_get(
                             column(w->s, "frame"), w->i))
                       : INT64_MAX;
}

/* The counts of w at frame f (zeros when w has nothing there). */
static json_t *walk_counts(frame_walk_t *w, int64_t f, json_t **t)
{
    if (walk_frame(w) != f)
        return json_pack("{s:i, s:i, s:i}", "tp", 0, "fp", 0, "fn", 0);
    if (json_is_null(*t))
        *t = json_array_get(column(w->s, "t"), w->i);
    return counts_at(w->s, w->i++);
}

static int differs(const json_t *a, const json_t *b)
{
    return !json_equal(json_object_get(a, "fp"), json_object_get(b, "fp")) ||
           !json_equal(json_object_get(a, "fn"), json_object_get(b, "fn"));
}

/* Frames where one run has an FP or FN count the other has not; sets
 * *truncated past COMPARE_FRAMES_MAX. */
static json_t *frame_diff(const stored_eval_t *a, const stored_eval_t *b,
                          int *truncated)
{
    frame_walk_t wa = {a, 0, json_array_size(column(a, "frame"))};
    frame_walk_t wb = {b, 0, json_array_size(column(b, "frame"))};
    json_t *out = json_array();
    *truncated = 0;
    for (;;) {
        int64_t fa = walk_frame(&wa), fb = walk_frame(&wb);
        int64_t f = fa < fb ? fa : fb;
        if (f == INT64_MAX)
            break;
        json_t *t = json_null();
        json_t *ca = walk_counts(&wa, f, &t), *cb = walk_counts(&wb, f, &t);
        if (!differs(ca, cb)) {
            json_decref(ca);
            json_decref(cb);
            continue;
        }
        if (json_array_size(out) == COMPARE_FRAMES_MAX) {
            *truncated = 1;
            json_decref(ca);
            json_decref(cb);
            break;
        }
        json_array_append_new(out, json_pack("{s:I, s:O, s:o, s:o}", "frame",
                                             (json_int_t)f, "t", t, "a", ca,
                                             "b", cb));
    }
    return out;
}

/* A side's numbers with its self_scored flag (store_eval_latest): a run
 * scored against its own model's boxes is flagged wherever it is shown. */
static json_t *side(const stored_eval_t *s)
{
    return json_pack("{s:I, s:O, s:O, s:b}", "run_id", (json_int_t)s->run_id,
                     "evaluation_id", json_object_get(s->eval, "id"),
                     "overall", json_object_get(json_object_get(
                         s->eval, "results"), "overall"), "self_scored",
                     json_is_true(json_object_get(s->eval, "self_scored")));
}

static char *comparison_json(const stored_eval_t *a, const stored_eval_t *b)
{
    json_t *ra = json_object_get(a->eval, "results");
    json_t *rb = json_object_get(b->eval, "results");
    int truncated;
    json_t *frames = frame_diff(a, b, &truncated);
    json_t *o = json_pack(
        "{s:o, s:o, s:{s:o, s:o}, s:o, s:b}", "a", side(a), "b", side(b),
        "delta", "overall", deltas(json_object_get(ra, "overall"),
                                   json_object_get(rb, "overall")),
        "classes", class_deltas(ra, rb), "frames", frames,
        "frames_truncated", truncated);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* Both runs readable by the caller and evaluated, on one video; replies
 * otherwise. */
static int pair_or_reply(api_t *r, http_req_t *req, store_conn_t *c,
                         stored_eval_t *a, stored_eval_t *b)
{
    int64_t ida = http_req_param(req, "id");
    int64_t idb = http_req_param(req, "other_id");
    if (api__access_or_reply(r, req, c, STORE_OBJ_RUN, ida,
                             STORE_ROLE_VIEWER, NULL) < 0 ||
        api__access_or_reply(r, req, c, STORE_OBJ_RUN, idb,
                             STORE_ROLE_VIEWER, NULL) < 0 ||
        stored_or_reply(req, c, ida, 1, 409, a) < 0)
        return AVP_ENOTFOUND;
    if (stored_or_reply(req, c, idb, 1, 409, b) < 0) {
        stored_free(a);
        return AVP_ENOTFOUND;
    }
    json_t *va = json_object_get(a->frames, "video_id");
    json_t *vb = json_object_get(b->frames, "video_id");
    if (json_equal(va, vb))
        return AVP_OK;
    http_reply_error(req, 409, "conflict", "run %" PRId64 " is on video %"
                     JSON_INTEGER_FORMAT " and run %" PRId64 " on video %"
                     JSON_INTEGER_FORMAT "; only runs of one video compare",
                     ida, json_integer_value(va), idb, json_integer_value(vb));
    stored_free(a);
    stored_free(b);
    return AVP_EINVAL;
}

void api__run_compare_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    stored_eval_t a, b;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = pair_or_reply(r, req, c, &a, &b);
    store_pool_release(c);
    if (rc < 0)
        return;
    api__reply_text(req, 200, comparison_json(&a, &b));
    stored_free(&a);
    stored_free(&b);
}
