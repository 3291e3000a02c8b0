/* kern_depthwise512.c - the AVX-512 rows of kern_depthwise.c
 * (kern_depthwise_rows.h at 16 outputs per vector). On the AVX2 rows
 * YOLOX-Nano's depthwise convs were a fifth of its CPU time; twice the
 * lanes per FMA and per load, and masked stores for a row's tail (fast on
 * AVX-512, unlike AVX2's vmaskmovps on AMD), take part of that away.
 * Stride 2 gathers the even taps of 32 floats with one two-source
 * permute. */
#include "infer/kern_internal.h"
#include "infer/kern_simd.h"

KERN_AVX512_INLINE __m512 even16(__m512 a, __m512 b)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
                                           22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, even, b);
}

KERN_AVX512_INLINE void store16(float *out, int n, __m512 v)
{
    _mm512_mask_storeu_ps(out, n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1), v);
}

#define DW_LANES 16
#define DW_VEC __m512
#define DW_INLINE KERN_AVX512_INLINE
#define DW_TARGET KERN_AVX512
#define DW_ROW kern__dw_row_avx512
#define DW_SET1(f) _mm512_set1_ps(f)
#define DW_ZERO() _mm512_setzero_ps()
#define DW_ADD(a, b) _mm512_add_ps(a, b)
#define DW_FMADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#define DW_LOAD(p) _mm512_loadu_ps(p)
#define DW_EVEN(a, b) even16(a, b)
#define DW_ACT(v, act, alpha, beta) kern_act16(v, act, alpha, beta)
#define DW_STORE(out, n, v) store16(out, n, v)
#include "infer/kern_depthwise_rows.h"
