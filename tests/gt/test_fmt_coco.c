/* test_fmt_coco.c - COCO JSON ground truth: round trip, malformed files.
 * tests/eval/test_coco_json.c loads the export in eval. */
#include "check.h"
#include "gt_fixture.h"

static void test_fmt_coco_round_trip(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/gt.json", dir);
    gt_t *g = fixture_gt(0), *back = NULL;
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_COCO, g, path, NULL, &err) == AVP_OK);
    int rc = gt_import(GT_FORMAT_COCO, path, NULL, &back, &err);
    char *text = fixture_read(path);
    fixture_seed("coco", "fixture.json", text);
    free(text);
    fixture_rmdir(dir);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK |
                        CMP_SCORE, 0));
    CHECK(gt_width(back) == 640 && gt_height(back) == 480);
    CHECK(gt_fps(back) == 30 && gt_num_frames(back) == 12);
    gt_destroy(g);
    gt_destroy(back);
}

static int parse_fails(const char *text, const char *want)
{
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_parse_coco(text, strlen(text), NULL, &g, &err);
    if (rc != AVP_EFORMAT || g || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d, message '%s', want '%s'\n", rc, err.msg, want);
        return 0;
    }
    return 1;
}

#define HEAD "{\"images\": [{\"id\": 1}, {\"id\": 2}], " \
             "\"categories\": [{\"id\": 1, \"name\": \"person\"}], "

static void test_fmt_coco_malformed(void)
{
    CHECK(parse_fails("{\"images\": [", "line 1"));
    CHECK(parse_fails("[]", "expected an object"));
    CHECK(parse_fails("{\"categories\": [], \"annotations\": []}", "images"));
    CHECK(parse_fails(HEAD "\"annotations\": [{\"image_id\": 1, "
                      "\"category_id\": 1, \"bbox\": [1, 2, 3, 4]}, "
                      "{\"image_id\": 9, \"category_id\": 1, "
                      "\"bbox\": [1, 2, 3, 4]}]}",
                      "annotations[1].image_id"));
    CHECK(parse_fails(HEAD "\"annotations\": [{\"image_id\": 1, "
                      "\"category_id\": 1, \"bbox\": [1, 2, 3]}]}",
                      "annotations[0].bbox"));
    CHECK(parse_fails(HEAD "\"annotations\": [{\"image_id\": 1, "
                      "\"category_id\": 1, \"bbox\": [1, 2, 0, 4]}]}",
                      "annotations[0]"));
    CHECK(parse_fails(HEAD "\"annotations\": [{\"image_id\": 1, "
                      "\"category_id\": 1, \"bbox\": [1, 2, 3, 4], "
                      "\"attributes\": {\"occluded\": 1}}]}",
                      "annotations[0].occluded"));
    CHECK(parse_fails("{\"images\": [{\"id\": 1}, {\"id\": 1}], "
                      "\"categories\": [], \"annotations\": []}",
                      "images: duplicate id 1"));
}

/* Plain COCO (no attributes, no frame_id): frames follow the image list,
 * boxes are imported, in no track, with score 1. */
static void test_fmt_coco_plain(void)
{
    const char *text = HEAD "\"annotations\": [{\"id\": 5, \"image_id\": 2, "
                       "\"category_id\": 1, \"bbox\": [1, 2, 3, 4]}]}";
    gt_io_options_t o = {.fps = 10};
    gt_t *g = NULL;
    avp_error_t err = {0};
    CHECK(gt_parse_coco(text, strlen(text), &o, &g, &err) == AVP_OK);
    const gt_box_t *b = gt_boxes(g);
    int ok = gt_num_boxes(g) == 1 && b->frame == 1 && b->t == 0.1 &&
             b->track_id == -1 && b->score == 1 &&
             b->source == GT_SOURCE_IMPORT && b->w == 3 &&
             !strcmp(gt_label_name(g, b->label), "person");
    gt_destroy(g);
    CHECK(ok);
}

int main(void)
{
    RUN(test_fmt_coco_round_trip);
    RUN(test_fmt_coco_malformed);
    RUN(test_fmt_coco_plain);
    return CHECK_DONE();
}
