/* tide.c - TIDE's error taxonomy (Bolya et al., "TIDE: A General Toolbox
 * for Identifying Object Detection Errors", ECCV 2020), following its
 * tidecv package (quantify.py, errors/) so that the counts and dAPs are
 * the ones TIDE prints:
 *   1. per image, detections by score (stable), the best 100; each takes
 *      the unused same-class ground truth of highest IoU if IoU >= 0.5
 *      (greedy, as COCO); an unmatched one inside a same-class crowd or
 *      ignore region (crowd IoU > 0.5) is left out;
 *   2. each false positive gets the first type that fits: Loc (same-class
 *      IoU in [0.1, 0.5]), Cls (other-class IoU >= 0.5), Dupe (IoU >= 0.5
 *      with a same-class box already found), Bkg (IoU <= 0.1 with all),
 *      else Both; an image without ground truth makes every one Bkg;
 *   3. a ground-truth box neither found nor the target of a Loc or Cls
 *      error is a Miss.
 * tide_fix.c then recomputes AP50 with each type fixed. This file builds
 * the records it needs: one per detection kept, and per class the
 * ground-truth, false-negative and miss counts. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define POS_THR 0.5
#define BG_THR 0.1

typedef struct scored {
    double score;
    uint32_t i;
} scored_t;

/* One image's boxes and the scratch its matching uses, sized once for
 * the largest image. */
typedef struct tide_img {
    const eval_data_t *d;
    scored_t *det;
    size_t ndet;
    uint32_t *gt, *reg; /* plain ground truth, crowd/ignore regions */
    size_t ngt, nreg;
    double *iou;        /* ndet x ngt */
    uint8_t *used, *usable;
    int64_t *match;     /* per detection: gt position or -1 */
    double *best_score;
    int64_t *best_rec;
} tide_img_t;

