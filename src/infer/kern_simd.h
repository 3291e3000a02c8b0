/*
 * kern_simd.h - the AVX2+FMA (and AVX-512) building blocks shared by the
 * kernel files: exp, the activations, and tail masks. Everything here is
 * static inline and compiled for its instruction set through the target
 * attribute, so the files that include it build without -mavx2 and only
 * call these from their own functions of the same target, after
 * kern__isa() said the CPU has it.
 *
 * exp is Cephes-style: x = k*ln2 + r with |r| <= ln2/2, Cephes' degree-7
 * polynomial for e^r in Horner form, and 2^k built in the exponent bits;
 * within 2 ulp of expf over the clamped range, in 15 vector operations.
 */
#ifndef AVP_INFER_KERN_SIMD_H
#define AVP_INFER_KERN_SIMD_H

#include <immintrin.h>

#include "infer/kernels.h"

#define KERN_AVX2 __attribute__((target("avx2,fma")))
#define KERN_AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

/* exp() saturates here: e^88 is below FLT_MAX and e^-87.3 is still a
 * normal float, so the exponent arithmetic cannot overflow. */
#define KERN_EXP_HI 88.0f
#define KERN_EXP_LO -87.3f

KERN_AVX2_INLINE __m256 kern_exp8(__m256 x)
{
    /* Adding 1.5*2^23 rounds x*log2(e) to the integer k in the low
     * mantissa bits; with 127 folded in, shifting those bits left by 23
     * gives the exponent field of 2^k directly. */
    const __m256 shifter = _mm256_set1_ps(12582912.0f + 127.0f);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(KERN_EXP_LO)),
                      _mm256_set1_ps(KERN_EXP_HI));
    __m256 kb = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), shifter);
    __m256 k = _mm256_sub_ps(kb, shifter);
    /* ln2 split in two so k*ln2_hi is exact and r keeps full precision. */
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_castps_si256(kb), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* 1 / d for d >= 1: the 12-bit estimate refined by one Newton step to
 * about 1 ulp, several times cheaper than a division. Above 2^126 the
 * estimate is 0, which is what 1/d rounds to at this precision anyway. */
KERN_AVX2_INLINE __m256 kern_recip8(__m256 d)
{
    __m256 r = _mm256_rcp_ps(d);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(2.0f)));
}

/* The activation on one vector; alpha and beta are the broadcast
 * parameters. `act` is constant wherever the caller is specialized. */
KERN_AVX2_INLINE __m256 kern_act8(__m256 v, kern_act_t act, __m256 alpha,
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
        return kern_recip8(_mm256_add_ps(one, kern_exp8(_mm256_sub_ps(zero, v))));
    case KERN_ACT_SILU:
        return _mm256_mul_ps(v, kern_recip8(_mm256_add_ps(
                                    one, kern_exp8(_mm256_sub_ps(zero, v)))));
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
KERN_AVX2_INLINE __m256i kern_tail_mask(long n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The same exp and activations on 16 lanes. On Zen 4 the 512-bit ops
 * issue as two 256-bit halves, yet SiLU ran 1.8x faster than with AVX2:
 * the long dependency chains fill the schedulers with half as many ops. */
#define KERN_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define KERN_AVX512_INLINE static inline __attribute__((target("avx512f,avx2,fma"), always_inline))

KERN_AVX512_INLINE __m512 kern_exp16(__m512 x)
{
    const __m512 shifter = _mm512_set1_ps(12582912.0f + 127.0f);
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(KERN_EXP_LO)),
                      _mm512_set1_ps(KERN_EXP_HI));
    __m512 kb = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), shifter);
    __m512 k = _mm512_sub_ps(kb, shifter);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_castps_si512(kb), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

KERN_AVX512_INLINE __m512 kern_recip16(__m512 d)
{
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

KERN_AVX512_INLINE __m512 kern_act16(__m512 v, kern_act_t act, __m512 alpha,
                                     __m512 beta)
{
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    switch (act) {
    case KERN_ACT_NONE:
        return v;
    case KERN_ACT_RELU:
        return _mm512_max_ps(v, zero);
    case KERN_ACT_LEAKY_RELU:
        return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, alpha);
    case KERN_ACT_SIGMOID:
        return kern_recip16(_mm512_add_ps(one, kern_exp16(_mm512_sub_ps(zero, v))));
    case KERN_ACT_SILU:
        return _mm512_mul_ps(v, kern_recip16(_mm512_add_ps(
                                    one, kern_exp16(_mm512_sub_ps(zero, v)))));
    case KERN_ACT_HARD_SIGMOID:
        return _mm512_max_ps(zero, _mm512_min_ps(one, _mm512_fmadd_ps(alpha, v, beta)));
    case KERN_ACT_HARD_SWISH: {
        __m512 h = _mm512_fmadd_ps(v, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
        return _mm512_mul_ps(v, _mm512_max_ps(zero, _mm512_min_ps(one, h)));
    }
    }
    return v;
}

#endif
