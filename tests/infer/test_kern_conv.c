/* Tests for kern_conv.c: hand-computed convolutions, then every path
 * (1x1 direct, im2col, grouped, depthwise dispatch) against the reference
 * over padding, strides, dilation, groups, bias and each activation, on
 * one thread and on a pool of two. Scratch is exactly what
 * kern_conv2d_scratch() asks for, so ASan catches any overrun. */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

#include <string.h>

/* What conv_vs_ref() gives the kernel besides x and w. */
enum {
    WITH_BIAS = 1,
    WITH_PACKED = 2,   /* kern_conv2d_pack()ed weights, where the CPU has a
                          path that reads them */
    WITH_RESIDUAL = 4, /* a tensor added after the activation */
};

/* Runs kern_conv2d on shape p with random data and compares to ref_conv
 * (plus the residual). */
static double conv_vs_ref(kern_conv_t p, int with, tpool_t *tp)
{
    p.h_out = ref_out_len(p.h_in, p.k_h, p.stride_h, p.pad_top, p.pad_bottom, p.dil_h);
    p.w_out = ref_out_len(p.w_in, p.k_w, p.stride_w, p.pad_left, p.pad_right, p.dil_w);
    size_t nx = (size_t)p.n * p.c_in * p.h_in * p.w_in;
    size_t nw = (size_t)p.c_out * (p.c_in / p.groups) * p.k_h * p.k_w;
    size_t ny = (size_t)p.n * p.c_out * p.h_out * p.w_out;
    size_t ns = kern_conv2d_scratch(&p, tpool_threads(tp));
    float *x = avp_malloc(nx * sizeof(float)), *w = avp_malloc(nw * sizeof(float));
    float *bias = avp_malloc((size_t)p.c_out * sizeof(float));
    float *y = avp_malloc(ny * sizeof(float)), *ref = avp_malloc(ny * sizeof(float));
    float *scratch = ns ? avp_malloc(ns * sizeof(float)) : NULL;
    size_t np = with & WITH_PACKED ? kern_conv2d_packed_floats(&p) : 0;
    float *packed = np ? avp_malloc(np * sizeof(float)) : NULL;
    float *res = with & WITH_RESIDUAL ? avp_malloc(ny * sizeof(float)) : NULL;
    const float *b = with & WITH_BIAS ? bias : NULL;
    ref_fill(x, nx, -1, 1);
    ref_fill(w, nw, -0.5f, 0.5f);
    ref_fill(bias, (size_t)p.c_out, -1, 1);
    ref_fill(y, ny, 100, 200); /* garbage the kernel must overwrite */
    if (res)
        ref_fill(res, ny, -2, 2);
    if (packed)
        kern_conv2d_pack(&p, w, packed);
    p.packed = packed;
    p.residual = res;
    kern_conv2d(&p, x, w, b, y, scratch, tp);
    ref_conv(&p, x, w, b, ref);
    for (size_t i = 0; res && i < ny; i++)
        ref[i] += res[i];
    double err = ref_max_err(y, ref, ny);
    avp_free(x), avp_free(w), avp_free(bias), avp_free(y), avp_free(ref);
    avp_free(scratch), avp_free(packed), avp_free(res);
    return err;
}

static kern_conv_t shape(int n, int c_in, int h, int w, int c_out, int k,
                         int stride, int pad, int groups)
{
    kern_conv_t p = {.n = n, .c_in = c_in, .h_in = h, .w_in = w, .c_out = c_out,
                     .k_h = k, .k_w = k, .stride_h = stride, .stride_w = stride,
                     .pad_top = pad, .pad_left = pad, .pad_bottom = pad,
                     .pad_right = pad, .dil_h = 1, .dil_w = 1, .groups = groups};
    return p;
}

