/* test_track_metrics.c - eval_track() on sequences small enough to work
 * out by hand from TrackEval's definitions (docs/METRICS.md); each test
 * derives its numbers in its comment. Boxes that should match are equal
 * (IoU 1) unless the test is about IoU. */
#include "check.h"
#include "eval/eval.h"

#include <string.h>

static void box(gt_t *g, int64_t frame, int64_t id, double x, double y,
                double w, double h)
{
    gt_box_t b = {.frame = frame, .label = gt_label(g, "person"), .x = x,
                  .y = y, .w = w, .h = h, .score = 1,
                  .source = GT_SOURCE_IMPORT, .track_id = id};
    gt_add_box(g, &b, NULL);
}

static int run(const gt_t *gt, const gt_t *res, eval_track_result_t *r)
{
    avp_error_t err = {0};
    return eval_track(gt, res, NULL, r, &err);
}

static int all_hota(const eval_track_result_t *r, eval_hota_field_t k,
                    double v)
{
    for (int a = 0; a < EVAL_TRACK_NUM_ALPHA; a++)
        if (fabs(r->hota[k][a] - v) > 1e-12)
            return 0;
    return fabs(r->hota_mean[k] - v) <= 1e-12;
}

/* Two objects over frames 0, 1, 3, 4 (frame 2 empty on both sides), the
 * tracker exactly right with its own ids: every score is 1, nothing is
 * missed, switched or fragmented; the empty frame changes nothing. */
static void test_track_perfect(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    for (int f = 0; f < 5; f++)
        if (f != 2) {
            box(gt, f, 1, 10 + f, 10, 20, 20);
            box(gt, f, 2, 100, 100 + f, 20, 20);
            box(res, f, 71, 10 + f, 10, 20, 20);
            box(res, f, 9, 100, 100 + f, 20, 20);
        }
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    for (int k = 0; k < EVAL_HOTA_NUM_FIELDS; k++)
        CHECK(all_hota(&r, (eval_hota_field_t)k, 1));
    CHECK(r.mota == 1 && r.motp == 1 && r.idf1 == 1 && r.idp == 1);
    CHECK(r.idsw == 0 && r.frag == 0 && r.mt == 2 && r.pt == 0 && r.ml == 0);
    CHECK(r.clr_tp == 8 && r.idtp == 8 && r.num_frames == 5);
    CHECK(r.gt_ids == 2 && r.tr_ids == 2);
    gt_destroy(gt);
    gt_destroy(res);
}

/* One object over 4 frames, tracked as id 7 on frames 0-1 and id 8 on
 * frames 2-3.
 * CLEAR: 4 TP, 1 IDSW (frame 2) -> MOTA = (4 - 0 - 1) / 4 = 0.75; MOTP 1;
 *   matched once after an unmatched start: Frag 0; MT 1.
 * Identity: gt 1 overlaps 7 twice and 8 twice; one of them is its id:
 *   IDTP 2, IDFN 4 - 2, IDFP 4 - 2 -> IDF1 = 2 / (2 + 1 + 1) = 0.5.
 * HOTA (every alpha): 4 TP -> DetA 1; the pairs (1, 7) and (1, 8) have
 *   TPA 2 each, FNA 4 - 2, FPA 2 - 2: A = 2 / 4 each, so
 *   AssA = (2 x 0.5 + 2 x 0.5) / 4 = 0.5, HOTA = sqrt(0.5);
 *   AssRe = (2 x 2/4 + 2 x 2/4) / 4 = 0.5, AssPr = (2 x 2/2 x 2) / 4 = 1. */
static void test_track_one_id_switch(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    for (int f = 0; f < 4; f++) {
        box(gt, f, 1, 10, 10, 20, 20);
        box(res, f, f < 2 ? 7 : 8, 10, 10, 20, 20);
    }
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    CHECK(r.idsw == 1 && r.frag == 0 && r.mt == 1);
    CHECK_NEAR(r.mota, 0.75, 1e-12);
    CHECK(r.idtp == 2 && r.idfn == 2 && r.idfp == 2);
    CHECK_NEAR(r.idf1, 0.5, 1e-12);
    CHECK(all_hota(&r, EVAL_DETA, 1));
    CHECK(all_hota(&r, EVAL_ASSA, 0.5));
    CHECK(all_hota(&r, EVAL_ASSRE, 0.5));
    CHECK(all_hota(&r, EVAL_ASSPR, 1));
    CHECK(all_hota(&r, EVAL_HOTA, sqrt(0.5)));
    gt_destroy(gt);
    gt_destroy(res);
}

