/* kern_act.c - activations and exp, the epilogue of every conv (SiLU runs
 * on every conv output of YOLOX). The vector math lives in kern_simd.h;
 * here are the loops over arrays, specialized per activation, for
 * AVX-512, AVX2 and the scalar fallbacks. */
#include "infer/kern_internal.h"
#include "infer/kern_simd.h"

#include <math.h>

static inline __attribute__((always_inline)) float
act_scalar(float v, kern_act_t act, float alpha, float beta)
{
    switch (act) {
    case KERN_ACT_NONE:
        return v;
    case KERN_ACT_RELU:
        return v > 0.0f ? v : 0.0f;
    case KERN_ACT_LEAKY_RELU:
        return v < 0.0f ? alpha * v : v;
    case KERN_ACT_SIGMOID:
        return 1.0f / (1.0f + expf(-v));
    case KERN_ACT_SILU:
        return v / (1.0f + expf(-v));
    case KERN_ACT_HARD_SIGMOID:
        return fmaxf(0.0f, fminf(1.0f, alpha * v + beta));
    case KERN_ACT_HARD_SWISH:
        return v * fmaxf(0.0f, fminf(1.0f, v * (1.0f / 6.0f) + 0.5f));
    }
    return v;
}

/* The scalar loop for one activation; with `act` constant the cheap ones
 * vectorize with the baseline SSE2. */
static inline __attribute__((always_inline)) void
bias_act_loop1(float *y, size_t n, float bias, const kern_act_params_t *a,
               kern_act_t act)
{
    for (size_t i = 0; i < n; i++)
        y[i] = act_scalar(y[i] + bias, act, a->alpha, a->beta);
}

static void bias_act_scalar(float *y, size_t n, float bias,
                            const kern_act_params_t *a)
{
    switch (a->act) {
    case KERN_ACT_NONE: bias_act_loop1(y, n, bias, a, KERN_ACT_NONE); break;
    case KERN_ACT_RELU: bias_act_loop1(y, n, bias, a, KERN_ACT_RELU); break;
    case KERN_ACT_LEAKY_RELU: bias_act_loop1(y, n, bias, a, KERN_ACT_LEAKY_RELU); break;
    case KERN_ACT_SIGMOID: bias_act_loop1(y, n, bias, a, KERN_ACT_SIGMOID); break;
    case KERN_ACT_SILU: bias_act_loop1(y, n, bias, a, KERN_ACT_SILU); break;
    case KERN_ACT_HARD_SIGMOID: bias_act_loop1(y, n, bias, a, KERN_ACT_HARD_SIGMOID); break;
    case KERN_ACT_HARD_SWISH: bias_act_loop1(y, n, bias, a, KERN_ACT_HARD_SWISH); break;
    }
}

/* The loop for one activation; `act` is a constant in every call below,
 * so each copy is straight-line vector code. */
KERN_AVX2_INLINE void bias_act_loop(float *y, size_t n, float bias,
                                    const kern_act_params_t *a, kern_act_t act)
{
    const __m256 b = _mm256_set1_ps(bias), alpha = _mm256_set1_ps(a->alpha),
                 beta = _mm256_set1_ps(a->beta);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_loadu_ps(y + i), b);
        _mm256_storeu_ps(y + i, kern_act8(v, act, alpha, beta));
    }
    if (i < n) {
        __m256i m = kern_tail_mask((long)(n - i));
        __m256 v = _mm256_add_ps(_mm256_maskload_ps(y + i, m), b);
        _mm256_maskstore_ps(y + i, m, kern_act8(v, act, alpha, beta));
    }
}

