/*
 * decode.c - one frame's raw model output to boxes in source pixels, for
 * each YOLO family, plus the per-family input conventions.
 *
 * Layouts (one frame, batch dimension removed):
 *   YOLOX   [A, 5+C]: cx, cy, w, h as grid offsets and log sizes, obj, C
 *           sigmoid class scores; A = sum over strides 8/16/32 of
 *           (W/s) x (H/s) points, row-major per grid, grids in that order.
 *   YOLOv5  [A, 5+C]: cx, cy, w, h already in input pixels, obj, classes.
 *   YOLOv8  [4+C, A]: transposed; cx, cy, w, h in input pixels, classes,
 *           no objectness (also YOLO11).
 * A candidate's score is obj x best class (YOLOX, YOLOv5) or best class
 * (YOLOv8); like Ultralytics' `classes` option, the class filter drops a
 * candidate whose best class is filtered out rather than picking the best
 * kept class. NMS runs on input-pixel boxes (IoU does not change under the
 * letterbox's uniform scale and shift); only the kept boxes are mapped back
 * to source pixels and clipped to the image.
 *
 * Everything runs in the caller's scratch memory: candidates first, then
 * the NMS work arrays. Nothing is allocated.
 */
#include "detect/internal.h"

#include <math.h>
#include <strings.h>

#define BOX_FLOATS (sizeof(detect_box_t) / sizeof(float))
_Static_assert(sizeof(detect_box_t) % sizeof(float) == 0,
               "detect_box_t must tile a float scratch buffer");

enum { YOLOX_LEVELS = 3 };
static const int yolox_strides[YOLOX_LEVELS] = {8, 16, 32};

typedef struct layout {
    infer_family_t family;
    int anchors, classes;
    int level_end[YOLOX_LEVELS]; /* YOLOX: first anchor past each grid */
    int grid_w[YOLOX_LEVELS];
} layout_t;

void detect_params_default(detect_params_t *p)
{
    *p = (detect_params_t){.conf = (float)DETECT_DEFAULT_CONF,
                           .iou = (float)DETECT_DEFAULT_IOU,
                           .max_det = DETECT_DEFAULT_MAX_DET, .keep = NULL};
}

void detect_letterbox_for(infer_family_t family, int w, int h,
                          media_letterbox_t *lb)
{
    int yolox = family == INFER_FAMILY_YOLOX;
    *lb = (media_letterbox_t){
        .width = w,
        .height = h,
        .order = yolox ? MEDIA_ORDER_BGR : MEDIA_ORDER_RGB,
        .scale = yolox ? 1.0f : 1.0f / 255.0f,
        .centered = !yolox,
        .pad = 114,
    };
}

int detect_family_parse(const char *s, infer_family_t *out)
{
    static const struct {
        const char *name;
        infer_family_t family;
    } table[] = {
        {"auto", INFER_FAMILY_UNKNOWN},  {"yolox", INFER_FAMILY_YOLOX},
        {"yolov5", INFER_FAMILY_YOLOV5}, {"yolov8", INFER_FAMILY_YOLOV8},
        {"yolo11", INFER_FAMILY_YOLOV8},
    };
    for (size_t i = 0; s && i < AVP_ARRAY_LEN(table); i++) {
        if (strcasecmp(s, table[i].name) == 0) {
            *out = table[i].family;
            return AVP_OK;
        }
    }
    return AVP_EINVAL;
}

/* Anchors and classes from the dims alone (the scratch size needs no
 * input size). */
static int layout_shape(infer_family_t family, const int64_t *dims,
                        layout_t *l)
{
    int transposed = family == INFER_FAMILY_YOLOV8;
    int64_t anchors = transposed ? dims[1] : dims[0];
    int64_t classes = transposed ? dims[0] - 4 : dims[1] - 5;
    if (family == INFER_FAMILY_UNKNOWN || anchors < 1 || anchors > (1 << 24) ||
        classes < 1 || classes > DETECT_MAX_CLASSES)
        return AVP_EFORMAT;
    *l = (layout_t){.family = family, .anchors = (int)anchors,
                    .classes = (int)classes};
    return AVP_OK;
}

static int layout_get(infer_family_t family, int input_w, int input_h,
                      const int64_t *dims, layout_t *l)
{
    int rc = layout_shape(family, dims, l);
    if (rc != AVP_OK || family != INFER_FAMILY_YOLOX)
        return rc;
    int end = 0;
    for (int i = 0; i < YOLOX_LEVELS; i++) {
        l->grid_w[i] = input_w / yolox_strides[i];
        end += l->grid_w[i] * (input_h / yolox_strides[i]);
        l->level_end[i] = end;
    }
    return end == l->anchors ? AVP_OK : AVP_EFORMAT;
}

