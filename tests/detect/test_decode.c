/* Decoding hand-built outputs of each family into source-pixel boxes. */
#include "check.h"
#include "detect/detect.h"

#include <string.h>

enum { MAX_FLOATS = 4096 };
static float scratch[MAX_FLOATS];

/* YOLOX at 64 x 64: grids 8x8, 4x4, 2x2 = 84 anchors, 3 classes. */
enum { YX_A = 84, YX_C = 3, YX_W = 5 + YX_C };
static float yolox_out[YX_A * YX_W];

static void yolox_set(int a, float x, float y, float lw, float lh, float obj,
                      float c0, float c1, float c2)
{
    float row[YX_W] = {x, y, lw, lh, obj, c0, c1, c2};
    memcpy(&yolox_out[a * YX_W], row, sizeof(row));
}

static void yolox_fill(void)
{
    memset(yolox_out, 0, sizeof(yolox_out));
    /* stride 8, gx 2, gy 3: cx 20, cy 26, w 16, h 32 -> [12, 10, 28, 42] */
    yolox_set(3 * 8 + 2, 0.5f, 0.25f, logf(2), logf(4), 0.9f, 0.1f, 0.8f, 0.3f);
    /* stride 16, gx 3, gy 1: cx 48, cy 24, 16 x 16 -> [40, 16, 56, 32] */
    yolox_set(64 + 1 * 4 + 3, 0, 0.5f, 0, 0, 0.6f, 0.5f, 0, 0);
    /* stride 32, gx 0, gy 1: cx 16, cy 48, 16 x 16 -> [8, 40, 24, 56];
     * score 0.95 x 0.2 = 0.19 */
    yolox_set(80 + 1 * 2 + 0, 0.5f, 0.5f, logf(0.5f), logf(0.5f), 0.95f, 0,
              0, 0.2f);
}

static int check_box(const detect_box_t *b, int cls, float score, float x1,
                     float y1, float x2, float y2)
{
    return b->cls == cls && fabsf(b->score - score) < 1e-5f &&
           fabsf(b->box[0] - x1) < 1e-3f && fabsf(b->box[1] - y1) < 1e-3f &&
           fabsf(b->box[2] - x2) < 1e-3f && fabsf(b->box[3] - y2) < 1e-3f;
}

static const int64_t yx_dims[2] = {YX_A, YX_W};

static int run_yolox(const detect_params_t *p, const media_frame_t *f,
                     detect_box_t *boxes, int cap)
{
    return detect_decode(INFER_FAMILY_YOLOX, 64, 64, yx_dims, yolox_out, p, f,
                         scratch, boxes, cap);
}

static void test_decode_yolox_top_left(void)
{
    yolox_fill();
    CHECK(detect_scratch_floats(INFER_FAMILY_YOLOX, yx_dims) <= MAX_FLOATS);
    detect_params_t p;
    detect_params_default(&p);
    /* 128 x 96 source at scale 0.5, image at the top-left. */
    media_frame_t f = {.src_width = 128, .src_height = 96, .scale = 0.5f};
    detect_box_t b[8];
    CHECK(run_yolox(&p, &f, b, 8) == 2);
    CHECK(check_box(&b[0], 1, 0.72f, 24, 20, 56, 84));
    CHECK(check_box(&b[1], 0, 0.3f, 80, 32, 112, 64));

    p.conf = 0.1f; /* the third box appears, clipped at the bottom */
    CHECK(run_yolox(&p, &f, b, 8) == 3);
    CHECK(check_box(&b[2], 2, 0.19f, 16, 80, 48, 96));
}

static void test_decode_yolox_centered_letterbox(void)
{
    yolox_fill();
    detect_params_t p;
    detect_params_default(&p);
    /* 128 x 96 at 0.5 is 64 x 48, centered: 8 rows of padding above. */
    media_frame_t f = {.src_width = 128, .src_height = 96, .scale = 0.5f,
                       .pad_y = 8};
    detect_box_t b[8];
    CHECK(run_yolox(&p, &f, b, 8) == 2);
    CHECK(check_box(&b[0], 1, 0.72f, 24, 4, 56, 68));
    CHECK(check_box(&b[1], 0, 0.3f, 80, 16, 112, 48));
}

