/* test_track.c - the IoU tracker on synthetic motion (crossing objects,
 * occlusion gaps, score dips) and on real detections of the shared clip. */
#include "check.h"
#include "gt_fixture.h"

static gt_box_t det(int label, double x, double y, double score)
{
    return (gt_box_t){.label = label, .x = x, .y = y, .w = 40, .h = 80,
                      .score = score, .track_id = -1};
}

/* Two people walking towards each other cross at frame ~15 (their boxes
 * overlap for several frames); each keeps its id. */
static void test_track_crossing_keeps_ids(void)
{
    gt_tracker_t *tr = gt_tracker_create(NULL);
    int64_t first[2] = {0, 0}, ids[2];
    avp_error_t err = {0};
    for (int f = 0; f < 30; f++) {
        gt_box_t d[2] = {det(0, 10 + 10 * f, 100, 0.9),
                         det(0, 310 - 10 * f, 110, 0.8)};
        CHECK(gt_tracker_step(tr, f, d, 2, ids, &err) == AVP_OK);
        if (f == 0)
            first[0] = ids[0], first[1] = ids[1];
        CHECK(ids[0] == first[0] && ids[1] == first[1]);
    }
    CHECK(first[0] == 1 && first[1] == 2);
    gt_tracker_destroy(tr);
}

/* An object hidden for 8 frames while moving 12 px a frame comes back
 * under its id with prediction; without prediction it has moved out of
 * its old box and gets a new id. A gap longer than max_age always ends
 * the track. */
static int64_t id_after_gap(int predict, int gap, int max_age)
{
    gt_track_options_t o;
    gt_track_options_default(&o);
    o.predict = predict, o.max_age = max_age;
    gt_tracker_t *tr = gt_tracker_create(&o);
    int64_t id = -1;
    for (int f = 0; f < 20 + gap; f++) {
        if (f >= 10 && f < 10 + gap)
            continue;
        gt_box_t d = det(0, 12.0 * f, 50, 0.9);
        gt_tracker_step(tr, f, &d, 1, &id, NULL);
    }
    gt_tracker_destroy(tr);
    return id;
}

static void test_track_occlusion_gap(void)
{
    CHECK(id_after_gap(1, 8, 30) == 1);
    CHECK(id_after_gap(0, 8, 30) == 2);
    CHECK(id_after_gap(1, 8, 5) == 2);
}

/* ByteTrack's second round: a dip below high_score continues the track;
 * a weak detection alone starts nothing; classes never mix. */
static void test_track_low_scores_and_classes(void)
{
    gt_tracker_t *tr = gt_tracker_create(NULL);
    int64_t ids[3];
    for (int f = 0; f < 20; f++) {
        double s = f >= 5 && f < 10 ? 0.2 : 0.9;
        gt_box_t d[3] = {det(0, 100 + f, 100, s), det(1, 100 + f, 100, 0.9),
                         det(2, 400, 400, 0.3)};
        CHECK(gt_tracker_step(tr, f, d, 3, ids, NULL) == AVP_OK);
        CHECK(ids[0] == 1 && ids[1] == 2 && ids[2] == -1);
    }
    gt_box_t d = det(0, 100, 100, 0.05);
    CHECK(gt_tracker_step(tr, 20, &d, 1, ids, NULL) == AVP_OK);
    CHECK(ids[0] == -1); /* below low_score: ignored */
    avp_error_t err = {0};
    CHECK(gt_tracker_step(tr, 20, &d, 1, ids, &err) == AVP_EINVAL);
    gt_tracker_destroy(tr);
}

/* gt_autotrack drops short tracks, renumbers 1.., is deterministic. */
static void test_track_autotrack(void)
{
    gt_t *dets = gt_create();
    gt_label(dets, "person");
    for (int f = 9; f >= 0; f--) { /* any input order */
        gt_box_t a = det(0, 5.0 * f, 0, 0.9), b = det(0, 500, 300, 0.9);
        a.frame = b.frame = f;
        a.t = b.t = f / 10.0;
        gt_add_box(dets, &a, NULL);
        if (f < 2) /* a 2-box flicker: shorter than min_length */
            gt_add_box(dets, &b, NULL);
    }
    gt_t *g1 = NULL, *g2 = NULL;
    avp_error_t err = {0};
    CHECK(gt_autotrack(dets, NULL, &g1, &err) == AVP_OK);
    CHECK(gt_autotrack(dets, NULL, &g2, &err) == AVP_OK);
    gt_track_t *t;
    size_t n;
    gt_tracks(g1, &t, &n);
    int ok = n == 1 && t[0].id == 1 && t[0].num_boxes == 10 &&
             t[0].first_frame == 0 && t[0].last_frame == 9 &&
             fixture_equal(g1, g2, CMP_TRACK | CMP_SOURCE, 0);
    avp_free(t);
    gt_destroy(g1);
    gt_destroy(g2);
    gt_destroy(dets);
    CHECK(ok);
}

/* The shared clip shows four photos for 60 frames each: the reference
 * detections must link into a few tracks, none crossing a photo change. */
static void test_track_real_clip(void)
{
    const char *dir = getenv("AVP_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/media/photos_720p.yolox_nano.jsonl",
             dir ? dir : "../shared");
    char *text = fixture_read(path);
    if (!text)
        CHECK_SKIP("photos_720p.yolox_nano.jsonl not found");
    gt_t *dets = NULL, *g = NULL;
    avp_error_t err = {0};
    CHECK(gt_parse_detect_jsonl(text, strlen(text), &dets, &err) == AVP_OK);
    free(text);
    CHECK(gt_autotrack(dets, NULL, &g, &err) == AVP_OK);
    gt_track_t *t;
    size_t n;
    gt_tracks(g, &t, &n);
    int segments[4] = {0}, inside = 1, long_enough = 1;
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "track %lld %s frames %lld-%lld (%lld boxes)\n",
                (long long)t[i].id, gt_label_name(g, t[i].label),
                (long long)t[i].first_frame, (long long)t[i].last_frame,
                (long long)t[i].num_boxes);
        inside &= t[i].first_frame / 60 == t[i].last_frame / 60;
        long_enough &= t[i].num_boxes >= 3;
        segments[t[i].first_frame / 60 % 4]++;
    }
    avp_free(t);
    gt_destroy(dets);
    gt_destroy(g);
    CHECK(inside && long_enough);
    CHECK(n >= 4 && n <= 16);
    CHECK(segments[0] && segments[1] && segments[2] && segments[3]);
}

int main(void)
{
    RUN(test_track_crossing_keeps_ids);
    RUN(test_track_occlusion_gap);
    RUN(test_track_low_scores_and_classes);
    RUN(test_track_autotrack);
    RUN(test_track_real_clip);
    return CHECK_DONE();
}
