/* test_coco_json.c - COCO ground truth and results files: what loads (the
 * COCO export of gt/ among it), and that each kind of bad element is
 * refused with its name in the message. */
#include "check.h"
#include "eval/eval.h"
#include "gt/gt_fixture.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char gt_ok[] =
    "{\"images\": [{\"id\": 7}, {\"id\": 3}],"
    " \"categories\": [{\"id\": 2, \"name\": \"person\"}, {\"id\": 1}],"
    " \"annotations\": ["
    "  {\"id\": 1, \"image_id\": 7, \"category_id\": 2,"
    "   \"bbox\": [10, 10, 20, 40], \"area\": 500, \"iscrowd\": 0},"
    "  {\"id\": 2, \"image_id\": 3, \"category_id\": 2,"
    "   \"bbox\": [0.5, 1.5, 30, 30]}]}";

static const char res_ok[] =
    "[{\"image_id\": 7, \"category_id\": 2, \"bbox\": [10, 10, 20, 40],"
    "  \"score\": 0.9},"
    " {\"image_id\": 3, \"category_id\": 2, \"bbox\": [100, 100, 5, 5],"
    "  \"score\": 1}]";

/* Parses gt then results and runs; returns the first error code. */
static int load_and_run(const char *gt, const char *res, avp_error_t *err,
                        eval_result_t **out)
{
    eval_data_t *d = eval_data_create();
    eval_options_t opt;
    eval_options_default(&opt);
    int rc = eval_parse_coco_gt(d, gt, strlen(gt), err);
    if (!rc)
        rc = eval_parse_coco_results(d, res, strlen(res), err);
    eval_result_t *r = NULL;
    if (!rc)
        rc = eval_run(d, &opt, &r, err);
    eval_data_destroy(d);
    if (out)
        *out = r;
    else
        eval_result_destroy(r);
    return rc;
}

static void test_coco_json_loads_valid_files(void)
{
    avp_error_t err = {0};
    eval_result_t *r = NULL;
    CHECK(load_and_run(gt_ok, res_ok, &err, &r) == AVP_OK);
    CHECK(r->num_images == 2 && r->num_gt == 2 && r->num_det == 2);
    CHECK(r->num_classes == 2);
    /* Categories come out in ascending id order, names kept. */
    CHECK(r->classes[0].category_id == 1 && !strcmp(r->classes[0].name, ""));
    CHECK(r->classes[1].category_id == 2 &&
          !strcmp(r->classes[1].name, "person"));
    CHECK(r->classes[1].num_gt == 2 && r->classes[1].at_thr.tp == 1);
    eval_result_destroy(r);
}

/* A results file may be empty; pycocotools crashes there, AVP reports
 * zero recall. */
static void test_coco_json_empty_results(void)
{
    avp_error_t err = {0};
    eval_result_t *r = NULL;
    CHECK(load_and_run(gt_ok, "[]", &err, &r) == AVP_OK);
    CHECK_NEAR(r->coco_stats[EVAL_AP], 0, 0);
    CHECK_NEAR(r->coco_stats[EVAL_AR100], 0, 0);
    eval_result_destroy(r);
}

static void expect_error(const char *gt, const char *res, const char *msg)
{
    avp_error_t err = {0};
    int rc = load_and_run(gt, res, &err, NULL);
    if (rc != AVP_EFORMAT || !strstr(err.msg, msg))
        fprintf(stderr, "  want '%s', got %d '%s'\n", msg, rc, err.msg);
    CHECK(rc == AVP_EFORMAT);
    CHECK(strstr(err.msg, msg) != NULL);
}

static void test_coco_json_names_bad_gt_elements(void)
{
    const char *img = "{\"images\": [{\"id\": 1}], \"categories\": "
                      "[{\"id\": 1}], \"annotations\": [";
    char gt[512];
#define BAD_ANN(ann, msg)                                                   \
    snprintf(gt, sizeof(gt), "%s%s]}", img, ann);                          \
    expect_error(gt, "[]", msg);                                           \
    if (check_failed_)                                                     \
        return
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 1}",
            "annotations[0].bbox: missing");
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3]}", "annotations[0].bbox: expected 4 numbers");
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3, \"4\"]}",
            "annotations[0].bbox: expected 4 numbers");
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, -3, 4]}",
            "annotations[0].bbox: negative width or height");
    BAD_ANN("{\"id\": \"a\", \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3, 4]}",
            "annotations[0].id: expected an integer");
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3, 4]}, 5", "annotations[1]: expected an object");
    BAD_ANN("{\"id\": 1, \"image_id\": 9, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3, 4]}",
            "annotations[0].image_id: unknown image 9");
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 4, "
            "\"bbox\": [1, 2, 3, 4]}",
            "annotations[0].category_id: unknown category 4");
    BAD_ANN("{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3, 4], \"area\": -1}",
            "annotations[0].area: expected a number >= 0");
    BAD_ANN("{\"id\": 3, \"image_id\": 1, \"category_id\": 1, "
            "\"bbox\": [1, 2, 3, 4]}, {\"id\": 3, \"image_id\": 1, "
            "\"category_id\": 1, \"bbox\": [1, 2, 3, 4]}",
            "annotations: duplicate id 3");
