/* frames.c - TP/FP/FN of each image at the operating point: the counts of
 * extras.c split by image instead of by class, so the images' counts add
 * up to the overall line exactly. They come from COCO's own matching (IoU
 * .50, area "all", the 100 best detections per image and class, greedy
 * in score order, crowd and ignored ground truth counting neither way),
 * and because that matching is greedy, the detections scoring >= the
 * threshold are matched as if the lower ones did not exist. */
#include "internal.h"

/* Adds one cell's counts to its image. */
static void add_cell(const eval_data_t *d, const eval__matches_t *m,
                     const eval__cell_t *cell, double score_thr,
                     eval_image_counts_t *img)
{
    int64_t tp = 0;
    for (uint32_t k = 0; k < cell->nkept; k++) {
        size_t i = (size_t)cell->kept0 + k;
        if (d->det.v[m->det[i]].score < score_thr)
            continue;
        int is_tp = m->tp[i * EVAL_NUM_AREA] & 1;
        tp += is_tp;
        img->fp += !is_tp && !(m->ig[i * EVAL_NUM_AREA] & 1);
    }
    img->tp += tp;
    img->fn += cell->npig[0] - tp;
}

void eval__image_counts(const eval_data_t *d, const eval__matches_t *m,
                        eval_result_t *r)
{
    r->images = avp_calloc(d->nimages + 1, sizeof(*r->images));
    for (size_t i = 0; i < d->nimages; i++)
        r->images[i].image_id = d->images[i];
    for (size_t c = 0; c < d->ncells; c++)
        add_cell(d, m, &d->cells[c], r->score_thr,
                 &r->images[d->cells[c].img]);
}
