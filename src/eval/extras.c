/* extras.c - the operating-point numbers COCO does not give: TP/FP/FN,
 * precision, recall and F1 at a score threshold, the F1-vs-threshold curve
 * and the best threshold. They reuse COCO's matching at IoU .50, area
 * "all" and 100 detections per image and class. Because matching is greedy
 * in score order, the detections scoring >= s are matched exactly as if
 * the others did not exist, so one matching serves every threshold. */
#include "internal.h"

void eval__counts_finish(eval_counts_t *c, int64_t npig)
{
    c->fn = npig - c->tp;
    c->precision = c->tp + c->fp > 0 ? (double)c->tp / (double)(c->tp + c->fp)
                                     : 0;
    c->recall = npig > 0 ? (double)c->tp / (double)npig : -1;
    if (c->recall < 0)
        c->f1 = -1;
    else if (c->precision + c->recall > 0)
        c->f1 = 2 * c->precision * c->recall / (c->precision + c->recall);
    else
        c->f1 = 0;
}

/* True positive / ignored at IoU .50 (threshold 0), area "all". */
static int is_tp(const eval__matches_t *m, uint32_t i)
{
    return m->tp[(size_t)i * EVAL_NUM_AREA] & 1;
}

static int is_fp(const eval__matches_t *m, uint32_t i)
{
    return !is_tp(m, i) && !(m->ig[(size_t)i * EVAL_NUM_AREA] & 1);
}

static void counts_at(const eval__matches_t *m, const uint32_t *sorted,
                      size_t n, const double *score, int64_t npig, double thr,
                      eval_counts_t *c)
{
    c->tp = c->fp = 0;
    for (size_t i = 0; i < n && score[i] >= thr; i++) {
        c->tp += is_tp(m, sorted[i]);
        c->fp += is_fp(m, sorted[i]);
    }
    eval__counts_finish(c, npig);
}

/* Counts at the grid thresholds j / 100, from the highest down, so one
 * pass over the score-sorted detections does all of them. */
static void f1_grid(const eval__matches_t *m, const uint32_t *sorted,
                    size_t n, const double *score, int64_t npig,
                    eval_class_t *c, int64_t *grid_tp, int64_t *grid_fp)
{
    eval_counts_t cnt = {0};
    size_t i = 0;
    for (int j = EVAL_NUM_F1 - 1; j >= 0; j--) {
        double thr = j / 100.0;
        for (; i < n && score[i] >= thr; i++) {
            cnt.tp += is_tp(m, sorted[i]);
            cnt.fp += is_fp(m, sorted[i]);
        }
        eval__counts_finish(&cnt, npig);
        c->f1_curve[j] = cnt.f1;
        grid_tp[j] = cnt.tp;
        grid_fp[j] = cnt.fp;
    }
}

/* The best F1 over every distinct detection score: F1 is evaluated where
 * a run of equal scores ends; strict > keeps the higher score on ties. */
static void best_threshold(const eval__matches_t *m, const uint32_t *sorted,
                           size_t n, const double *score, int64_t npig,
                           eval_class_t *c)
{
    eval_counts_t cnt = {0};
    c->best_f1 = -1;
    c->best_thr = 0;
    for (size_t i = 0; i < n; i++) {
        cnt.tp += is_tp(m, sorted[i]);
        cnt.fp += is_fp(m, sorted[i]);
        if (i + 1 < n && score[i + 1] == score[i])
            continue;
        eval__counts_finish(&cnt, npig);
        if (cnt.f1 > c->best_f1) {
            c->best_f1 = cnt.f1;
            c->best_thr = score[i];
        }
    }
}

void eval__extras(const eval__matches_t *m, const uint32_t *sorted,
                  size_t n, const double *score, int64_t npig,
                  double score_thr, eval_class_t *c, int64_t *f1_tp,
                  int64_t *f1_fp)
{
    counts_at(m, sorted, n, score, npig, score_thr, &c->at_thr);
    f1_grid(m, sorted, n, score, npig, c, f1_tp, f1_fp);
    best_threshold(m, sorted, n, score, npig, c);
}
