/* test_extras.c - TP/FP/FN, precision, recall and F1 at the operating
 * threshold, the F1 curve and the best threshold. */
#include "check.h"
#include "eval_fixture.h"

/* Four objects of class 1; detections .9 TP, .6 FP, .3 TP, .1 TP. */
static eval_data_t *four_objects(void)
{
    eval_data_t *d = fx_data(1, 2);
    for (int i = 0; i < 4; i++)
        fx_gt(d, 1, 1, i * 200, 0, 100, 100, 0);
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.9);
    fx_det(d, 1, 1, 5000, 0, 100, 100, 0.6);
    fx_det(d, 1, 1, 200, 0, 100, 100, 0.3);
    fx_det(d, 1, 1, 400, 0, 100, 100, 0.1);
    fx_gt(d, 1, 2, 0, 500, 100, 100, 0);
    fx_det(d, 1, 2, 0, 500, 100, 100, 0.8);
    return d;
}

static void test_extras_counts_at_threshold(void)
{
    eval_data_t *d = four_objects();
    eval_result_t *r = fx_run_opt(d, 1, 0.5);
    const eval_counts_t *c = &r->classes[0].at_thr;
    CHECK(c->tp == 1 && c->fp == 1 && c->fn == 3);
    CHECK_NEAR(c->precision, 0.5, 1e-12);
    CHECK_NEAR(c->recall, 0.25, 1e-12);
    CHECK_NEAR(c->f1, 1.0 / 3.0, 1e-12);
    CHECK(r->overall.tp == 2 && r->overall.fp == 1 && r->overall.fn == 3);
    CHECK_NEAR(r->overall.recall, 2.0 / 5.0, 1e-12);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

static void test_extras_f1_curve_and_best_threshold(void)
{
    eval_data_t *d = four_objects();
    eval_result_t *r = fx_run(d);
    const eval_class_t *c = &r->classes[0];
    /* At .1 all four detections: P = R = .75. */
    CHECK_NEAR(c->best_f1, 0.75, 1e-12);
    CHECK_NEAR(c->best_thr, 0.1, 0);
    CHECK_NEAR(c->f1_curve[50], 1.0 / 3.0, 1e-12); /* as at 0.5 above */
    CHECK_NEAR(c->f1_curve[95], 0, 0);             /* nothing scores .95 */
    CHECK_NEAR(c->f1_curve[0], 0.75, 1e-12);
    /* Overall at 0: TP 4, FP 1, 5 objects -> F1 = 0.8. */
    CHECK_NEAR(r->f1_curve[0], 0.8, 1e-12);
    CHECK_NEAR(r->best_f1, 0.8, 1e-12);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_extras_counts_at_threshold);
    RUN(test_extras_f1_curve_and_best_threshold);
    return CHECK_DONE();
}
