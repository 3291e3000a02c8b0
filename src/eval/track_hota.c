/* track_hota.c - HOTA (Luiten et al., IJCV 2021) as TrackEval's
 * metrics/hota.py computes it for one sequence:
 *   1. over all frames, the soft co-occurrence of each (gt id, tracker id)
 *      pair: the IoU divided by (row sum + column sum - IoU) of the
 *      frame's IoU matrix, summed; with each id's box count this gives the
 *      pair's global alignment score A = pot / (gt count + tr count - pot);
 *   2. per frame, one assignment maximizing A x IoU; for each alpha the
 *      assigned pairs with IoU >= alpha are the true positives, which count
 *      per pair the frames matched (TPA of the paper);
 *   3. per alpha DetA = TP / (TP + FN + FP), AssA = the mean over TPs of
 *      TPA / (TPA + FNA + FPA), HOTA = sqrt(DetA x AssA).
 * A pair's match count is kept sparse (one record per matched gt box,
 * grouped at the end) instead of TrackEval's 19 dense id x id matrices. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* TrackEval compares against thresholds minus numpy's float eps. */
#define EPS DBL_EPSILON

typedef struct hit {
    int64_t pair; /* gt id x num tracker ids + tracker id */
    double sim;
} hit_t;

typedef struct hota_state {
    eval__track_seq_t *s;
    double *pot, *gt_count, *tr_count;
    double *row, *col, *score; /* per frame scratch */
    int *match;
    hit_t *hits;
    size_t num_hits;
    double loc[EVAL_TRACK_NUM_ALPHA];
} hota_state_t;

static int hit_cmp(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    return x->pair < y->pair ? -1 : x->pair > y->pair;
}

/* Step 1 for frame f: soft co-occurrence and box counts. */
static void cooccur(hota_state_t *h, size_t f)
{
    eval__track_seq_t *s = h->s;
    size_t g0 = s->gt_first[f], ng = s->gt_first[f + 1] - g0;
    size_t t0 = s->tr_first[f], nt = s->tr_first[f + 1] - t0;
    const double *sim = eval__track_seq_iou(s, f);
    for (size_t i = 0; i < ng; i++)
        h->row[i] = 0;
    for (size_t j = 0; j < nt; j++)
        h->col[j] = 0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nt; j++)
            h->row[i] += sim[i * nt + j], h->col[j] += sim[i * nt + j];
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nt; j++) {
            double d = h->row[i] + h->col[j] - sim[i * nt + j];
            if (d > EPS)
                h->pot[(size_t)s->gt_id[g0 + i] * s->num_tr_ids +
                       s->tr_id[t0 + j]] += sim[i * nt + j] / d;
        }
    for (size_t i = 0; i < ng; i++)
        h->gt_count[s->gt_id[g0 + i]] += 1;
    for (size_t j = 0; j < nt; j++)
        h->tr_count[s->tr_id[t0 + j]] += 1;
}

static double align(const hota_state_t *h, int g, int t)
{
    double p = h->pot[(size_t)g * h->s->num_tr_ids + t];
    return p / (h->gt_count[g] + h->tr_count[t] - p);
}

/* Step 2 for frame f. */
static int match_frame(hota_state_t *h, eval__lsa_t *lsa, size_t f,
                       eval_track_result_t *r)
{
    eval__track_seq_t *s = h->s;
    size_t g0 = s->gt_first[f], ng = s->gt_first[f + 1] - g0;
    size_t t0 = s->tr_first[f], nt = s->tr_first[f + 1] - t0;
    int64_t matched[EVAL_TRACK_NUM_ALPHA] = {0};
    if (ng && nt) {
        const double *sim = eval__track_seq_iou(s, f);
        for (size_t i = 0; i < ng; i++)
            for (size_t j = 0; j < nt; j++)
                h->score[i * nt + j] =
                    -align(h, s->gt_id[g0 + i], s->tr_id[t0 + j]) *
                    sim[i * nt + j];
        int rc = eval__lsa_solve(lsa, h->score, (int)ng, (int)nt, h->match);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < ng; i++) {
            double v = h->match[i] < 0 ? 0 : sim[i * nt + h->match[i]];
            for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++)
                if (v >= r->alpha[a] - EPS)
                    matched[a]++, h->loc[a] += v;
            if (v >= r->alpha[0] - EPS)
                h->hits[h->num_hits++] = (hit_t){
                    (int64_t)s->gt_id[g0 + i] * s->num_tr_ids +
                        s->tr_id[t0 + h->match[i]], v};
        }
    }
    for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++) {
        r->hota_tp[a] += matched[a];
        r->hota_fn[a] += (int64_t)ng - matched[a];
        r->hota_fp[a] += (int64_t)nt - matched[a];
    }
    return AVP_OK;
}

