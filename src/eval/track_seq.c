/* track_seq.c - a ground truth and a tracker's output turned into the
 * sequence TrackEval's metrics read: for each frame, each side's boxes in
 * input order with their track ids renumbered 0.. (TrackEval relabels the
 * ids it finds the same way), plus the frame's IoU matrix on demand.
 * Frames where neither side has a box are not kept: no metric reads them
 * (TrackEval skips them in every loop). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pick {
    int64_t frame;
    size_t i; /* index in the gt's boxes: input order within a frame */
} pick_t;

static int pick_cmp(const void *a, const void *b)
{
    const pick_t *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The boxes of one side that are evaluated, in (frame, input) order:
 * label filter (-2: none of that name, so none kept), ground-truth
 * difficult boxes left out and counted in *difficult, tracker boxes off
 * the annotated frames left out and counted in *off. */
static pick_t *pick(const gt_t *g, int label, const gt_t *frames,
                    int64_t *difficult, int64_t *off, size_t *n)
{
    const gt_box_t *b = gt_boxes(g);
    pick_t *p = avp_malloc((gt_num_boxes(g) + 1) * sizeof(*p));
    *n = 0;
    for (size_t i = 0; i < gt_num_boxes(g); i++) {
        if (label != -1 && b[i].label != label)
            continue;
        if (difficult && (b[i].flags & GT_DIFFICULT))
            ++*difficult;
        else if (off && !gt_is_annotated_frame(frames, b[i].frame))
            ++*off;
        else
            p[(*n)++] = (pick_t){b[i].frame, i};
    }
    qsort(p, *n, sizeof(*p), pick_cmp);
    return p;
}

/* Boxes whose far corner or area overflows a double would give NaN IoUs:
 * refused by name rather than failing in the assignment. */
static int check_extent(const gt_t *g, const pick_t *p, size_t n,
                        const char *side, avp_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const gt_box_t *b = &gt_boxes(g)[p[i].i];
        if (!isfinite(b->x + b->w) || !isfinite(b->y + b->h) ||
            !isfinite(b->w * b->h))
            return avp_error_set(err, AVP_EFORMAT, "%s: a box on frame %lld "
                                 "is too large to compare", side,
                                 (long long)b->frame);
    }
    return AVP_OK;
}

/* Renumbers the picked boxes' track ids into ids[] (0.., ascending
 * original id); returns how many distinct ids, or AVP_EFORMAT for a box
 * without a track or an id twice in one frame. */
static int renumber(const gt_t *g, const pick_t *p, size_t n, int *ids,
                    const char *side, avp_error_t *err)
{
    const gt_box_t *b = gt_boxes(g);
    int64_t *u = avp_malloc((n + 1) * sizeof(*u));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        u[i] = b[p[i].i].track_id;
    qsort(u, n, sizeof(*u), id_cmp);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || u[i] != u[k - 1])
            u[k++] = u[i];
    int64_t *last = avp_malloc((k + 1) * sizeof(*last));
    memset(last, 0xff, (k + 1) * sizeof(*last)); /* -1: no frame yet */
    int rc = k > (size_t)1 << 30 ? AVP_EUNSUPPORTED : (int)k;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        const gt_box_t *x = &b[p[i].i];
        const int64_t *at = bsearch(&x->track_id, u, k, sizeof(*u), id_cmp);
        ids[i] = (int)(at - u);
        if (x->track_id < 0)
            rc = avp_error_set(err, AVP_EFORMAT, "%s: a box on frame %lld "
                               "is in no track", side, (long long)x->frame);
        else if (last[ids[i]] == x->frame)
            rc = avp_error_set(err, AVP_EFORMAT, "%s: track %lld has two "
                               "boxes on frame %lld", side,
                               (long long)x->track_id, (long long)x->frame);
        last[ids[i]] = x->frame;
    }
    avp_free(last);
    avp_free(u);
    return rc;
}

static void put(double *dst, const gt_box_t *b)
{
    dst[0] = b->x, dst[1] = b->y, dst[2] = b->w, dst[3] = b->h;
}

/* Copies the boxes and, merging both sides' frames, the per frame
 * offsets. Returns the largest gt x tracker box count of a frame. */
