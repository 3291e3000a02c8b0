/*
 * resize.c - OpenCV's cv::resize(INTER_LINEAR) of an 8-bit, 3-channel image,
 * reproduced bit for bit, because the reference pipelines (YOLOX,
 * Ultralytics) letterbox with it and a model's numbers depend on its exact
 * pixels.
 *
 * DESIGN (what OpenCV 4.6 does for CV_8UC3, imgproc/src/resize.cpp):
 * - Coefficients are computed in float from scale = 1 / (dst / src) (both
 *   divisions in double, as OpenCV does), the source position
 *   fx = (float)((dx + 0.5) * scale - 0.5), sx = floor(fx), and each tap
 *   weight is saturate_cast<short>(w * 2048): rounded half to even
 *   (INTER_RESIZE_COEF_BITS = 11). At the left edge sx < 0 becomes 0 with
 *   fx = 0; from the first dx whose right tap falls outside (sx + 1 >= w)
 *   the horizontal pass takes one tap, S[sx] * 2048. Rows are not clamped
 *   in the coefficients, only when fetched (clip to 0..h-1).
 * - The horizontal pass is exact integer arithmetic (int sums of
 *   u8 * short), so its SIMD and scalar forms agree; the vertical pass is
 *   OpenCV's 8-bit specialisation, which drops precision the same way in its
 *   SIMD and scalar code: ((b0 * (S0 >> 4)) >> 16) + ((b1 * (S1 >> 4)) >> 16),
 *   then (+ 2) >> 2.
 * - An exact 2x downscale in both directions is not bilinear at all:
 *   OpenCV switches INTER_LINEAR to INTER_AREA's fast path there, the mean
 *   of each 2 x 2 block rounded as (sum + 2) >> 2.
 * - A resize to the same size is a copy.
 * Downscales still sample two rows and two columns per output pixel (no
 * averaging), which is why this differs from swscale's bilinear.
 *
 * Each horizontal row is computed once and kept while the next output row
 * needs it (two row buffers), so a downscale touches only the source rows
 * it samples. All tables and rows live in one block sized by
 * media__resize_plan(); media__resize_run() allocates nothing.
 */
#include "media/internal.h"

#include <math.h>
#include <string.h>

#include <immintrin.h>

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)
#define CN 3

/* saturate_cast<short>(float): cvRound (half to even, the SSE default
 * rounding mode) then clamp. */
