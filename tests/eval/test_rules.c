/* test_rules.c - evaluation rules (rules.c): what the parser refuses, the
 * area share of a box inside convex and concave ignore regions (at and
 * around one half), the minimum size on both sides and the detections
 * kept per frame. */
#include "check.h"
#include "eval/internal.h"
#include "eval_fixture.h"

#include <string.h>

static eval_rules_t *rules(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    eval_rules_t *r = NULL;
    avp_error_t err = {0};
    eval_rules_parse(j, &r, &err);
    json_decref(j);
    return r;
}

static int refused(const char *text, const char *msg)
{
    json_t *j = json_loads(text, 0, NULL);
    eval_rules_t *r = NULL;
    avp_error_t err = {0};
    int rc = eval_rules_parse(j, &r, &err);
    json_decref(j);
    eval_rules_destroy(r);
    return rc == AVP_EFORMAT && !r && strstr(err.msg, msg);
}

static void test_rules_refuses_bad_rules(void)
{
    CHECK(refused("[]", "expected an object"));
    CHECK(refused("{\"min_size\": 3}", "unknown rule 'min_size'"));
    CHECK(refused("{\"min_box_size\": -1}", "min_box_size"));
    CHECK(refused("{\"max_detections\": 0}", "max_detections"));
    CHECK(refused("{\"max_detections\": 2.5}", "max_detections"));
    CHECK(refused("{\"ignore_regions\": {}}", "list of at most 64"));
    CHECK(refused("{\"ignore_regions\": [[[0, 0], [1, 1]]]}",
                  "ignore_regions[0]: expected 3 to 256"));
    CHECK(refused("{\"ignore_regions\": [[[0, 0], [1, 1], [1, \"a\"]]]}",
                  "ignore_regions[0][2]: expected [x, y]"));
    eval_rules_t *r = rules("{}");
    CHECK(r && json_object_size(eval_rules_json(r)) == 0);
    eval_rules_destroy(r);
}

/* Square region 0..100: a box 20 x 10 at x 90 has exactly half its area
 * inside (kept: more than half is needed), at x 89 55 % (dropped). An
 * L-shaped region, the square 200..300 x 0..100 without its quarter
 * 250..300 x 50..100: a box in that notch has none of its area inside
 * though the region surrounds it on two sides (kept); the box 240..260 x
 * 40..60 has 200 + 100 of its 400 px inside (dropped); a ground-truth box
 * of the whole square has 75 % inside (made ignore, not dropped). */
static void test_rules_ignore_regions_by_area_share(void)
{
    eval_rules_t *r = rules(
        "{\"ignore_regions\": [[[0, 0], [100, 0], [100, 100], [0, 100]], "
        "[[200, 0], [300, 0], [300, 50], [250, 50], [250, 100], [200, "
        "100]]]}");
    CHECK(r);
    eval_data_t *d = fx_data(1, 1);
    fx_det(d, 1, 1, 90, 0, 20, 10, 0.9);   /* half inside: kept */
    fx_det(d, 1, 1, 89, 0, 20, 10, 0.8);   /* 55 %: dropped */
    fx_det(d, 1, 1, 260, 60, 30, 30, 0.7); /* in the notch: kept */
    fx_det(d, 1, 1, 240, 40, 20, 20, 0.6); /* 75 %: dropped */
    fx_gt(d, 1, 1, 200, 0, 100, 100, 0);   /* 75 %: ignore */
    fx_gt(d, 1, 1, 500, 0, 10, 10, 0);     /* outside */
    eval_rules_report_t rep;
    eval_rules_apply(d, r, &rep);
    CHECK(rep.det_region == 2 && rep.gt_region == 1 && rep.det_small == 0);
    CHECK(d->det.n == 2 && d->det.v[0].score == 0.9 &&
          d->det.v[1].score == 0.7);
    CHECK(d->gt.v[0].ignore == 1 && d->gt.v[1].ignore == 0);
    json_t *j = eval_rules_report_json(r, &rep);
    CHECK(json_integer_value(json_object_get(
              json_object_get(j, "detections_dropped"), "in_region")) == 2);
    json_decref(j);
    eval_rules_destroy(r);
    eval_data_destroy(d);
}

/* min_box_size 8: a 5 px wide detection is dropped, a 5 px high ground
 * truth box becomes ignore; max_detections 2: image 1 keeps .9 and .7 of
 * .9, .5, .7 (in input order), image 2 its only one. */
static void test_rules_min_size_and_max_detections(void)
{
    eval_rules_t *r = rules("{\"min_box_size\": 8, \"max_detections\": 2}");
    CHECK(r);
    eval_data_t *d = fx_data(2, 1);
    fx_det(d, 1, 1, 0, 0, 5, 50, 0.95);
    fx_det(d, 1, 1, 0, 0, 50, 50, 0.9);
    fx_det(d, 1, 1, 0, 0, 50, 50, 0.5);
    fx_det(d, 2, 1, 0, 0, 50, 50, 0.1);
    fx_det(d, 1, 1, 0, 0, 50, 50, 0.7);
    fx_gt(d, 1, 1, 0, 0, 50, 5, 0);
    eval_rules_report_t rep;
    eval_rules_apply(d, r, &rep);
    CHECK(rep.det_small == 1 && rep.gt_small == 1 && rep.det_over_max == 1);
    CHECK(d->det.n == 3);
    CHECK(d->det.v[0].score == 0.9 && d->det.v[1].score == 0.1 &&
          d->det.v[2].score == 0.7);
    CHECK(d->gt.v[0].ignore == 1);
    eval_rules_destroy(r);
    eval_data_destroy(d);
}

int main(void)
{
    RUN(test_rules_refuses_bad_rules);
    RUN(test_rules_ignore_regions_by_area_share);
    RUN(test_rules_min_size_and_max_detections);
    return CHECK_DONE();
}
