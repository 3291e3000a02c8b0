/* test_tide.c - TIDE's error types and dAPs (tide.c, tide_fix.c) on an
 * image that holds one error of each type, with every number derived by
 * hand in the comments; crowd regions; an image without ground truth. */
#include "check.h"
#include "eval_fixture.h"

static eval_tide_result_t *tide(eval_data_t *d)
{
    eval_tide_result_t *t = NULL;
    avp_error_t err = {0};
    if (eval_tide(d, &t, &err))
        abort();
    return t;
}

/* Classes A (1) and B (2). Ground truth: g1 A, g2 A, g3 B, g4 A, apart.
 * Detections, best first:
 *   .9 A on g1 exactly            TP
 *   .8 A on g1, shifted 10 px     Dupe (IoU 0.82 with g1, already found)
 *   .7 A, the top 30 % of g2      Loc (IoU 0.3 with g2)
 *   .6 A on g3 exactly            Cls (IoU 1 with a B box)
 *   .5 B, the top 30 % of g1      Both (IoU 0.3 with an A box, none with B)
 *   .4 B far from everything      Bkg
 * g4: no detection near it: Miss.
 * AP50 (TIDE: mean of the envelope's precision at recall 0, .01 .. 1):
 *   A: npos 3, one TP first -> precision 1 up to recall 1/3 (bars 0 ..
 *   .33: 34 of 101), 0 after: 34/101. B: npos 1, no TP: 0. mAP 17/101.
 * Cls fixed: .6 becomes a B TP ahead of B's FPs -> B: 1; A unchanged:
 *   mAP (34/101 + 1) / 2, dAP 1/2 (per class: A 0, B 1).
 * Loc fixed: A = TP, FP, TP, FP: precision 1 to recall 1/3 (34 bars),
 *   then the envelope's 2/3 to recall 2/3 (.34 .. .66: 33 bars):
 *   (34 + 22) / 101; dAP (56/101 - 34/101) / 2 = 11/101.
 * Miss fixed: A's npos 2: precision 1 to recall 1/2 (51 bars): dAP
 *   (51 - 34) / 202.
 * Dupe, Both, Bkg fixed: the dropped FPs came after every TP: dAP 0.
 * FalsePos (TPs scored 1, FPs 0): the same order: 0.
 * FalseNeg (unmatched gt removed): A's npos 1 -> 1; B's 0 -> 0 (kept in
 *   the mean: it has detections): 1/2 - 17/101. */
/* The image described above (also the gallery test's). */
static eval_data_t *one_error_of_each_type(void)
{
    eval_data_t *d = fx_data(1, 2);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_gt(d, 1, 1, 300, 0, 100, 100, 0);
    fx_gt(d, 1, 2, 600, 0, 100, 100, 0);
    fx_gt(d, 1, 1, 900, 0, 100, 100, 0);
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.9);
    fx_det(d, 1, 1, 10, 0, 100, 100, 0.8);
    fx_det(d, 1, 1, 300, 0, 100, 30, 0.7);
    fx_det(d, 1, 1, 600, 0, 100, 100, 0.6);
    fx_det(d, 1, 2, 0, 0, 100, 30, 0.5);
    fx_det(d, 1, 2, 2000, 2000, 10, 10, 0.4);
    return d;
}

static void test_tide_one_error_of_each_type(void)
{
    eval_data_t *d = one_error_of_each_type();
    eval_tide_result_t *t = tide(d);
    for (int e = 0; e < EVAL_TIDE_NUM_MAIN; e++)
        CHECK(t->count[e] == 1);
    const eval_tide_class_t *a = &t->classes[0], *b = &t->classes[1];
    CHECK(a->count[EVAL_TIDE_CLS] == 1 && a->count[EVAL_TIDE_LOC] == 1 &&
          a->count[EVAL_TIDE_DUPE] == 1 && a->count[EVAL_TIDE_MISS] == 1);
    CHECK(b->count[EVAL_TIDE_BOTH] == 1 && b->count[EVAL_TIDE_BKG] == 1);
    CHECK_NEAR(t->ap, 17.0 / 101, 1e-12);
    CHECK_NEAR(a->ap, 34.0 / 101, 1e-12);
    CHECK_NEAR(t->dap[EVAL_TIDE_CLS], 0.5, 1e-12);
    CHECK_NEAR(a->dap[EVAL_TIDE_CLS], 0, 1e-12);
    CHECK_NEAR(b->dap[EVAL_TIDE_CLS], 1, 1e-12);
    CHECK_NEAR(t->dap[EVAL_TIDE_LOC], 11.0 / 101, 1e-12);
    CHECK_NEAR(t->dap[EVAL_TIDE_MISS], 17.0 / 202, 1e-12);
    CHECK(t->dap[EVAL_TIDE_DUPE] == 0 && t->dap[EVAL_TIDE_BOTH] == 0 &&
          t->dap[EVAL_TIDE_BKG] == 0);
    CHECK_NEAR(t->dap[EVAL_TIDE_FALSE_POS], 0, 1e-12);
    CHECK_NEAR(t->dap[EVAL_TIDE_FALSE_NEG], 0.5 - 17.0 / 101, 1e-12);
    eval_tide_result_destroy(t);
    eval_data_destroy(d);
}

