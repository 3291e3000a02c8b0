/* test_accumulate.c - precision/recall accumulation and the summary:
 * COCO's 101-point interpolation worked out by hand, empty ground truth,
 * empty predictions, and classes present on one side only. */
#include "check.h"
#include "eval_fixture.h"

/* Four objects; detections in score order TP FP TP FP TP. Recall
 * .25 .25 .5 .5 .75, precision 1 .5 .667 .5 .6, envelope 1 .667 .667 .6
 * .6: recall thresholds 0..0.25 (26) read 1, 0.26..0.5 (25) read 2/3,
 * 0.51..0.75 (25) read 0.6 and the last 25 read 0. */
static void test_accumulate_interpolation_by_hand(void)
{
    eval_data_t *d = fx_data(1, 1);
    for (int i = 0; i < 4; i++)
        fx_gt(d, 1, 1, i * 200, 0, 100, 100, 0);
    const int tp[5] = {1, 0, 1, 0, 1};
    for (int i = 0, g = 0; i < 5; i++) {
        double x = tp[i] ? (g++) * 200 : 2000 + i * 200;
        fx_det(d, 1, 1, x, 0, 100, 100, 0.9 - i * 0.1);
    }
    eval_result_t *r = fx_run(d);
    double want = (26 * 1.0 + 25 * (2.0 / 3.0) + 25 * 0.6) / 101;
    CHECK_NEAR(r->coco_stats[EVAL_AP50], want, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AP], want, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AR100], 0.75, 1e-12);
    CHECK_NEAR(r->classes[0].pr_precision[25], 1, 1e-12);
    CHECK_NEAR(r->classes[0].pr_precision[26], 2.0 / 3.0, 1e-12);
    CHECK_NEAR(r->classes[0].pr_precision[76], 0, 0);
    CHECK_NEAR(r->classes[0].pr_score[26], 0.7, 1e-12);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

static void test_accumulate_empty_ground_truth(void)
{
    eval_data_t *d = fx_data(2, 2);
    fx_det(d, 1, 1, 0, 0, 10, 10, 0.9);
    eval_result_t *r = fx_run(d);
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        CHECK_NEAR(r->coco_stats[i], -1, 0);
    CHECK(r->classes[0].at_thr.fp == 1);
    CHECK_NEAR(r->classes[0].at_thr.recall, -1, 0);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

static void test_accumulate_empty_predictions(void)
{
    eval_data_t *d = fx_data(2, 1);
    fx_gt(d, 1, 1, 0, 0, 10, 10, 0);
    fx_gt(d, 2, 1, 0, 0, 100, 100, 0);
    eval_result_t *r = fx_run(d);
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        if (i != EVAL_APM && i != EVAL_ARM)
            CHECK_NEAR(r->coco_stats[i], 0, 0);
    CHECK_NEAR(r->coco_stats[EVAL_APM], -1, 0);
    CHECK(r->classes[0].at_thr.fn == 2);
    CHECK_NEAR(r->classes[0].at_thr.precision, 0, 0);
    CHECK_NEAR(r->classes[0].best_f1, -1, 0);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Class 1 is perfect, class 2 has detections but no ground truth (left
 * out of the mean: -1), class 3 has ground truth but no detections (0,
 * in the mean). */
static void test_accumulate_classes_on_one_side(void)
{
    eval_data_t *d = fx_data(1, 3);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.9);
    fx_det(d, 1, 2, 300, 0, 100, 100, 0.9);
    fx_gt(d, 1, 3, 600, 0, 100, 100, 0);
    eval_result_t *r = fx_run(d);
    CHECK_NEAR(r->classes[0].stats[EVAL_AP], 1, 1e-12);
    CHECK_NEAR(r->classes[1].stats[EVAL_AP], -1, 0);
    CHECK_NEAR(r->classes[2].stats[EVAL_AP], 0, 0);
    CHECK_NEAR(r->coco_stats[EVAL_AP], 0.5, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AR100], 0.5, 1e-12);
    CHECK(r->precision[eval_pr_index(r, 0, 0, 1, 0, 2)] == -1);
    CHECK(r->recall[eval_rc_index(r, 0, 2, 0, 2)] == 0);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* The thresholds are numpy's linspace doubles; .75 must be found by
 * exact equality for AP75 to exist at all. */
static void test_accumulate_thresholds(void)
{
    eval_data_t *d = fx_data(1, 1);
    eval_result_t *r = fx_run(d);
    CHECK(r->iou_thrs[0] == 0.5 && r->iou_thrs[5] == 0.75);
    CHECK(r->iou_thrs[8] == 0.8999999999999999);
    CHECK(r->iou_thrs[9] == 0.95);
    CHECK(r->rec_thrs[57] == 0.5700000000000001 && r->rec_thrs[100] == 1);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_accumulate_interpolation_by_hand);
    RUN(test_accumulate_empty_ground_truth);
    RUN(test_accumulate_empty_predictions);
    RUN(test_accumulate_classes_on_one_side);
    RUN(test_accumulate_thresholds);
    return CHECK_DONE();
}
