/* gt_fixture.h - a small ground truth with every field in use, a
 * comparison that knows what each format carries, and a scratch folder,
 * for the ground-truth tests. */
#ifndef AVP_TESTS_GT_FIXTURE_H
#define AVP_TESTS_GT_FIXTURE_H

#include "gt/gt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    CMP_FLAGS_ALL = GT_VALIDATED | GT_DIFFICULT | GT_OCCLUDED | GT_TRUNCATED |
                    GT_CROWD,
    CMP_SOURCE = 1 << 8,
    CMP_TRACK = 1 << 9,
    CMP_SCORE = 1 << 10
};

static const char *const fixture_names[] = {"person", "car", "dog"};

/* 640x480 at 30 fps, 12 frames: a person track (frames 0-9 with a gap at
 * 4-5), a car track (2-11), two untracked dogs; flags, sources and scores
 * vary. With tracked_only the dogs are left out. */
static inline gt_t *fixture_gt(int tracked_only)
{
    gt_t *g = gt_create();
    gt_set_video(g, 640, 480, 30, 12);
    for (int i = 0; i < 3; i++)
        gt_label(g, fixture_names[i]);
    for (int f = 0; f < 12; f++) {
        gt_box_t p = {f, f / 30.0, 0, 10.25 + 3 * f, 20.5, 40, 80.125,
                      0.75, (unsigned)(f % 3 == 0 ? GT_VALIDATED : 0) |
                      (f == 7 ? GT_OCCLUDED | GT_DIFFICULT : 0),
                      GT_SOURCE_HUMAN, 7, 0};
        gt_box_t c = {f, f / 30.0, 1, 300 - 5.5 * f, 200, 120.5, 60,
                      0.5 + f / 100.0, f == 3 ? GT_TRUNCATED : 0,
                      GT_SOURCE_MODEL, 12, 0};
        if (f <= 9 && f != 4 && f != 5)
            gt_add_box(g, &p, NULL);
        if (f >= 2)
            gt_add_box(g, &c, NULL);
    }
    if (!tracked_only) {
        gt_box_t d1 = {1, 1 / 30.0, 2, 500, 400, 30, 20, 1, 0,
                       GT_SOURCE_IMPORT, -1, 0};
        gt_box_t d2 = {8, 8 / 30.0, 2, 100, 300.5, 25, 25, 1, GT_OCCLUDED,
                       GT_SOURCE_IMPORT, -1, 0};
        gt_add_box(g, &d1, NULL);
        gt_add_box(g, &d2, NULL);
    }
    return g;
}

static const gt_t *fixture_sort_gt;

static inline int fixture_cmp(const void *pa, const void *pb)
{
    const gt_box_t *a = pa, *b = pb;
    int c = strcmp(gt_label_name(fixture_sort_gt, a->label),
                   gt_label_name(fixture_sort_gt, b->label));
    if (a->frame != b->frame)
        return a->frame < b->frame ? -1 : 1;
    if (c)
        return c;
    return a->x < b->x ? -1 : a->x > b->x;
}

static inline gt_box_t *fixture_sorted(const gt_t *g)
{
    size_t n = gt_num_boxes(g);
    gt_box_t *v = malloc((n + 1) * sizeof(gt_box_t));
    if (n) /* a gt without boxes has no array to copy from */
        memcpy(v, gt_boxes(g), n * sizeof(gt_box_t));
    fixture_sort_gt = g;
    qsort(v, n, sizeof(gt_box_t), fixture_cmp);
    return v;
}

static inline int fixture_box_equal(const gt_t *a, const gt_box_t *x,
                                    const gt_t *b, const gt_box_t *y,
                                    unsigned what, double tol)
{
    return x->frame == y->frame && fabs(x->t - y->t) <= 1e-9 &&
           !strcmp(gt_label_name(a, x->label), gt_label_name(b, y->label)) &&
           fabs(x->x - y->x) <= tol && fabs(x->y - y->y) <= tol &&
           fabs(x->w - y->w) <= tol && fabs(x->h - y->h) <= tol &&
           fabs(x->area - y->area) <= tol &&
           ((x->flags ^ y->flags) & what & CMP_FLAGS_ALL) == 0 &&
           (!(what & CMP_SOURCE) || x->source == y->source) &&
           (!(what & CMP_TRACK) || x->track_id == y->track_id) &&
           (!(what & CMP_SCORE) || fabs(x->score - y->score) <= 1e-12);
}

/* 1 if a and b hold the same boxes (in any order) as far as `what` says,
 * with coordinates within tol pixels; prints the first difference. */
static inline int fixture_equal(const gt_t *a, const gt_t *b,
                                unsigned what, double tol)
{
    size_t n = gt_num_boxes(a);
    if (n != gt_num_boxes(b)) {
        fprintf(stderr, "box count %zu != %zu\n", n, gt_num_boxes(b));
        return 0;
    }
    gt_box_t *x = fixture_sorted(a), *y = fixture_sorted(b);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++)
        if (!fixture_box_equal(a, &x[i], b, &y[i], what, tol)) {
            fprintf(stderr, "box %zu differs: frame %lld/%lld x %.9g/%.9g "
                    "flags %x/%x src %d/%d track %lld/%lld score %g/%g\n", i,
                    (long long)x[i].frame, (long long)y[i].frame, x[i].x,
                    y[i].x, x[i].flags, y[i].flags, x[i].source, y[i].source,
                    (long long)x[i].track_id, (long long)y[i].track_id,
                    x[i].score, y[i].score);
            ok = 0;
        }
    free(x);
    free(y);
    return ok;
}

/* A fresh folder under /tmp (the caller removes it with fixture_rmdir). */
static inline void fixture_tmpdir(char *path, size_t size)
{
    snprintf(path, size, "/tmp/avp_gt_XXXXXX");
    if (!mkdtemp(path))
        abort();
}

static inline void fixture_rmdir(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

static inline void fixture_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

/* Saves text as a fuzz seed in $AVP_BINARY_DIR/fuzz_seeds/<name>/. */
static inline void fixture_seed(const char *name, const char *file,
                                const char *text)
{
    const char *bin = getenv("AVP_BINARY_DIR");
    char path[1024];
    if (!bin)
        return;
    snprintf(path, sizeof path, "%s/fuzz_seeds", bin);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/fuzz_seeds/%s", bin, name);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/fuzz_seeds/%s/%s", bin, name, file);
    fixture_write(path, text);
}

static inline char *fixture_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    s[n] = 0;
    fclose(f);
    return s;
}

#endif
