/* test_match.c - COCOeval.evaluateImg rules on hand-made cases: IoU and
 * crowd IoU, greedy matching in score order, ties, crowd regions, maxDets
 * and the area ranges decided by the annotation's area field. */
#include "check.h"
#include "eval/internal.h"
#include "eval_fixture.h"

static void test_match_iou(void)
{
    eval_box_t a = {.x = 0, .y = 0, .w = 10, .h = 10};
    eval_box_t g = {.x = 5, .y = 0, .w = 10, .h = 10};
    eval_box_t touch = {.x = 10, .y = 0, .w = 10, .h = 10};
    eval_box_t empty = {.x = 2, .y = 2, .w = 0, .h = 5};
    CHECK_NEAR(eval__iou(&a, &a, 0), 1, 0);
    CHECK_NEAR(eval__iou(&a, &g, 0), 50.0 / 150.0, 1e-15);
    CHECK_NEAR(eval__iou(&a, &g, 1), 50.0 / 100.0, 1e-15); /* crowd: / dt */
    CHECK_NEAR(eval__iou(&a, &touch, 0), 0, 0);
    CHECK_NEAR(eval__iou(&empty, &a, 0), 0, 0);
}

static void test_match_identical_boxes(void)
{
    eval_data_t *d = fx_data(2, 1);
    fx_gt(d, 1, 1, 10, 10, 50, 50, 0);
    fx_gt(d, 2, 1, 0, 0, 200, 100, 0);
    fx_det(d, 1, 1, 10, 10, 50, 50, 0.5);
    fx_det(d, 2, 1, 0, 0, 200, 100, 0.5);
    eval_result_t *r = fx_run(d);
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        if (i != EVAL_APS && i != EVAL_ARS)
            CHECK_NEAR(r->coco_stats[i], 1, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_APS], -1, 0); /* no small objects */
    CHECK_NEAR(r->coco_stats[EVAL_ARS], -1, 0);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Detections on a crowd region are ignored, never false positives, and a
 * crowd region can absorb any number of them. */
static void test_match_crowd_is_ignored(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_gt(d, 1, 1, 200, 200, 100, 100, 1);
    fx_det(d, 1, 1, 210, 210, 50, 50, 0.95);
    fx_det(d, 1, 1, 200, 200, 100, 100, 0.9);
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.8);
    eval_result_t *r = fx_run(d);
    CHECK_NEAR(r->coco_stats[EVAL_AP], 1, 1e-12);
    CHECK(r->classes[0].num_gt == 1);
    CHECK(r->classes[0].at_thr.tp == 1 && r->classes[0].at_thr.fp == 0);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* An ignored ("difficult") box is neither found nor missed; unlike a crowd
 * region it absorbs only one detection. */
