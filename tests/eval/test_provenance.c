/* test_provenance.c - a run is flagged as scored against its own output
 * when its model (by id, or the same weights by hash) made some of the
 * ground truth, not when another model or a person did; boxes a model
 * made before provenance was recorded are marked unknown. */
#include "check.h"
#include "eval/eval.h"

#include <string.h>

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static json_t *summary(const char *sources)
{
    char text[2048];
    snprintf(text, sizeof text, "{\"boxes\":10,\"frames\":4,\"sources\":%s}",
             sources);
    return json_loads(text, 0, NULL);
}

static json_t *source(json_t *gt, size_t i)
{
    return json_array_get(json_object_get(gt, "sources"), i);
}

static void test_provenance_same_model_id_is_self(void)
{
    avp_error_t err = {0};
    json_t *gt = summary("[{\"kind\":\"model\",\"model_id\":7,"
                         "\"model_sha256\":\"" SHA_B "\",\"boxes\":6},"
                         "{\"kind\":\"human\",\"boxes\":4}]");
    CHECK(gt != NULL);
    CHECK(eval_gt_provenance_mark(gt, 7, SHA_A, &err) == 1);
    CHECK(json_is_true(json_object_get(gt, "self_scored")));
    CHECK(json_integer_value(json_object_get(gt, "self_boxes")) == 6);
    CHECK(json_is_true(json_object_get(source(gt, 0), "self")));
    CHECK(json_is_false(json_object_get(source(gt, 1), "self")));
    json_decref(gt);
}

static void test_provenance_same_weights_other_id_is_self(void)
{
    avp_error_t err = {0};
    json_t *gt = summary("[{\"kind\":\"model\",\"model_id\":3,"
                         "\"model_sha256\":\"" SHA_A "\",\"boxes\":10}]");
    CHECK(eval_gt_provenance_mark(gt, 9, SHA_A, &err) == 1);
    CHECK(json_integer_value(json_object_get(gt, "self_boxes")) == 10);
    json_decref(gt);
}

static void test_provenance_other_model_and_imports_are_not_self(void)
{
    avp_error_t err = {0};
    json_t *gt = summary("[{\"kind\":\"model\",\"model_id\":3,"
                         "\"model_sha256\":\"" SHA_B "\",\"boxes\":5},"
                         "{\"kind\":\"import\",\"format\":\"coco\",\"file\":"
                         "\"gt.json\",\"model_id\":null,\"boxes\":5}]");
    CHECK(eval_gt_provenance_mark(gt, 9, SHA_A, &err) == 0);
    CHECK(json_is_false(json_object_get(gt, "self_scored")));
    CHECK(json_integer_value(json_object_get(gt, "self_boxes")) == 0);
    CHECK(json_is_false(json_object_get(source(gt, 0), "self")));
    CHECK(json_is_false(json_object_get(source(gt, 1), "self")));
    json_decref(gt);
}

static void test_provenance_unrecorded_model_is_unknown(void)
{
    avp_error_t err = {0};
    json_t *gt = summary("[{\"kind\":\"model\",\"model_id\":null,"
                         "\"model_sha256\":null,\"boxes\":10}]");
    CHECK(eval_gt_provenance_mark(gt, 9, NULL, &err) == 0);
    CHECK(json_is_null(json_object_get(source(gt, 0), "self")));
    CHECK(json_is_false(json_object_get(gt, "self_scored")));
    json_decref(gt);
}

static void test_provenance_malformed_refused(void)
{
    avp_error_t err = {0};
    json_t *gt = json_pack("{s:i}", "boxes", 1);
    CHECK(eval_gt_provenance_mark(gt, 1, SHA_A, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "sources") != NULL);
    json_decref(gt);
}

int main(void)
{
    RUN(test_provenance_same_model_id_is_self);
    RUN(test_provenance_same_weights_other_id_is_self);
    RUN(test_provenance_other_model_and_imports_are_not_self);
    RUN(test_provenance_unrecorded_model_is_unknown);
    RUN(test_provenance_malformed_refused);
    return CHECK_DONE();
}
