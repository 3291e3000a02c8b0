/* track_clear.c - CLEAR MOT (Bernardin and Stiefelhagen 2008) and the
 * Identity metrics (Ristani et al. 2016) as TrackEval's metrics/clear.py
 * and metrics/identity.py compute them for one sequence, at IoU 0.5.
 *
 * CLEAR matches frame by frame: an assignment maximizing IoU among pairs
 * with IoU >= 0.5, where a pair that continues the gt id's match of the
 * previous frame that had both gt and tracker boxes gets 1000 more, so
 * that a track is kept whenever it still overlaps enough. An ID switch is
 * a gt id matched to another tracker id than at its last match, however
 * long ago; a fragmentation is a track matched again after a frame of its
 * sequence where it was not. TrackEval's quirk is kept: frames with boxes
 * on one side only do not end the "previous frame" of the bonus.
 *
 * Identity counts, over the whole sequence, the frames where each (gt id,
 * tracker id) pair overlaps with IoU >= 0.5 (every such pair, not a
 * per-frame assignment) and then matches ids one to one to maximize the
 * total: IDTP. */
#include "internal.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define EPS DBL_EPSILON
#define THRESHOLD 0.5

typedef struct clear_state {
    eval__track_seq_t *s;
    int *prev, *prev_step;   /* tracker id of the gt id's last match; -1 */
    double *count, *matched, *frags;
    double *score;
    int *match, *is_match;
    double motp_sum;
} clear_state_t;

/* Scores of frame f (negated, for a min-cost assignment); 0 below the
 * threshold as TrackEval zeroes them. */
static void frame_scores(clear_state_t *c, size_t f, const double *sim)
{
    eval__track_seq_t *s = c->s;
    size_t g0 = s->gt_first[f], ng = s->gt_first[f + 1] - g0;
    size_t t0 = s->tr_first[f], nt = s->tr_first[f + 1] - t0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nt; j++) {
            double v = sim[i * nt + j];
            int cont = c->prev_step[s->gt_id[g0 + i]] == s->tr_id[t0 + j];
            c->score[i * nt + j] =
                v < THRESHOLD - EPS ? 0 : -(1000.0 * cont + v);
        }
}

/* One frame with boxes on both sides. */
static int clear_frame(clear_state_t *c, eval__lsa_t *lsa, size_t f,
                       eval_track_result_t *r)
{
    eval__track_seq_t *s = c->s;
    size_t g0 = s->gt_first[f], ng = s->gt_first[f + 1] - g0;
    size_t t0 = s->tr_first[f], nt = s->tr_first[f + 1] - t0;
    const double *sim = eval__track_seq_iou(s, f);
    frame_scores(c, f, sim);
    int rc = eval__lsa_solve(lsa, c->score, (int)ng, (int)nt, c->match);
    if (rc < 0)
        return rc;
    int64_t n = 0;
    for (size_t i = 0; i < ng; i++) {
        int j = c->match[i], g = s->gt_id[g0 + i];
        c->is_match[i] = j >= 0 && -c->score[i * nt + j] > EPS;
        c->count[g] += 1;
        if (!c->is_match[i])
            continue;
        int t = s->tr_id[t0 + j];
        r->idsw += c->prev[g] >= 0 && c->prev[g] != t;
        c->prev[g] = t;
        c->matched[g] += 1;
        c->motp_sum += sim[i * nt + j];
        n++;
    }
    /* Frag: a gt id matched now but not at the previous both-sided frame. */
    for (size_t i = 0; i < ng; i++) {
        int g = s->gt_id[g0 + i];
        if (c->is_match[i] && c->prev_step[g] < 0)
            c->frags[g] += 1;
    }
    for (int g = 0; g < s->num_gt_ids; g++)
        c->prev_step[g] = -1;
    for (size_t i = 0; i < ng; i++)
        if (c->is_match[i])
            c->prev_step[s->gt_id[g0 + i]] = s->tr_id[t0 + c->match[i]];
    r->clr_tp += n;
    r->clr_fn += (int64_t)ng - n;
    r->clr_fp += (int64_t)nt - n;
    return AVP_OK;
}

static double max1(double v)
{
    return v > 1 ? v : 1;
}

static void clear_finish(eval_track_result_t *r, double motp_sum)
{
    double tp = (double)r->clr_tp, fn = (double)r->clr_fn,
           fp = (double)r->clr_fp, idsw = (double)r->idsw;
    double ids = (double)(r->mt + r->pt + r->ml);
    r->mtr = (double)r->mt / max1(ids);
    r->ptr = (double)r->pt / max1(ids);
    r->mlr = (double)r->ml / max1(ids);
    r->moda = (tp - fp) / max1(tp + fn);
    r->mota = (tp - fp - idsw) / max1(tp + fn);
    r->motp = motp_sum / max1(tp);
    r->smota = (motp_sum - fp - idsw) / max1(tp + fn);
    r->clr_re = tp / max1(tp + fn);
    r->clr_pr = tp / max1(tp + fp);
    r->clr_f1 = tp / max1(tp + 0.5 * fn + 0.5 * fp);
    r->fp_per_frame = fp / max1((double)r->num_frames);
}

