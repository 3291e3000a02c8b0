/* test_frames.c - TP/FP/FN per image at the operating point
 * (eval_result_t.images): greedy by score, duplicates, other classes,
 * the threshold, ignored and crowd ground truth, the 100-detection cap,
 * and images that add up to the overall line whatever the thread count. */
#include "check.h"
#include "eval_fixture.h"

static int counts_are(const eval_image_counts_t *c, int64_t id, int64_t tp,
                      int64_t fp, int64_t fn)
{
    return c->image_id == id && c->tp == tp && c->fp == fp && c->fn == fn;
}

/* Images come back in ascending id whatever the order they were added in,
 * and an image without boxes counts nothing. */
static void test_frames_empty_images_in_id_order(void)
{
    eval_data_t *d = eval_data_create();
    eval_data_add_image(d, 30);
    eval_data_add_image(d, 10);
    eval_data_add_image(d, 20);
    eval_data_add_category(d, 1, "c1");
    fx_gt(d, 20, 1, 0, 0, 50, 50, 0);
    eval_result_t *r = fx_run(d);
    CHECK(r->num_images == 3);
    CHECK(counts_are(&r->images[0], 10, 0, 0, 0));
    CHECK(counts_are(&r->images[1], 20, 0, 0, 1));
    CHECK(counts_are(&r->images[2], 30, 0, 0, 0));
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Image 1: a hit, a duplicate of it (FP), a detection of class 2 on the
 * class-1 object (FP) and a missed class-2 object. Image 2: an object
 * whose only detection is below the threshold (FN, not TP). */
static void test_frames_duplicates_classes_threshold(void)
{
    eval_data_t *d = fx_data(2, 2);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_gt(d, 1, 2, 300, 300, 50, 50, 0);
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.9);
    fx_det(d, 1, 1, 2, 2, 100, 100, 0.8);
    fx_det(d, 1, 2, 0, 0, 100, 100, 0.7);
    fx_gt(d, 2, 1, 0, 0, 100, 100, 0);
    fx_det(d, 2, 1, 0, 0, 100, 100, 0.2);
    eval_result_t *r = fx_run_opt(d, 1, 0.25);
    CHECK(counts_are(&r->images[0], 1, 1, 2, 1));
    CHECK(counts_are(&r->images[1], 2, 0, 0, 1));
    eval_result_destroy(r);
    r = fx_run_opt(d, 1, 0.1); /* now the low detection is a hit */
    CHECK(counts_are(&r->images[1], 2, 1, 0, 0));
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Greedy in score order, not the best assignment: the .9 detection takes
 * the object it overlaps most (A, IoU .67 against B's .54); the .8
 * detection overlaps only A, which is taken, so it is a false positive and
 * B is missed - although pairing .9 with B and .8 with A would hit both. */
static void test_frames_greedy_by_score(void)
{
    eval_data_t *d = fx_data(1, 1);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);    /* A */
    fx_gt(d, 1, 1, 50, 0, 100, 100, 0);   /* B */
    fx_det(d, 1, 1, 20, 0, 100, 100, 0.9); /* IoU A 8/12, B 7/13 */
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.8);  /* IoU A 1, B 1/3 */
    eval_result_t *r = fx_run(d);
    CHECK(counts_are(&r->images[0], 1, 1, 1, 1));
    eval_result_destroy(r);
    eval_data_destroy(d);
}

static void gt_ignored(eval_data_t *d, int64_t img, double x)
{
    eval_box_t b = {.id = 1000 + (int64_t)x, .image_id = img,
                    .category_id = 1, .x = x, .y = 0, .w = 100, .h = 100,
                    .area = 10000, .ignore = 1};
    if (eval_data_add_gt(d, &b, NULL))
        abort();
}

/* A detection on an ignored ("difficult") box or a crowd region counts
 * neither way, and neither is ever missed. */
static void test_frames_ignored_and_crowd(void)
{
    eval_data_t *d = fx_data(2, 1);
    gt_ignored(d, 1, 0);
    gt_ignored(d, 1, 500);                 /* never detected: no FN */
    fx_det(d, 1, 1, 0, 0, 100, 100, 0.9);
    fx_gt(d, 2, 1, 0, 0, 400, 400, 1);     /* crowd */
    fx_det(d, 2, 1, 10, 10, 50, 50, 0.9);
    fx_det(d, 2, 1, 200, 200, 50, 50, 0.8);
    fx_det(d, 2, 1, 900, 900, 50, 50, 0.7); /* off the crowd: FP */
    eval_result_t *r = fx_run(d);
    CHECK(counts_are(&r->images[0], 1, 0, 0, 0));
    CHECK(counts_are(&r->images[1], 2, 0, 1, 0));
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* COCO keeps the 100 best detections per image and class. */
static void test_frames_hundred_detections_per_class(void)
{
    eval_data_t *d = fx_data(1, 2);
    for (int i = 0; i < 101; i++)
        fx_det(d, 1, 1, i * 10, 0, 5, 5, 0.5 + i / 1000.0);
    fx_det(d, 1, 2, 0, 0, 5, 5, 0.5);
    eval_result_t *r = fx_run(d);
    CHECK(counts_are(&r->images[0], 1, 0, 101, 0));
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* Deterministic clutter over 20 images and 3 classes. */
static eval_data_t *clutter(void)
{
    eval_data_t *d = fx_data(20, 3);
    for (int i = 0; i < 300; i++) {
        int img = 1 + (i * 7) % 20, cat = 1 + (i * 5) % 3;
        double x = (i * 37) % 400, y = (i * 53) % 300;
        if (i % 3)
            fx_gt(d, img, cat, x, y, 40 + i % 30, 40 + i % 20, i % 41 == 0);
        if (i % 4)
            fx_det(d, img, cat, x + i % 9, y - i % 7, 45, 42,
                   (i * 13 % 97) / 97.0);
    }
    return d;
}

static void test_frames_sum_to_overall_any_threads(void)
{
    eval_data_t *d = clutter();
    eval_result_t *r1 = fx_run_opt(d, 1, 0.3), *r4 = fx_run_opt(d, 4, 0.3);
    int64_t tp = 0, fp = 0, fn = 0;
    for (int64_t i = 0; i < r1->num_images; i++) {
        tp += r1->images[i].tp;
        fp += r1->images[i].fp;
        fn += r1->images[i].fn;
        CHECK(counts_are(&r4->images[i], r1->images[i].image_id,
                         r1->images[i].tp, r1->images[i].fp,
                         r1->images[i].fn));
    }
    CHECK(tp == r1->overall.tp && fp == r1->overall.fp &&
          fn == r1->overall.fn);
    CHECK(tp > 0 && fp > 0 && fn > 0); /* the clutter exercises all three */
    eval_result_destroy(r1);
    eval_result_destroy(r4);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_frames_empty_images_in_id_order);
    RUN(test_frames_duplicates_classes_threshold);
    RUN(test_frames_greedy_by_score);
    RUN(test_frames_ignored_and_crowd);
    RUN(test_frames_hundred_detections_per_class);
    RUN(test_frames_sum_to_overall_any_threads);
    return CHECK_DONE();
}
