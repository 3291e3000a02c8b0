/* test_gt.c - the ground-truth model: labels, box checks, sort, tracks. */
#include "check.h"
#include "gt_fixture.h"

static void test_gt_labels(void)
{
    gt_t *g = gt_create();
    CHECK(gt_label(g, "person") == 0 && gt_label(g, "car") == 1);
    CHECK(gt_label(g, "person") == 0 && gt_num_labels(g) == 2);
    CHECK(gt_find_label(g, "dog") == -1 && gt_label_name(g, 5) == NULL);
    CHECK(!strcmp(gt_label_name(g, 1), "car"));
    gt_destroy(g);
    gt_destroy(NULL);
}

static void test_gt_rejects_bad_boxes(void)
{
    gt_t *g = gt_create();
    gt_label(g, "a");
    const gt_box_t ok = {0, 0, 0, 1, 1, 2, 2, 1, 0, GT_SOURCE_HUMAN, -1, 0};
    gt_box_t b;
    avp_error_t err = {0};
    CHECK(gt_add_box(g, &ok, &err) == AVP_OK);
    b = ok, b.frame = -1;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT && strstr(err.msg, "frame"));
    b = ok, b.frame = GT_MAX_FRAMES;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    b = ok, b.h = 0;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    b = ok, b.x = NAN;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    b = ok, b.label = 1;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    b = ok, b.flags = 1u << 7;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    b = ok, b.score = 1.5;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    b = ok, b.source = (gt_source_t)9;
    CHECK(gt_add_box(g, &b, &err) == AVP_EFORMAT);
    CHECK(gt_num_boxes(g) == 1 && gt_num_frames(g) == 1);
    b = ok, b.w = -1;
    CHECK(gt_set_box(g, 0, &b, &err) == AVP_EFORMAT);
    CHECK(gt_set_box(g, 1, &ok, &err) == AVP_EINVAL);
    b = ok, b.frame = 9;
    CHECK(gt_set_box(g, 0, &b, &err) == AVP_OK);
    CHECK(gt_boxes(g)[0].frame == 9 && gt_num_frames(g) == 10);
    gt_destroy(g);
}

static void test_gt_sort_and_tracks(void)
{
    gt_t *g = fixture_gt(0);
    gt_sort(g);
    const gt_box_t *b = gt_boxes(g);
    for (size_t i = 1; i < gt_num_boxes(g); i++)
        CHECK(b[i - 1].frame < b[i].frame ||
              (b[i - 1].frame == b[i].frame &&
               b[i - 1].track_id <= b[i].track_id));
    CHECK(b[0].frame == 0 && b[0].track_id == 7);
    gt_track_t *t;
    size_t n;
    gt_tracks(g, &t, &n);
    int ok = n == 2 && t[0].id == 7 && t[0].first_frame == 0 &&
             t[0].last_frame == 9 && t[0].num_boxes == 8 &&
             fabs(t[0].last_t - 0.3) < 1e-12 && t[1].id == 12 &&
             t[1].first_frame == 2 && t[1].last_frame == 11 &&
             t[1].num_boxes == 10 && t[1].label == 1;
    avp_free(t);
    gt_destroy(g);
    CHECK(ok);
}

static void test_gt_video(void)
{
    gt_t *g = gt_create();
    gt_set_video(g, 1280, 720, NAN, 5);
    CHECK(gt_width(g) == 1280 && gt_fps(g) == 0 && gt_num_frames(g) == 5);
    gt_set_video(g, 1280, 720, 25, 2);
    CHECK(gt_fps(g) == 25 && gt_num_frames(g) == 5);
    gt_set_video(g, 1280, 720, 25, (int64_t)1 << 40);
    CHECK(gt_num_frames(g) == GT_MAX_FRAMES);
    gt_destroy(g);
}

/* A frame list: kept as a list when its frames are not evenly spaced,
 * as first + k * step when they are; visited in order by gt_frame_after;
 * refused when not increasing or out of range. */
static void test_gt_frame_list(void)
{
    gt_t *g = gt_create();
    avp_error_t err = {0};
    const int64_t uneven[] = {3, 7, 8, 20}, even[] = {4, 6, 8};
    const int64_t bad[][2] = {{5, 5}, {6, 2}, {-1, 2}, {0, GT_MAX_FRAMES}};
    int64_t first, last, step, seen[4], n = 0;
    size_t nl;
    CHECK(gt_set_frame_list(g, uneven, 4, &err) == AVP_OK);
    gt_frames(g, &first, &last, &step);
    CHECK(first == 3 && last == 20 && step == 0 && gt_has_frame_set(g));
    CHECK(gt_frame_list(g, &nl) && nl == 4 && gt_num_frames(g) == 21);
    CHECK(gt_num_annotated_frames(g) == 4 && gt_is_annotated_frame(g, 8) &&
          !gt_is_annotated_frame(g, 9) && !gt_is_annotated_frame(g, 21));
    for (int64_t f = gt_frame_after(g, -1); f >= 0 && n < 4;
         f = gt_frame_after(g, f))
        seen[n++] = f;
    CHECK(n == 4 && !memcmp(seen, uneven, sizeof seen));
    CHECK(gt_frame_after(g, 8) == 20 && gt_frame_after(g, 20) == -1);
    CHECK(gt_set_frame_list(g, even, 3, &err) == AVP_OK);
    gt_frames(g, &first, &last, &step);
    CHECK(first == 4 && last == 8 && step == 2 && !gt_frame_list(g, &nl));
    CHECK(gt_frame_after(g, 4) == 6 && gt_frame_after(g, 5) == 6 &&
          gt_frame_after(g, 8) == -1 && gt_frame_after(g, 0) == 4);
    for (size_t i = 0; i < AVP_ARRAY_LEN(bad); i++)
        CHECK(gt_set_frame_list(g, bad[i], 2, &err) == AVP_EINVAL);
    CHECK(gt_set_frame_list(g, even, 0, &err) == AVP_EINVAL);
    /* The set given last wins, a list replaced by a step included. */
    CHECK(gt_set_frame_list(g, uneven, 4, &err) == AVP_OK &&
          gt_set_frames(g, 0, 9, 3, &err) == AVP_OK && !gt_frame_list(g, &nl));
    gt_t *copy = gt_create();
    gt_set_frame_list(g, uneven, 4, &err);
    gt_copy_frame_set(copy, g);
    CHECK(gt_frame_list(copy, &nl) && nl == 4 && gt_is_annotated_frame(copy, 7));
    gt_destroy(copy);
    gt_destroy(g);
}

int main(void)
{
    RUN(test_gt_labels);
    RUN(test_gt_rejects_bad_boxes);
    RUN(test_gt_sort_and_tracks);
    RUN(test_gt_video);
    RUN(test_gt_frame_list);
    return CHECK_DONE();
}
