/* kern_act.c - activations and exp, the epilogue of every conv. SiLU runs
 * on every conv output of YOLOX, so the AVX2 path carries its own exp: a
 * Cephes-style range reduction (x = k*ln2 + r) and a degree-6 polynomial,
 * within 2 ulp of expf over the clamped range. */
#include "infer/kern_internal.h"

#include <immintrin.h>
#include <math.h>

#define AVX2 __attribute__((target("avx2,fma")))

/* exp() saturates here: e^88 is below FLT_MAX and e^-87.3 is still a
 * normal float, so the exponent arithmetic below cannot overflow. */
#define EXP_HI 88.0f
#define EXP_LO -87.3f

static float act_scalar(float v, const kern_act_params_t *a)
{
    switch (a->act) {
    case KERN_ACT_NONE:
        return v;
    case KERN_ACT_RELU:
        return v > 0.0f ? v : 0.0f;
    case KERN_ACT_LEAKY_RELU:
        return v < 0.0f ? a->alpha * v : v;
    case KERN_ACT_SIGMOID:
        return 1.0f / (1.0f + expf(-v));
    case KERN_ACT_SILU:
        return v / (1.0f + expf(-v));
    case KERN_ACT_HARD_SIGMOID:
        return fmaxf(0.0f, fminf(1.0f, a->alpha * v + a->beta));
    case KERN_ACT_HARD_SWISH:
        return v * fmaxf(0.0f, fminf(1.0f, v * (1.0f / 6.0f) + 0.5f));
    }
    return v;
}

AVX2 static inline __m256 exp_avx2(__m256 x)
{
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LO)),
                      _mm256_set1_ps(EXP_HI));
    __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    /* ln2 split in two so k*ln2_hi is exact and r keeps full precision. */
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

AVX2 static inline __m256 act_avx2(__m256 v, kern_act_t act, __m256 alpha,
                                   __m256 beta)
{
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (act) {
    case KERN_ACT_NONE:
        return v;
    case KERN_ACT_RELU:
        return _mm256_max_ps(v, zero);
    case KERN_ACT_LEAKY_RELU:
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, alpha),
                                _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case KERN_ACT_SIGMOID:
        return _mm256_div_ps(one, _mm256_add_ps(one, exp_avx2(_mm256_sub_ps(zero, v))));
    case KERN_ACT_SILU:
        return _mm256_div_ps(v, _mm256_add_ps(one, exp_avx2(_mm256_sub_ps(zero, v))));
    case KERN_ACT_HARD_SIGMOID:
        return _mm256_max_ps(zero, _mm256_min_ps(one, _mm256_fmadd_ps(alpha, v, beta)));
    case KERN_ACT_HARD_SWISH: {
        __m256 h = _mm256_fmadd_ps(v, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
        return _mm256_mul_ps(v, _mm256_max_ps(zero, _mm256_min_ps(one, h)));
    }
    }
    return v;
}

/* Mask selecting the first n (< 8) lanes, for the tail of a row. */
AVX2 static inline __m256i tail_mask(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2 static void bias_act_avx2(float *y, size_t n, float bias,
                               const kern_act_params_t *a)
{
    const __m256 b = _mm256_set1_ps(bias), alpha = _mm256_set1_ps(a->alpha),
                 beta = _mm256_set1_ps(a->beta);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_loadu_ps(y + i), b);
        _mm256_storeu_ps(y + i, act_avx2(v, a->act, alpha, beta));
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 v = _mm256_add_ps(_mm256_maskload_ps(y + i, m), b);
        _mm256_maskstore_ps(y + i, m, act_avx2(v, a->act, alpha, beta));
    }
}

void kern__bias_act(float *y, size_t n, float bias, const kern_act_params_t *a)
{
    if (a->act == KERN_ACT_NONE && bias == 0.0f)
        return;
    if (kern__use_avx2()) {
        bias_act_avx2(y, n, bias, a);
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = act_scalar(y[i] + bias, a);
}

AVX2 static void exp_avx2_array(const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, exp_avx2(_mm256_loadu_ps(x + i)));
    if (i < n) {
        __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, exp_avx2(_mm256_maskload_ps(x + i, m)));
    }
}

void kern__exp(const float *x, float *y, size_t n)
{
    if (kern__use_avx2()) {
        exp_avx2_array(x, y, n);
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
