/*
 * eval_fixture.h - builds small evaluation inputs for the eval tests: a
 * data set with images 1..n and categories 1..k ("c1".."ck"), boxes added
 * by one call each, and a run with the default options.
 */
#ifndef AVP_TESTS_EVAL_FIXTURE_H
#define AVP_TESTS_EVAL_FIXTURE_H

#include "eval/eval.h"

#include <stdio.h>
#include <stdlib.h>

static inline eval_data_t *fx_data(int nimages, int ncats)
{
    eval_data_t *d = eval_data_create();
    for (int i = 1; i <= nimages; i++)
        eval_data_add_image(d, i);
    for (int k = 1; k <= ncats; k++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", k);
        eval_data_add_category(d, k, name);
    }
    return d;
}

/* Ground truth with an explicit area (COCO's segmentation area). */
static inline void fx_gt_area(eval_data_t *d, int64_t img, int64_t cat,
                              double x, double y, double w, double h,
                              double area, int crowd)
{
    static int64_t next_id = 1;
    eval_box_t b = {.id = next_id++, .image_id = img, .category_id = cat,
                    .x = x, .y = y, .w = w, .h = h, .area = area,
                    .iscrowd = crowd};
    if (eval_data_add_gt(d, &b, NULL))
        abort();
}

static inline void fx_gt(eval_data_t *d, int64_t img, int64_t cat, double x,
                         double y, double w, double h, int crowd)
{
    fx_gt_area(d, img, cat, x, y, w, h, w * h, crowd);
}

static inline void fx_det(eval_data_t *d, int64_t img, int64_t cat, double x,
                          double y, double w, double h, double score)
{
    eval_box_t b = {.image_id = img, .category_id = cat, .x = x, .y = y,
                    .w = w, .h = h, .score = score};
    if (eval_data_add_det(d, &b, NULL))
        abort();
}

static inline eval_result_t *fx_run_opt(eval_data_t *d, int threads,
                                        double score_thr)
{
    eval_options_t opt;
    eval_options_default(&opt);
    opt.threads = threads;
    opt.score_thr = score_thr;
    eval_result_t *r = NULL;
    avp_error_t err = {0};
    if (eval_run(d, &opt, &r, &err)) {
        fprintf(stderr, "eval_run: %s\n", err.msg);
        abort();
    }
    return r;
}

static inline eval_result_t *fx_run(eval_data_t *d)
{
    return fx_run_opt(d, 1, 0.25);
}

#endif
