/* Class-aware NMS: hand cases and 10k random boxes against an O(n^2)
 * reference written the plain way (suppressed flags, full scans). */
#include "check.h"
#include "detect/detect.h"

#include <stdint.h>
#include <string.h>

static detect_box_t box(int cls, float score, float x1, float y1, float x2,
                        float y2)
{
    return (detect_box_t){cls, score, {x1, y1, x2, y2}};
}

static void test_nms_iou(void)
{
    float a[4] = {0, 0, 10, 10}, b[4] = {5, 0, 15, 10}, c[4] = {10, 0, 20, 10};
    CHECK_NEAR(detect_iou(a, b), 50.0 / 150.0, 1e-6);
    CHECK(detect_iou(a, c) == 0.0f); /* touching edges do not overlap */
    CHECK_NEAR(detect_iou(a, a), 1.0, 1e-6);
}

static void test_nms_same_class_suppressed_other_class_kept(void)
{
    detect_box_t b[4] = {
        box(0, 0.5f, 1, 0, 11, 10),  /* IoU .82 with the 0.9 box */
        box(0, 0.9f, 0, 0, 10, 10),
        box(1, 0.7f, 0, 0, 10, 10),  /* same place, other class */
        box(0, 0.6f, 50, 50, 60, 60) /* same class, elsewhere */
    };
    CHECK(detect_nms(b, 4, 0.45f, 300) == 3);
    CHECK(b[0].score == 0.9f && b[0].cls == 0);
    CHECK(b[1].score == 0.7f && b[1].cls == 1);
    CHECK(b[2].score == 0.6f && b[2].box[0] == 50);
}

static void test_nms_threshold_is_strict_and_ties_keep_earlier(void)
{
    /* IoU exactly 0.5 does not suppress at threshold 0.5. */
    detect_box_t b[2] = {box(0, 0.8f, 0, 0, 10, 10), box(0, 0.8f, 0, 0, 10, 5)};
    CHECK(detect_nms(b, 2, 0.5f, 300) == 2);
    CHECK(b[0].box[0] == 0); /* equal scores keep input order */
    /* IoU 1/3 at threshold 0.3: one of the tie goes. */
    detect_box_t c[2] = {box(0, 0.8f, 5, 0, 15, 10), box(0, 0.8f, 0, 0, 10, 10)};
    CHECK(detect_nms(c, 2, 0.3f, 300) == 1);
    CHECK(c[0].box[0] == 5); /* the earlier of the tie survives */
}

static void test_nms_max_det_and_bad_class(void)
{
    detect_box_t b[3] = {box(0, 0.1f, 0, 0, 1, 1), box(1, 0.3f, 0, 0, 1, 1),
                         box(2, 0.2f, 0, 0, 1, 1)};
    CHECK(detect_nms(b, 3, 0.45f, 2) == 2);
    CHECK(b[0].cls == 1 && b[1].cls == 2);
    detect_box_t bad[1] = {box(DETECT_MAX_CLASSES, 0.5f, 0, 0, 1, 1)};
    CHECK(detect_nms(bad, 1, 0.45f, 300) == AVP_EINVAL);
    CHECK(detect_nms(b, 0, 0.45f, 300) == 0);
}

/* xorshift: a fixed sequence on every platform. */
static uint32_t rng_state = 12345;
static float rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (float)(rng_state >> 8) / (float)(1u << 24);
}

static void random_boxes(detect_box_t *b, int n, int classes)
{
    for (int i = 0; i < n; i++) {
        float x = rnd() * 600, y = rnd() * 600;
        float w = 10 + rnd() * 120, h = 10 + rnd() * 120;
        /* Scores on a 1/100 grid so that ties are common. */
        float s = (float)(int)(rnd() * 100) / 100.0f;
        b[i] = box((int)(rnd() * (float)classes), s, x, y, x + w, y + h);
    }
}

static double ref_iou(const float *a, const float *b)
{
    double iw = fmin(a[2], b[2]) - fmax(a[0], b[0]);
    double ih = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    if (iw <= 0 || ih <= 0)
        return 0;
    double inter = iw * ih;
    return inter / ((double)(a[2] - a[0]) * (a[3] - a[1]) +
                    (double)(b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/* Stable descending score order (bottom-up merge sort). */
static void order_by_score(const detect_box_t *b, int *idx, int *tmp, int n)
{
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int i = lo, j = mid, k = lo;
            while (i < mid || j < hi)
                tmp[k++] = (j >= hi || (i < mid && b[idx[i]].score >= b[idx[j]].score))
                               ? idx[i++] : idx[j++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof(int));
    }
}

static int reference_nms(const detect_box_t *b, int n, float thr, int max_det,
                         detect_box_t *out)
{
    int *idx = malloc((size_t)n * sizeof(int)), *tmp = malloc((size_t)n * sizeof(int));
    char *supp = calloc((size_t)n, 1);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    order_by_score(b, idx, tmp, n);
    int kept = 0;
    for (int i = 0; i < n && kept < max_det; i++) {
        if (supp[i])
            continue;
        out[kept++] = b[idx[i]];
        for (int j = i + 1; j < n; j++)
            if (b[idx[j]].cls == b[idx[i]].cls &&
                ref_iou(b[idx[i]].box, b[idx[j]].box) > thr)
                supp[j] = 1;
    }
    free(idx);
    free(tmp);
    free(supp);
    return kept;
}

static void compare_random(int n, int classes, int max_det)
{
    detect_box_t *in = malloc((size_t)n * sizeof(*in));
    detect_box_t *ref = malloc((size_t)n * sizeof(*ref));
    random_boxes(in, n, classes);
    int want = reference_nms(in, n, 0.45f, max_det, ref);
    int got = detect_nms(in, n, 0.45f, max_det);
    int same = got == want && memcmp(in, ref, (size_t)got * sizeof(*in)) == 0;
    fprintf(stderr, "  %d boxes, %d classes, max_det %d: kept %d (ref %d)\n", n,
            classes, max_det, got, want);
    free(in);
    free(ref);
    CHECK(same);
    CHECK(want > 0 && (max_det >= n || want == max_det));
}

static void test_nms_random_10k_matches_reference(void)
{
    compare_random(10000, 80, 10000);
    compare_random(10000, 3, 10000);
    compare_random(10000, 80, 300);
}

int main(void)
{
    RUN(test_nms_iou);
    RUN(test_nms_same_class_suppressed_other_class_kept);
    RUN(test_nms_threshold_is_strict_and_ties_keep_earlier);
    RUN(test_nms_max_det_and_bad_class);
    RUN(test_nms_random_10k_matches_reference);
    return CHECK_DONE();
}
