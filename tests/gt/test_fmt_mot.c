/* test_fmt_mot.c - MOTChallenge CSV: round trip, malformed lines. */
#include "check.h"
#include "gt_fixture.h"

static const gt_io_options_t mot_opt = {.names = fixture_names,
                                        .num_names = 3, .fps = 30};

static void test_fmt_mot_round_trip(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/gt.txt", dir);
    gt_t *g = fixture_gt(0), *back = NULL;
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_MOT, g, path, &mot_opt, &err) == AVP_OK);
    int rc = gt_import(GT_FORMAT_MOT, path, &mot_opt, &back, &err);
    char *text = fixture_read(path);
    fixture_seed("mot", "gt.txt", text);
    /* Frames are 1-based, untracked boxes have id -1. */
    static const char first[] = "1,7,10.25,20.5,40,80.125,0.75,1,1\n";
    int ok = text && !strncmp(text, first, sizeof first - 1) &&
             strstr(text, "\n2,-1,500,400,");
    free(text);
    fixture_rmdir(dir);
    CHECK(ok);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, GT_OCCLUDED | CMP_TRACK | CMP_SCORE, 0));
    gt_destroy(g);
    gt_destroy(back);
}

/* Without names the class column is the label's index + 1 and reads back
 * as the number. */
static void test_fmt_mot_without_names(void)
{
    const char *text = "3,1,1,2,3,4,1,2,0.25\n";
    gt_t *g = NULL;
    avp_error_t err = {0};
    CHECK(gt_parse_mot(text, strlen(text), NULL, &g, &err) == AVP_OK);
    const gt_box_t *b = gt_boxes(g);
    int ok = gt_num_boxes(g) == 1 && b->frame == 2 && b->track_id == 1 &&
             (b->flags & GT_OCCLUDED) && !strcmp(gt_label_name(g, b->label),
                                                 "2");
    gt_destroy(g);
    CHECK(ok);
}

static int fails(const char *text, const char *want)
{
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_parse_mot(text, strlen(text), &mot_opt, &g, &err);
    if (rc != AVP_EFORMAT || g || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d '%s' want '%s'\n", rc, err.msg, want);
        return 0;
    }
    return 1;
}

static void test_fmt_mot_malformed(void)
{
    CHECK(fails("1,1,1,2,3,4,1,1,1\n1,1,1,2,3,4,1,1\n", "line 2: expected 9"));
    CHECK(fails("\n1,1,1,2,3,4,1,1,1,5,6\n", "line 2: expected 9"));
    CHECK(fails("0,1,1,2,3,4,1,1,1\n", "line 1: frame"));
    CHECK(fails("1,1.5,1,2,3,4,1,1,1\n", "line 1: frame, id"));
    CHECK(fails("1,1,1,2,3,4,1,4,1\n", "line 1: class 4"));
    CHECK(fails("1,1,1,2,3,4,1,1,2\n", "line 1: visibility"));
    CHECK(fails("1,1,1,2,-3,4,1,1,1\n", "line 1: box width"));
    CHECK(fails("1,1,1,2,3,4,1,1,1x\n", "line 1"));
}

int main(void)
{
    RUN(test_fmt_mot_round_trip);
    RUN(test_fmt_mot_without_names);
    RUN(test_fmt_mot_malformed);
    return CHECK_DONE();
}
