/* kern_depthwise.c - depthwise convolution (one filter per channel), the
 * 3x3 and 5x5 convs between YOLOX's 1x1s. GEMM would waste itself on a
 * K of 9, so these are direct loops: one task per (image, channel) plane,
 * output row by row. The AVX2 path computes 8 outputs per vector in
 * groups of 4 independent accumulators (an FMA chain per vector would
 * wait on latency), for stride 1 and 2 and any kernel size or dilation;
 * the columns whose taps touch the padding, and CPUs without AVX2, go
 * through the scalar loop. */
#include "infer/kern_internal.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

typedef struct dw_job {
    const kern_conv_t *p;
    const float *x, *w, *bias;
    float *y;
    int avx2;
} dw_job_t;

static int ceil_div(int a, int b)
{
    return (a + b - 1) / b;
}

/* First output column whose tap o*stride + off lands at or past limit. */
static int first_at_or_past(int limit, int off, int stride)
{
    return limit - off <= 0 ? 0 : ceil_div(limit - off, stride);
}

/* Outputs [o0, o1) of row oh, each a plain sum over the taps inside the
 * input. */
static void dw_row_scalar(const kern_conv_t *p, const float *in,
                          const float *wk, int oh, float *out, int o0, int o1)
{
    for (int ow = o0; ow < o1; ow++) {
        float acc = 0.0f;
        for (int kh = 0; kh < p->k_h; kh++) {
            int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
            if (ih < 0 || ih >= p->h_in)
                continue;
            for (int kw = 0; kw < p->k_w; kw++) {
                int iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
                if (iw >= 0 && iw < p->w_in)
                    acc += in[(size_t)ih * p->w_in + iw] * wk[kh * p->k_w + kw];
            }
        }
        out[ow] = acc;
    }
}

/* 8 consecutive taps at stride 1, or the even ones of 16 at stride 2. */
AVX2 static inline __m256 load_taps(const float *s, int stride)
{
    if (stride == 1)
        return _mm256_loadu_ps(s);
    __m256 ev = _mm256_shuffle_ps(_mm256_loadu_ps(s), _mm256_loadu_ps(s + 8),
                                  _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
}

/* nv vectors of 8 outputs starting at column ow; every tap is inside the
 * row (the caller checked), rows outside the input are skipped. */
AVX2 static inline __attribute__((always_inline)) void
dw_vectors(const kern_conv_t *p, const float *in, const float *wk, int oh,
           float *out, int ow, int nv)
{
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps(), _mm256_setzero_ps()};
    int s = p->stride_w;
    for (int kh = 0; kh < p->k_h; kh++) {
        int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
        if (ih < 0 || ih >= p->h_in)
            continue;
        const float *row = in + (size_t)ih * p->w_in + ow * s - p->pad_left;
        for (int kw = 0; kw < p->k_w; kw++) {
            __m256 wv = _mm256_broadcast_ss(wk + kh * p->k_w + kw);
            const float *t = row + kw * p->dil_w;
            for (int v = 0; v < nv; v++)
                acc[v] = _mm256_fmadd_ps(load_taps(t + v * 8 * s, s), wv, acc[v]);
        }
    }
    for (int v = 0; v < nv; v++)
        _mm256_storeu_ps(out + ow + v * 8, acc[v]);
}

AVX2 static void dw_row_avx2(const kern_conv_t *p, const float *in,
                             const float *wk, int oh, float *out)
{
    int s = p->stride_w;
    int lo = first_at_or_past(0, -p->pad_left, s);
    /* A vector at ow reads up to ow*s - pad_left + (k_w-1)*dil_w + 8*s - 1. */
    int hi = first_at_or_past(p->w_in - 8 * s + 1,
                              (p->k_w - 1) * p->dil_w - p->pad_left, s);
    lo = lo < p->w_out ? lo : p->w_out;
    int ow = lo;
    for (; ow + 32 <= p->w_out && ow + 24 < hi; ow += 32)
        dw_vectors(p, in, wk, oh, out, ow, 4);
    for (; ow + 8 <= p->w_out && ow < hi; ow += 8)
        dw_vectors(p, in, wk, oh, out, ow, 1);
    dw_row_scalar(p, in, wk, oh, out, 0, lo);
    dw_row_scalar(p, in, wk, oh, out, ow, p->w_out);
}

static void dw_task(void *ctx, int task)
{
    dw_job_t *j = ctx;
    const kern_conv_t *p = j->p;
    int ch = task % p->c_in;
    const float *in = j->x + (size_t)task * p->h_in * p->w_in;
    const float *wk = j->w + (size_t)ch * p->k_h * p->k_w;
    float *out = j->y + (size_t)task * p->h_out * p->w_out;
    float bias = j->bias ? j->bias[ch] : 0.0f;
    for (int oh = 0; oh < p->h_out; oh++, out += p->w_out) {
        if (j->avx2 && (p->stride_w == 1 || p->stride_w == 2))
            dw_row_avx2(p, in, wk, oh, out);
        else
            dw_row_scalar(p, in, wk, oh, out, 0, p->w_out);
        kern__bias_act(out, (size_t)p->w_out, bias, &p->act);
    }
}

void kern__depthwise(const kern_conv_t *p, const float *x, const float *w,
                     const float *bias, float *y, tpool_t *tp)
{
    dw_job_t j = {p, x, w, bias, y, kern__use_avx2()};
    tpool_run(tp, p->n * p->c_in, dw_task, &j);
}
