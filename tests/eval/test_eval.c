/* test_eval.c - eval_run() as a whole: results that do not depend on the
 * number of threads or on running twice. Published pycocotools numbers
 * are checked in test_eval_published.c, the random cross-check against
 * the Python implementation of the protocol in parity_random.sh. */
#include "check.h"
#include "eval_fixture.h"

#include <string.h>

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8 & 0xffff;
}

/* Detections of one object: jittered copies, 1 in 10 of another class,
 * with coarse (often tied) scores. */
static void random_dets(eval_data_t *d, unsigned *s, int img, int cat,
                        double x, double y, double w, double h)
{
    for (int k = (int)(rnd(s) % 3); k > 0; k--) {
        int c = rnd(s) % 10 ? cat : 1 + (int)(rnd(s) % 6);
        double dx = (double)(rnd(s) % 21) - 10, dy = rnd(s) % 11;
        fx_det(d, img, c, x + dx, y + dy, w, h, (rnd(s) % 20) / 20.0);
    }
}

/* Random scenes from a fixed LCG, with some crowd boxes and spurious
 * detections. */
static eval_data_t *random_scene(unsigned seed)
{
    eval_data_t *d = fx_data(300, 6);
    for (int img = 1; img <= 300; img++)
        for (int n = (int)(rnd(&seed) % 12); n > 0; n--) {
            double w = 4 + rnd(&seed) % 300, h = 4 + rnd(&seed) % 200;
            double x = rnd(&seed) % 1200, y = rnd(&seed) % 700;
            int cat = 1 + (int)(rnd(&seed) % 6);
            fx_gt(d, img, cat, x, y, w, h, rnd(&seed) % 25 == 0);
            random_dets(d, &seed, img, cat, x, y, w, h);
            if (rnd(&seed) % 3 == 0) {
                double fx = rnd(&seed) % 1200, fy = rnd(&seed) % 700;
                fx_det(d, img, cat, fx, fy, 30, 30, (rnd(&seed) % 20) / 20.0);
            }
        }
    return d;
}

static int same_result(const eval_result_t *a, const eval_result_t *b)
{
    size_t K = (size_t)a->num_classes;
    size_t npr = EVAL_NUM_IOU * EVAL_NUM_REC * K * EVAL_NUM_AREA *
                 EVAL_NUM_MAXDET;
    size_t w = K + 1;
    if (memcmp(a->coco_stats, b->coco_stats, sizeof(a->coco_stats)) ||
        memcmp(a->precision, b->precision, npr * sizeof(double)) ||
        memcmp(a->scores, b->scores, npr * sizeof(double)) ||
        memcmp(a->confusion, b->confusion, w * w * sizeof(int64_t)))
        return 0;
    for (size_t k = 0; k < K; k++)
        if (memcmp(&a->classes[k].at_thr, &b->classes[k].at_thr,
                   sizeof(eval_counts_t)) ||
            a->classes[k].best_thr != b->classes[k].best_thr)
            return 0;
    return 1;
}

static void test_eval_threads_do_not_change_results(void)
{
    eval_data_t *d = random_scene(42);
    eval_result_t *one = fx_run_opt(d, 1, 0.3);
    eval_result_t *four = fx_run_opt(d, 4, 0.3);
    eval_result_t *again = fx_run_opt(d, 3, 0.3);
    int ok = same_result(one, four) && same_result(one, again);
    int sane = one->coco_stats[EVAL_AP] > 0.05 &&
               one->coco_stats[EVAL_AP] < 0.95 && one->overall.fp > 0;
    eval_result_destroy(one);
    eval_result_destroy(four);
    eval_result_destroy(again);
    eval_data_destroy(d);
    CHECK(ok);
    CHECK(sane);
}

int main(void)
{
    RUN(test_eval_threads_do_not_change_results);
    return CHECK_DONE();
}
