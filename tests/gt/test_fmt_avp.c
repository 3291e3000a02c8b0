/* test_fmt_avp.c - AVP's ground-truth JSON and the `avp detect` JSONL
 * reader. */
#include "check.h"
#include "gt_fixture.h"

static void test_fmt_avp_round_trip(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/gt.json", dir);
    gt_t *g = fixture_gt(0), *back = NULL;
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_AVP, g, path, NULL, &err) == AVP_OK);
    int rc = gt_import(GT_FORMAT_AVP, path, NULL, &back, &err);
    char *text = fixture_read(path);
    fixture_seed("avp", "gt.json", text);
    /* The derived tracks are written for readers. */
    int tracks = text && strstr(text, "\"tracks\":[{\"id\":7,") &&
                 strstr(text, "\"first_frame\":0") &&
                 strstr(text, "\"last_frame\":9");
    free(text);
    fixture_rmdir(dir);
    CHECK(tracks);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK |
                        CMP_SCORE, 0));
    /* Label order is kept, so label indices survive too. */
    CHECK(gt_num_labels(back) == 3 && gt_find_label(back, "dog") == 2);
    CHECK(gt_fps(back) == 30 && gt_num_frames(back) == 12);
    gt_destroy(g);
    gt_destroy(back);
}

static int fails(const char *text, const char *want)
{
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_parse_avp(text, strlen(text), NULL, &g, &err);
    if (rc != AVP_EFORMAT || g || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d '%s' want '%s'\n", rc, err.msg, want);
        return 0;
    }
    return 1;
}

#define B0 "{\"frame\": 0, \"t\": 0, \"label\": \"a\", \"box\": [1, 2, 3, 4]}"

static void test_fmt_avp_malformed(void)
{
    CHECK(fails("{\"boxes\": [\n" B0 ",\n}", "line 3"));
    CHECK(fails("{\"boxes\": {}}", "boxes: expected a list"));
    CHECK(fails("{\"boxes\": [" B0 ", {\"frame\": 1.5, \"t\": 0, "
                "\"label\": \"a\", \"box\": [1, 2, 3, 4]}]}",
                "boxes[1].frame: not an integer"));
    CHECK(fails("{\"boxes\": [{\"frame\": 1e70, \"t\": 0, \"label\": \"a\", "
                "\"box\": [1, 2, 3, 4]}]}", "boxes[0].frame: not an integer"));
    CHECK(fails("{\"boxes\": [{\"frame\": -1, \"t\": 0, \"label\": \"a\", "
                "\"box\": [1, 2, 3, 4]}]}", "boxes[0].frame: not an integer"));
    CHECK(fails("{\"boxes\": [" B0 ", {\"frame\": 1, \"t\": 0, "
                "\"box\": [1, 2, 3, 4]}]}", "boxes[1].label: missing"));
    CHECK(fails("{\"boxes\": [{\"frame\": 1, \"t\": 0, \"label\": \"a\", "
                "\"box\": [1, 2, 3, 4], \"source\": \"alien\"}]}",
                "boxes[0].source: unknown 'alien'"));
    CHECK(fails("{\"boxes\": [{\"frame\": 1, \"t\": 0, \"label\": \"a\", "
                "\"box\": [1, 2, 3, 4], \"score\": 2}]}",
                "boxes[0]: score 2 outside"));
    CHECK(fails("{\"video\": {\"fps\": \"x\"}, \"boxes\": []}",
                "video.fps: expected a number"));
}

static void test_fmt_avp_detect_jsonl(void)
{
    const char *text =
        "{\"frame\": 0, \"t\": 0.0, \"class\": 0, \"label\": \"person\", "
        "\"score\": 0.9, \"box\": [10, 20, 50, 120]}\n\n"
        "{\"frame\": 1, \"t\": 0.5, \"class\": 16, \"label\": \"dog\", "
        "\"score\": 0.4, \"box\": [1, 2, 3, 4]}\n";
    gt_t *g = NULL;
    avp_error_t err = {0};
    CHECK(gt_parse_detect_jsonl(text, strlen(text), &g, &err) == AVP_OK);
    const gt_box_t *b = gt_boxes(g);
    int ok = gt_num_boxes(g) == 2 && b[0].w == 40 && b[0].h == 100 &&
             b[0].source == GT_SOURCE_MODEL && b[1].t == 0.5 &&
             b[1].score == 0.4 && !strcmp(gt_label_name(g, b[1].label), "dog");
    gt_destroy(g);
    CHECK(ok);
    const char *bad = "{\"frame\": 0, \"t\": 0, \"label\": \"a\", "
                      "\"score\": 1, \"box\": [1, 2, 3, 4]}\n"
                      "{\"frame\": 0, \"t\": 0}\n";
    g = (gt_t *)1;
    CHECK(gt_parse_detect_jsonl(bad, strlen(bad), &g, &err) == AVP_EFORMAT);
    CHECK(g == NULL && strstr(err.msg, "line 2: .score: missing"));
}

int main(void)
{
    RUN(test_fmt_avp_round_trip);
    RUN(test_fmt_avp_malformed);
    RUN(test_fmt_avp_detect_jsonl);
    return CHECK_DONE();
}
