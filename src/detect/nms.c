/*
 * nms.c - class-aware non-maximum suppression with cv2.dnn.NMSBoxes
 * semantics: candidates are visited once in descending score order (ties:
 * the earlier candidate first), and one is kept unless its IoU with an
 * already kept box of the same class is greater than the threshold.
 *
 * Why it stays fast with 10k candidates: the kept boxes of each class form
 * a linked list, so a candidate is compared only with kept boxes of its own
 * class (a class offset trick would do the same work through a spatial
 * index we do not have), and the walk stops as soon as max_det boxes are
 * kept. The cost is one sort plus sum over classes of candidates x kept.
 */
#include "detect/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float detect_iou(const float *a, const float *b)
{
    float iw = fminf(a[2], b[2]) - fmaxf(a[0], b[0]);
    float ih = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
    if (iw <= 0.0f || ih <= 0.0f)
        return 0.0f;
    float inter = iw * ih;
    float area_a = (a[2] - a[0]) * (a[3] - a[1]);
    float area_b = (b[2] - b[0]) * (b[3] - b[1]);
    float uni = area_a + area_b - inter;
    return uni > 0.0f ? inter / uni : 0.0f;
}

size_t detect__nms_work_floats(size_t n)
{
    /* keys are two 4-byte fields, next and head one each. */
    return 2 * n + n + DETECT_MAX_CLASSES;
}

void detect__nms_work_init(detect__nms_work_t *w, float *mem, size_t n)
{
    w->keys = (detect__key_t *)mem;
    w->next = (int *)(mem + 2 * n);
    w->head = (int *)(mem + 3 * n);
}

static int key_cmp(const void *pa, const void *pb)
{
    const detect__key_t *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* True if box overlaps a kept box of its class by more than iou. This is
 * the inner loop: it tests inter > iou x union instead of dividing. */
static int suppressed(const detect_box_t *box, const detect_box_t *out,
                      const int *next, int first, float iou)
{
    const float *a = box->box;
    float area_a = (a[2] - a[0]) * (a[3] - a[1]);
    for (int k = first; k >= 0; k = next[k]) {
        const float *b = out[k].box;
        float iw = fminf(a[2], b[2]) - fmaxf(a[0], b[0]);
        float ih = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
        if (iw <= 0.0f || ih <= 0.0f)
            continue;
        float inter = iw * ih;
        float uni = area_a + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        if (uni > 0.0f && inter > iou * uni)
            return 1;
    }
    return 0;
}

int detect__nms(const detect_box_t *cand, int n, float iou, int max_det,
                const detect__nms_work_t *w, detect_box_t *out, int cap)
{
    int limit = max_det < cap ? max_det : cap;
    if (n <= 0 || limit <= 0)
        return 0;
    for (int i = 0; i < n; i++)
        w->keys[i] = (detect__key_t){cand[i].score, i};
    qsort(w->keys, (size_t)n, sizeof(*w->keys), key_cmp);
    for (int c = 0; c < DETECT_MAX_CLASSES; c++)
        w->head[c] = -1;

    int kept = 0;
    for (int i = 0; i < n && kept < limit; i++) {
        const detect_box_t *b = &cand[w->keys[i].idx];
        if (suppressed(b, out, w->next, w->head[b->cls], iou))
            continue;
        out[kept] = *b;
        w->next[kept] = w->head[b->cls];
        w->head[b->cls] = kept;
        kept++;
    }
    return kept;
}

int detect_nms(detect_box_t *boxes, int n, float iou, int max_det)
{
    if (n <= 0)
        return 0;
    for (int i = 0; i < n; i++)
        if (boxes[i].cls < 0 || boxes[i].cls >= DETECT_MAX_CLASSES)
            return AVP_EINVAL;
    /* The kept boxes are gathered from anywhere in the input, so they go
     * to a copy first; this entry point allocates, detect_decode() does
     * not. */
    detect_box_t *cand = avp_malloc((size_t)n * sizeof(*cand));
    float *mem = avp_malloc(detect__nms_work_floats((size_t)n) * sizeof(float));
    memcpy(cand, boxes, (size_t)n * sizeof(*cand));
    detect__nms_work_t w;
    detect__nms_work_init(&w, mem, (size_t)n);
    int kept = detect__nms(cand, n, iou, max_det, &w, boxes, n);
    avp_free(mem);
    avp_free(cand);
    return kept;
}