static int scored_cmp(const void *a, const void *b)
{
    const scored_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Box indices grouped by image, in input order: a stable counting sort.
 * first has nimages + 1 entries. */
static void by_image(const eval__boxes_t *b, size_t nimg, uint32_t **first,
                     uint32_t **idx)
{
    *first = avp_calloc(nimg + 2, sizeof(uint32_t));
    *idx = avp_malloc((b->n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < b->n; i++)
        (*first)[b->img[i] + 2]++;
    for (size_t k = 0; k < nimg; k++)
        (*first)[k + 2] += (*first)[k + 1];
    for (size_t i = 0; i < b->n; i++)
        (*idx)[(*first)[b->img[i] + 1]++] = (uint32_t)i;
}

/* Step 1: greedy matching, then the ignore regions. */
static void match(tide_img_t *m)
{
    const eval_data_t *d = m->d;
    for (size_t p = 0; p < m->ndet; p++) {
        const eval_box_t *a = &d->det.v[m->det[p].i];
        int64_t best = -1;
        double v = 0;
        for (size_t g = 0; g < m->ngt; g++) {
            m->iou[p * m->ngt + g] = eval__iou(a, &d->gt.v[m->gt[g]], 0);
            if (!m->used[g] && d->gt.cat[m->gt[g]] == d->det.cat[m->det[p].i] &&
                m->iou[p * m->ngt + g] > v)
                v = m->iou[p * m->ngt + g], best = (int64_t)g;
        }
        m->match[p] = v >= POS_THR ? best : -1;
        if (m->match[p] >= 0)
            m->used[best] = 1;
        for (size_t r = 0; m->match[p] < 0 && r < m->nreg; r++)
            if (d->gt.cat[m->reg[r]] == d->det.cat[m->det[p].i] &&
                eval__iou(a, &d->gt.v[m->reg[r]], 1) > POS_THR)
                m->match[p] = -2; /* left out */
    }
}

enum { SAME, OTHER, SAME_USED, ANY };

/* numpy's argmax over one detection's row of the IoU matrix with the
 * entries that do not fit `which` as 0: the first position of the
 * largest value, returned in *g. */
static double row_max(const tide_img_t *m, size_t p, int which, size_t *g)
{
    int pc = m->d->det.cat[m->det[p].i];
    double v = -1;
    for (size_t k = 0; k < m->ngt; k++) {
        int same = m->d->gt.cat[m->gt[k]] == pc;
        int fits = which == ANY || (which == SAME && same) ||
                   (which == OTHER && !same) ||
                   (which == SAME_USED && same && m->used[k]);
        double x = fits ? m->iou[p * m->ngt + k] : 0;
        if (x > v)
            v = x, *g = k;
    }
    return v;
}

/* Step 2 for false positive p; *g is the ground truth a Loc or Cls error
 * would become a true positive on, for the others the one of highest
 * IoU the type was decided by (the gallery shows it beside the box). */
static int classify(const tide_img_t *m, size_t p, size_t *g)
{
    if (!m->ngt)
        return EVAL_TIDE_BKG;
    double v = row_max(m, p, SAME, g);
    if (v >= BG_THR && v <= POS_THR)
        return EVAL_TIDE_LOC;
    if (row_max(m, p, OTHER, g) >= POS_THR)
        return EVAL_TIDE_CLS;
    if (row_max(m, p, SAME_USED, g) >= POS_THR)
        return EVAL_TIDE_DUPE;
    if (row_max(m, p, ANY, g) <= BG_THR)
        return EVAL_TIDE_BKG;
    return EVAL_TIDE_BOTH;
}

/* A Loc or Cls error on unused ground truth g: of all such errors on g,
 * the best-scored one is fixed into a true positive, the others are
 * dropped (TIDE's BestGTMatch); g is then no Miss. */
static void near_miss(tide_img_t *m, size_t g, double score, int64_t rec)
{
    if (m->used[g])
        return;
    m->usable[g] = 1;
    if (m->best_score[g] < score)
        m->best_score[g] = score, m->best_rec[g] = rec;
}

/* Steps 2 and 3 for one image: appends its records to t. */
static void errors(tide_img_t *m, eval__tide_t *t)
{
    const eval_data_t *d = m->d;
    for (size_t p = 0; p < m->ndet; p++) {
        if (m->match[p] == -2)
            continue;
        const uint32_t i = m->det[p].i;
        eval__tide_det_t *r = &t->dets[t->n];
        *r = (eval__tide_det_t){.cls = d->det.cat[i], .fix_cls = -1,
                                .score = m->det[p].score, .kind = -1,
                                .det = i, .gt = -1};
        size_t g = 0;
        if (m->match[p] < 0) {
            r->kind = (int8_t)classify(m, p, &g);
            if (m->ngt && r->kind != EVAL_TIDE_BKG)
                r->gt = m->gt[g], r->iou = m->iou[p * m->ngt + g];
            if (r->kind == EVAL_TIDE_LOC || r->kind == EVAL_TIDE_CLS)
                near_miss(m, g, r->score, (int64_t)t->n);
            t->count[(size_t)r->cls * EVAL_TIDE_NUM_MAIN + r->kind]++;
        }
        t->n++;
    }
    for (size_t g = 0; g < m->ngt; g++) {
        int c = d->gt.cat[m->gt[g]];
        t->npos[c]++;
        t->fn[c] += !m->used[g];
        if (!m->used[g] && !m->usable[g]) {
            t->count[(size_t)c * EVAL_TIDE_NUM_MAIN + EVAL_TIDE_MISS]++;
            t->miss[t->nmiss++] = m->gt[g];
        }
        if (m->best_rec[g] >= 0) { /* Loc keeps its class, Cls takes g's */
            eval__tide_det_t *r = &t->dets[m->best_rec[g]];
            r->fix_cls = r->kind == EVAL_TIDE_LOC ? r->cls : c;
        }
    }
}

/* Loads image k's boxes into m and resets its scratch. */
static void load_image(tide_img_t *m, size_t k, const uint32_t *gfirst,
                       const uint32_t *gidx, const uint32_t *dfirst,
                       const uint32_t *didx)
{
    const eval_data_t *d = m->d;
    m->ndet = dfirst[k + 1] - dfirst[k];
    for (size_t j = 0; j < m->ndet; j++) {
        uint32_t i = didx[dfirst[k] + j];
        m->det[j] = (scored_t){d->det.v[i].score, i};
    }
    qsort(m->det, m->ndet, sizeof(*m->det), scored_cmp);
    if (m->ndet > EVAL__MAX_DETS)
        m->ndet = EVAL__MAX_DETS;
    m->ngt = m->nreg = 0;
    for (uint32_t j = gfirst[k]; j < gfirst[k + 1]; j++) {
        const eval_box_t *b = &d->gt.v[gidx[j]];
        if (b->iscrowd || b->ignore)
            m->reg[m->nreg++] = gidx[j];
        else
            m->gt[m->ngt++] = gidx[j];
    }
    for (size_t g = 0; g < m->ngt; g++)
        m->used[g] = m->usable[g] = 0, m->best_score[g] = -1,
        m->best_rec[g] = -1;
}

static size_t largest(const uint32_t *first, size_t n)
{
    size_t most = 0;
    for (size_t k = 0; k < n; k++)
        if (first[k + 1] - first[k] > most)
            most = first[k + 1] - first[k];
    return most;
}

void eval__tide_collect(const eval_data_t *d, eval__tide_t *t)
{
    uint32_t *gfirst, *gidx, *dfirst, *didx;
    by_image(&d->gt, d->nimages, &gfirst, &gidx);
    by_image(&d->det, d->nimages, &dfirst, &didx);
    size_t mg = largest(gfirst, d->nimages) + 1;
    size_t md = largest(dfirst, d->nimages) + 1;
    tide_img_t m = {.d = d, .det = avp_malloc(md * sizeof(scored_t)),
                    .gt = avp_malloc(mg * sizeof(uint32_t)),
                    .reg = avp_malloc(mg * sizeof(uint32_t)),
                    .iou = avp_malloc(mg * (md < EVAL__MAX_DETS + 1
                                            ? md : EVAL__MAX_DETS + 1) *
                                      sizeof(double)),
                    .used = avp_malloc(mg), .usable = avp_malloc(mg),
                    .match = avp_malloc(md * sizeof(int64_t)),
                    .best_score = avp_malloc(mg * sizeof(double)),
                    .best_rec = avp_malloc(mg * sizeof(int64_t))};
    for (size_t k = 0; k < d->nimages; k++) {
        load_image(&m, k, gfirst, gidx, dfirst, didx);
        match(&m);
        errors(&m, t);
    }
    avp_free(m.det), avp_free(m.gt), avp_free(m.reg), avp_free(m.iou);
    avp_free(m.used), avp_free(m.usable), avp_free(m.match);
    avp_free(m.best_score), avp_free(m.best_rec);
    avp_free(gfirst), avp_free(gidx), avp_free(dfirst), avp_free(didx);
}
