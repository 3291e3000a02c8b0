/* test_data.c - the index under everything: ids sorted as pycocotools
 * evaluates them, boxes grouped into (category, image) cells by stable
 * counting sorts, and box validation. */
#include "check.h"
#include "eval/internal.h"

#include <math.h>
#include <string.h>

static void add(eval_data_t *d, int gt, int64_t img, int64_t cat, double x)
{
    static int64_t id = 1;
    eval_box_t b = {.id = id++, .image_id = img, .category_id = cat, .x = x,
                    .w = 1, .h = 1, .area = 1, .score = 0.5};
    if (gt ? eval_data_add_gt(d, &b, NULL) : eval_data_add_det(d, &b, NULL))
        abort();
}

static void test_data_cells_in_category_image_order(void)
{
    eval_data_t *d = eval_data_create();
    eval_data_add_image(d, 30);
    eval_data_add_image(d, 10);
    eval_data_add_image(d, 20);
    eval_data_add_category(d, 5, "b");
    eval_data_add_category(d, 2, "a");
    add(d, 1, 30, 5, 0); /* gt 0 */
    add(d, 1, 10, 2, 1); /* gt 1 */
    add(d, 1, 30, 5, 2); /* gt 2: same cell as gt 0, after it */
    add(d, 0, 20, 2, 3); /* det 0: a cell without ground truth */
    add(d, 0, 30, 5, 4); /* det 1 */
    avp_error_t err = {0};
    CHECK(eval__index(d, &err) == AVP_OK);
    CHECK(d->images[0] == 10 && d->images[2] == 30);
    CHECK(d->cats[0].id == 2 && !strcmp(d->cats[0].name, "a"));
    CHECK(d->ncells == 3);
    /* (cat 2, img 10), (cat 2, img 20), (cat 5, img 30) */
    CHECK(d->cells[0].cat == 0 && d->cells[0].img == 0);
    CHECK(d->cells[0].ngt == 1 && d->cells[0].ndet == 0);
    CHECK(d->cells[1].cat == 0 && d->cells[1].img == 1);
    CHECK(d->cells[1].ngt == 0 && d->cells[1].ndet == 1);
    CHECK(d->cells[2].cat == 1 && d->cells[2].img == 2);
    CHECK(d->cells[2].ngt == 2 && d->cells[2].ndet == 1);
    CHECK(d->gt.order[d->cells[2].gt0] == 0);
    CHECK(d->gt.order[d->cells[2].gt0 + 1] == 2);
    CHECK(d->cat_cells[0] == 0 && d->cat_cells[1] == 2 &&
          d->cat_cells[2] == 3);
    eval_data_destroy(d);
}

static void test_data_rejects_bad_boxes(void)
{
    eval_data_t *d = eval_data_create();
    avp_error_t err = {0};
    eval_box_t b = {.w = 1, .h = NAN};
    CHECK(eval_data_add_gt(d, &b, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "annotations[0].bbox: not finite") != NULL);
    b.h = 1;
    b.score = INFINITY;
    CHECK(eval_data_add_det(d, &b, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "results[0].score: not finite") != NULL);
    b.score = 1;
    CHECK(eval_data_add_det(d, &b, &err) == AVP_OK);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_data_cells_in_category_image_order);
    RUN(test_data_rejects_bad_boxes);
    return CHECK_DONE();
}
