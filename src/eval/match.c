/* match.c - per (category, image) matching, exactly COCOeval.evaluateImg
 * for bounding boxes: the detections sorted by score (stable, so equal
 * scores keep their input order) and cut to 100; the ground truth sorted
 * with ignored boxes last; each detection in turn takes the best-IoU
 * ground truth still free (crowd boxes never become taken), preferring a
 * regular box over an ignored one. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

const double eval__area_lo[EVAL_NUM_AREA] = {0, 0, 32 * 32, 96 * 96};
const double eval__area_hi[EVAL_NUM_AREA] = {1e5 * 1e5, 32 * 32, 96 * 96,
                                             1e5 * 1e5};

/* min and max as maskApi.c's bbIou writes them; unlike fmin and fmax they
 * compile inline (the coordinates are finite: eval_data_add_* checks). */
static inline double min2(double a, double b)
{
    return a < b ? a : b;
}

static inline double max2(double a, double b)
{
    return a > b ? a : b;
}

double eval__iou(const eval_box_t *a, const eval_box_t *g, int crowd)
{
    double w = min2(a->x + a->w, g->x + g->w) - max2(a->x, g->x);
    if (w <= 0)
        return 0;
    double h = min2(a->y + a->h, g->y + g->h) - max2(a->y, g->y);
    if (h <= 0)
        return 0;
    double inter = w * h, da = a->w * a->h;
    return inter / (crowd ? da : da + g->w * g->h - inter);
}

/* Scratch of one task, grown to the largest cell it meets. */
typedef struct scratch {
    struct scored { double score; uint32_t box; } *dets;
    double *iou;
    uint32_t *gt, *gord;
    uint8_t *gig, *gtm;
    size_t cap_det, cap_gt, cap_iou;
} scratch_t;

static void scratch_fit(scratch_t *s, size_t ndet, size_t ngt)
{
    if (ndet > s->cap_det) {
        s->cap_det = ndet * 2;
        s->dets = avp_realloc(s->dets, s->cap_det * sizeof(*s->dets));
    }
    if (ngt > s->cap_gt) {
        s->cap_gt = ngt * 2;
        s->gt = avp_realloc(s->gt, s->cap_gt * sizeof(uint32_t));
        s->gord = avp_realloc(s->gord, s->cap_gt * sizeof(uint32_t));
        s->gig = avp_realloc(s->gig, s->cap_gt);
        s->gtm = avp_realloc(s->gtm, s->cap_gt);
    }
    size_t niou = (ndet < EVAL__MAX_DETS ? ndet : EVAL__MAX_DETS) * ngt;
    if (niou > s->cap_iou) {
        s->cap_iou = niou * 2;
        s->iou = avp_realloc(s->iou, s->cap_iou * sizeof(double));
    }
}

static void scratch_free(scratch_t *s)
{
    avp_free(s->dets);
    avp_free(s->iou);
    avp_free(s->gt);
    avp_free(s->gord);
    avp_free(s->gig);
    avp_free(s->gtm);
}

/* Higher score first; equal scores in input order (box indices of one
 * cell increase with input order), like numpy's stable mergesort. */
static int cmp_scored(const void *pa, const void *pb)
{
    const struct scored *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->box > b->box) - (a->box < b->box);
}

typedef struct match_ctx {
    eval_data_t *d;
    const double *iou_thrs;
    eval__matches_t *m;
    int ntasks;
} match_ctx_t;

/* Ground truth order for area a: regular boxes first, ignored last, each
 * group in input order. Returns the number of regular boxes. */
static int32_t order_gt(const eval_data_t *d, scratch_t *s, uint32_t ngt,
                        int a)
{
    uint32_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t g = 0; g < ngt; g++) {
            const eval_box_t *b = &d->gt.v[s->gt[g]];
            uint8_t ig = b->iscrowd || b->ignore ||
                         b->area < eval__area_lo[a] ||
                         b->area > eval__area_hi[a];
            if (ig == pass) {
                s->gord[n] = g;
                s->gig[n++] = ig;
            }
        }
    int32_t regular = 0;
    for (uint32_t g = 0; g < ngt; g++)
        regular += !s->gig[g];
    return regular;
}