size_t detect_scratch_floats(infer_family_t family, const int64_t *dims)
{
    layout_t l;
    if (layout_shape(family, dims, &l) != AVP_OK)
        return 0;
    size_t n = (size_t)l.anchors;
    return n * BOX_FLOATS + detect__nms_work_floats(n);
}

/* Index of the best of n scores spaced stride apart; the first wins ties. */
static int best_class(const float *s, int n, size_t stride, float *best)
{
    int c = 0;
    float v = s[0];
    for (int i = 1; i < n; i++) {
        if (s[(size_t)i * stride] > v) {
            v = s[(size_t)i * stride];
            c = i;
        }
    }
    *best = v;
    return c;
}

/* YOLOX grid decode of anchor a: v holds cx, cy, w, h in and out. */
static void yolox_box(const layout_t *l, int a, float *v)
{
    int lv = 0;
    while (a >= l->level_end[lv])
        lv++;
    int i = a - (lv ? l->level_end[lv - 1] : 0);
    float s = (float)yolox_strides[lv];
    v[0] = (v[0] + (float)(i % l->grid_w[lv])) * s;
    v[1] = (v[1] + (float)(i / l->grid_w[lv])) * s;
    v[2] = expf(v[2]) * s;
    v[3] = expf(v[3]) * s;
}

static detect_box_t make_box(int cls, float score, const float *v)
{
    return (detect_box_t){
        .cls = cls,
        .score = score,
        .box = {v[0] - v[2] / 2, v[1] - v[3] / 2, v[0] + v[2] / 2,
                v[1] + v[3] / 2},
    };
}

/* YOLOX and YOLOv5: one row per anchor. Objectness rejects first, since
 * class scores are sigmoids (<= 1) and most anchors see background. The
 * negated comparisons also reject NaN. */
static int collect_rows(const layout_t *l, const float *out,
                        const detect_params_t *p, detect_box_t *cand)
{
    int n = 0;
    size_t width = 5 + (size_t)l->classes;
    for (int a = 0; a < l->anchors; a++) {
        const float *row = out + (size_t)a * width;
        if (!(row[4] >= p->conf))
            continue;
        float best;
        int c = best_class(row + 5, l->classes, 1, &best);
        float score = row[4] * best;
        if (!(score >= p->conf) || (p->keep && !p->keep[c]))
            continue;
        float v[4] = {row[0], row[1], row[2], row[3]};
        if (l->family == INFER_FAMILY_YOLOX)
            yolox_box(l, a, v);
        cand[n++] = make_box(c, score, v);
    }
    return n;
}

/* YOLOv8: one column per anchor; the best class score is the score. */
static int collect_columns(const layout_t *l, const float *out,
                           const detect_params_t *p, detect_box_t *cand)
{
    int n = 0;
    size_t A = (size_t)l->anchors;
    for (size_t a = 0; a < A; a++) {
        float best;
        int c = best_class(out + 4 * A + a, l->classes, A, &best);
        if (!(best >= p->conf) || (p->keep && !p->keep[c]))
            continue;
        float v[4] = {out[a], out[A + a], out[2 * A + a], out[3 * A + a]};
        cand[n++] = make_box(c, best, v);
    }
    return n;
}

/* Input pixels to source pixels (source = (input - pad) / scale), clipped
 * to the image. */
static void to_source(detect_box_t *b, const media_frame_t *f)
{
    float pad[2] = {f->pad_x, f->pad_y};
    float lim[2] = {(float)f->src_width, (float)f->src_height};
    for (int i = 0; i < 4; i++) {
        float v = (b->box[i] - pad[i & 1]) / f->scale;
        b->box[i] = fminf(fmaxf(v, 0.0f), lim[i & 1]);
    }
}

int detect_decode(infer_family_t family, int input_w, int input_h,
                  const int64_t *dims, const float *out,
                  const detect_params_t *p, const media_frame_t *frame,
                  float *scratch, detect_box_t *boxes, int cap)
{
    layout_t l;
    int rc = layout_get(family, input_w, input_h, dims, &l);
    if (rc != AVP_OK)
        return rc;
    if (frame && !(frame->scale > 0.0f))
        return AVP_EINVAL;
    detect_box_t *cand = (detect_box_t *)scratch;
    int n = family == INFER_FAMILY_YOLOV8 ? collect_columns(&l, out, p, cand)
                                          : collect_rows(&l, out, p, cand);
    detect__nms_work_t w;
    detect__nms_work_init(&w, scratch + (size_t)l.anchors * BOX_FLOATS,
                          (size_t)l.anchors);
    int kept = detect__nms(cand, n, p->iou, p->max_det, &w, boxes, cap);
    for (int k = 0; frame && k < kept; k++)
        to_source(&boxes[k], frame);
    return kept;
}