/* One object over frames 0-4; the tracker follows it as id 3 but loses
 * it on frame 2, where it reports a box (id 9) far away.
 * CLEAR: TP 4, FN 1, FP 1, no IDSW (id 3 again) -> MOTA = 3 / 5 = 0.6;
 *   tracked again after a both-sided frame without a match: Frag 1;
 *   tracked 4/5 = 0.8, not over 0.8: PT.
 * Identity: IDTP 4 (pair (1, 3)), IDFN 1, IDFP 1 -> IDF1 = 4 / 5.
 * HOTA: DetA = 4 / (4 + 1 + 1) = 2/3; the pair (1, 3) has TPA 4, FNA 1,
 *   FPA 0: AssA = 4 / 5; HOTA = sqrt(2/3 x 4/5); DetRe = DetPr = 0.8,
 *   AssRe = 4/5, AssPr = 4/4. */
static void test_track_fragmented(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    for (int f = 0; f < 5; f++) {
        box(gt, f, 1, 10, 10, 20, 20);
        if (f == 2)
            box(res, f, 9, 500, 500, 20, 20);
        else
            box(res, f, 3, 10, 10, 20, 20);
    }
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    CHECK(r.clr_tp == 4 && r.clr_fn == 1 && r.clr_fp == 1 && r.idsw == 0);
    CHECK(r.frag == 1 && r.mt == 0 && r.pt == 1 && r.ml == 0);
    CHECK_NEAR(r.mota, 0.6, 1e-12);
    CHECK_NEAR(r.idf1, 0.8, 1e-12);
    CHECK(all_hota(&r, EVAL_DETA, 2.0 / 3));
    CHECK(all_hota(&r, EVAL_ASSA, 0.8));
    CHECK(all_hota(&r, EVAL_ASSPR, 1));
    CHECK(all_hota(&r, EVAL_HOTA, sqrt(2.0 / 3 * 0.8)));
    gt_destroy(gt);
    gt_destroy(res);
}

/* The same loss, but frame 2 has no tracker box at all. TrackEval skips
 * such a frame before it forgets the previous matches, so the track is
 * not counted as fragmented: Frag 0. FP 0 -> MOTA = 4 / 5,
 * IDF1 = 4 / 4.5, DetA = 4 / 5, HOTA = sqrt(0.8 x 0.8) = 0.8. */
static void test_track_gap_without_boxes_is_no_fragment(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    for (int f = 0; f < 5; f++) {
        box(gt, f, 1, 10, 10, 20, 20);
        if (f != 2)
            box(res, f, 3, 10, 10, 20, 20);
    }
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    CHECK(r.frag == 0 && r.clr_fp == 0 && r.pt == 1);
    CHECK_NEAR(r.mota, 0.8, 1e-12);
    CHECK_NEAR(r.idf1, 4 / 4.5, 1e-12);
    CHECK(all_hota(&r, EVAL_HOTA, 0.8));
    gt_destroy(gt);
    gt_destroy(res);
}

/* IoU exactly 0.5 (a 10 x 10 box and its top half): a TP at the CLEAR and
 * Identity threshold (>= 0.5) and for the 10 alphas 0.05 .. 0.50, a miss
 * and a false positive for the 9 above. HOTA = 1 for those 10 (DetA and
 * AssA 1), 0 above: mean 10/19. LocA = 0.5 where matched, 1 (TrackEval's
 * 1e-10 / 1e-10) where not: mean (10 x 0.5 + 9) / 19. MOTP 0.5. */
static void test_track_alpha_thresholds(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    box(gt, 0, 1, 0, 0, 10, 10);
    box(res, 0, 1, 0, 0, 10, 5);
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    CHECK(r.hota_tp[9] == 1 && r.hota_tp[10] == 0 && r.hota_fp[10] == 1);
    CHECK_NEAR(r.hota_mean[EVAL_HOTA], 10.0 / 19, 1e-12);
    CHECK_NEAR(r.hota_mean[EVAL_LOCA], 14.0 / 19, 1e-12);
    CHECK_NEAR(r.hota0, 1, 1e-12);
    CHECK_NEAR(r.loca0, 0.5, 1e-12);
    CHECK(r.clr_tp == 1 && r.idtp == 1);
    CHECK_NEAR(r.motp, 0.5, 1e-12);
    gt_destroy(gt);
    gt_destroy(res);
}

/* A tracker that reports nothing: 3 gt boxes of 2 ids all missed.
 * HOTA: FN 3 at every alpha, DetA 0, HOTA 0, LocA 1 (TrackEval's value
 * when nothing matched). CLEAR: FN 3, MOTA 0, both ids ML (MLR 1).
 * Identity: IDFN 3, IDF1 0. */
