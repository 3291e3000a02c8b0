/* eval.c - eval_run(): index, match, accumulate, confusion matrix. */
#include "internal.h"

#include <string.h>

const char *const eval_stat_names[EVAL_NUM_STATS] = {
    "AP", "AP50", "AP75", "APs", "APm", "APl",
    "AR1", "AR10", "AR100", "ARs", "ARm", "ARl",
};

void eval_options_default(eval_options_t *opt)
{
    opt->score_thr = EVAL_DEFAULT_SCORE_THR;
    opt->cm_iou = 0.5;
    opt->threads = 1;
}

/* np.linspace(start, stop, num): i * ((stop - start) / (num - 1)) + start
 * with the last value set to stop. Computed the same way so that the
 * thresholds are the same doubles (linspace(.5, .95, 10)[8] is
 * 0.8999999999999999, and summarize() finds .75 by exact equality). */
static void linspace(double start, double stop, int num, double *out)
{
    double step = (stop - start) / (double)(num - 1);
    for (int i = 0; i < num; i++)
        out[i] = (double)i * step + start;
    out[num - 1] = stop;
}

static eval_result_t *result_create(const eval_data_t *d,
                                    const eval_options_t *opt)
{
    eval_result_t *r = avp_calloc(1, sizeof(*r));
    linspace(.5, .95, EVAL_NUM_IOU, r->iou_thrs);
    linspace(0, 1, EVAL_NUM_REC, r->rec_thrs);
    r->num_classes = (int)d->ncats;
    r->classes = avp_calloc(d->ncats + 1, sizeof(eval_class_t));
    for (size_t k = 0; k < d->ncats; k++) {
        r->classes[k].category_id = d->cats[k].id;
        r->classes[k].name = avp_strdup(d->cats[k].name); /* outlives d */
    }
    r->score_thr = opt->score_thr;
    r->cm_iou = opt->cm_iou;
    r->num_images = (int64_t)d->nimages;
    r->num_gt = (int64_t)d->gt.n;
    r->num_det = (int64_t)d->det.n;
    return r;
}

int eval_run(eval_data_t *d, const eval_options_t *opt, eval_result_t **out,
             avp_error_t *err)
{
    double t0 = avp_now();
    *out = NULL;
    if (!(opt->cm_iou > 0 && opt->cm_iou <= 1))
        return avp_error_set(err, AVP_EINVAL, "cm_iou must be in (0, 1]");
    int rc = eval__index(d, err);
    if (rc)
        return rc;
    eval_result_t *r = result_create(d, opt);
    tpool_t *tp = tpool_create(opt->threads);
    eval__matches_t m;
    rc = eval__match(d, r->iou_thrs, tp, &m);
    if (!rc) {
        rc = eval__accumulate(d, &m, tp, r);
        if (!rc)
            rc = eval__confusion(d, &m, tp, r);
        if (!rc)
            eval__image_counts(d, &m, r);
        eval__matches_free(&m);
    }
    tpool_destroy(tp);
    if (rc) {
        eval_result_destroy(r);
        return avp_error_set(err, rc, "evaluation: %s", avp_strerror(rc));
    }
    r->seconds = avp_now() - t0;
    *out = r;
    return AVP_OK;
}

void eval_result_destroy(eval_result_t *r)
{
    if (!r)
        return;
    for (int k = 0; k < r->num_classes; k++)
        avp_free((char *)r->classes[k].name);
    avp_free(r->classes);
    avp_free(r->confusion);
    avp_free(r->images);
    avp_free_aligned(r->precision);
    avp_free_aligned(r->scores);
    avp_free_aligned(r->recall);
    avp_free(r);
}
