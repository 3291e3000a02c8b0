/* track.c - the IoU tracker behind auto ground truth, in the style of
 * ByteTrack: per class, confident detections continue tracks first, then
 * weak detections may continue the tracks still unmatched (so an object
 * whose score dips for a few frames keeps its id), and only confident
 * detections start tracks. A track ends after max_age frames unseen; while
 * lost, its box moves with its last velocity if prediction is on.
 *
 * Assignment is greedy on IoU: all (track, detection) pairs above the
 * threshold, best IoU first, ties by track then detection order. For the
 * few objects per class in a frame this equals the optimal assignment
 * except in contrived ties, and it is deterministic and easy to follow. */
#include "gt.h"

#include <stdlib.h>

typedef struct trk {
    int64_t id;
    int label;
    double cx, cy, w, h;   /* last box, as center and size */
    double vx, vy;         /* center motion per frame */
    int64_t last_frame;
} trk_t;

struct gt_tracker {
    gt_track_options_t opt;
    trk_t *v;
    size_t n, cap;
    int64_t next_id, last_frame;
    /* Scratch reused across frames. */
    int *det_track;
    uint8_t *trk_used;
    size_t cap_det, cap_trk;
};

typedef struct pair {
    double iou;
    size_t t, d;
} pair_t;

void gt_track_options_default(gt_track_options_t *o)
{
    *o = (gt_track_options_t){.iou = 0.3, .high_score = 0.5,
                              .low_score = 0.1, .max_age = 30,
                              .predict = 1, .min_length = 3};
}

gt_tracker_t *gt_tracker_create(const gt_track_options_t *o)
{
    gt_tracker_t *tr = avp_calloc(1, sizeof(*tr));
    if (o)
        tr->opt = *o;
    else
        gt_track_options_default(&tr->opt);
    tr->next_id = 1;
    tr->last_frame = -1;
    return tr;
}

void gt_tracker_destroy(gt_tracker_t *tr)
{
    if (!tr)
        return;
    avp_free(tr->v);
    avp_free(tr->det_track);
    avp_free(tr->trk_used);
    avp_free(tr);
}

static double iou(double ax, double ay, double aw, double ah, double bx,
                  double by, double bw, double bh)
{
    double iw = (ax + aw < bx + bw ? ax + aw : bx + bw) - (ax > bx ? ax : bx);
    double ih = (ay + ah < by + bh ? ay + ah : by + bh) - (ay > by ? ay : by);
    if (iw <= 0 || ih <= 0)
        return 0;
    double i = iw * ih;
    return i / (aw * ah + bw * bh - i);
}

/* IoU of a detection with where the track is expected in `frame`. */
static double track_iou(const gt_tracker_t *tr, const trk_t *t,
                        const gt_box_t *d, int64_t frame)
{
    double gap = tr->opt.predict ? (double)(frame - t->last_frame) : 0;
    double cx = t->cx + t->vx * gap, cy = t->cy + t->vy * gap;
    return iou(cx - t->w / 2, cy - t->h / 2, t->w, t->h, d->x, d->y, d->w,
               d->h);
}

static int cmp_pair(const void *pa, const void *pb)
{
    const pair_t *a = pa, *b = pb;
    if (a->iou != b->iou)
        return a->iou > b->iou ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->d < b->d ? -1 : a->d > b->d;
}

/* One greedy round over detections with score in [lo, hi). */
static void assign(gt_tracker_t *tr, int64_t frame, const gt_box_t *dets,
                   size_t n, double lo, double hi)
{
    size_t np = 0, cap = 16;
    pair_t *p = avp_malloc(cap * sizeof(pair_t));
    for (size_t t = 0; t < tr->n; t++) {
        if (tr->trk_used[t])
            continue;
        for (size_t d = 0; d < n; d++) {
            if (tr->det_track[d] >= 0 || dets[d].score < lo ||
                dets[d].score >= hi || dets[d].label != tr->v[t].label)
                continue;
            double v = track_iou(tr, &tr->v[t], &dets[d], frame);
            if (v < tr->opt.iou || v <= 0)
                continue;
            if (np == cap)
                p = avp_realloc(p, (cap *= 2) * sizeof(pair_t));
            p[np++] = (pair_t){v, t, d};
        }
    }
    qsort(p, np, sizeof(pair_t), cmp_pair);
    for (size_t i = 0; i < np; i++)
        if (!tr->trk_used[p[i].t] && tr->det_track[p[i].d] < 0) {
            tr->trk_used[p[i].t] = 1;
            tr->det_track[p[i].d] = (int)p[i].t;
        }
    avp_free(p);
}

/* Moves track t to detection d; the velocity is half the new motion and
 * half the old, which damps the jitter of detector boxes. */
static void update(trk_t *t, const gt_box_t *d, int64_t frame)
{
    double cx = d->x + d->w / 2, cy = d->y + d->h / 2;
    double gap = (double)(frame - t->last_frame);
    t->vx = 0.5 * t->vx + 0.5 * (cx - t->cx) / gap;
    t->vy = 0.5 * t->vy + 0.5 * (cy - t->cy) / gap;
    t->cx = cx, t->cy = cy, t->w = d->w, t->h = d->h;
    t->last_frame = frame;
}

static void start(gt_tracker_t *tr, const gt_box_t *d, int64_t frame)
{
    if (tr->n == tr->cap) {
        tr->cap = tr->cap ? 2 * tr->cap : 16;
        tr->v = avp_realloc(tr->v, tr->cap * sizeof(trk_t));
    }
    tr->v[tr->n++] = (trk_t){tr->next_id++, d->label, d->x + d->w / 2,
                             d->y + d->h / 2, d->w, d->h, 0, 0, frame};
}

