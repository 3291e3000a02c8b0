/* kern_depthwise.c - depthwise convolution (one filter per channel), the
 * 3x3 and 5x5 convs between YOLOX's 1x1s. GEMM would waste itself on a
 * K of 9, so these are direct loops: one task per (image, channel) plane,
 * output row by row.
 *
 * Each input row is copied once into a small ring of zero-padded lines on
 * the stack, so the inner loops never test for borders: the AVX2 path
 * computes 8 outputs per vector, 4 independent accumulators at a time (a
 * single FMA chain would wait on latency), with stride 1 or 2 and bias +
 * activation applied in registers before the store. Other strides, and
 * CPUs without AVX2, take the scalar loop over the same lines. Shapes the
 * ring cannot hold go to the grouped GEMM instead (kern__depthwise_fits). */
#include "infer/kern_internal.h"
#include "infer/kern_simd.h"

#include <string.h>

#define RING_ROWS 8     /* power of 2 >= the rows a window spans */
#define LINE_FLOATS 2304

typedef struct dw_job {
    const kern_conv_t *p;
    const float *x, *w, *bias;
    float *y;
    int avx2;
} dw_job_t;

/* Zero-padded copies of the input rows a window needs. line[s] holds
 * input row row[s] (s = row & mask); column iw of the input sits at
 * iw + pad_left. The padding is zeroed once per plane; rows are only ever
 * copied over the middle. */
typedef struct dw_ring {
    int mask;
    int row[RING_ROWS];
    float line[RING_ROWS][LINE_FLOATS];
} dw_ring_t;

/* Floats a padded line needs: the vector over the last (rounded up) group
 * of 8 outputs reads up to 8*stride past its first tap. */
static int line_len(const kern_conv_t *p)
{
    int w8 = (p->w_out + 7) / 8 * 8;
    int len = w8 * p->stride_w + (p->k_w - 1) * p->dil_w;
    return len > p->pad_left + p->w_in ? len : p->pad_left + p->w_in;
}

int kern__depthwise_fits(const kern_conv_t *p)
{
    return (p->k_h - 1) * p->dil_h + 1 <= RING_ROWS && line_len(p) <= LINE_FLOATS;
}

static void ring_init(dw_ring_t *r, const kern_conv_t *p)
{
    int span = (p->k_h - 1) * p->dil_h + 1, slots = 1;
    while (slots < span)
        slots *= 2;
    r->mask = slots - 1;
    for (int s = 0; s < slots; s++) {
        r->row[s] = -1;
        memset(r->line[s], 0, sizeof(float) * (size_t)line_len(p));
    }
}

static const float *ring_line(dw_ring_t *r, const kern_conv_t *p,
                              const float *in, int ih)
{
    int s = ih & r->mask;
    float *l = r->line[s];
    if (r->row[s] != ih) {
        memcpy(l + p->pad_left, in + (size_t)ih * p->w_in, sizeof(float) * (size_t)p->w_in);
        r->row[s] = ih;
    }
    return l;
}

/* The padded lines of output row oh's window; NULL for rows outside the
 * input (their taps are padding and contribute nothing). */
static void window_lines(dw_ring_t *r, const kern_conv_t *p, const float *in,
                         int oh, const float **lines)
{
    for (int kh = 0; kh < p->k_h; kh++) {
        int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
        lines[kh] = ih < 0 || ih >= p->h_in ? NULL : ring_line(r, p, in, ih);
    }
}

/* Tap by tap across the whole row, so the stride-1 loop vectorizes with
 * the baseline SSE2 even on CPUs without AVX2. */
static void dw_row_scalar(const kern_conv_t *p, const float *const *lines,
                          const float *wk, float bias, float *restrict out)
{
    int s = p->stride_w;
    for (int ow = 0; ow < p->w_out; ow++)
        out[ow] = 0.0f;
    for (int kh = 0; kh < p->k_h; kh++) {
        if (!lines[kh])
            continue;
        for (int kw = 0; kw < p->k_w; kw++) {
            const float *restrict t = lines[kh] + kw * p->dil_w;
            float w = wk[kh * p->k_w + kw];
            if (s == 1) {
                for (int ow = 0; ow < p->w_out; ow++)
                    out[ow] += w * t[ow];
            } else {
                for (int ow = 0; ow < p->w_out; ow++)
                    out[ow] += w * t[ow * s];
            }
        }
    }
    kern__bias_act(out, (size_t)p->w_out, bias, &p->act);
}