/* Greedy matching of the kept detections at IoU threshold thr; returns
 * the matched position in gord per detection through best[] (-1: none). */
static void match_thr(const eval_data_t *d, scratch_t *s, uint32_t nkept,
                      uint32_t ngt, double thr, int32_t *best)
{
    if (ngt)
        memset(s->gtm, 0, ngt);
    for (uint32_t k = 0; k < nkept; k++) {
        double iou = min2(thr, 1 - 1e-10);
        int32_t m = -1;
        for (uint32_t gi = 0; gi < ngt; gi++) {
            uint32_t g = s->gord[gi];
            if (s->gtm[gi] && !d->gt.v[s->gt[g]].iscrowd)
                continue;
            if (m > -1 && !s->gig[m] && s->gig[gi])
                break;
            double v = s->iou[(size_t)k * ngt + g];
            if (v < iou)
                continue;
            iou = v;
            m = (int32_t)gi;
        }
        best[k] = m;
        if (m > -1)
            s->gtm[m] = 1;
    }
}

/* The masks of the cell's kept detections for area range a: a match with
 * a regular box is a true positive, one with an ignored box is ignored,
 * and so is no match for a detection outside the range. Without ground
 * truth nothing can match, which is most cells of a sparse data set. */
static void match_area(match_ctx_t *c, scratch_t *s, eval__cell_t *cell,
                       int a)
{
    const eval_data_t *d = c->d;
    eval__matches_t *m = c->m;
    const uint16_t all = (1u << EVAL_NUM_IOU) - 1;
    cell->npig[a] = order_gt(d, s, cell->ngt, a);
    uint16_t *tp = m->tp + (size_t)cell->kept0 * EVAL_NUM_AREA + (size_t)a;
    uint16_t *ig = m->ig + (size_t)cell->kept0 * EVAL_NUM_AREA + (size_t)a;
    for (uint32_t k = 0; k < cell->nkept; k++)
        tp[k * EVAL_NUM_AREA] = ig[k * EVAL_NUM_AREA] = 0;
    int32_t best[EVAL__MAX_DETS];
    for (int t = 0; cell->ngt && t < EVAL_NUM_IOU; t++) {
        match_thr(d, s, cell->nkept, cell->ngt, c->iou_thrs[t], best);
        for (uint32_t k = 0; k < cell->nkept; k++)
            if (best[k] >= 0)
                (s->gig[best[k]] ? ig : tp)[k * EVAL_NUM_AREA] |=
                    (uint16_t)(1u << t);
    }
    for (uint32_t k = 0; k < cell->nkept; k++) {
        double area = d->det.v[s->dets[k].box].area;
        if (area < eval__area_lo[a] || area > eval__area_hi[a])
            ig[k * EVAL_NUM_AREA] = all & (uint16_t)~tp[k * EVAL_NUM_AREA];
    }
}

static void match_cell(match_ctx_t *c, scratch_t *s, eval__cell_t *cell)
{
    const eval_data_t *d = c->d;
    eval__matches_t *m = c->m;
    scratch_fit(s, cell->ndet, cell->ngt);
    for (uint32_t i = 0; i < cell->ndet; i++) {
        uint32_t box = d->det.order[cell->det0 + i];
        s->dets[i] = (struct scored){d->det.v[box].score, box};
    }
    if (cell->ndet > 1)
        qsort(s->dets, cell->ndet, sizeof(*s->dets), cmp_scored);
    for (uint32_t g = 0; g < cell->ngt; g++)
        s->gt[g] = d->gt.order[cell->gt0 + g];
    for (uint32_t k = 0; k < cell->nkept; k++) {
        const eval_box_t *db = &d->det.v[s->dets[k].box];
        m->det[cell->kept0 + k] = s->dets[k].box;
        m->rank[cell->kept0 + k] = (uint16_t)k;
        for (uint32_t g = 0; g < cell->ngt; g++) {
            const eval_box_t *gb = &d->gt.v[s->gt[g]];
            s->iou[(size_t)k * cell->ngt + g] = eval__iou(db, gb, gb->iscrowd);
        }
    }
    for (int a = 0; a < EVAL_NUM_AREA; a++)
        match_area(c, s, cell, a);
}

