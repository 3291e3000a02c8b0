/*
 * kern_int8.h - integer convolution for quantized models (internal to
 * src/infer/): x is float, quantized to uint8 the way ONNX's
 * DynamicQuantizeLinear does it, convolved with 8-bit weights in exact
 * int32 arithmetic, and brought back to float as ONNX Runtime's
 * Cast -> Mul(scale) -> Add(bias) would, then the fused activation.
 *
 * The int32 dot product runs on AVX-512 VNNI (vpdpbusd, uint8 x int8),
 * AVX2 (both widened to int16 and summed by vpmaddwd: vpmaddubsw would
 * saturate pairs of 255 * -128 in int16) or scalar code, chosen at run
 * time like the float kernels (kern_internal.h). All three give the same
 * int32 sums, so results do not depend on the CPU.
 */
#ifndef AVP_INFER_KERN_INT8_H
#define AVP_INFER_KERN_INT8_H

#include <stddef.h>
#include <stdint.h>

#include "infer/kernels.h"

/* Pixels of the output one task packs and multiplies at a time. */
#define KERN_Q_CHUNK 64

typedef struct kern_qconv {
    kern_conv_t conv;       /* shapes, groups, fused activation */
    const int8_t *w;        /* [c_out][kern_qconv_kpad(K)] from _pack */
    const int64_t *terms;   /* [2][c_out] from _pack */
    const float *w_scale;   /* [c_out] */
    const float *bias;      /* [c_out] */
    /* QDQ: x quantized with these (uint8 domain) instead of its range. */
    int static_x;
    float x_scale;
    uint8_t x_zp;
} kern_qconv_t;

/* K (c_in/groups * k_h * k_w) rounded up to the 4 bytes vpdpbusd sums. */
int kern_qconv_kpad(int k);

/* Packs m rows of k weights (uint8 if is_u8, else int8; zero points zp,
 * one per row if zp_per_row, NULL for 0) into packed [m][kpad] int8 and
 * terms [2][m]. uint8 weights are stored minus 128, so that
 *   sum (x - x_zp)(w - w_zp) = sum x * packed + terms[0] * sum x
 *                              - x_zp * terms[1]
 * with terms[0] = (is_u8 ? 128 : 0) - w_zp, terms[1] = sum (w - w_zp). */
void kern_qconv_pack(const void *w, int is_u8, const void *zp, int zp_per_row,
                     int m, int k, int8_t *packed, int64_t *terms);

/* Bytes of scratch kern_qconv() needs with `threads` tasks. */
size_t kern_qconv_scratch(const kern_qconv_t *q, int threads);

/* y = act(float(conv_int(quant(x), w)) * (x_scale * w_scale) + bias),
 * every frame of q->conv.n quantized on its own. */
void kern_qconv(const kern_qconv_t *q, const float *x, float *y,
                void *scratch, tpool_t *tp);

/* DynamicQuantizeLinear of x[0..n) into y, as ONNX Runtime computes it:
 * the range widened to include 0 (NaN ignored), scale = range / 255 (1
 * for an all-zero x), zero point = -min / scale rounded half to even and
 * saturated to [0, 255], then kern_quantize_u8(). */
void kern_dynq_quantize(const float *x, size_t n, uint8_t *y, float *scale,
                        uint8_t *zp, tpool_t *tp);

/* QuantizeLinear then DequantizeLinear with the same constants:
 * y = (saturate(round_half_even(x / scale) + zp) - zp) * scale, saturated
 * to [lo, hi] (0..255 or -128..127). */
void kern_fake_quant(const float *x, size_t n, float scale, int zp, int lo,
                     int hi, float *y, tpool_t *tp);

/* y = saturate(round_half_even(x / scale) + zp) to [0, 255]. */
void kern_quantize_u8(const float *x, size_t n, float scale, uint8_t zp,
                      uint8_t *y);

/* The int32 dot products of `rows` (<= 4) packed weight rows with one
 * packed chunk xp ([kpad / 4][KERN_Q_CHUNK][4] bytes) into
 * acc[rows][KERN_Q_CHUNK]; per instruction set, for kern_int8.c and the
 * tests. */
void kern__qdot_scalar(const int8_t *w, int kpad, int rows, const uint8_t *xp,
                       int32_t *acc);
void kern__qdot_avx2(const int8_t *w, int kpad, int rows, const uint8_t *xp,
                     int32_t *acc);
void kern__qdot_vnni(const int8_t *w, int kpad, int rows, const uint8_t *xp,
                     int32_t *acc);
int kern__have_vnni(void); /* the CPU has it and kern__isa() allows it */

/* Packing: four rows of KERN_Q_CHUNK bytes interleaved into dst
 * ([CHUNK][4]), each pixel's four bytes added to colsum[pixel]. */
void kern__qinterleave_scalar(const uint8_t *const *r, uint8_t *dst,
                              int32_t *colsum);
void kern__qinterleave_avx2(const uint8_t *const *r, uint8_t *dst,
                            int32_t *colsum);
/* y[j] = float(acc[j] + cw * colsum[j] - off) * scale for j < np. */
void kern__qfinish_scalar(const int32_t *acc, const int32_t *colsum, int np,
                          int32_t cw, int32_t off, float scale, float *y);
void kern__qfinish_avx2(const int32_t *acc, const int32_t *colsum, int np,
                        int32_t cw, int32_t off, float scale, float *y);
/* dst[i] = s[2 * i] for the leading multiple of 16 of n; returns it. Reads
 * one byte past s[2 * (n - 1)]: the quantized frame is followed by the
 * chunk buffers in kern_qconv()'s scratch. */
int kern__qeven_avx2(const uint8_t *s, int n, uint8_t *dst);
/* The AVX2 quantization: min and max folded into *lo, *hi; quantize
 * returns how many leading elements it did (the rest are scalar). */
void kern__minmax_avx2(const float *x, size_t n, float *lo, float *hi);
size_t kern__quantize_avx2(const float *x, size_t n, float scale, uint8_t zp,
                           uint8_t *y);

#endif
