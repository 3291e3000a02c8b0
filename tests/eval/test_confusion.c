/* test_confusion.c - the confusion matrix with background: class swaps,
 * misses, false alarms, the score threshold and crowd regions. */
#include "check.h"
#include "eval_fixture.h"

static int64_t cell(const eval_result_t *r, int row, int col)
{
    return r->confusion[(size_t)row * (size_t)(r->num_classes + 1) +
                        (size_t)col];
}

static void test_confusion_with_background(void)
{
    eval_data_t *d = fx_data(2, 2);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);          /* seen as class 2 */
    fx_det(d, 1, 2, 5, 5, 100, 100, 0.9);
    fx_gt(d, 1, 2, 300, 0, 100, 100, 0);        /* missed */
    fx_det(d, 1, 1, 600, 600, 50, 50, 0.7);     /* false alarm */
    fx_det(d, 1, 1, 900, 600, 50, 50, 0.1);     /* below the threshold */
    fx_gt(d, 2, 1, 0, 0, 200, 200, 1);          /* crowd of class 1 */
    fx_det(d, 2, 1, 10, 10, 50, 50, 0.8);       /* on it: ignored */
    fx_det(d, 2, 2, 100, 100, 50, 50, 0.8);     /* other class: counted */
    fx_gt(d, 2, 2, 500, 500, 40, 40, 0);        /* found */
    fx_det(d, 2, 2, 500, 500, 40, 40, 0.6);
    eval_box_t hard = {.id = 999, .image_id = 2, .category_id = 2,
                       .x = 800, .y = 100, .w = 60, .h = 60, .area = 3600,
                       .ignore = 1};                 /* ignored ... */
    CHECK(eval_data_add_gt(d, &hard, NULL) == AVP_OK);
    fx_det(d, 2, 2, 805, 100, 60, 60, 0.9);     /* ... and found: nothing */
    eval_result_t *r = fx_run(d);
    CHECK(r->num_classes == 2);
    CHECK(cell(r, 0, 1) == 1);
    CHECK(cell(r, 1, 2) == 1);
    CHECK(cell(r, 2, 0) == 1);
    CHECK(cell(r, 2, 1) == 1);
    CHECK(cell(r, 1, 1) == 1);
    int64_t total = 0;
    for (int i = 0; i < 9; i++)
        total += r->confusion[i];
    CHECK(total == 5);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

/* One detection between two objects goes to the one it overlaps most. */
static void test_confusion_greedy_by_iou(void)
{
    eval_data_t *d = fx_data(1, 2);
    fx_gt(d, 1, 1, 0, 0, 100, 100, 0);
    fx_gt(d, 1, 2, 30, 0, 100, 100, 0);
    fx_det(d, 1, 1, 25, 0, 100, 100, 0.9);
    eval_result_t *r = fx_run(d);
    CHECK(cell(r, 1, 0) == 1); /* IoU .9 with the class-2 object */
    CHECK(cell(r, 0, 2) == 1);
    eval_result_destroy(r);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_confusion_with_background);
    RUN(test_confusion_greedy_by_iou);
    return CHECK_DONE();
}