KERN_AVX2 static void bias_act_avx2(float *y, size_t n, float bias,
                                    const kern_act_params_t *a)
{
    switch (a->act) {
    case KERN_ACT_NONE: bias_act_loop(y, n, bias, a, KERN_ACT_NONE); break;
    case KERN_ACT_RELU: bias_act_loop(y, n, bias, a, KERN_ACT_RELU); break;
    case KERN_ACT_LEAKY_RELU: bias_act_loop(y, n, bias, a, KERN_ACT_LEAKY_RELU); break;
    case KERN_ACT_SIGMOID: bias_act_loop(y, n, bias, a, KERN_ACT_SIGMOID); break;
    case KERN_ACT_SILU: bias_act_loop(y, n, bias, a, KERN_ACT_SILU); break;
    case KERN_ACT_HARD_SIGMOID: bias_act_loop(y, n, bias, a, KERN_ACT_HARD_SIGMOID); break;
    case KERN_ACT_HARD_SWISH: bias_act_loop(y, n, bias, a, KERN_ACT_HARD_SWISH); break;
    }
}

KERN_AVX512_INLINE void bias_act_loop16(float *y, size_t n, float bias,
                                        const kern_act_params_t *a, kern_act_t act)
{
    const __m512 b = _mm512_set1_ps(bias), alpha = _mm512_set1_ps(a->alpha),
                 beta = _mm512_set1_ps(a->beta);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_add_ps(_mm512_loadu_ps(y + i), b);
        _mm512_storeu_ps(y + i, kern_act16(v, act, alpha, beta));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i), b);
        _mm512_mask_storeu_ps(y + i, m, kern_act16(v, act, alpha, beta));
    }
}

KERN_AVX512 static void bias_act_avx512(float *y, size_t n, float bias,
                                        const kern_act_params_t *a)
{
    switch (a->act) {
    case KERN_ACT_NONE: bias_act_loop16(y, n, bias, a, KERN_ACT_NONE); break;
    case KERN_ACT_RELU: bias_act_loop16(y, n, bias, a, KERN_ACT_RELU); break;
    case KERN_ACT_LEAKY_RELU: bias_act_loop16(y, n, bias, a, KERN_ACT_LEAKY_RELU); break;
    case KERN_ACT_SIGMOID: bias_act_loop16(y, n, bias, a, KERN_ACT_SIGMOID); break;
    case KERN_ACT_SILU: bias_act_loop16(y, n, bias, a, KERN_ACT_SILU); break;
    case KERN_ACT_HARD_SIGMOID: bias_act_loop16(y, n, bias, a, KERN_ACT_HARD_SIGMOID); break;
    case KERN_ACT_HARD_SWISH: bias_act_loop16(y, n, bias, a, KERN_ACT_HARD_SWISH); break;
    }
}

void kern__bias_act(float *y, size_t n, float bias, const kern_act_params_t *a)
{
    if (a->act == KERN_ACT_NONE && bias == 0.0f)
        return;
    if (kern__isa() >= KERN_ISA_AVX512) {
        bias_act_avx512(y, n, bias, a);
        return;
    }
    if (kern__use_avx2()) {
        bias_act_avx2(y, n, bias, a);
        return;
    }
    bias_act_scalar(y, n, bias, a);
}

KERN_AVX2 static void exp_avx2(const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, kern_exp8(_mm256_loadu_ps(x + i)));
    if (i < n) {
        __m256i m = kern_tail_mask((long)(n - i));
        _mm256_maskstore_ps(y + i, m, kern_exp8(_mm256_maskload_ps(x + i, m)));
    }
}

void kern__exp(const float *x, float *y, size_t n)
{
    if (kern__use_avx2()) {
        exp_avx2(x, y, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i]);
}

typedef struct act_job {
    const kern_act_params_t *a;
    float *x;
    size_t n;
    int tasks;
} act_job_t;

static void act_task(void *ctx, int task)
{
    act_job_t *j = ctx;
    size_t b, e;
    kern__range(j->n, j->tasks, task, &b, &e);
    kern__bias_act(j->x + b, e - b, 0.0f, j->a);
}

void kern_activate(const kern_act_params_t *a, float *x, size_t n, tpool_t *tp)
{
    act_job_t j = {a, x, n, kern__stream_tasks(n, tp)};
    tpool_run(tp, j.tasks, act_task, &j);
}
