/* rules.c - a project's evaluation rules, applied to the boxes before they
 * are scored (docs/METRICS.md, "Evaluation rules"):
 *   ignore_regions  polygons in image coordinates (a camera's sky, a
 *                   road-side billboard): a box more than half of whose
 *                   area lies inside one is out of the evaluation: a
 *                   detection is dropped, a ground-truth box becomes
 *                   ignore (neither to be found nor missed);
 *   min_box_size    a box narrower or lower than this many pixels is out
 *                   the same way;
 *   max_detections  per frame, only the best-scored detections count.
 * The area share is used rather than the box's centre: a centre test flips
 * on a pixel of jitter at a region's edge and drops a large box whose
 * centre only grazes the region, while the share says how much of the
 * object is in the ignored zone (as COCO's and TIDE's crowd regions). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGIONS 64
#define MAX_POINTS 256 /* per polygon */
/* Clipping by one half-plane emits at most 2 points per edge, so four
 * clips of a polygon of MAX_POINTS stay under 16 x MAX_POINTS. */
#define SCRATCH (16 * MAX_POINTS + 16)

struct eval_rules {
    size_t nreg;
    size_t first[MAX_REGIONS + 1]; /* polygon k: points [first[k], [k+1]) */
    double (*pt)[2];
    double min_size;
    int64_t max_dets; /* 0: no limit */
    json_t *json;     /* the rules as given, for the manifest */
};

static int parse_polygon(const json_t *poly, eval_rules_t *r, size_t k,
                         avp_error_t *err)
{
    size_t n = json_array_size(poly), i;
    const json_t *p;
    if (!json_is_array(poly) || n < 3 || n > MAX_POINTS)
        return avp_error_set(err, AVP_EFORMAT, "ignore_regions[%zu]: expected "
                             "3 to %d [x, y] points", k, MAX_POINTS);
    r->first[k + 1] = r->first[k] + n;
    json_array_foreach(poly, i, p) {
        double *xy = r->pt[r->first[k] + i];
        if (json_array_size(p) != 2 ||
            !json_is_number(json_array_get(p, 0)) ||
            !json_is_number(json_array_get(p, 1)))
            return avp_error_set(err, AVP_EFORMAT, "ignore_regions[%zu][%zu]: "
                                 "expected [x, y]", k, i);
        xy[0] = json_number_value(json_array_get(p, 0));
        xy[1] = json_number_value(json_array_get(p, 1));
        if (!isfinite(xy[0]) || !isfinite(xy[1]))
            return avp_error_set(err, AVP_EFORMAT, "ignore_regions[%zu][%zu]: "
                                 "not finite", k, i);
    }
    return AVP_OK;
}

static int parse_fields(const json_t *j, eval_rules_t *r, avp_error_t *err)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        if (!strcmp(key, "min_box_size")) {
            r->min_size = json_number_value(v);
            if (!json_is_number(v) || !(r->min_size >= 0 && r->min_size < 1e6))
                return avp_error_set(err, AVP_EFORMAT, "min_box_size: expected "
                                     "a number of pixels in [0, 1e6)");
        } else if (!strcmp(key, "max_detections")) {
            r->max_dets = json_integer_value(v);
            if (!json_is_integer(v) || r->max_dets < 1 || r->max_dets > 100000)
                return avp_error_set(err, AVP_EFORMAT, "max_detections: "
                                     "expected an integer in [1, 100000]");
        } else if (strcmp(key, "ignore_regions")) {
            return avp_error_set(err, AVP_EFORMAT, "unknown rule '%s' (known: "
                                 "ignore_regions, min_box_size, "
                                 "max_detections)", key);
        }
    }
    return AVP_OK;
}

int eval_rules_parse(const json_t *j, eval_rules_t **out, avp_error_t *err)
{
    *out = NULL;
    if (!json_is_object(j))
        return avp_error_set(err, AVP_EFORMAT, "rules: expected an object");
    const json_t *regs = json_object_get(j, "ignore_regions");
    if (regs && (!json_is_array(regs) || json_array_size(regs) > MAX_REGIONS))
        return avp_error_set(err, AVP_EFORMAT, "ignore_regions: expected a "
                             "list of at most %d polygons", MAX_REGIONS);
    eval_rules_t *r = avp_calloc(1, sizeof(*r));
    r->nreg = json_array_size(regs);
    r->pt = avp_malloc((r->nreg * MAX_POINTS + 1) * sizeof(*r->pt));
    int rc = parse_fields(j, r, err);
    for (size_t k = 0; rc == AVP_OK && k < r->nreg; k++)
        rc = parse_polygon(json_array_get(regs, k), r, k, err);
    if (rc < 0) {
        eval_rules_destroy(r);
        return rc;
    }
    r->json = json_deep_copy(j);
    *out = r;
    return AVP_OK;
}

void eval_rules_destroy(eval_rules_t *r)
{
    if (!r)
        return;
    avp_free(r->pt);
    json_decref(r->json);
    avp_free(r);
}

const json_t *eval_rules_json(const eval_rules_t *r)
{
    return r->json;
}