static void test_track_no_results(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    box(gt, 0, 1, 0, 0, 10, 10);
    box(gt, 1, 1, 0, 0, 10, 10);
    box(gt, 1, 2, 50, 0, 10, 10);
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    CHECK(r.hota_fn[0] == 3 && r.hota_fn[18] == 3 && r.hota_tp[0] == 0);
    CHECK(all_hota(&r, EVAL_HOTA, 0) && all_hota(&r, EVAL_LOCA, 1));
    CHECK(r.clr_fn == 3 && r.mota == 0 && r.ml == 2 && r.mlr == 1);
    CHECK(r.idfn == 3 && r.idf1 == 0);
    gt_destroy(gt);
    gt_destroy(res);
}

/* No ground truth on 5 annotated frames and 4 tracker boxes: all FP.
 * MOTA = (0 - 4 - 0) / max(1, 0) = -4 (TrackEval's formula, unbounded
 * below); FP per frame 4 / 5; DetPr 0, HOTA 0, LocA 1; IDFP 4. */
static void test_track_no_ground_truth(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    gt_set_video(gt, 640, 480, 25, 5);
    for (int f = 0; f < 4; f++)
        box(res, f, 1, 0, 0, 10, 10);
    eval_track_result_t r;
    CHECK(run(gt, res, &r) == AVP_OK);
    CHECK(r.clr_fp == 4 && r.mota == -4 && r.idfp == 4 && r.idf1 == 0);
    CHECK_NEAR(r.fp_per_frame, 0.8, 1e-12);
    CHECK(all_hota(&r, EVAL_HOTA, 0) && all_hota(&r, EVAL_DETPR, 0));
    CHECK(all_hota(&r, EVAL_LOCA, 1));
    gt_destroy(gt);
    gt_destroy(res);
}

/* Difficult gt boxes (MOT conf 0) are left out and counted; tracker boxes
 * beyond the ground truth's frames are left out and counted; the label
 * filter keeps one class. What remains is one perfect match. */
static void test_track_left_out_boxes(void)
{
    gt_t *gt = gt_create(), *res = gt_create();
    box(gt, 0, 1, 0, 0, 10, 10);
    gt_box_t hard = gt_boxes(gt)[0];
    hard.flags = GT_DIFFICULT, hard.track_id = 2, hard.x = 40;
    gt_add_box(gt, &hard, NULL);
    gt_box_t car = gt_boxes(gt)[0];
    car.label = gt_label(gt, "car"), car.track_id = 3, car.x = 80;
    gt_add_box(gt, &car, NULL);
    box(res, 0, 5, 0, 0, 10, 10);
    box(res, 7, 5, 0, 0, 10, 10); /* frame 7: the gt has frame 0 only */
    eval_track_result_t r;
    avp_error_t err = {0};
    eval_track_options_t o = {.gt_label = "person"};
    CHECK(eval_track(gt, res, &o, &r, &err) == AVP_OK);
    CHECK(r.gt_difficult == 1 && r.tr_off_frames == 1);
    CHECK(r.gt_dets == 1 && r.tr_dets == 1 && r.mota == 1 && r.idf1 == 1);
    o.gt_label = "bicycle"; /* no such label: no ground truth */
    CHECK(eval_track(gt, res, &o, &r, &err) == AVP_OK);
    CHECK(r.gt_dets == 0 && r.clr_fp == 1);
    gt_destroy(gt);
    gt_destroy(res);
}

/* TrackEval refuses a box in no track and an id twice on a frame; a box
 * too large for its IoU to be a number is refused too. */
static void test_track_refuses_bad_ids(void)
{
    gt_t *gt = gt_create(), *res = gt_create(), *dup = gt_create();
    box(gt, 0, 1, 0, 0, 10, 10);
    box(res, 0, -1, 0, 0, 10, 10);
    box(dup, 3, 4, 0, 0, 10, 10);
    box(dup, 3, 4, 20, 0, 10, 10);
    eval_track_result_t r;
    avp_error_t err = {0};
    CHECK(eval_track(gt, res, NULL, &r, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "results: a box on frame 0 is in no track"));
    CHECK(eval_track(dup, gt, NULL, &r, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "ground truth: track 4 has two boxes on frame 3"));
    gt_box_t huge = gt_boxes(gt)[0];
    huge.x = huge.w = 1e308; /* x + w overflows: no IoU */
    CHECK(gt_set_box(gt, 0, &huge, NULL) == AVP_OK);
    CHECK(eval_track(gt, gt, NULL, &r, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "ground truth: a box on frame 0 is too large"));
    gt_destroy(gt);
    gt_destroy(res);
    gt_destroy(dup);
}

int main(void)
{
    RUN(test_track_perfect);
    RUN(test_track_one_id_switch);
    RUN(test_track_fragmented);
    RUN(test_track_gap_without_boxes_is_no_fragment);
    RUN(test_track_alpha_thresholds);
    RUN(test_track_no_results);
    RUN(test_track_no_ground_truth);
    RUN(test_track_left_out_boxes);
    RUN(test_track_refuses_bad_ids);
    return CHECK_DONE();
}
