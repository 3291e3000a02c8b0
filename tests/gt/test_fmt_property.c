/* test_fmt_property.c - for every format, seeded random ground truth ->
 * export -> import is the identity, to the format's precision and for
 * what the format carries (issue 14): AVP JSON and COCO everything (COCO:
 * crowd, area, image and category ids, file names too), CVAT the frame
 * set, tracks, flags and sources, MOT tracks, scores and occlusion, YOLO
 * boxes and VOC boxes with flags; AVP, COCO and Datumaro frame sets
 * that are not evenly spaced too (a file per frame of 0 .. n - 1: these
 * formats name images, so a frame set with gaps comes back renumbered,
 * docs/METRICS.md). Corners formats (CVAT, VOC) and YOLO's normalized
 * numbers round-trip to 1e-9 pixels; the others exactly. */
#include "check.h"
#include "gt_fixture.h"

#include <inttypes.h>

static uint64_t rng_state;

/* splitmix64: a seeded stream, the same on every machine. */
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(double lo, double hi)
{
    return lo + (hi - lo) * (double)(rng() >> 11) / 9007199254740992.0;
}

static int64_t below(int64_t n) { return (int64_t)(rng() % (uint64_t)n); }

typedef struct carries {
    gt_format_t f;
    unsigned cmp;   /* fixture_equal's mask */
    unsigned flags; /* flags the format has */
    int gaps;       /* keeps a frame set with gaps and its start (1), or
                     * any increasing list of frames (2) */
    int score, crowd_area, ids, track_per_frame;
    double tol;
} carries_t;

static const carries_t formats[] = {
    {GT_FORMAT_AVP, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK | CMP_SCORE,
     CMP_FLAGS_ALL, 2, 1, 1, 1, 0, 0},
    {GT_FORMAT_COCO, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK | CMP_SCORE,
     CMP_FLAGS_ALL, 2, 1, 1, 1, 0, 0},
    {GT_FORMAT_CVAT, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK,
     GT_VALIDATED | GT_DIFFICULT | GT_OCCLUDED | GT_TRUNCATED, 1, 0, 0, 0,
     1, 1e-9},
    {GT_FORMAT_MOT, GT_OCCLUDED | CMP_TRACK | CMP_SCORE, GT_OCCLUDED, 0, 1,
     0, 0, 1, 0},
    {GT_FORMAT_YOLO, 0, 0, 0, 0, 0, 0, 0, 1e-9},
    {GT_FORMAT_DATUMARO, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK | CMP_SCORE,
     CMP_FLAGS_ALL & ~GT_CROWD, 2, 1, 0, 0, 0, 0},
    {GT_FORMAT_VOC, GT_DIFFICULT | GT_OCCLUDED | GT_TRUNCATED,
     GT_DIFFICULT | GT_OCCLUDED | GT_TRUNCATED, 0, 0, 0, 0, 0, 1e-9},
};

/* One box of frame f (the k-th there) with what c carries set at random
 * and the rest at the import's defaults. */
static gt_box_t random_box(const carries_t *c, int64_t f, int k, double fps)
{
    gt_box_t b = {.frame = f, .t = (double)f / fps, .label = (int)below(3),
                  .score = 1, .source = GT_SOURCE_IMPORT, .track_id = -1};
    b.w = uniform(1, 300), b.h = uniform(1, 300);
    b.x = uniform(0, 1920 - b.w), b.y = uniform(0, 1080 - b.h);
    b.flags = (unsigned)rng() & c->flags;
    if (c->cmp & CMP_SOURCE)
        b.source = (gt_source_t)below(3);
    if (c->score)
        b.score = uniform(0.01, 1);
    if (c->crowd_area && below(3) == 0)
        b.area = uniform(1, 5000);
    /* CVAT: a track has one box per frame, one label and one source; MOT
     * and the JSON formats: any id, or none. */
    if (c->track_per_frame && (c->f == GT_FORMAT_CVAT || below(2)))
        b.track_id = k + 1, b.label = k % 3;
    if (c->f == GT_FORMAT_CVAT)
        b.source = (gt_source_t)(k % 3);
    else if (c->cmp & CMP_TRACK)
        b.track_id = below(2) ? below(5) : -1;
    return b;
}