static int16_t coef(float w)
{
    long v = lrintf(w * (float)COEF_ONE);
    return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* Source position of output index d: the tap index and fraction. */
static int position(int d, double scale, float *frac)
{
    float f = (float)((d + 0.5) * scale - 0.5);
    int s = (int)floorf(f);
    *frac = f - (float)s;
    return s;
}

static void plan_columns(media_resize_t *r)
{
    double scale = 1.0 / ((double)r->dst_w / r->src_w);
    r->xmax = r->dst_w * CN;
    for (int dx = 0; dx < r->dst_w; dx++) {
        float fx;
        int sx = position(dx, scale, &fx);
        if (sx < 0)
            fx = 0, sx = 0;
        if (sx + 1 >= r->src_w) {
            if (r->xmax > dx * CN)
                r->xmax = dx * CN;
            if (sx >= r->src_w - 1)
                fx = 0, sx = r->src_w - 1;
        }
        for (int k = 0; k < CN; k++) {
            int i = dx * CN + k;
            r->xofs[i] = sx * CN + k;
            r->alpha[2 * i] = coef(1.f - fx);
            r->alpha[2 * i + 1] = coef(fx);
        }
    }
}

static void plan_rows(media_resize_t *r)
{
    double scale = 1.0 / ((double)r->dst_h / r->src_h);
    for (int dy = 0; dy < r->dst_h; dy++) {
        float fy;
        r->yofs[dy] = position(dy, scale, &fy);
        r->beta[2 * dy] = coef(1.f - fy);
        r->beta[2 * dy + 1] = coef(fy);
    }
}

/* OpenCV's test for its INTER_AREA fast path: integral scale factors. */
static int area_2x(int sw, int sh, int dw, int dh)
{
    double sx = 1.0 / ((double)dw / sw), sy = 1.0 / ((double)dh / sh);
    double ix = rint(sx), iy = rint(sy);
    return fabs(sx - ix) < 2.220446049250313e-16 &&
           fabs(sy - iy) < 2.220446049250313e-16 && ix == 2 && iy == 2;
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

int media__resize_plan(media_resize_t *r, int sw, int sh, int dw, int dh,
                       avp_error_t *err)
{
    if (r->mem && r->src_w == sw && r->src_h == sh && r->dst_w == dw &&
        r->dst_h == dh)
        return AVP_OK;
    size_t n = (size_t)dw * CN;
    size_t need = align64(n * sizeof(int32_t)) +         /* xofs */
                  align64(2 * n * sizeof(int16_t)) +     /* alpha */
                  align64((size_t)dh * sizeof(int32_t)) + /* yofs */
                  align64(2 * (size_t)dh * sizeof(int16_t)) + /* beta */
                  2 * align64(n * sizeof(int32_t));      /* rows */
    if (need > r->cap) {
        avp_free_aligned(r->mem);
        r->cap = 0;
        r->mem = avp_try_malloc_aligned(need);
        if (!r->mem)
            return avp_error_set(err, AVP_ENOMEM,
                                 "resize: out of memory (%zu bytes)", need);
        r->cap = need;
    }
    uint8_t *p = r->mem;
    r->xofs = (int32_t *)p, p += align64(n * sizeof(int32_t));
    r->alpha = (int16_t *)p, p += align64(2 * n * sizeof(int16_t));
    r->yofs = (int32_t *)p, p += align64((size_t)dh * sizeof(int32_t));
    r->beta = (int16_t *)p, p += align64(2 * (size_t)dh * sizeof(int16_t));
    r->rows[0] = (int32_t *)p, p += align64(n * sizeof(int32_t));
    r->rows[1] = (int32_t *)p;
    r->src_w = sw, r->src_h = sh, r->dst_w = dw, r->dst_h = dh;
    r->area2 = area_2x(sw, sh, dw, dh);
    r->avx2 = __builtin_cpu_supports("avx2");
    plan_columns(r);
    plan_rows(r);
    return AVP_OK;
}

/* One source row through the horizontal taps. */
static void hresize(const media_resize_t *r, const uint8_t *s, int32_t *d)
{
    const int n = r->dst_w * CN;
    int x = 0;
    for (; x < r->xmax; x++) {
        const uint8_t *p = s + r->xofs[x];
        d[x] = p[0] * r->alpha[2 * x] + p[CN] * r->alpha[2 * x + 1];
    }
    for (; x < n; x++)
        d[x] = s[r->xofs[x]] * COEF_ONE;
}

static void vresize_c(const int32_t *s0, const int32_t *s1, int b0, int b1,
                      uint8_t *d, int n, int x)
{
    for (; x < n; x++)
        d[x] = (uint8_t)((((b0 * (s0[x] >> 4)) >> 16) +
                          ((b1 * (s1[x] >> 4)) >> 16) + 2) >> 2);
}

/* 16 outputs at a time: the same arithmetic as vresize_c in 32-bit lanes
 * (the products fit: |b| <= 2048, S >> 4 <= 32640). */
__attribute__((target("avx2"))) static void
vresize_avx2(const int32_t *s0, const int32_t *s1, int b0, int b1,
             uint8_t *d, int n)
{
    const __m256i vb0 = _mm256_set1_epi32(b0), vb1 = _mm256_set1_epi32(b1);
    const __m256i two = _mm256_set1_epi32(2);
    int x = 0;
    for (; x + 16 <= n; x += 16) {
        __m256i v[2];
        for (int h = 0; h < 2; h++) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(s0 + x + 8 * h));
            __m256i b = _mm256_loadu_si256((const __m256i *)(s1 + x + 8 * h));
            a = _mm256_srai_epi32(_mm256_mullo_epi32(_mm256_srai_epi32(a, 4), vb0), 16);
            b = _mm256_srai_epi32(_mm256_mullo_epi32(_mm256_srai_epi32(b, 4), vb1), 16);
            v[h] = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(a, b), two), 2);
        }
        __m256i w = _mm256_packs_epi32(v[0], v[1]);   /* lanes interleaved */
        __m128i u = _mm_packus_epi16(_mm256_castsi256_si128(w),
                                     _mm256_extracti128_si256(w, 1));
        /* packs works per 128-bit lane: order 0-3, 8-11, 4-7, 12-15. */
        u = _mm_shuffle_epi32(u, _MM_SHUFFLE(3, 1, 2, 0));
        _mm_storeu_si128((__m128i *)(d + x), u);
    }
    vresize_c(s0, s1, b0, b1, d, n, x);
}