#undef BAD_ANN
    expect_error("{\"images\": [{\"id\": 1}, {\"id\": 1}], \"categories\": [],"
                 " \"annotations\": []}", "[]", "images: duplicate id 1");
    expect_error("{\"images\": [], \"annotations\": []}", "[]",
                 "categories: missing");
    expect_error("[1]", "[]", "expected a COCO object");
    expect_error("{\"images\": [{\"id\": 1.5}], \"categories\": [],"
                 " \"annotations\": []}", "[]", "images[0].id: expected an "
                 "integer");
}

static void test_coco_json_names_bad_results(void)
{
    expect_error(gt_ok, "{\"image_id\": 7}", "expected a list");
    expect_error(gt_ok, "[{\"image_id\": 7, \"category_id\": 2, "
                 "\"bbox\": [1, 2, 3, 4]}]", "results[0].score: missing");
    expect_error(gt_ok, "[{\"image_id\": 7, \"category_id\": 2, "
                 "\"bbox\": [1, 2, 3, 4], \"score\": null}]",
                 "results[0].score: expected a number");
    expect_error(gt_ok, "[" "{\"image_id\": 7, \"category_id\": 2, "
                 "\"bbox\": [1, 2, 3, 4], \"score\": 0.5}, "
                 "{\"image_id\": 8, \"category_id\": 2, "
                 "\"bbox\": [1, 2, 3, 4], \"score\": 0.5}]",
                 "results[1].image_id: unknown image 8");
    expect_error(gt_ok, "[{\"image_id\": 7, \"category_id\": 5, "
                 "\"bbox\": [1, 2, 3, 4], \"score\": 0.5}]",
                 "results[0].category_id: unknown category 5");
    expect_error(gt_ok, "[{\"image_id\": 7, \"category_id\": 2, "
                 "\"bbox\": [1, 2, 3, -4], \"score\": 0.5}]",
                 "results[0].bbox: negative width or height");
    /* NaN is not JSON; the parser names the place. */
    expect_error(gt_ok, "[{\"image_id\": 7, \"category_id\": 2, "
                 "\"bbox\": [1, 2, 3, NaN], \"score\": 0.5}]", "line 1");
}

static void test_coco_json_files(void)
{
    char path[] = "/tmp/avp_test_coco_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, gt_ok, strlen(gt_ok)) == (ssize_t)strlen(gt_ok));
    close(fd);
    char rpath[] = "/tmp/avp_test_res_XXXXXX";
    fd = mkstemp(rpath);
    CHECK(fd >= 0);
    CHECK(write(fd, "[1]", 3) == 3);
    close(fd);
    eval_data_t *d = eval_data_create();
    avp_error_t err = {0};
    int rc_pair = eval_load_coco_pair(d, path, rpath, &err);
    int named = strstr(err.msg, rpath) && strstr(err.msg, "results[0]");
    eval_data_destroy(d);
    d = eval_data_create();
    int rc_missing = eval_load_coco_gt(d, "/nonexistent/gt.json", &err);
    int rc_gt = eval_load_coco_gt(d, path, &err);
    eval_data_destroy(d);
    unlink(path);
    unlink(rpath);
    CHECK(rc_pair == AVP_EFORMAT && named);
    CHECK(rc_missing == AVP_ENOTFOUND);
    CHECK(rc_gt == AVP_OK);
}

/* The COCO export of a ground truth (gt/fmt_coco.c) is a ground-truth file
 * avp eval accepts: 12 images (one per frame, empty ones too), 3
 * categories, every box. */
static void test_coco_json_loads_gt_export(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/gt.json", dir);
    gt_t *g = fixture_gt(0);
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_COCO, g, path, NULL, &err) == AVP_OK);
    eval_data_t *d = eval_data_create();
    int rc = eval_load_coco_gt(d, path, &err);
    fixture_rmdir(dir);
    eval_data_destroy(d);
    gt_destroy(g);
    CHECK(rc == AVP_OK);
}

int main(void)
{
    RUN(test_coco_json_loads_valid_files);
    RUN(test_coco_json_empty_results);
    RUN(test_coco_json_names_bad_gt_elements);
    RUN(test_coco_json_names_bad_results);
    RUN(test_coco_json_files);
    RUN(test_coco_json_loads_gt_export);
    return CHECK_DONE();
}