static gt_t *random_gt(const carries_t *c)
{
    gt_t *g = gt_create();
    int64_t first = c->gaps ? below(6) : 0, step = c->gaps ? 1 + below(3) : 1;
    int64_t n = 1 + below(8), frames[8];
    /* Half of the sets of a format that keeps any list are uneven. */
    int uneven = c->gaps == 2 && below(2);
    for (int64_t i = 0; i < n; i++)
        frames[i] = uneven && i ? frames[i - 1] + 1 + below(3)
                                : first + i * step;
    gt_set_video(g, 1920, 1080, 30, 0);
    gt_set_frame_list(g, frames, (size_t)n, NULL);
    for (int l = 0; l < 3; l++)
        gt_set_label_id(g, gt_label(g, fixture_names[l]),
                        c->ids ? 7 + 5 * l : GT_NO_ID);
    for (int64_t i = 0; i < n; i++) {
        int64_t f = frames[i];
        char name[32];
        snprintf(name, sizeof name, "img_%" PRId64 ".jpg", 1000 - f);
        if (c->ids)
            gt_set_frame_info(g, f, 90000 - 3 * f, name, 1920, 1080, NULL);
        for (int k = 0, m = (int)below(4); k < m; k++) {
            gt_box_t b = random_box(c, f, k, 30);
            gt_add_box(g, &b, NULL);
        }
    }
    return g;
}

static int same_frames(const gt_t *a, const gt_t *b)
{
    int64_t f[3], h[3];
    gt_frames(a, &f[0], &f[1], &f[2]);
    gt_frames(b, &h[0], &h[1], &h[2]);
    int same = f[0] == h[0] && f[1] == h[1] && f[2] == h[2];
    for (int64_t x = f[0]; same && x <= f[1]; x++)
        same = gt_is_annotated_frame(a, x) == gt_is_annotated_frame(b, x);
    return same;
}

static int same_ids(const gt_t *a, const gt_t *b)
{
    for (int l = 0; l < gt_num_labels(a); l++)
        if (gt_label_id(a, l) != gt_label_id(b, gt_find_label(b,
                                                 gt_label_name(a, l))))
            return 0;
    for (int64_t f = gt_frame_after(a, -1); f >= 0;
         f = gt_frame_after(a, f)) {
        gt_frame_info_t x, y;
        gt_frame_info(a, f, &x);
        gt_frame_info(b, f, &y);
        if (x.id != y.id || strcmp(x.name, y.name) || x.width != y.width)
            return 0;
    }
    return 1;
}

/* Round trips of `rounds` random ground truths through c's format. */
static int round_trips(const carries_t *c, int rounds, const char *dir)
{
    const gt_io_options_t o = {.names = fixture_names, .num_names = 3,
                               .width = 1920, .height = 1080, .fps = 30};
    char path[128];
    for (int r = 0; r < rounds; r++) {
        /* A folder format's export adds to what is there: a new path. */
        snprintf(path, sizeof path, "%s/%s.%d", dir, gt_format_name(c->f), r);
        gt_t *g = random_gt(c), *back = NULL;
        avp_error_t err = {0};
        int ok = gt_export(c->f, g, path, &o, &err) == AVP_OK &&
                 gt_import(c->f, path, &o, &back, &err) == AVP_OK;
        if (!ok)
            fprintf(stderr, "%s round %d: %s\n", gt_format_name(c->f), r,
                    err.msg);
        ok = ok && fixture_equal(g, back, c->cmp, c->tol) &&
             (c->f == GT_FORMAT_MOT || same_frames(g, back)) &&
             (!c->ids || same_ids(g, back));
        gt_destroy(g);
        gt_destroy(back);
        if (!ok) {
            fprintf(stderr, "%s: round %d differs\n", gt_format_name(c->f),
                    r);
            return 0;
        }
    }
    return 1;
}

static void test_fmt_property_round_trips(void)
{
    char dir[64];
    fixture_tmpdir(dir, sizeof dir);
    rng_state = 20261207;
    for (size_t i = 0; i < AVP_ARRAY_LEN(formats); i++)
        CHECK(round_trips(&formats[i], 60, dir));
    fixture_rmdir(dir);
}

int main(void)
{
    RUN(test_fmt_property_round_trips);
    return CHECK_DONE();
}