static size_t layout(eval__track_seq_t *s, const gt_t *gt, const pick_t *pg,
                     const gt_t *res, const pick_t *pr)
{
    s->gt_first = avp_malloc((s->num_gt + s->num_tr + 1) * sizeof(size_t));
    s->tr_first = avp_malloc((s->num_gt + s->num_tr + 1) * sizeof(size_t));
    size_t a = 0, b = 0, f = 0, most = 0;
    while (a < s->num_gt || b < s->num_tr) {
        int64_t frame = b == s->num_tr || (a < s->num_gt &&
                                           pg[a].frame < pr[b].frame)
                            ? pg[a].frame : pr[b].frame;
        s->gt_first[f] = a, s->tr_first[f] = b;
        size_t a0 = a, b0 = b;
        for (; a < s->num_gt && pg[a].frame == frame; a++)
            put(s->gt_box + 4 * a, &gt_boxes(gt)[pg[a].i]);
        for (; b < s->num_tr && pr[b].frame == frame; b++)
            put(s->tr_box + 4 * b, &gt_boxes(res)[pr[b].i]);
        if ((a - a0) * (b - b0) > most)
            most = (a - a0) * (b - b0);
        f++;
    }
    s->gt_first[f] = a, s->tr_first[f] = b;
    s->num_frames = f;
    return most;
}

/* A label name on one side: its index, -1 for no filter, -2 when that
 * side has no such label (nothing is kept). */
static int label_of(const gt_t *g, const char *name)
{
    if (!name)
        return -1;
    int l = gt_find_label(g, name);
    return l < 0 ? -2 : l;
}

int eval__track_seq_build(const gt_t *gt, const gt_t *res,
                          const eval_track_options_t *o,
                          eval__track_seq_t *s, eval_track_result_t *r,
                          avp_error_t *err)
{
    *s = (eval__track_seq_t){0};
    pick_t *pg = pick(gt, label_of(gt, o ? o->gt_label : NULL), NULL,
                      &r->gt_difficult, NULL, &s->num_gt);
    pick_t *pr = pick(res, label_of(res, o ? o->res_label : NULL), gt, NULL,
                      &r->tr_off_frames, &s->num_tr);
    s->gt_id = avp_malloc((s->num_gt + 1) * sizeof(int));
    s->tr_id = avp_malloc((s->num_tr + 1) * sizeof(int));
    s->gt_box = avp_malloc((s->num_gt + 1) * 4 * sizeof(double));
    s->tr_box = avp_malloc((s->num_tr + 1) * 4 * sizeof(double));
    int rc = check_extent(gt, pg, s->num_gt, "ground truth", err);
    if (rc >= 0)
        rc = check_extent(res, pr, s->num_tr, "results", err);
    if (rc >= 0)
        rc = renumber(gt, pg, s->num_gt, s->gt_id, "ground truth", err);
    s->num_gt_ids = rc > 0 ? rc : 0;
    if (rc >= 0)
        rc = renumber(res, pr, s->num_tr, s->tr_id, "results", err);
    s->num_tr_ids = rc > 0 ? rc : 0;
    if (rc >= 0 && (int64_t)s->num_gt_ids * s->num_tr_ids >
                       EVAL_TRACK_MAX_PAIRS)
        rc = avp_error_set(err, AVP_EUNSUPPORTED, "%d ground-truth tracks x "
                           "%d result tracks exceed %lld pairs",
                           s->num_gt_ids, s->num_tr_ids,
                           (long long)EVAL_TRACK_MAX_PAIRS);
    if (rc >= 0)
        s->most = layout(s, gt, pg, res, pr);
    if (rc >= 0)
        s->sim = avp_malloc((s->most + 1) * sizeof(double));
    avp_free(pg);
    avp_free(pr);
    if (rc < 0)
        eval__track_seq_fini(s);
    return rc < 0 ? rc : AVP_OK;
}

void eval__track_seq_fini(eval__track_seq_t *s)
{
    avp_free(s->gt_first);
    avp_free(s->tr_first);
    avp_free(s->gt_id);
    avp_free(s->tr_id);
    avp_free(s->gt_box);
    avp_free(s->tr_box);
    avp_free(s->sim);
    *s = (eval__track_seq_t){0};
}

/* TrackEval's _calculate_box_ious for x, y, w, h boxes; AVP's boxes have
 * w, h > 0, so its guards for empty boxes never apply. */
static double iou(const double *a, const double *b)
{
    double iw = (a[0] + a[2] < b[0] + b[2] ? a[0] + a[2] : b[0] + b[2]) -
                (a[0] > b[0] ? a[0] : b[0]);
    double ih = (a[1] + a[3] < b[1] + b[3] ? a[1] + a[3] : b[1] + b[3]) -
                (a[1] > b[1] ? a[1] : b[1]);
    double inter = (iw > 0 ? iw : 0) * (ih > 0 ? ih : 0);
    return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

const double *eval__track_seq_iou(eval__track_seq_t *s, size_t f)
{
    size_t g0 = s->gt_first[f], ng = s->gt_first[f + 1] - g0;
    size_t t0 = s->tr_first[f], nt = s->tr_first[f + 1] - t0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nt; j++)
            s->sim[i * nt + j] = iou(s->gt_box + 4 * (g0 + i),
                                     s->tr_box + 4 * (t0 + j));
    return s->sim;
}