/* Drops tracks unseen for more than max_age frames, keeping the order. */
static void expire(gt_tracker_t *tr, int64_t frame)
{
    size_t k = 0;
    for (size_t i = 0; i < tr->n; i++)
        if (frame - tr->v[i].last_frame <= tr->opt.max_age)
            tr->v[k++] = tr->v[i];
    tr->n = k;
}

static void reserve_scratch(gt_tracker_t *tr, size_t n)
{
    if (n > tr->cap_det) {
        tr->cap_det = n;
        tr->det_track = avp_realloc(tr->det_track, n * sizeof(int));
    }
    if (tr->n + 1 > tr->cap_trk) {
        tr->cap_trk = tr->n + 1;
        tr->trk_used = avp_realloc(tr->trk_used, tr->cap_trk);
    }
}

int gt_tracker_step(gt_tracker_t *tr, int64_t frame, const gt_box_t *dets,
                    size_t n, int64_t *ids, avp_error_t *err)
{
    if (frame <= tr->last_frame)
        return avp_error_set(err, AVP_EINVAL,
                             "tracker: frame %lld after frame %lld",
                             (long long)frame, (long long)tr->last_frame);
    tr->last_frame = frame;
    expire(tr, frame);
    reserve_scratch(tr, n);
    for (size_t d = 0; d < n; d++)
        tr->det_track[d] = -1;
    for (size_t t = 0; t < tr->n; t++)
        tr->trk_used[t] = 0;
    assign(tr, frame, dets, n, tr->opt.high_score, 2);
    assign(tr, frame, dets, n, tr->opt.low_score, tr->opt.high_score);
    for (size_t d = 0; d < n; d++) {
        if (tr->det_track[d] >= 0) {
            trk_t *t = &tr->v[tr->det_track[d]];
            update(t, &dets[d], frame);
            ids[d] = t->id;
        } else if (dets[d].score >= tr->opt.high_score) {
            start(tr, &dets[d], frame);
            ids[d] = tr->v[tr->n - 1].id;
        } else {
            ids[d] = -1;
        }
    }
    return AVP_OK;
}

/* Frame order, input order within a frame (the index breaks ties). */
static int cmp_frame(const void *pa, const void *pb, void *boxes)
{
    const gt_box_t *base = boxes;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int64_t fa = base[a].frame, fb = base[b].frame;
    if (fa != fb)
        return fa < fb ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Ids of tracks with at least min_length boxes, renumbered 1.. in order of
 * creation (which is the order of first appearance); 0 for dropped. */
static int64_t *renumber(const int64_t *ids, size_t n, int64_t max_id,
                         int min_length)
{
    int64_t *count = avp_calloc((size_t)max_id + 1, sizeof(int64_t));
    for (size_t i = 0; i < n; i++)
        if (ids[i] > 0)
            count[ids[i]]++;
    int64_t next = 1;
    for (int64_t id = 1; id <= max_id; id++)
        count[id] = count[id] >= min_length ? next++ : 0;
    return count;
}

/* The tracked boxes of tracks that survive renumber(), in a new gt with
 * dets' video and labels. */
static int keep_tracked(const gt_t *dets, const size_t *order,
                        const int64_t *ids, const int64_t *map, gt_t **out,
                        avp_error_t *err)
{
    gt_t *g = gt_create();
    gt_set_video(g, gt_width(dets), gt_height(dets), gt_fps(dets),
                 gt_num_frames(dets));
    for (int l = 0; l < gt_num_labels(dets); l++)
        gt_label(g, gt_label_name(dets, l));
    int rc = AVP_OK;
    for (size_t i = 0; i < gt_num_boxes(dets) && rc == AVP_OK; i++) {
        if (ids[i] <= 0 || !map[ids[i]])
            continue;
        gt_box_t box = gt_boxes(dets)[order[i]];
        box.track_id = map[ids[i]];
        box.source = GT_SOURCE_MODEL;
        rc = gt_add_box(g, &box, err);
    }
    if (rc < 0)
        gt_destroy(g);
    *out = rc < 0 ? NULL : g;
    return rc;
}

int gt_autotrack(const gt_t *dets, const gt_track_options_t *o, gt_t **out,
                 avp_error_t *err)
{
    gt_tracker_t *tr = gt_tracker_create(o);
    size_t n = gt_num_boxes(dets);
    const gt_box_t *b = gt_boxes(dets);
    size_t *order = avp_malloc((n + 1) * sizeof(size_t));
    gt_box_t *frame_boxes = avp_malloc((n + 1) * sizeof(gt_box_t));
    int64_t *ids = avp_malloc((n + 1) * sizeof(int64_t));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof(size_t), cmp_frame, (void *)b);
    int rc = AVP_OK;
    for (size_t i = 0; i < n && rc == AVP_OK;) {
        size_t j = i;
        for (; j < n && b[order[j]].frame == b[order[i]].frame; j++)
            frame_boxes[j - i] = b[order[j]];
        rc = gt_tracker_step(tr, b[order[i]].frame, frame_boxes, j - i,
                             ids + i, err);
        i = j;
    }
    *out = NULL;
    if (rc == AVP_OK) {
        int64_t *map = renumber(ids, n, tr->next_id - 1, tr->opt.min_length);
        rc = keep_tracked(dets, order, ids, map, out, err);
        avp_free(map);
    }
    gt_tracker_destroy(tr);
    avp_free(order);
    avp_free(frame_boxes);
    avp_free(ids);
    return rc;
}