/* Makes rows[0] hold source row y0 and rows[1] row y1 (y1 is y0 or the
 * next row), computing a horizontal row only when neither buffer holds it:
 * a row that moves from second to first place is swapped, not redone. */
static void fetch_rows(media_resize_t *r, const uint8_t *src, size_t stride,
                       int y0, int y1)
{
    if (r->row_y[0] != y0) {
        if (r->row_y[1] == y0) {
            int32_t *t = r->rows[0];
            r->rows[0] = r->rows[1], r->rows[1] = t;
            r->row_y[1] = r->row_y[0];
        } else {
            hresize(r, src + (size_t)y0 * stride, r->rows[0]);
        }
        r->row_y[0] = y0;
    }
    if (y1 != y0 && r->row_y[1] != y1) {
        hresize(r, src + (size_t)y1 * stride, r->rows[1]);
        r->row_y[1] = y1;
    }
}

static int clip_row(int y, int h) { return y < 0 ? 0 : y >= h ? h - 1 : y; }

static void run_linear(media_resize_t *r, const uint8_t *src, size_t sstride,
                       uint8_t *dst, size_t dstride)
{
    const int n = r->dst_w * CN;
    r->row_y[0] = r->row_y[1] = -1; /* a new image */
    for (int dy = 0; dy < r->dst_h; dy++) {
        int y0 = clip_row(r->yofs[dy], r->src_h);
        int y1 = clip_row(r->yofs[dy] + 1, r->src_h);
        fetch_rows(r, src, sstride, y0, y1);
        const int32_t *s0 = r->rows[0], *s1 = y1 == y0 ? s0 : r->rows[1];
        uint8_t *d = dst + (size_t)dy * dstride;
        int b0 = r->beta[2 * dy], b1 = r->beta[2 * dy + 1];
        if (r->avx2)
            vresize_avx2(s0, s1, b0, b1, d, n);
        else
            vresize_c(s0, s1, b0, b1, d, n, 0);
    }
}

static void run_area2(const media_resize_t *r, const uint8_t *src,
                      size_t sstride, uint8_t *dst, size_t dstride)
{
    for (int dy = 0; dy < r->dst_h; dy++) {
        const uint8_t *a = src + (size_t)(2 * dy) * sstride;
        const uint8_t *b = a + sstride;
        uint8_t *d = dst + (size_t)dy * dstride;
        for (int dx = 0; dx < r->dst_w; dx++)
            for (int k = 0; k < CN; k++) {
                int i = 2 * dx * CN + k;
                d[dx * CN + k] = (uint8_t)((a[i] + a[i + CN] + b[i] + b[i + CN] + 2) >> 2);
            }
    }
}

void media__resize_run(media_resize_t *r, const uint8_t *src, size_t sstride,
                       uint8_t *dst, size_t dstride)
{
    if (r->src_w == r->dst_w && r->src_h == r->dst_h) {
        for (int y = 0; y < r->dst_h; y++)
            memcpy(dst + (size_t)y * dstride, src + (size_t)y * sstride,
                   (size_t)r->dst_w * CN);
    } else if (r->area2) {
        run_area2(r, src, sstride, dst, dstride);
    } else {
        run_linear(r, src, sstride, dst, dstride);
    }
}

void media__resize_fini(media_resize_t *r)
{
    avp_free_aligned(r->mem);
    memset(r, 0, sizeof(*r));
}
