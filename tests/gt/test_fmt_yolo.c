/* test_fmt_yolo.c - YOLO txt folders: round trip, malformed lines, nothing
 * half-imported. */
#include "check.h"
#include "gt_fixture.h"

static const gt_io_options_t yolo_opt = {
    .names = fixture_names, .num_names = 3, .width = 640, .height = 480,
    .fps = 30};

static void test_fmt_yolo_round_trip(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/labels", dir);
    gt_t *g = fixture_gt(0), *back = NULL;
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_YOLO, g, path, &yolo_opt, &err) == AVP_OK);
    int rc = gt_import(GT_FORMAT_YOLO, path, &yolo_opt, &back, &err);
    snprintf(path, sizeof path, "%s/labels/frame_000008.txt", dir);
    char *text = fixture_read(path);
    snprintf(path, sizeof path, "%s/labels/frame_000011.txt", dir);
    char *last = fixture_read(path);
    fixture_seed("yolo", "frame_000008.txt", text);
    fixture_rmdir(dir);
    /* Every frame has a file, the last one too. */
    int files_ok = text && last && strchr(text, '\n');
    free(text);
    free(last);
    CHECK(files_ok);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, 0, 1e-9));
    CHECK(gt_num_frames(back) == 12);
    gt_destroy(g);
    gt_destroy(back);
}

static void test_fmt_yolo_needs_names_and_size(void)
{
    gt_t *g = fixture_gt(0);
    gt_io_options_t no_names = {.width = 640, .height = 480, .fps = 30};
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_YOLO, g, "/tmp/avp_never", &no_names, &err) ==
          AVP_EINVAL);
    gt_t *empty = gt_create();
    int rc = gt_parse_yolo_frame(empty, 0, "0 0.5 0.5 0.1 0.1\n", 18,
                                 &(gt_io_options_t){.names = fixture_names,
                                                    .num_names = 3},
                                 "f.txt", &err);
    gt_destroy(empty);
    gt_destroy(g);
    CHECK(rc == AVP_EINVAL && strstr(err.msg, "width"));
}

static int line_fails(const char *text, const char *want)
{
    gt_t *g = gt_create();
    gt_set_video(g, 640, 480, 30, 0);
    avp_error_t err = {0};
    int rc = gt_parse_yolo_frame(g, 3, text, strlen(text), &yolo_opt,
                                 "frame_000003.txt", &err);
    gt_destroy(g);
    if (rc != AVP_EFORMAT || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d '%s' want '%s'\n", rc, err.msg, want);
        return 0;
    }
    return 1;
}

static void test_fmt_yolo_malformed(void)
{
    CHECK(line_fails("0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1\n",
                     "frame_000003.txt:2: expected"));
    CHECK(line_fails("\n\n3 0.5 0.5 0.1 0.1\n",
                     "frame_000003.txt:3: class 3"));
    CHECK(line_fails("0 0.5 0.5 0.1 0.1 7\n", "frame_000003.txt:1"));
    CHECK(line_fails("0 0.5 0.5 0 0.1\n", "frame_000003.txt:1: box width"));
    CHECK(line_fails("0.5 0.5 0.5 0.1 0.1\n", "frame_000003.txt:1"));
    CHECK(line_fails("0 nan 0.5 0.1 0.1\n", "frame_000003.txt:1"));
}

/* A folder whose second file is bad imports nothing. */
static void test_fmt_yolo_all_or_nothing(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/frame_000000.txt", dir);
    fixture_write(path, "0 0.5 0.5 0.1 0.1\n");
    snprintf(path, sizeof path, "%s/frame_000001.txt", dir);
    fixture_write(path, "0 0.5 0.5 0.1 0.1\n1 x\n");
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_import(GT_FORMAT_YOLO, dir, &yolo_opt, &g, &err);
    fixture_rmdir(dir);
    CHECK(rc == AVP_EFORMAT && g == NULL);
    CHECK(strstr(err.msg, "frame_000001.txt:2"));
}

int main(void)
{
    RUN(test_fmt_yolo_round_trip);
    RUN(test_fmt_yolo_needs_names_and_size);
    RUN(test_fmt_yolo_malformed);
    RUN(test_fmt_yolo_all_or_nothing);
    return CHECK_DONE();
}
