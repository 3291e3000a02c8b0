/* Tests for kern_resize.c: hand-computed nearest (asymmetric/floor as
 * PyTorch exports it, half_pixel with round_prefer_floor/ceil) and linear
 * (half_pixel, align_corners, asymmetric, pytorch_half_pixel), then up-
 * and down-scales against a reference written from the ONNX formulas in
 * double with explicit corner weights. */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

static kern_resize_t rs(int h_in, int w_in, int h_out, int w_out,
                        kern_resize_mode_t mode, kern_coord_mode_t coord,
                        kern_nearest_mode_t nearest)
{
    kern_resize_t p = {1, 1, h_in, w_in, h_out, w_out,
                       (float)h_out / h_in, (float)w_out / w_in, mode, coord,
                       nearest};
    return p;
}

/* Resizes the 1-row tensor x (length w_in) to w_out and compares. */
static int row_is(kern_resize_t p, const float *x, const float *want)
{
    float y[16];
    kern_resize(&p, x, y, NULL);
    for (int i = 0; i < p.w_out; i++) {
        if (fabsf(y[i] - want[i]) > 1e-6f) {
            fprintf(stderr, "  y[%d] = %g, want %g\n", i, y[i], want[i]);
            return 0;
        }
    }
    return 1;
}

static void test_kern_resize_nearest_hand(void)
{
    const float x[3] = {1, 2, 3};
    const float up2[6] = {1, 1, 2, 2, 3, 3};
    CHECK(row_is(rs(1, 3, 1, 6, KERN_RESIZE_NEAREST, KERN_COORD_ASYMMETRIC,
                    KERN_NEAREST_FLOOR), x, up2));
    /* half_pixel 3 -> 6: coords -0.25 0.25 0.75 1.25 1.75 2.25. */
    CHECK(row_is(rs(1, 3, 1, 6, KERN_RESIZE_NEAREST, KERN_COORD_HALF_PIXEL,
                    KERN_NEAREST_ROUND_PREFER_FLOOR), x, up2));
    /* 3 -> 2 half_pixel: coords 0.25, 1.75 -> 0, 2; asymmetric: 0, 1.5. */
    const float down_hp[2] = {1, 3}, down_floor[2] = {1, 3}, down_ceil[2] = {1, 3};
    CHECK(row_is(rs(1, 3, 1, 2, KERN_RESIZE_NEAREST, KERN_COORD_HALF_PIXEL,
                    KERN_NEAREST_ROUND_PREFER_CEIL), x, down_hp));
    const float down_pf[2] = {1, 2};
    CHECK(row_is(rs(1, 3, 1, 2, KERN_RESIZE_NEAREST, KERN_COORD_ASYMMETRIC,
                    KERN_NEAREST_ROUND_PREFER_FLOOR), x, down_pf));
    CHECK(row_is(rs(1, 3, 1, 2, KERN_RESIZE_NEAREST, KERN_COORD_ASYMMETRIC,
                    KERN_NEAREST_ROUND_PREFER_CEIL), x, down_ceil));
    CHECK(row_is(rs(1, 3, 1, 2, KERN_RESIZE_NEAREST, KERN_COORD_ALIGN_CORNERS,
                    KERN_NEAREST_FLOOR), x, down_floor));
    /* 2-D: rows repeat too. */
    const float sq[4] = {1, 2, 3, 4};
    float y[16];
    kern_resize_t p = rs(2, 2, 4, 4, KERN_RESIZE_NEAREST, KERN_COORD_ASYMMETRIC,
                         KERN_NEAREST_FLOOR);
    kern_resize(&p, sq, y, NULL);
    const float want[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    for (int i = 0; i < 16; i++)
        CHECK_NEAR(y[i], want[i], 0);
}

static void test_kern_resize_linear_hand(void)
{
    const float x[2] = {0, 4};
    const float hp[4] = {0, 1, 3, 4}, ac[3] = {0, 2, 4}, as[4] = {0, 2, 4, 4};
    CHECK(row_is(rs(1, 2, 1, 4, KERN_RESIZE_LINEAR, KERN_COORD_HALF_PIXEL, 0), x, hp));
    CHECK(row_is(rs(1, 2, 1, 3, KERN_RESIZE_LINEAR, KERN_COORD_ALIGN_CORNERS, 0), x, ac));
    CHECK(row_is(rs(1, 2, 1, 4, KERN_RESIZE_LINEAR, KERN_COORD_ASYMMETRIC, 0), x, as));
    CHECK(row_is(rs(1, 2, 1, 4, KERN_RESIZE_LINEAR, KERN_COORD_PYTORCH_HALF_PIXEL, 0), x, hp));
    /* pytorch_half_pixel to length 1 samples coordinate 0. */
    const float first[1] = {0};
    CHECK(row_is(rs(1, 2, 1, 1, KERN_RESIZE_LINEAR, KERN_COORD_PYTORCH_HALF_PIXEL, 0), x, first));
    const float mid[1] = {2}; /* half_pixel to 1: coordinate 0.5 */
    CHECK(row_is(rs(1, 2, 1, 1, KERN_RESIZE_LINEAR, KERN_COORD_HALF_PIXEL, 0), x, mid));
}

static void test_kern_resize_nearest_wide_rows(void)
{
    /* 2 x 700 -> 5 x 2100 (the column table is built in chunks); each
     * output is x[floor(oh / 2.5)][floor(ow / 3)]. */
    kern_resize_t p = rs(2, 700, 5, 2100, KERN_RESIZE_NEAREST,
                         KERN_COORD_ASYMMETRIC, KERN_NEAREST_FLOOR);
    float *x = avp_malloc(1400 * sizeof(float)), *y = avp_malloc(5 * 2100 * sizeof(float));
    ref_fill(x, 1400, -1, 1);
    kern_resize(&p, x, y, NULL);
    int bad = 0;
    for (int oh = 0; oh < 5; oh++)
        for (int ow = 0; ow < 2100; ow++)
            bad += y[oh * 2100 + ow] != x[(oh * 2 / 5) * 700 + ow / 3];
    avp_free(x), avp_free(y);
    CHECK(bad == 0);
}

/* Bilinear from the spec: weights of the four corners, in double. */
static double ref_coord(kern_coord_mode_t m, int o, double scale, int in, int out)
{
    switch (m) {
    case KERN_COORD_HALF_PIXEL: return (o + 0.5) / scale - 0.5;
    case KERN_COORD_PYTORCH_HALF_PIXEL: return out > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case KERN_COORD_ALIGN_CORNERS: return out > 1 ? o * (in - 1.0) / (out - 1.0) : 0;
    case KERN_COORD_ASYMMETRIC: return o / scale;
    }
    return 0;
}

static void test_kern_resize_linear_vs_ref(void)
{
    const int sizes[][4] = {{13, 13, 26, 26}, {26, 20, 13, 7}, {5, 9, 12, 17},
                            {3, 600, 4, 1100}};
    tpool_t *tp = tpool_create(2);
    for (int coord = KERN_COORD_HALF_PIXEL; coord <= KERN_COORD_PYTORCH_HALF_PIXEL; coord++) {
        for (size_t s = 0; s < AVP_ARRAY_LEN(sizes); s++) {
            kern_resize_t p = rs(sizes[s][0], sizes[s][1], sizes[s][2], sizes[s][3],
                                 KERN_RESIZE_LINEAR, coord, 0);
            p.n = 2, p.c = 3;
            size_t nx = 6 * (size_t)p.h_in * p.w_in, ny = 6 * (size_t)p.h_out * p.w_out;
            float *x = avp_malloc(nx * sizeof(float)), *y = avp_malloc(ny * sizeof(float));
            ref_fill(x, nx, -1, 1);
            kern_resize(&p, x, y, tp);
            double worst = 0;
            for (size_t pl = 0; pl < 6; pl++)
            for (int oh = 0; oh < p.h_out; oh++)
            for (int ow = 0; ow < p.w_out; ow++) {
                double ch = ref_coord(coord, oh, p.scale_h, p.h_in, p.h_out);
                double cw = ref_coord(coord, ow, p.scale_w, p.w_in, p.w_out);
                ch = fmin(fmax(ch, 0), p.h_in - 1);
                cw = fmin(fmax(cw, 0), p.w_in - 1);
                int h0 = (int)ch, w0 = (int)cw;
                int h1 = h0 + 1 < p.h_in ? h0 + 1 : h0, w1 = w0 + 1 < p.w_in ? w0 + 1 : w0;
                double th = ch - h0, tw = cw - w0;
                const float *pl_x = x + pl * p.h_in * p.w_in;
                double want = (1 - th) * (1 - tw) * pl_x[h0 * p.w_in + w0] +
                              (1 - th) * tw * pl_x[h0 * p.w_in + w1] +
                              th * (1 - tw) * pl_x[h1 * p.w_in + w0] +
                              th * tw * pl_x[h1 * p.w_in + w1];
                double got = y[(pl * p.h_out + oh) * p.w_out + ow];
                worst = fmax(worst, fabs(got - want));
            }
            avp_free(x), avp_free(y);
            /* Coordinates are float, as in onnxruntime: an error of ~1 ulp
             * of the coordinate, times a slope of up to 2 per pixel. */
            double tol = 1e-6 + 4e-7 * (p.w_in > p.h_in ? p.w_in : p.h_in);
            CHECK(worst < tol);
        }
    }
    tpool_destroy(tp);
}

int main(void)
{
    RUN(test_kern_resize_nearest_hand);
    RUN(test_kern_resize_nearest_wide_rows);
    RUN(test_kern_resize_linear_hand);
    RUN(test_kern_resize_linear_vs_ref);
    return CHECK_DONE();
}