static void test_decode_yolox_filter_max_det_and_cap(void)
{
    yolox_fill();
    detect_params_t p;
    detect_params_default(&p);
    detect_box_t b[8];
    bool keep[YX_C] = {true, false, true};
    p.keep = keep; /* class 1 (the best box) filtered out */
    CHECK(run_yolox(&p, NULL, b, 8) == 1);
    CHECK(check_box(&b[0], 0, 0.3f, 40, 16, 56, 32)); /* input pixels */

    p.keep = NULL;
    p.max_det = 1;
    CHECK(run_yolox(&p, NULL, b, 8) == 1);
    CHECK(b[0].cls == 1);
    p.max_det = 300;
    CHECK(run_yolox(&p, NULL, b, 1) == 1); /* cap limits too */
    CHECK(b[0].cls == 1);

    p.conf = 0.95f;
    CHECK(run_yolox(&p, NULL, b, 8) == 0);
}

static void test_decode_yolox_rejects_wrong_anchor_count(void)
{
    detect_params_t p;
    detect_params_default(&p);
    detect_box_t b[1];
    /* 84 anchors do not fit a 96 x 64 input (12x8 + 6x4 + 3x2 = 126). */
    CHECK(detect_decode(INFER_FAMILY_YOLOX, 96, 64, yx_dims, yolox_out, &p,
                        NULL, scratch, b, 1) == AVP_EFORMAT);
    int64_t no_classes[2] = {YX_A, 5};
    CHECK(detect_decode(INFER_FAMILY_YOLOX, 64, 64, no_classes, yolox_out, &p,
                        NULL, scratch, b, 1) == AVP_EFORMAT);
    CHECK(detect_scratch_floats(INFER_FAMILY_UNKNOWN, yx_dims) == 0);
}

static void test_decode_yolox_non_square_grid(void)
{
    /* 64 wide x 32 high: grids 8x4, 4x2, 2x1 = 42 anchors, row-major. */
    enum { A = 42 };
    static float out[A * YX_W];
    memset(out, 0, sizeof(out));
    float *row = &out[(2 * 8 + 5) * YX_W]; /* stride 8, gx 5, gy 2 */
    row[4] = 1.0f;
    row[5] = 0.9f;
    row = &out[(32 + 1 * 4 + 2) * YX_W]; /* stride 16, gx 2, gy 1 */
    row[4] = 1.0f;
    row[7] = 0.8f;
    row = &out[(40 + 1) * YX_W]; /* stride 32, gx 1, gy 0 */
    row[4] = 1.0f;
    row[6] = 0.7f;
    int64_t dims[2] = {A, YX_W};
    detect_params_t p;
    detect_params_default(&p);
    detect_box_t b[4];
    CHECK(detect_decode(INFER_FAMILY_YOLOX, 64, 32, dims, out, &p, NULL,
                        scratch, b, 4) == 3);
    CHECK(check_box(&b[0], 0, 0.9f, 36, 12, 44, 20));  /* centre 40, 16 */
    CHECK(check_box(&b[1], 2, 0.8f, 24, 8, 40, 24));   /* centre 32, 16 */
    CHECK(check_box(&b[2], 1, 0.7f, 16, -16, 48, 16)); /* centre 32, 0 */
}