static double max1(double v)
{
    return v > 1 ? v : 1;
}

/* Step 3's association sums: each pair's match count per alpha. */
static void associate(hota_state_t *h, eval_track_result_t *r)
{
    qsort(h->hits, h->num_hits, sizeof(*h->hits), hit_cmp);
    int tr_ids = h->s->num_tr_ids;
    for (size_t k = 0; k < h->num_hits;) {
        double cnt[EVAL_TRACK_NUM_ALPHA] = {0};
        int64_t pair = h->hits[k].pair;
        for (; k < h->num_hits && h->hits[k].pair == pair; k++)
            for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++)
                cnt[a] += h->hits[k].sim >= r->alpha[a] - EPS;
        double gc = h->gt_count[pair / tr_ids];
        double tc = h->tr_count[pair % tr_ids];
        for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++) {
            double c = cnt[a];
            r->hota[EVAL_ASSA][a] += c * c / max1(gc + tc - c);
            r->hota[EVAL_ASSRE][a] += c * c / max1(gc);
            r->hota[EVAL_ASSPR][a] += c * c / max1(tc);
        }
    }
    for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++) {
        double tp = max1((double)r->hota_tp[a]);
        r->hota[EVAL_ASSA][a] /= tp;
        r->hota[EVAL_ASSRE][a] /= tp;
        r->hota[EVAL_ASSPR][a] /= tp;
        r->hota[EVAL_LOCA][a] = fmax(1e-10, h->loc[a]) /
                                fmax(1e-10, (double)r->hota_tp[a]);
    }
}

/* TrackEval's _compute_final_fields and the means the summary shows. */
static void finish(eval_track_result_t *r)
{
    for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++) {
        double tp = (double)r->hota_tp[a], fn = (double)r->hota_fn[a],
               fp = (double)r->hota_fp[a];
        r->hota[EVAL_DETRE][a] = tp / max1(tp + fn);
        r->hota[EVAL_DETPR][a] = tp / max1(tp + fp);
        r->hota[EVAL_DETA][a] = tp / max1(tp + fn + fp);
        r->hota[EVAL_HOTA][a] =
            sqrt(r->hota[EVAL_DETA][a] * r->hota[EVAL_ASSA][a]);
    }
    for (int k = 0; k < EVAL_HOTA_NUM_FIELDS; k++) {
        double sum = 0;
        for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++)
            sum += r->hota[k][a];
        r->hota_mean[k] = sum / EVAL_TRACK_NUM_ALPHA;
    }
    r->hota0 = r->hota[EVAL_HOTA][0];
    r->loca0 = r->hota[EVAL_LOCA][0];
    r->hota_loca0 = r->hota0 * r->loca0;
}

/* No boxes on one side: every box is a miss or a false positive, and
 * TrackEval sets LocA to 1 without matching. */
static void one_sided(const eval__track_seq_t *s, eval_track_result_t *r)
{
    for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++) {
        r->hota_fn[a] = s->num_tr ? 0 : (int64_t)s->num_gt;
        r->hota_fp[a] = s->num_tr ? (int64_t)s->num_tr : 0;
        r->hota[EVAL_LOCA][a] = 1;
    }
    finish(r);
}

int eval__track_hota(eval__track_seq_t *s, eval__lsa_t *lsa,
                     eval_track_result_t *r)
{
    if (!s->num_gt || !s->num_tr) {
        one_sided(s, r);
        return AVP_OK;
    }
    size_t pairs = (size_t)s->num_gt_ids * s->num_tr_ids;
    hota_state_t h = {
        .s = s, .pot = avp_calloc(pairs, sizeof(double)),
        .gt_count = avp_calloc((size_t)s->num_gt_ids, sizeof(double)),
        .tr_count = avp_calloc((size_t)s->num_tr_ids, sizeof(double)),
        .row = avp_malloc(s->num_gt * sizeof(double)),
        .col = avp_malloc(s->num_tr * sizeof(double)),
        .score = avp_malloc((s->most + 1) * sizeof(double)),
        .match = avp_malloc(s->num_gt * sizeof(int)),
        .hits = avp_malloc(s->num_gt * sizeof(hit_t))};
    int rc = AVP_OK;
    for (size_t f = 0; f < s->num_frames; f++)
        cooccur(&h, f);
    for (size_t f = 0; f < s->num_frames && rc == AVP_OK; f++)
        rc = match_frame(&h, lsa, f, r);
    if (rc == AVP_OK) {
        associate(&h, r);
        finish(r);
    }
    avp_free(h.pot);
    avp_free(h.gt_count);
    avp_free(h.tr_count);
    avp_free(h.row);
    avp_free(h.col);
    avp_free(h.score);
    avp_free(h.match);
    avp_free(h.hits);
    return rc;
}