/* Asks for the boxes of a cell ahead of its matching. Cells are small
 * (a box or two in a large data set) and their boxes lie anywhere in the
 * input arrays, so matching was mostly waiting for memory. */
static void prefetch_cell(const eval_data_t *d, const eval__cell_t *cell)
{
    for (uint32_t i = 0; i < cell->ndet; i++)
        __builtin_prefetch(&d->det.v[d->det.order[cell->det0 + i]]);
    for (uint32_t g = 0; g < cell->ngt; g++)
        __builtin_prefetch(&d->gt.v[d->gt.order[cell->gt0 + g]]);
}

static void match_task(void *ctx, int task)
{
    enum { AHEAD = 4 }; /* cells: enough to cover a miss, few enough */
    match_ctx_t *c = ctx;
    size_t n = c->d->ncells;
    size_t lo = n * (size_t)task / (size_t)c->ntasks;
    size_t hi = n * (size_t)(task + 1) / (size_t)c->ntasks;
    scratch_t s = {0};
    for (size_t i = lo; i < hi; i++) {
        if (i + AHEAD < hi)
            prefetch_cell(c->d, &c->d->cells[i + AHEAD]);
        match_cell(c, &s, &c->d->cells[i]);
    }
    scratch_free(&s);
}

/* Plans each cell's range of kept detections and allocates m. */
static int alloc_matches(eval_data_t *d, eval__matches_t *m)
{
    size_t n = 0;
    for (size_t i = 0; i < d->ncells; i++) {
        eval__cell_t *c = &d->cells[i];
        c->kept0 = (uint32_t)n;
        c->nkept = c->ndet < EVAL__MAX_DETS ? c->ndet : EVAL__MAX_DETS;
        n += c->nkept;
    }
    memset(m, 0, sizeof(*m));
    m->n = n;
    m->det = avp_try_malloc_aligned((n + 1) * sizeof(uint32_t));
    m->rank = avp_try_malloc_aligned((n + 1) * sizeof(uint16_t));
    m->tp = avp_try_malloc_aligned((n + 1) * EVAL_NUM_AREA * sizeof(uint16_t));
    m->ig = avp_try_malloc_aligned((n + 1) * EVAL_NUM_AREA * sizeof(uint16_t));
    if (!m->det || !m->rank || !m->tp || !m->ig) {
        eval__matches_free(m);
        return AVP_ENOMEM;
    }
    return AVP_OK;
}

void eval__matches_free(eval__matches_t *m)
{
    avp_free_aligned(m->det);
    avp_free_aligned(m->rank);
    avp_free_aligned(m->tp);
    avp_free_aligned(m->ig);
    memset(m, 0, sizeof(*m));
}

int eval__match(eval_data_t *d, const double *iou_thrs, tpool_t *tp,
                eval__matches_t *m)
{
    int rc = alloc_matches(d, m);
    if (rc)
        return rc;
    match_ctx_t c = {d, iou_thrs, m, 1};
    int threads = tpool_threads(tp);
    if (threads > 1)
        c.ntasks = threads * 16;
    if ((size_t)c.ntasks > d->ncells)
        c.ntasks = (int)d->ncells;
    tpool_run(tp, c.ntasks, match_task, &c);
    return AVP_OK;
}