/* 8 consecutive taps at stride 1, or the even ones of 16 at stride 2. */
KERN_AVX2_INLINE __m256 load_taps(const float *s, int stride)
{
    if (stride == 1)
        return _mm256_loadu_ps(s);
    __m256 ev = _mm256_shuffle_ps(_mm256_loadu_ps(s), _mm256_loadu_ps(s + 8),
                                  _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
}

/* nv (<= 4) vectors of 8 outputs from column ow: taps, bias, activation,
 * store (masked past w_out). With fewer than 3 vectors the rows of the
 * window accumulate separately, so there are always several independent
 * FMA chains. kh_n, kw_n, s and dil are compile-time constants in the
 * specialized rows below; the loops unroll and acc[][] lives in
 * registers. */
KERN_AVX2_INLINE void dw_vectors(const kern_conv_t *p, const float *const *lines,
                                 const float *wk, float bias, float *out,
                                 int ow, int nv, int kh_n, int kw_n, int s,
                                 int dil)
{
    const int chains = nv >= 3 ? 1 : nv == 2 ? 2 : 3;
    __m256 acc[4][3];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        acc[v][0] = _mm256_set1_ps(bias);
        acc[v][1] = acc[v][2] = _mm256_setzero_ps();
    }
#pragma GCC unroll 7
    for (int kh = 0; kh < kh_n; kh++) {
        if (!lines[kh])
            continue;
        const float *row = lines[kh] + ow * s;
        int c = kh % chains;
#pragma GCC unroll 7
        for (int kw = 0; kw < kw_n; kw++) {
            __m256 wv = _mm256_broadcast_ss(wk + kh * kw_n + kw);
            const float *t = row + kw * dil;
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[v][c] = _mm256_fmadd_ps(load_taps(t + v * 8 * s, s), wv, acc[v][c]);
        }
    }
    const __m256 alpha = _mm256_set1_ps(p->act.alpha), beta = _mm256_set1_ps(p->act.beta);
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        __m256 sum = acc[v][0];
        if (chains > 1)
            sum = _mm256_add_ps(sum, acc[v][1]);
        if (chains > 2)
            sum = _mm256_add_ps(sum, acc[v][2]);
        __m256 r = kern_act8(sum, p->act.act, alpha, beta);
        int o = ow + v * 8;
        if (o + 8 <= p->w_out) {
            _mm256_storeu_ps(out + o, r);
        } else {
            /* AMD CPUs microcode vmaskmovps stores: spill and copy. */
            float tail[8];
            _mm256_storeu_ps(tail, r);
            memcpy(out + o, tail, sizeof(float) * (size_t)(p->w_out - o));
        }
    }
}

/* Groups of 4 vectors, then one group of the 1-4 left (25-31 columns
 * left take 4 vectors, the last one partial). */
KERN_AVX2_INLINE void dw_row(const kern_conv_t *p, const float *const *lines,
                             const float *wk, float bias, float *out, int kh_n,
                             int kw_n, int s, int dil)
{
    int ow = 0;
    for (; ow + 32 <= p->w_out; ow += 32)
        dw_vectors(p, lines, wk, bias, out, ow, 4, kh_n, kw_n, s, dil);
    switch ((p->w_out - ow + 7) / 8) {
    case 4: dw_vectors(p, lines, wk, bias, out, ow, 4, kh_n, kw_n, s, dil); break;
    case 3: dw_vectors(p, lines, wk, bias, out, ow, 3, kh_n, kw_n, s, dil); break;
    case 2: dw_vectors(p, lines, wk, bias, out, ow, 2, kh_n, kw_n, s, dil); break;
    case 1: dw_vectors(p, lines, wk, bias, out, ow, 1, kh_n, kw_n, s, dil); break;
    }
}

/* Specialized copies for the 3x3 and 5x5 undilated kernels of YOLO
 * models; anything else runs the same code with run-time sizes. */
KERN_AVX2 static void dw_row_avx2(const kern_conv_t *p, const float *const *lines,
                                  const float *wk, float bias, float *out)
{
    int s = p->stride_w, k = p->k_h;
    if (p->k_w == k && p->dil_w == 1 && (k == 3 || k == 5)) {
        if (k == 3 && s == 1)
            dw_row(p, lines, wk, bias, out, 3, 3, 1, 1);
        else if (k == 3)
            dw_row(p, lines, wk, bias, out, 3, 3, 2, 1);
        else if (s == 1)
            dw_row(p, lines, wk, bias, out, 5, 5, 1, 1);
        else
            dw_row(p, lines, wk, bias, out, 5, 5, 2, 1);
        return;
    }
    dw_row(p, lines, wk, bias, out, p->k_h, p->k_w, s, p->dil_w);
}

static void dw_task(void *ctx, int task)
{
    const dw_job_t *j = ctx;
    const kern_conv_t *p = j->p;
    int ch = task % p->c_in;
    const float *in = j->x + (size_t)task * p->h_in * p->w_in;
    const float *wk = j->w + (size_t)ch * p->k_h * p->k_w;
    float *out = j->y + (size_t)task * p->h_out * p->w_out;
    float bias = j->bias ? j->bias[ch] : 0.0f;
    int vec = j->avx2 && (p->stride_w == 1 || p->stride_w == 2);
    dw_ring_t ring;
    ring_init(&ring, p);
    for (int oh = 0; oh < p->h_out; oh++, out += p->w_out) {
        const float *lines[RING_ROWS];
        window_lines(&ring, p, in, oh, lines);
        if (vec)
            dw_row_avx2(p, lines, wk, bias, out);
        else
            dw_row_scalar(p, lines, wk, bias, out);
    }
}

void kern__depthwise(const kern_conv_t *p, const float *x, const float *w,
                     const float *bias, float *y, tpool_t *tp)
{
    dw_job_t j = {p, x, w, bias, y, kern__use_avx2()};
    tpool_run(tp, p->n * p->c_in, dw_task, &j);
}
