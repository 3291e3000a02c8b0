/* accumulate.c - COCOeval.accumulate and summarize. Per category, the kept
 * detections of all images (image order, then score order within the
 * image, as pycocotools concatenates them) are stably sorted by score;
 * for each maxDets cut, area range and IoU threshold a walk builds the
 * cumulative TP/FP counts, precision is made non-increasing from the right
 * (the "envelope"), and each recall threshold takes the precision at the
 * first position whose recall reaches it (np.searchsorted side='left'). */
#include "internal.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

const int eval__max_dets[EVAL_NUM_MAXDET] = {1, 10, 100};

typedef struct sorted {
    double score;
    uint32_t pos; /* index into the matches, relative to the category */
} sorted_t;

static int cmp_sorted(const void *pa, const void *pb)
{
    const sorted_t *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

typedef struct acc_ctx {
    const eval_data_t *d;
    const eval__matches_t *m;
    eval_result_t *r;
    int64_t *grid_tp, *grid_fp; /* [K][EVAL_NUM_F1] for the overall curve */
} acc_ctx_t;

/* Scratch of one category: detections in score order and the curves. */
typedef struct acc_scratch {
    sorted_t *sorted;
    uint32_t *keep, *ev;
    uint16_t *ftp, *fig; /* [area][i]: the masks of keep[i], contiguous */
    double *score, *pr, *rc;
} acc_scratch_t;

/* Fills precision, scores and recall for one (t, k, a, m) from the nd
 * detections that survive the maxDets cut. Recall only grows at a true
 * positive, and between two of them precision only falls, so pycocotools'
 * per-detection arrays are only needed at "events": position 0 and every
 * true positive. The envelope over events equals the envelope over all
 * positions there, and the first position reaching a recall threshold is
 * always an event; the doubles are computed by the same expressions. */
static void pr_curve(const acc_ctx_t *c, acc_scratch_t *s, uint32_t nd,
                     int32_t npig, int t, int k, int a, int mi)
{
    eval_result_t *r = c->r;
    const uint16_t *ftp = s->ftp + (size_t)a * nd, *fig = s->fig + (size_t)a * nd;
    double tp = 0, fp = 0;
    uint32_t ne = 0;
    for (uint32_t i = 0; i < nd; i++) {
        int is_tp = ftp[i] >> t & 1;
        tp += is_tp;
        fp += !is_tp && !(fig[i] >> t & 1);
        if (is_tp || i == 0) {
            s->ev[ne] = i;
            s->rc[ne] = tp / npig;
            s->pr[ne++] = tp / (fp + tp + DBL_EPSILON);
        }
    }
    r->recall[eval_rc_index(r, t, k, a, mi)] = nd ? tp / npig : 0;
    for (uint32_t e = ne > 0 ? ne - 1 : 0; e > 0; e--)
        if (s->pr[e] > s->pr[e - 1])
            s->pr[e - 1] = s->pr[e];
    uint32_t e = 0;
    for (int ri = 0; ri < EVAL_NUM_REC; ri++) {
        while (e < ne && s->rc[e] < r->rec_thrs[ri])
            e++;
        size_t at = eval_pr_index(r, t, ri, k, a, mi);
        r->precision[at] = e < ne ? s->pr[e] : 0;
        r->scores[at] = e < ne ? s->score[s->ev[e]] : 0;
    }
}

/* Copies the curves of maxDets index mi - 1 to mi for category k. */
static void same_as_previous(eval_result_t *r, int k, int mi)
{
    for (int t = 0; t < EVAL_NUM_IOU; t++)
        for (int a = 0; a < EVAL_NUM_AREA; a++) {
            r->recall[eval_rc_index(r, t, k, a, mi)] =
                r->recall[eval_rc_index(r, t, k, a, mi - 1)];
            for (int ri = 0; ri < EVAL_NUM_REC; ri++) {
                size_t to = eval_pr_index(r, t, ri, k, a, mi);
                size_t from = eval_pr_index(r, t, ri, k, a, mi - 1);
                r->precision[to] = r->precision[from];
                r->scores[to] = r->scores[from];
            }
        }
}

/* A maxDets cut keeps a subsequence of the previous (larger cuts keep
 * more), so when it keeps as many detections it keeps the same ones and
 * its curves are the previous ones: in sparse data no image has more than
 * 10 detections of a class, and the walks for 100 are skipped. */
static void category_curves(const acc_ctx_t *c, acc_scratch_t *s, int k,
                            uint32_t base, uint32_t n, const int32_t *npig)
{
    const eval__matches_t *m = c->m;
    uint32_t prev_nd = UINT32_MAX;
    for (int mi = 0; mi < EVAL_NUM_MAXDET; mi++) {
        uint32_t nd = 0;
        for (uint32_t i = 0; i < n; i++)
            if (m->rank[base + s->sorted[i].pos] < eval__max_dets[mi]) {
                s->keep[nd] = base + s->sorted[i].pos;
                s->score[nd++] = s->sorted[i].score;
            }
        if (nd == prev_nd) {
            same_as_previous(c->r, k, mi);
            continue;
        }
        prev_nd = nd;
        for (int a = 0; a < EVAL_NUM_AREA; a++)
            for (uint32_t i = 0; i < nd; i++) {
                size_t at = (size_t)s->keep[i] * EVAL_NUM_AREA + (size_t)a;
                s->ftp[(size_t)a * nd + i] = m->tp[at];
                s->fig[(size_t)a * nd + i] = m->ig[at];
            }
        for (int a = 0; a < EVAL_NUM_AREA; a++) {
            if (npig[a] == 0)
                continue; /* stays -1: no ground truth to find */
            for (int t = 0; t < EVAL_NUM_IOU; t++)
                pr_curve(c, s, nd, npig[a], t, k, a, mi);
        }
    }
}

static void scratch_init(acc_scratch_t *s, uint32_t n)
{
    s->sorted = avp_malloc((n + 1) * sizeof(sorted_t));
    s->keep = avp_malloc((n + 1) * sizeof(uint32_t));
    s->ev = avp_malloc((n + 1) * sizeof(uint32_t));
    s->ftp = avp_malloc((n + 1) * EVAL_NUM_AREA * sizeof(uint16_t));
    s->fig = avp_malloc((n + 1) * EVAL_NUM_AREA * sizeof(uint16_t));
    s->score = avp_malloc((n + 1) * sizeof(double));
    s->pr = avp_malloc((n + 1) * sizeof(double));
    s->rc = avp_malloc((n + 1) * sizeof(double));
}

static void scratch_free(acc_scratch_t *s)
{
    avp_free(s->sorted);
    avp_free(s->keep);
    avp_free(s->ev);
    avp_free(s->ftp);
    avp_free(s->fig);
    avp_free(s->score);
    avp_free(s->pr);
    avp_free(s->rc);
}

static void accumulate_task(void *ctx, int k)
{
    acc_ctx_t *c = ctx;
    const eval_data_t *d = c->d;
    uint32_t c0 = d->cat_cells[k], c1 = d->cat_cells[k + 1];
    int32_t npig[EVAL_NUM_AREA] = {0};
    int64_t ndet = 0;
    for (uint32_t i = c0; i < c1; i++) {
        for (int a = 0; a < EVAL_NUM_AREA; a++)
            npig[a] += d->cells[i].npig[a];
        ndet += d->cells[i].ndet;
    }
    uint32_t base = c0 < c1 ? d->cells[c0].kept0 : 0;
    uint32_t n = c0 < c1 ? d->cells[c1 - 1].kept0 + d->cells[c1 - 1].nkept
                               - base : 0;
    acc_scratch_t s;
    scratch_init(&s, n);
    for (uint32_t i = 0; i < n; i++)
        s.sorted[i] = (sorted_t){d->det.v[c->m->det[base + i]].score, i};
    qsort(s.sorted, n, sizeof(sorted_t), cmp_sorted);
    category_curves(c, &s, k, base, n, npig);

    eval_class_t *cls = &c->r->classes[k];
    cls->num_gt = npig[0];
    cls->num_det = ndet;
    /* The last maxDets pass (100) left every detection in keep[]. */
    eval__extras(c->m, s.keep, n, s.score, npig[0], c->r->score_thr, cls,
                 c->grid_tp + (size_t)k * EVAL_NUM_F1,
                 c->grid_fp + (size_t)k * EVAL_NUM_F1);
    scratch_free(&s);
}

/* The per-class PR curve the header promises: IoU .50, all, maxDets 100. */
static void class_pr(eval_result_t *r, int k)
{
    eval_class_t *cls = &r->classes[k];
    for (int ri = 0; ri < EVAL_NUM_REC; ri++) {
        size_t at = eval_pr_index(r, 0, ri, k, 0, EVAL_NUM_MAXDET - 1);
        cls->pr_precision[ri] = r->precision[at];
        cls->pr_score[ri] = r->precision[at] > -1 ? r->scores[at] : -1;
    }
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        cls->stats[i] = eval__summarize(r, i, k);
}

/* The overall F1 curve and counts, summed over classes. */
static void overall(eval_result_t *r, const int64_t *grid_tp,
                    const int64_t *grid_fp)
{
    int64_t npig = 0;
    memset(&r->overall, 0, sizeof(r->overall));
    for (int k = 0; k < r->num_classes; k++) {
        npig += r->classes[k].num_gt;
        r->overall.tp += r->classes[k].at_thr.tp;
        r->overall.fp += r->classes[k].at_thr.fp;
    }
    eval__counts_finish(&r->overall, npig);
    r->best_f1 = -1;
    r->best_thr = 0;
    for (int j = 0; j < EVAL_NUM_F1; j++) {
        eval_counts_t cnt = {0};
        for (int k = 0; k < r->num_classes; k++) {
            cnt.tp += grid_tp[(size_t)k * EVAL_NUM_F1 + (size_t)j];
            cnt.fp += grid_fp[(size_t)k * EVAL_NUM_F1 + (size_t)j];
        }
        eval__counts_finish(&cnt, npig);
        r->f1_curve[j] = cnt.f1;
        if (cnt.f1 >= 0 && cnt.f1 >= r->best_f1) {
            r->best_f1 = cnt.f1;
            r->best_thr = j / 100.0;
        }
    }
}

int eval__accumulate(const eval_data_t *d, const eval__matches_t *m,
                     tpool_t *tp, eval_result_t *r)
{
    size_t K = (size_t)r->num_classes;
    size_t npr = (size_t)EVAL_NUM_IOU * EVAL_NUM_REC * K * EVAL_NUM_AREA *
                 EVAL_NUM_MAXDET;
    size_t nrc = (size_t)EVAL_NUM_IOU * K * EVAL_NUM_AREA * EVAL_NUM_MAXDET;
    r->precision = avp_try_malloc_aligned((npr + 1) * sizeof(double));
    r->scores = avp_try_malloc_aligned((npr + 1) * sizeof(double));
    r->recall = avp_try_malloc_aligned((nrc + 1) * sizeof(double));
    acc_ctx_t c = {d, m, r, avp_calloc(K + 1, EVAL_NUM_F1 * sizeof(int64_t)),
                   avp_calloc(K + 1, EVAL_NUM_F1 * sizeof(int64_t))};
    if (!r->precision || !r->scores || !r->recall) {
        avp_free(c.grid_tp);
        avp_free(c.grid_fp);
        return AVP_ENOMEM;
    }
    for (size_t i = 0; i < npr; i++)
        r->precision[i] = r->scores[i] = -1;
    for (size_t i = 0; i < nrc; i++)
        r->recall[i] = -1;
    tpool_run(tp, (int)K, accumulate_task, &c);
    for (int k = 0; k < r->num_classes; k++)
        class_pr(r, k);
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        r->coco_stats[i] = eval__summarize(r, i, -1);
    overall(r, c.grid_tp, c.grid_fp);
    avp_free(c.grid_tp);
    avp_free(c.grid_fp);
    return AVP_OK;
}

/* What each of the 12 numbers averages, pycocotools' _summarizeDets. */
static const struct stat_def {
    int ap;      /* 1: precision, 0: recall */
    double iou;  /* a single IoU threshold, or 0 for all of them */
    int area, maxdet;
} stat_defs[EVAL_NUM_STATS] = {
    {1, 0, 0, 2},   {1, .5, 0, 2}, {1, .75, 0, 2}, {1, 0, 1, 2},
    {1, 0, 2, 2},   {1, 0, 3, 2},  {0, 0, 0, 0},   {0, 0, 0, 1},
    {0, 0, 0, 2},   {0, 0, 1, 2},  {0, 0, 2, 2},   {0, 0, 3, 2},
};

/* The mean of the selected entries that are > -1, or -1 if none is. A
 * single IoU is looked up by exact equality, as pycocotools does. k < 0
 * averages over all classes. */
double eval__summarize(const eval_result_t *r, int stat, int k)
{
    const struct stat_def *s = &stat_defs[stat];
    double sum = 0;
    size_t n = 0;
    for (int t = 0; t < EVAL_NUM_IOU; t++) {
        if (s->iou > 0 && r->iou_thrs[t] != s->iou)
            continue;
        for (int kk = k < 0 ? 0 : k; kk < (k < 0 ? r->num_classes : k + 1);
             kk++) {
            for (int ri = 0; ri < (s->ap ? EVAL_NUM_REC : 1); ri++) {
                double v = s->ap ? r->precision[eval_pr_index(
                                       r, t, ri, kk, s->area, s->maxdet)]
                                 : r->recall[eval_rc_index(r, t, kk, s->area,
                                                           s->maxdet)];
                if (v > -1) {
                    sum += v;
                    n++;
                }
            }
        }
    }
    return n ? sum / (double)n : -1;
}
