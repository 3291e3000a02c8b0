/* kern_int8_x86.c - the int32 dot kernels of kern_int8.h for AVX-512 VNNI
 * and AVX2. Both read the packed chunk as [kpad/4][KERN_Q_CHUNK][4]
 * bytes: 16 pixels' four k-values fill one 512-bit register, and a
 * weight row's four bytes at k are one broadcast 32-bit lane. */
#include "infer/kern_int8.h"
#include "infer/kern_internal.h"

#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define AVX2 __attribute__((target("avx2")))

int kern__have_vnni(void)
{
    __builtin_cpu_init();
    return kern__isa() >= KERN_ISA_AVX512 &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
}

static inline int32_t w4(const int8_t *w)
{
    int32_t v;
    __builtin_memcpy(&v, w, 4);
    return v;
}

/* 4 rows x 64 pixels: 16 accumulators, 4 loads and 4 broadcasts per 4 k. */
VNNI void kern__qdot_vnni(const int8_t *w, int kpad, int rows,
                          const uint8_t *xp, int32_t *acc)
{
    __m512i a[4][4];
    for (int r = 0; r < 4; r++)
        for (int v = 0; v < 4; v++)
            a[r][v] = _mm512_setzero_si512();
    for (int k4 = 0; k4 < kpad / 4; k4++) {
        const uint8_t *xk = xp + (size_t)k4 * KERN_Q_CHUNK * 4;
        __m512i x0 = _mm512_loadu_si512(xk), x1 = _mm512_loadu_si512(xk + 64);
        __m512i x2 = _mm512_loadu_si512(xk + 128);
        __m512i x3 = _mm512_loadu_si512(xk + 192);
        for (int r = 0; r < 4; r++) {
            if (r >= rows)
                break;
            __m512i wr = _mm512_set1_epi32(w4(w + (size_t)r * kpad + k4 * 4));
            a[r][0] = _mm512_dpbusd_epi32(a[r][0], x0, wr);
            a[r][1] = _mm512_dpbusd_epi32(a[r][1], x1, wr);
            a[r][2] = _mm512_dpbusd_epi32(a[r][2], x2, wr);
            a[r][3] = _mm512_dpbusd_epi32(a[r][3], x3, wr);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < 4; v++)
            _mm512_storeu_si512(acc + r * KERN_Q_CHUNK + v * 16, a[r][v]);
}

/* Four pixels' (x0 w0 + x1 w1, x2 w2 + x3 w3) pairs in int32: both
 * operands widened to int16 first, so no pair saturates. */
AVX2 static inline __m256i madd4(const uint8_t *xk, __m256i w16)
{
    __m128i x8 = _mm_loadu_si128((const __m128i *)xk);
    return _mm256_madd_epi16(_mm256_cvtepu8_epi16(x8), w16);
}

/* The pair sums of pixels 0-3 (a) and 4-7 (b) as eight int32 sums. */
AVX2 static inline __m256i pairs_to_pixels(__m256i a, __m256i b)
{
    return _mm256_permute4x64_epi64(_mm256_hadd_epi32(a, b), 0xD8);
}

/* One row x 16 pixels per pass: 4 accumulators of pair sums. */
AVX2 static void qdot_avx2_row16(const int8_t *wr, int kpad,
                                 const uint8_t *xp, int32_t *acc)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (int k4 = 0; k4 < kpad / 4; k4++) {
        const uint8_t *xk = xp + (size_t)k4 * KERN_Q_CHUNK * 4;
        __m128i w8 = _mm_set1_epi32(w4(wr + k4 * 4));
        __m256i w16 = _mm256_cvtepi8_epi16(w8);
        a0 = _mm256_add_epi32(a0, madd4(xk, w16));
        a1 = _mm256_add_epi32(a1, madd4(xk + 16, w16));
        a2 = _mm256_add_epi32(a2, madd4(xk + 32, w16));
        a3 = _mm256_add_epi32(a3, madd4(xk + 48, w16));
    }
    _mm256_storeu_si256((__m256i *)acc, pairs_to_pixels(a0, a1));
    _mm256_storeu_si256((__m256i *)(acc + 8), pairs_to_pixels(a2, a3));
}

AVX2 void kern__qdot_avx2(const int8_t *w, int kpad, int rows,
                          const uint8_t *xp, int32_t *acc)
{
    for (int r = 0; r < rows; r++)
        for (int p = 0; p < KERN_Q_CHUNK; p += 16)
            qdot_avx2_row16(w + (size_t)r * kpad, kpad, xp + p * 4,
                            acc + r * KERN_Q_CHUNK + p);
}