/* MT: tracked over 80 % of its boxes; PT: at least 20 %; ML: the rest. */
static void coverage(const clear_state_t *c, eval_track_result_t *r)
{
    for (int g = 0; g < c->s->num_gt_ids; g++) {
        if (c->count[g] <= 0)
            continue;
        double ratio = c->matched[g] / c->count[g];
        r->mt += ratio > 0.8;
        r->pt += ratio >= 0.2 && ratio <= 0.8;
        r->frag += c->frags[g] > 0 ? (int64_t)c->frags[g] - 1 : 0;
    }
    r->ml = c->s->num_gt_ids - r->mt - r->pt;
}

int eval__track_clear(eval__track_seq_t *s, eval__lsa_t *lsa,
                      eval_track_result_t *r)
{
    if (!s->num_gt || !s->num_tr) {
        /* Every gt box missed and every gt id mostly lost, or every
         * tracker box a false positive. */
        r->clr_fn = (int64_t)s->num_gt;
        r->clr_fp = (int64_t)s->num_tr;
        r->ml = s->num_gt_ids;
        clear_finish(r, 0);
        return AVP_OK;
    }
    size_t ng = (size_t)s->num_gt_ids;
    clear_state_t c = {.s = s, .prev = avp_malloc(ng * sizeof(int)),
                       .prev_step = avp_malloc(ng * sizeof(int)),
                       .count = avp_calloc(ng, sizeof(double)),
                       .matched = avp_calloc(ng, sizeof(double)),
                       .frags = avp_calloc(ng, sizeof(double)),
                       .score = avp_malloc((s->most + 1) * sizeof(double)),
                       .match = avp_malloc(s->num_gt * sizeof(int)),
                       .is_match = avp_malloc(s->num_gt * sizeof(int))};
    memset(c.prev, 0xff, ng * sizeof(int));
    memset(c.prev_step, 0xff, ng * sizeof(int));
    int rc = AVP_OK;
    for (size_t f = 0; f < s->num_frames && rc == AVP_OK; f++) {
        size_t g0 = s->gt_first[f], n_g = s->gt_first[f + 1] - g0;
        size_t n_t = s->tr_first[f + 1] - s->tr_first[f];
        if (!n_g)
            r->clr_fp += (int64_t)n_t;
        else if (!n_t) {
            r->clr_fn += (int64_t)n_g;
            for (size_t i = 0; i < n_g; i++)
                c.count[s->gt_id[g0 + i]] += 1;
        } else
            rc = clear_frame(&c, lsa, f, r);
    }
    coverage(&c, r);
    clear_finish(r, c.motp_sum);
    avp_free(c.prev);
    avp_free(c.prev_step);
    avp_free(c.count);
    avp_free(c.matched);
    avp_free(c.frags);
    avp_free(c.score);
    avp_free(c.match);
    avp_free(c.is_match);
    return rc;
}

/* Identity. TrackEval solves a (gt ids + tracker ids) square problem
 * whose extra rows and columns stand for "unmatched"; its optimum is the
 * total box count minus twice the largest total of co-occurrence counts
 * over one-to-one id pairings, so the gt ids x tracker ids assignment
 * maximizing that total gives the same IDTP, IDFN and IDFP on a matrix
 * four times smaller. */
int eval__track_identity(eval__track_seq_t *s, eval__lsa_t *lsa,
                         eval_track_result_t *r, avp_error_t *err)
{
    r->idfn = (int64_t)s->num_gt;
    r->idfp = (int64_t)s->num_tr;
    int rc = AVP_OK;
    if (s->num_gt && s->num_tr) {
        size_t nt = (size_t)s->num_tr_ids;
        double *pm = avp_calloc((size_t)s->num_gt_ids * nt, sizeof(double));
        int *match = avp_malloc((size_t)s->num_gt_ids * sizeof(int));
        for (size_t f = 0; f < s->num_frames; f++) {
            size_t g0 = s->gt_first[f], ng = s->gt_first[f + 1] - g0;
            size_t t0 = s->tr_first[f], n_t = s->tr_first[f + 1] - t0;
            const double *sim = eval__track_seq_iou(s, f);
            for (size_t i = 0; i < ng; i++)
                for (size_t j = 0; j < n_t; j++)
                    pm[(size_t)s->gt_id[g0 + i] * nt + s->tr_id[t0 + j]] +=
                        sim[i * n_t + j] >= THRESHOLD;
        }
        for (size_t k = 0; k < (size_t)s->num_gt_ids * nt; k++)
            pm[k] = -pm[k];
        rc = eval__lsa_solve(lsa, pm, s->num_gt_ids, (int)nt, match);
        for (int g = 0; rc == AVP_OK && g < s->num_gt_ids; g++)
            r->idtp += match[g] < 0 ? 0 : (int64_t)-pm[(size_t)g * nt +
                                                       match[g]];
        if (rc < 0)
            avp_error_set(err, rc, "identity assignment failed");
        avp_free(pm);
        avp_free(match);
    }
    r->idfn -= r->idtp;
    r->idfp -= r->idtp;
    r->idr = (double)r->idtp / max1((double)(r->idtp + r->idfn));
    r->idp = (double)r->idtp / max1((double)(r->idtp + r->idfp));
    r->idf1 = (double)r->idtp /
              max1(r->idtp + 0.5 * (double)r->idfp + 0.5 * (double)r->idfn);
    return rc;
}