/* Area of polygon k inside box b: the polygon clipped by each of the
 * box's four half-planes in turn (Sutherland-Hodgman; the clip window is
 * convex, so a concave region still gives the right area), then the
 * shoelace formula. a and t are scratch of SCRATCH points. */
static double inside_area(const eval_rules_t *r, size_t k, const eval_box_t *b,
                          double (*a)[2], double (*t)[2])
{
    size_t n = r->first[k + 1] - r->first[k];
    memcpy(a, r->pt[r->first[k]], n * sizeof(*a));
    const double lim[4] = {b->x, b->x + b->w, b->y, b->y + b->h};
    for (int e = 0; e < 4 && n; e++) {
        int axis = e / 2, upper = e % 2;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const double *p = a[i], *q = a[(i + 1) % n];
            double dp = upper ? lim[e] - p[axis] : p[axis] - lim[e];
            double dq = upper ? lim[e] - q[axis] : q[axis] - lim[e];
            if (dp >= 0)
                memcpy(t[m++], p, sizeof(*t));
            if ((dp >= 0) != (dq >= 0)) {
                double s = dp / (dp - dq);
                t[m][0] = p[0] + s * (q[0] - p[0]);
                t[m][1] = p[1] + s * (q[1] - p[1]);
                m++;
            }
        }
        memcpy(a, t, m * sizeof(*a));
        n = m;
    }
    double twice = 0;
    for (size_t i = 0; i < n; i++)
        twice += a[i][0] * a[(i + 1) % n][1] - a[(i + 1) % n][0] * a[i][1];
    return fabs(twice) / 2;
}

/* 1 when the rules take box b out of the evaluation, counted in *small
 * or *region. */
static int out_of_scope(const eval_rules_t *r, const eval_box_t *b,
                        double (*a)[2], double (*t)[2], int64_t *small,
                        int64_t *region)
{
    if (b->w < r->min_size || b->h < r->min_size)
        return ++*small, 1;
    for (size_t k = 0; k < r->nreg; k++)
        if (inside_area(r, k, b, a, t) > 0.5 * b->w * b->h)
            return ++*region, 1;
    return 0;
}

typedef struct ranked {
    int64_t image;
    double score;
    size_t i;
} ranked_t;

static int ranked_cmp(const void *x, const void *y)
{
    const ranked_t *a = x, *b = y;
    if (a->image != b->image)
        return a->image < b->image ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* max_detections: keeps each image's best-scored ones (ties: input
 * order), in input order. Returns how many were dropped. */
static int64_t cap_per_image(eval__boxes_t *det, int64_t cap)
{
    ranked_t *v = avp_malloc((det->n + 1) * sizeof(*v));
    uint8_t *keep = avp_calloc(det->n + 1, 1);
    for (size_t i = 0; i < det->n; i++)
        v[i] = (ranked_t){det->v[i].image_id, det->v[i].score, i};
    qsort(v, det->n, sizeof(*v), ranked_cmp);
    for (size_t i = 0, rank = 0; i < det->n; i++) {
        rank = i && v[i].image == v[i - 1].image ? rank + 1 : 0;
        keep[v[i].i] = rank < (size_t)cap;
    }
    size_t n = 0;
    for (size_t i = 0; i < det->n; i++)
        if (keep[i])
            det->v[n++] = det->v[i];
    int64_t dropped = (int64_t)(det->n - n);
    det->n = n;
    avp_free(v);
    avp_free(keep);
    return dropped;
}

void eval_rules_apply(eval_data_t *d, const eval_rules_t *r,
                      eval_rules_report_t *rep)
{
    *rep = (eval_rules_report_t){0};
    double (*a)[2] = avp_malloc(SCRATCH * sizeof(*a));
    double (*t)[2] = avp_malloc(SCRATCH * sizeof(*t));
    for (size_t i = 0; i < d->gt.n; i++)
        if (!d->gt.v[i].ignore &&
            out_of_scope(r, &d->gt.v[i], a, t, &rep->gt_small, &rep->gt_region))
            d->gt.v[i].ignore = 1;
    size_t n = 0;
    for (size_t i = 0; i < d->det.n; i++)
        if (!out_of_scope(r, &d->det.v[i], a, t, &rep->det_small,
                          &rep->det_region))
            d->det.v[n++] = d->det.v[i];
    d->det.n = n;
    if (r->max_dets)
        rep->det_over_max = cap_per_image(&d->det, r->max_dets);
    avp_free(a);
    avp_free(t);
}

json_t *eval_rules_report_json(const eval_rules_t *r,
                               const eval_rules_report_t *rep)
{
    return json_pack("{s:O, s:{s:I, s:I}, s:{s:I, s:I, s:I}}", "rules",
                     r->json, "gt_ignored", "too_small",
                     (json_int_t)rep->gt_small, "in_region",
                     (json_int_t)rep->gt_region, "detections_dropped",
                     "too_small", (json_int_t)rep->det_small, "in_region",
                     (json_int_t)rep->det_region, "over_max",
                     (json_int_t)rep->det_over_max);
}
