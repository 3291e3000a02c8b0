/*
 * kern_im2col.c - the im2col matrix of a conv block (kern_conv.c): row k
 * = (channel, kh, kw) holds, for each output pixel of the block, the input
 * value that tap multiplies (zero in the padding).
 *
 * Its rows are short (one output row: 20 to 160 floats on YOLO convs), so
 * on YOLOv8n the memcpy/memset calls per row and the scalar gather of
 * stride-2 convs cost a third as much as the GEMM itself; with AVX-512
 * each row is a few masked vector moves, stride 2 taking the even lanes of
 * two loads with one permute.
 */
#include "infer/kern_internal.h"
#include "infer/kern_simd.h"

#include <string.h>

/* First output index whose input tap lands at or past `limit`, where the
 * tap of output o is o*stride + off. */
static int first_at_or_past(int limit, int off, int stride)
{
    return limit - off <= 0 ? 0 : (limit - off + stride - 1) / stride;
}

/* The outputs [*lo, *hi) of a row whose taps fall inside the input. */
static void inside(const kern_conv_t *p, int off, int *lo, int *hi)
{
    *lo = first_at_or_past(0, off, p->stride_w);
    *hi = first_at_or_past(p->w_in, off, p->stride_w);
    *lo = *lo < p->w_out ? *lo : p->w_out;
    *hi = *hi < *lo ? *lo : *hi < p->w_out ? *hi : p->w_out;
}

static void row_scalar(const kern_conv_t *p, const float *src, int off, float *d)
{
    int lo, hi;
    inside(p, off, &lo, &hi);
    memset(d, 0, sizeof(float) * (size_t)lo);
    if (p->stride_w == 1) {
        memcpy(d + lo, src + lo + off, sizeof(float) * (size_t)(hi - lo));
    } else {
        for (int o = lo; o < hi; o++)
            d[o] = src[o * p->stride_w + off];
    }
    memset(d + hi, 0, sizeof(float) * (size_t)(p->w_out - hi));
}

KERN_AVX512_INLINE __mmask16 first_n(int n)
{
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

/* Masked stores are slow on Zen 4, so only a span's last vector is one. */
KERN_AVX512_INLINE void store_span(float *d, int n, __m512 v)
{
    if (n >= 16)
        _mm512_storeu_ps(d, v);
    else
        _mm512_mask_storeu_ps(d, first_n(n), v);
}

/* d[o] = src[2*o + off] for o in [lo, hi): the even lanes of 32 inputs.
 * The loads are masked to the taps, so nothing past the row is read. */
KERN_AVX512_INLINE void span_stride2(const float *src, int off, int lo, int hi, float *d)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                           20, 22, 24, 26, 28, 30);
    for (int o = lo; o < hi; o += 16) {
        int n = hi - o < 16 ? hi - o : 16, taps = 2 * n - 1;
        const float *s = src + 2 * o + off;
        __m512 a, b;
        if (taps >= 32) {
            a = _mm512_loadu_ps(s);
            b = _mm512_loadu_ps(s + 16);
        } else {
            a = _mm512_maskz_loadu_ps(first_n(taps), s);
            b = _mm512_maskz_loadu_ps(first_n(taps - 16), s + 16);
        }
        store_span(d + o, n, _mm512_permutex2var_ps(a, even, b));
    }
}

KERN_AVX512 static void row_avx512(const kern_conv_t *p, const float *src, int off,
                                   float *d)
{
    int lo, hi;
    inside(p, off, &lo, &hi);
    const __m512 zero = _mm512_setzero_ps();
    for (int o = 0; o < lo; o += 16)
        store_span(d + o, lo - o, zero);
    if (p->stride_w == 1) {
        int o = lo;
        for (; o + 16 <= hi; o += 16)
            _mm512_storeu_ps(d + o, _mm512_loadu_ps(src + o + off));
        if (o < hi)
            _mm512_mask_storeu_ps(d + o, first_n(hi - o),
                                  _mm512_maskz_loadu_ps(first_n(hi - o), src + o + off));
    } else {
        span_stride2(src, off, lo, hi, d);
    }
    for (int o = hi; o < p->w_out; o += 16)
        store_span(d + o, p->w_out - o, zero);
}

KERN_AVX512 static void zero_avx512(float *d, int n)
{
    for (int o = 0; o < n; o += 16)
        store_span(d + o, n - o, _mm512_setzero_ps());
}

void kern__im2col(const kern_conv_t *p, const float *x, int r0, int r1, float *col)
{
    size_t ncols = (size_t)(r1 - r0) * (size_t)p->w_out;
    int cig = p->c_in / p->groups;
    int vec = kern__isa() >= KERN_ISA_AVX512 && p->stride_w <= 2;
    for (int c = 0; c < cig; c++) {
        const float *plane = x + (size_t)c * p->h_in * p->w_in;
        for (int kh = 0; kh < p->k_h; kh++) {
            for (int kw = 0; kw < p->k_w; kw++, col += ncols) {
                int off = kw * p->dil_w - p->pad_left;
                for (int oh = r0; oh < r1; oh++) {
                    float *d = col + (size_t)(oh - r0) * p->w_out;
                    int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
                    /* A row in the padding has no address in the plane. */
                    if (ih < 0 || ih >= p->h_in)
                        vec ? zero_avx512(d, p->w_out)
                            : memset(d, 0, sizeof(float) * (size_t)p->w_out);
                    else if (vec)
                        row_avx512(p, plane + (size_t)ih * p->w_in, off, d);
                    else
                        row_scalar(p, plane + (size_t)ih * p->w_in, off, d);
                }
            }
        }
    }
}