/* Eight pixels of four rows: each row's bytes widened to int32 lanes and
 * shifted into their byte of the pixel's word. */
AVX2 void kern__qinterleave_avx2(const uint8_t *const *r, uint8_t *dst,
                                 int32_t *colsum)
{
    for (int j = 0; j < KERN_Q_CHUNK; j += 8) {
        __m256i v[4];
        for (int i = 0; i < 4; i++)
            v[i] = _mm256_cvtepu8_epi32(
                _mm_loadl_epi64((const __m128i *)(r[i] + j)));
        __m256i w = _mm256_or_si256(
            _mm256_or_si256(v[0], _mm256_slli_epi32(v[1], 8)),
            _mm256_or_si256(_mm256_slli_epi32(v[2], 16),
                            _mm256_slli_epi32(v[3], 24)));
        _mm256_storeu_si256((__m256i *)(dst + j * 4), w);
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(v[0], v[1]),
                                     _mm256_add_epi32(v[2], v[3]));
        __m256i *cs = (__m256i *)(colsum + j);
        _mm256_storeu_si256(cs, _mm256_add_epi32(_mm256_loadu_si256(cs), s));
    }
}

AVX2 void kern__qfinish_avx2(const int32_t *acc, const int32_t *colsum, int np,
                             int32_t cw, int32_t off, float scale, float *y)
{
    __m256i c = _mm256_set1_epi32(cw), o = _mm256_set1_epi32(off);
    __m256 s = _mm256_set1_ps(scale);
    int j = 0;
    for (; j + 8 <= np; j += 8) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(acc + j));
        __m256i cs = _mm256_loadu_si256((const __m256i *)(colsum + j));
        a = _mm256_sub_epi32(_mm256_add_epi32(a, _mm256_mullo_epi32(c, cs)), o);
        _mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_cvtepi32_ps(a), s));
    }
    kern__qfinish_scalar(acc + j, colsum + j, np - j, cw, off, scale, y + j);
}

AVX2 void kern__minmax_avx2(const float *x, size_t n, float *lo, float *hi)
{
    __m256 l = _mm256_set1_ps(*lo), h = _mm256_set1_ps(*hi);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        l = _mm256_min_ps(v, l); /* NaN lanes keep the second operand */
        h = _mm256_max_ps(v, h);
    }
    float ls[8], hs[8];
    _mm256_storeu_ps(ls, l);
    _mm256_storeu_ps(hs, h);
    for (int k = 0; k < 8; k++) {
        *lo = ls[k] < *lo ? ls[k] : *lo;
        *hi = hs[k] > *hi ? hs[k] : *hi;
    }
    for (; i < n; i++) {
        *lo = x[i] < *lo ? x[i] : *lo;
        *hi = x[i] > *hi ? x[i] : *hi;
    }
}

/* 32 floats at a time: divided (not multiplied by a reciprocal, which
 * rounds differently), clamped, rounded half to even by cvtps (the
 * default MXCSR mode), offset and packed to bytes. */
AVX2 size_t kern__quantize_avx2(const float *x, size_t n, float scale,
                                uint8_t zp, uint8_t *y)
{
    const __m256 s = _mm256_set1_ps(scale);
    const __m256 lo = _mm256_set1_ps(0.f - zp), hi = _mm256_set1_ps(255.f - zp);
    const __m256i z = _mm256_set1_epi32(zp);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i q[4];
        for (int k = 0; k < 4; k++) {
            __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * k), s);
            v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
            q[k] = _mm256_add_epi32(_mm256_cvtps_epi32(v), z);
        }
        __m256i ab = _mm256_packus_epi32(q[0], q[1]);
        __m256i cd = _mm256_packus_epi32(q[2], q[3]);
        __m256i b = _mm256_packus_epi16(ab, cd);
        _mm256_storeu_si256((__m256i *)(y + i),
                            _mm256_permutevar8x32_epi32(b, order));
    }
    return i;
}

AVX2 int kern__qeven_avx2(const uint8_t *s, int n, uint8_t *dst)
{
    const __m256i even = _mm256_setr_epi8(
        0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1,
        0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(s + 2 * i));
        v = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, even), 0x08);
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_castsi256_si128(v));
    }
    return i;
}