static void test_match_ignored_box(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    eval_box_t hard = {.id = 999, .image_id = 1, .category_id = 1, .x = 300,
                       .w = 100, .h = 100, .area = 10000, .ignore = 1};
    CHECK(eval_data_add_gt(d, &hard, NULL) == AVP_OK);
    fx_det(d, 1, 1, 300, 0, 100, 100, 0.9); /* on the ignored box */
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.8);
    fx_det(d, 1, 1, 305, 0, 100, 100, 0.7); /* the box is taken: FP */
    eval_result_t *r = fx_run(d);
    const eval_counts_t *c = &r->classes[0].at_thr;
    CHECK(r->classes[0].num_gt == 1);
    CHECK(c->tp == 1 && c->fp == 1 && c->fn == 0);
    CHECK_NEAR(r->coco_stats[EVAL_AP50], 1, 1e-12);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Equal scores keep their input order (numpy's stable mergesort): the
 * false positive first halves the precision, second it costs nothing. */
static void test_match_score_ties_keep_input_order(void)
{
    for (int fp_first = 0; fp_first < 2; fp_first++) {
        eval_data_t *d = fx_data(1, 1);
        fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
        if (fp_first)
            fx_det(d, 1, 1, 500, 500, 100, 100, 0.5);
        fx_det(d, 1, 1, 0, 0, 100, 100, 0.5);
        if (!fp_first)
            fx_det(d, 1, 1, 500, 500, 100, 100, 0.5);
        eval_result_t *r = fx_run(d);
        double ap50 = r->coco_stats[EVAL_AP50];
        eval_result_destroy(r);
        eval_data_destroy(d);
        CHECK_NEAR(ap50, fp_first ? 0.5 : 1.0, 1e-12);
    }
}

/* The higher-scored detection takes the ground truth while its IoU (0.6)
 * passes the threshold; above 0.6 the better-placed one does. */
static void test_match_greedy_by_score(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_det(d, 1, 1, 0, 0, 100, 60, 0.9);  /* IoU exactly 0.6 */
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.8); /* IoU 1 */
    eval_result_t *r = fx_run(d);
    /* t = .50 .55 .60: [TP, FP] -> AP 1; 7 higher t: [FP, TP] -> 0.5. */
    CHECK_NEAR(r->coco_stats[EVAL_AP], (3 * 1.0 + 7 * 0.5) / 10, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AP75], 0.5, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AR1], 0.3, 1e-12); /* best one only */
    CHECK_NEAR(r->coco_stats[EVAL_AR10], 1, 1e-12);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Among ground truth of equal IoU the last one wins (pycocotools' ">="):
 * the first detection takes the right-hand box, which leaves the left-hand
 * one for the second detection. */
static void test_match_equal_iou_takes_the_last(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt(d, 1, 1, -20, 0, 100, 100, 0);
    fx_gt(d, 1, 1, 20, 0, 100, 100, 0);
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.9);   /* IoU 2/3 with both */
    fx_det(d, 1, 1, -20, 0, 100, 100, 0.8); /* IoU 1 and 3/7 */
    eval_result_t *r = fx_run(d);
    CHECK_NEAR(r->coco_stats[EVAL_AP50], 1, 1e-12);
    CHECK(r->classes[0].at_thr.tp == 2);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

static void test_match_max_dets(void)
{
    eval_data_t *d = fx_data(1, 1);
    for (int i = 0; i < 101; i++) {
        fx_gt(d, 1, 1, i * 20, 0, 10, 10, 0);
        fx_det(d, 1, 1, i * 20, 0, 10, 10, 1.0 - i * 0.001);
    }
    eval_result_t *r = fx_run(d);
    CHECK_NEAR(r->coco_stats[EVAL_AR1], 1.0 / 101, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AR10], 10.0 / 101, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_AR100], 100.0 / 101, 1e-12);
    CHECK(r->classes[0].at_thr.tp == 100 && r->classes[0].at_thr.fn == 1);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* A 50x50 box annotated with area 500 is small: its area field, not the
 * box, decides. The unmatched large detection is ignored in "small" but a
 * false positive (scored first) in "all". */
static void test_match_area_ranges(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt_area(d, 1, 1, 0, 0, 50, 50, 500, 0);
    fx_det(d, 1, 1, 0, 0, 50, 50, 0.5);
    fx_det(d, 1, 1, 300, 300, 200, 200, 0.9);
    eval_result_t *r = fx_run(d);
    CHECK_NEAR(r->coco_stats[EVAL_APS], 1, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_APM], -1, 0);
    CHECK_NEAR(r->coco_stats[EVAL_APL], -1, 0);
    CHECK_NEAR(r->coco_stats[EVAL_AP], 0.5, 1e-12);
    CHECK_NEAR(r->coco_stats[EVAL_ARS], 1, 1e-12);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_match_iou);
    RUN(test_match_identical_boxes);
    RUN(test_match_crowd_is_ignored);
    RUN(test_match_ignored_box);
    RUN(test_match_score_ties_keep_input_order);
    RUN(test_match_greedy_by_score);
    RUN(test_match_equal_iou_takes_the_last);
    RUN(test_match_max_dets);
    RUN(test_match_area_ranges);
    return CHECK_DONE();
}
