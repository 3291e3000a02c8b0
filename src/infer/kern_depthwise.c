/* kern_depthwise.c - depthwise convolution (one filter per channel), the
 * 3x3 and 5x5 convs between YOLOX's 1x1s. GEMM would waste itself on a
 * K of 9, so these are direct loops: one task per (image, channel) plane,
 * output row by row.
 *
 * Each input row is copied once into a small ring of zero-padded lines on
 * the stack, so the inner loops never test for borders: the AVX2 path
 * computes 8 outputs per vector, 4 independent accumulators at a time (a
 * single FMA chain would wait on latency), with stride 1 or 2 and bias +
 * activation applied in registers before the store; the AVX-512 path does
 * the same 16 outputs per vector (YOLOX-Nano's depthwise convs took a
 * quarter of its time on the AVX2 path). Other strides, and CPUs without
 * AVX2, take the scalar loop over the same lines. Shapes the ring cannot
 * hold go to the grouped GEMM instead (kern__depthwise_fits). */
#include "infer/kern_internal.h"
#include "infer/kern_simd.h"

#include <string.h>

#define RING_ROWS 8     /* power of 2 >= the rows a window spans */
#define LINE_FLOATS 2304

typedef struct dw_job {
    const kern_conv_t *p;
    const float *x, *w, *bias;
    float *y;
    int isa;
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
 * of 16 outputs reads up to 16*stride past its first tap (the same for
 * every path, so that whether a shape fits does not depend on the CPU). */
static int line_len(const kern_conv_t *p)
{
    int w16 = (p->w_out + 15) / 16 * 16;
    int len = w16 * p->stride_w + (p->k_w - 1) * p->dil_w;
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

/* The AVX2 rows (kern_depthwise_rows.h): 8 outputs per vector. */
KERN_AVX2_INLINE __m256 even8(__m256 a, __m256 b)
{
    __m256 ev = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
}

/* AMD CPUs microcode vmaskmovps stores: a partial vector is spilled and
 * copied. */
KERN_AVX2_INLINE void store8(float *out, int n, __m256 v)
{
    if (n >= 8) {
        _mm256_storeu_ps(out, v);
        return;
    }
    float tail[8];
    _mm256_storeu_ps(tail, v);
    memcpy(out, tail, sizeof(float) * (size_t)(n > 0 ? n : 0));
}

#define DW_LANES 8
#define DW_VEC __m256
#define DW_INLINE KERN_AVX2_INLINE
#define DW_TARGET KERN_AVX2 static
#define DW_ROW dw_row_avx2
#define DW_SET1(f) _mm256_set1_ps(f)
#define DW_ZERO() _mm256_setzero_ps()
#define DW_ADD(a, b) _mm256_add_ps(a, b)
#define DW_FMADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#define DW_LOAD(p) _mm256_loadu_ps(p)
#define DW_EVEN(a, b) even8(a, b)
#define DW_ACT(v, act, alpha, beta) kern_act8(v, act, alpha, beta)
#define DW_STORE(out, n, v) store8(out, n, v)
#include "infer/kern_depthwise_rows.h"

static void dw_task(void *ctx, int task)
{
    const dw_job_t *j = ctx;
    const kern_conv_t *p = j->p;
    int ch = task % p->c_in;
    const float *in = j->x + (size_t)task * p->h_in * p->w_in;
    const float *wk = j->w + (size_t)ch * p->k_h * p->k_w;
    float *out = j->y + (size_t)task * p->h_out * p->w_out;
    float bias = j->bias ? j->bias[ch] : 0.0f;
    int vec = p->stride_w == 1 || p->stride_w == 2 ? j->isa : KERN_ISA_SCALAR;
    dw_ring_t ring;
    ring_init(&ring, p);
    for (int oh = 0; oh < p->h_out; oh++, out += p->w_out) {
        const float *lines[RING_ROWS];
        window_lines(&ring, p, in, oh, lines);
        if (vec == KERN_ISA_AVX512)
            kern__dw_row_avx512(p, lines, wk, bias, out);
        else if (vec == KERN_ISA_AVX2)
            dw_row_avx2(p, lines, wk, bias, out);
        else
            dw_row_scalar(p, lines, wk, bias, out);
    }
}

void kern__depthwise(const kern_conv_t *p, const float *x, const float *w,
                     const float *bias, float *y, tpool_t *tp)
{
    dw_job_t j = {p, x, w, bias, y, kern__isa()};
    tpool_run(tp, p->n * p->c_in, dw_task, &j);
}