static void test_kern_conv_hand_3x3_pad1(void)
{
    /* Ones kernel over 1..9 with zero padding: each output is the sum of
     * its 3x3 neighbourhood. */
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[9], y[9];
    for (int i = 0; i < 9; i++)
        w[i] = 1;
    kern_conv_t p = shape(1, 1, 3, 3, 1, 3, 1, 1, 1);
    p.h_out = p.w_out = 3;
    float scratch[2 * 81];
    /* c_in == c_out == groups == 1 takes the depthwise path; the 2-output
     * conv below takes im2col. */
    kern_conv2d(&p, x, w, NULL, y, NULL, NULL);
    const float want[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    for (int i = 0; i < 9; i++)
        CHECK_NEAR(y[i], want[i], 1e-5);
    float w2[18], y2[18], bias[2] = {0.5f, -100};
    for (int i = 0; i < 18; i++)
        w2[i] = i < 9 ? 1 : 2;
    p.c_out = 2;
    p.act.act = KERN_ACT_RELU;
    CHECK(kern_conv2d_scratch(&p, 1) <= AVP_ARRAY_LEN(scratch));
    kern_conv2d(&p, x, w2, bias, y2, scratch, NULL);
    for (int i = 0; i < 9; i++) {
        CHECK_NEAR(y2[i], want[i] + 0.5f, 1e-5);
        CHECK_NEAR(y2[9 + i], 2 * want[i] - 100 > 0 ? 2 * want[i] - 100 : 0, 1e-5);
    }
}

static void test_kern_conv_hand_1x1(void)
{
    /* Two input channels mixed by [[1, 2], [-1, 0.5]] plus bias. */
    float x[8] = {1, 2, 3, 4, 10, 20, 30, 40}, w[4] = {1, 2, -1, 0.5f};
    float bias[2] = {1, 0}, y[8];
    kern_conv_t p = shape(1, 2, 2, 2, 2, 1, 1, 0, 1);
    p.h_out = p.w_out = 2;
    CHECK(kern_conv2d_scratch(&p, 4) == 0);
    kern_conv2d(&p, x, w, bias, y, NULL, NULL);
    const float want[8] = {22, 43, 64, 85, 4, 8, 12, 16};
    for (int i = 0; i < 8; i++)
        CHECK_NEAR(y[i], want[i], 1e-5);
}

static void test_kern_conv_paths_vs_ref(void)
{
    tpool_t *tp = tpool_create(2);
    kern_conv_t cases[] = {
        shape(2, 16, 9, 11, 24, 1, 1, 0, 1),  /* 1x1 direct, 3 GEMMs of 8 */
        shape(1, 32, 9, 9, 128, 1, 1, 0, 2),  /* grouped, 2 GEMMs of 32 each */
        shape(1, 40, 20, 30, 80, 1, 1, 0, 1), /* 5 GEMMs of 16 (YOLO heads) */
        shape(1, 8, 7, 7, 12, 1, 2, 0, 1),    /* 1x1 strided: im2col */
        shape(1, 3, 20, 17, 8, 3, 1, 1, 1),   /* 3x3 same */
        shape(3, 12, 26, 26, 16, 3, 2, 1, 1), /* 3x3 stride 2 */
        shape(1, 8, 10, 12, 8, 5, 1, 2, 2),   /* grouped 5x5 */
        shape(2, 6, 9, 9, 12, 3, 1, 1, 3),    /* grouped 3x3, 3 groups */
        shape(1, 4, 8, 8, 8, 3, 1, 1, 4),     /* channel multiplier 2 */
        shape(1, 2, 300, 5, 3, 3, 1, 1, 1),   /* tall: several row blocks */
        shape(1, 3, 12, 10, 3, 9, 1, 4, 3),   /* depthwise too tall for the
                                                 direct kernel: GEMM */
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        CHECK(conv_vs_ref(cases[i], WITH_BIAS, NULL) < 1e-5);
        CHECK(conv_vs_ref(cases[i], 0, tp) < 1e-5);
        CHECK(conv_vs_ref(cases[i], WITH_BIAS | WITH_PACKED, tp) < 1e-5);
        CHECK(conv_vs_ref(cases[i], WITH_PACKED | WITH_RESIDUAL, NULL) < 1e-5);
    }
    tpool_destroy(tp);
}

/* The packed path on shapes that do not fill its tiles (8 channels by 48
 * columns): odd channel counts, widths and strides, padding, the tails of
 * several blocks, with a residual and without; and the sgemm path with a
 * residual. */
static void test_kern_conv_packed_odd_shapes(void)
{
    tpool_t *tp = tpool_create(2);
    kern_conv_t cases[] = {
        shape(1, 1, 1, 1, 1, 1, 1, 0, 1),     /* one output */
        shape(2, 17, 7, 13, 9, 1, 1, 0, 1),   /* 1x1, 91 columns, 9 channels */
        shape(1, 33, 5, 97, 23, 1, 1, 0, 1),  /* 1x1, 485 columns */
        shape(1, 250, 9, 11, 7, 1, 1, 0, 1),  /* deep 1x1: blocks of 256 columns */
        shape(1, 19, 15, 21, 17, 3, 1, 1, 1), /* 3x3 same */
        shape(2, 13, 23, 19, 31, 3, 2, 1, 1), /* 3x3 stride 2, odd sizes */
        shape(1, 130, 13, 13, 40, 3, 1, 1, 1), /* deep 3x3, 13-wide rows */
        shape(1, 6, 11, 9, 10, 3, 1, 1, 2),   /* grouped */
        shape(1, 5, 9, 8, 12, 1, 2, 0, 1),    /* 1x1 stride 2 */
        /* 3x3 stride 1 rows of 32 and more: the direct kernel, whose
         * tiles take 48, 32 or 16 columns and mask the padding lanes */
        shape(1, 7, 5, 37, 11, 3, 1, 1, 1),   /* one 37-column tile */
        shape(2, 5, 6, 100, 9, 3, 1, 1, 1),   /* 48 + 48 + 4 */
        shape(1, 3, 4, 70, 17, 3, 1, 0, 1),   /* unpadded: 48 + 20 */
        shape(1, 4, 1, 40, 8, 3, 1, 2, 1),    /* 44 wide, 5 rows from 1 */
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        CHECK(conv_vs_ref(cases[i], WITH_BIAS | WITH_PACKED, NULL) < 1e-5);
        CHECK(conv_vs_ref(cases[i], WITH_PACKED | WITH_RESIDUAL, tp) < 1e-5);
        CHECK(conv_vs_ref(cases[i], WITH_BIAS | WITH_RESIDUAL, tp) < 1e-5);
    }
    kern_conv_t dw = shape(1, 8, 11, 19, 8, 3, 1, 1, 8);
    CHECK(conv_vs_ref(dw, WITH_BIAS | WITH_PACKED | WITH_RESIDUAL, tp) < 1e-5);
    tpool_destroy(tp);
}

static void test_kern_conv_asymmetric_pad_dilation(void)
{
    tpool_t *tp = tpool_create(2);
    kern_conv_t p = shape(2, 5, 13, 10, 7, 3, 1, 0, 1);
    p.pad_top = 0, p.pad_bottom = 2, p.pad_left = 1, p.pad_right = 0;
    CHECK(conv_vs_ref(p, WITH_BIAS, tp) < 1e-5);
    CHECK(conv_vs_ref(p, WITH_BIAS | WITH_PACKED, tp) < 1e-5);
    p.dil_h = 2, p.dil_w = 3, p.stride_h = 2;
    CHECK(conv_vs_ref(p, WITH_BIAS, tp) < 1e-5);
    CHECK(conv_vs_ref(p, WITH_BIAS | WITH_PACKED, tp) < 1e-5);
    p.k_h = 2, p.k_w = 4, p.stride_w = 3; /* rectangular kernel */
    CHECK(conv_vs_ref(p, WITH_BIAS, NULL) < 1e-5);
    CHECK(conv_vs_ref(p, WITH_BIAS | WITH_PACKED, NULL) < 1e-5);
    tpool_destroy(tp);
}

static void test_kern_conv_each_activation(void)
{
    tpool_t *tp = tpool_create(2);
    kern_act_params_t acts[] = {
        {KERN_ACT_NONE, 0, 0}, {KERN_ACT_RELU, 0, 0},
        {KERN_ACT_LEAKY_RELU, 0.1f, 0}, {KERN_ACT_SIGMOID, 0, 0},
        {KERN_ACT_SILU, 0, 0}, {KERN_ACT_HARD_SIGMOID, 0.2f, 0.5f},
        {KERN_ACT_HARD_SWISH, 0, 0},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(acts); i++) {
        kern_conv_t direct = shape(1, 16, 6, 7, 8, 1, 1, 0, 1);
        kern_conv_t im2col = shape(2, 4, 9, 9, 6, 3, 1, 1, 1);
        kern_conv_t dw = shape(1, 8, 11, 19, 8, 3, 1, 1, 8);
        direct.act = im2col.act = dw.act = acts[i];
        CHECK(conv_vs_ref(direct, WITH_BIAS, tp) < 1e-5);
        CHECK(conv_vs_ref(im2col, WITH_BIAS, NULL) < 1e-5);
        CHECK(conv_vs_ref(dw, WITH_BIAS, tp) < 1e-5);
        CHECK(conv_vs_ref(direct, WITH_BIAS | WITH_PACKED | WITH_RESIDUAL, tp) < 1e-5);
        CHECK(conv_vs_ref(im2col, WITH_BIAS | WITH_PACKED, NULL) < 1e-5);
    }
    tpool_destroy(tp);
}

static void test_kern_conv_batch1_two_threads_yolox_shapes(void)
{
    /* Few, large units: the batch-1 splitting must still cover every
     * output exactly once. */
    tpool_t *tp = tpool_create(2);
    kern_conv_t stem = shape(1, 12, 52, 52, 16, 3, 1, 1, 1);
    kern_conv_t pw = shape(1, 64, 13, 13, 32, 1, 1, 0, 1);
    stem.act.act = pw.act.act = KERN_ACT_SILU;
    CHECK(conv_vs_ref(stem, WITH_BIAS, tp) < 1e-5);
    CHECK(conv_vs_ref(pw, WITH_BIAS, tp) < 1e-5);
    CHECK(conv_vs_ref(stem, WITH_BIAS | WITH_PACKED, tp) < 1e-5);
    CHECK(conv_vs_ref(pw, WITH_BIAS | WITH_PACKED | WITH_RESIDUAL, tp) < 1e-5);
    tpool_destroy(tp);
}

int main(void)
{
    ref_kern_init();
    RUN(test_kern_conv_hand_3x3_pad1);
    RUN(test_kern_conv_hand_1x1);
    RUN(test_kern_conv_paths_vs_ref);
    RUN(test_kern_conv_packed_odd_shapes);
    RUN(test_kern_conv_asymmetric_pad_dilation);
    RUN(test_kern_conv_each_activation);
    RUN(test_kern_conv_batch1_two_threads_yolox_shapes);
    return CHECK_DONE();
}