/* The gallery's records of the image above: each false positive with
 * the ground truth its type was decided by (none for Bkg) and their IoU,
 * then the Miss as its own box. */
static void test_tide_failures_name_their_boxes(void)
{
    eval_data_t *d = one_error_of_each_type();
    eval_tide_result_t *t = tide(d);
    CHECK(t->num_failures == 6);
    static const struct {
        eval_tide_error_t type;
        double score, gt_x, iou;
    } want[] = {{EVAL_TIDE_DUPE, 0.8, 0, 90.0 / 110},
                {EVAL_TIDE_LOC, 0.7, 300, 0.3},
                {EVAL_TIDE_CLS, 0.6, 600, 1},
                {EVAL_TIDE_BOTH, 0.5, 0, 0.3},
                {EVAL_TIDE_BKG, 0.4, -1, 0}};
    for (size_t k = 0; k < 5 && k < t->num_failures; k++) {
        const eval_tide_failure_t *f = &t->failures[k];
        CHECK(f->type == want[k].type && f->has_det &&
              f->det.score == want[k].score);
        CHECK(f->has_gt == (want[k].gt_x >= 0));
        CHECK(!f->has_gt || f->gt.x == want[k].gt_x);
        CHECK_NEAR(f->iou, want[k].iou, 1e-12);
    }
    const eval_tide_failure_t *miss = &t->failures[5];
    CHECK(miss->type == EVAL_TIDE_MISS && !miss->has_det && miss->has_gt &&
          miss->gt.x == 900 && miss->gt.category_id == 1);
    eval_tide_result_destroy(t);
    eval_data_destroy(d);
}

/* Two Loc errors on one box: only the better-scored one is fixed into a
 * TP, the other is dropped. A: npos 1, points .9 FP (Loc), .8 FP (Loc):
 * AP 0; Loc fixed: .9 TP alone -> 1. */
static void test_tide_one_fix_per_ground_truth(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_det(d, 1, 1, 0, 0, 100, 40, 0.9);
    fx_det(d, 1, 1, 0, 60, 100, 40, 0.8);
    eval_tide_result_t *t = tide(d);
    CHECK(t->count[EVAL_TIDE_LOC] == 2 && t->count[EVAL_TIDE_MISS] == 0);
    CHECK(t->ap == 0);
    CHECK_NEAR(t->dap[EVAL_TIDE_LOC], 1, 1e-12);
    eval_tide_result_destroy(t);
    eval_data_destroy(d);
}

/* A detection inside a same-class crowd region is left out (neither TP
 * nor error); one inside a crowd of another class, on an image without
 * other ground truth, is Bkg. With no ground truth and only that FP the
 * mean is over class 2 alone: AP 0. */
static void test_tide_crowd_regions(void)
{
    eval_data_t *d = fx_data(1, 2);
    fx_gt(d, 1, 1, 0, 0, 200, 200, 1);
    fx_det(d, 1, 1, 10, 10, 50, 50, 0.9);
    fx_det(d, 1, 2, 10, 10, 50, 50, 0.8);
    eval_tide_result_t *t = tide(d);
    CHECK(t->count[EVAL_TIDE_BKG] == 1 && t->classes[1].count[EVAL_TIDE_BKG]);
    int64_t total = 0;
    for (int e = 0; e < EVAL_TIDE_NUM_MAIN; e++)
        total += t->count[e];
    CHECK(total == 1 && t->ap == 0);
    CHECK_NEAR(t->dap[EVAL_TIDE_BKG], 0, 1e-12); /* the class empties out */
    eval_tide_result_destroy(t);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_tide_one_error_of_each_type);
    RUN(test_tide_failures_name_their_boxes);
    RUN(test_tide_one_fix_per_ground_truth);
    RUN(test_tide_crowd_regions);
    return CHECK_DONE();
}