static void test_decode_yolov5_objectness_and_nms(void)
{
    float out[3 * 7] = {
        100, 300, 20, 40, 0.9f, 0.2f, 0.9f,  /* cls 1, 0.81 */
        102, 300, 20, 40, 0.8f, 0.1f, 0.95f, /* cls 1, 0.76: IoU .82, gone */
        102, 300, 20, 40, 0.8f, 0.95f, 0.1f, /* cls 0, 0.76: kept */
    };
    int64_t dims[2] = {3, 7};
    detect_params_t p;
    detect_params_default(&p);
    /* 1280 x 720 into 640 x 640, centered: 140 rows of padding above. */
    media_frame_t f = {.src_width = 1280, .src_height = 720, .scale = 0.5f,
                       .pad_y = 140};
    detect_box_t b[4];
    CHECK(detect_decode(INFER_FAMILY_YOLOV5, 640, 640, dims, out, &p, &f,
                        scratch, b, 4) == 2);
    CHECK(check_box(&b[0], 1, 0.81f, 180, 280, 220, 360));
    CHECK(check_box(&b[1], 0, 0.76f, 184, 280, 224, 360));
}

static void test_decode_yolov8_transposed(void)
{
    enum { A = 4 };
    float out[6 * A] = {
        300, 300, 310, 10,      /* cx */
        300, 300, 300, 10,      /* cy */
        100, 100, 100, 4,       /* w */
        50, 50, 50, 4,          /* h */
        0.1f, 0.6f, 0.0f, 0.2f, /* class 0 */
        0.7f, 0.0f, 0.65f, 0.1f /* class 1 */
    };
    int64_t dims[2] = {6, A};
    detect_params_t p;
    detect_params_default(&p);
    detect_box_t b[4];
    CHECK(detect_decode(INFER_FAMILY_YOLOV8, 640, 640, dims, out, &p, NULL,
                        scratch, b, 4) == 2);
    CHECK(check_box(&b[0], 1, 0.7f, 250, 275, 350, 325));
    CHECK(check_box(&b[1], 0, 0.6f, 250, 275, 350, 325));

    media_frame_t f = {.src_width = 1280, .src_height = 720, .scale = 0.5f,
                       .pad_y = 140};
    CHECK(detect_decode(INFER_FAMILY_YOLOV8, 640, 640, dims, out, &p, &f,
                        scratch, b, 4) == 2);
    CHECK(check_box(&b[0], 1, 0.7f, 500, 270, 700, 370));
}

static void test_decode_family_and_letterbox(void)
{
    infer_family_t fam = INFER_FAMILY_YOLOX;
    CHECK(detect_family_parse("auto", &fam) == AVP_OK);
    CHECK(fam == INFER_FAMILY_UNKNOWN);
    CHECK(detect_family_parse("yolo11", &fam) == AVP_OK);
    CHECK(fam == INFER_FAMILY_YOLOV8);
    CHECK(detect_family_parse("YOLOX", &fam) == AVP_OK);
    CHECK(fam == INFER_FAMILY_YOLOX);
    CHECK(detect_family_parse("yolov7", &fam) == AVP_EINVAL);

    media_letterbox_t lb;
    detect_letterbox_for(INFER_FAMILY_YOLOX, 416, 416, &lb);
    CHECK(lb.order == MEDIA_ORDER_BGR && lb.scale == 1.0f && !lb.centered);
    CHECK(lb.pad == 114 && lb.width == 416 && lb.height == 416);
    detect_letterbox_for(INFER_FAMILY_YOLOV8, 640, 480, &lb);
    CHECK(lb.order == MEDIA_ORDER_RGB && lb.centered && lb.height == 480);
    CHECK_NEAR(lb.scale, 1.0 / 255, 1e-9);
}

int main(void)
{
    RUN(test_decode_yolox_top_left);
    RUN(test_decode_yolox_centered_letterbox);
    RUN(test_decode_yolox_filter_max_det_and_cap);
    RUN(test_decode_yolox_rejects_wrong_anchor_count);
    RUN(test_decode_yolox_non_square_grid);
    RUN(test_decode_yolov5_objectness_and_nms);
    RUN(test_decode_yolov8_transposed);
    RUN(test_decode_family_and_letterbox);
    return CHECK_DONE();
}
