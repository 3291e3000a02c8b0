/*
 * kern_internal.h - what the kern_*.c files share with each other (and with
 * their tests), beyond the contract in kernels.h: the CPU dispatch switch,
 * the fused bias+activation used by every conv path, and the vectorized
 * exp that activations, Exp and Softmax share.
 */
#ifndef AVP_INFER_KERN_INTERNAL_H
#define AVP_INFER_KERN_INTERNAL_H

#include <stddef.h>

#include "infer/kernels.h"

/* Most dims a shape may have (kernels.h: "<= 8"). */
#define KERN_MAX_DIMS 8

/* Instruction-set levels, each including the ones below. AVX-512 is used
 * only where it measured faster than AVX2 on AMD Zen 4 (the activations);
 * everything else tops out at AVX2+FMA. */
enum { KERN_ISA_SCALAR = 0, KERN_ISA_AVX2 = 1, KERN_ISA_AVX512 = 2 };

/* The level in use: what the CPU has, capped by the environment at
 * kern_init() (AVP_NO_AVX2=1: scalar; AVP_NO_AVX512=1: AVX2) or by
 * kern__force_isa(). */
int kern__isa(void);
int kern__use_avx2(void); /* kern__isa() >= KERN_ISA_AVX2 */

/* Caps the level, so tests run every path on the best machine;
 * kern__force_isa(KERN_ISA_AVX512) lifts the cap. Not thread-safe against
 * running kernels. */
void kern__force_isa(int max_isa);

/* Opens OpenBLAS and pins it to one thread, the first time it succeeds
 * (kern_init() calls it; later calls return at once). AVP_EUNAVAILABLE
 * "cannot load libopenblas.so.0: <dlerror>" when it is missing; a later
 * call tries again. Safe to call from any thread. */
int kern__blas_open(avp_error_t *err);

/* For tests only: the soname kern__blas_open() opens next (NULL: the real
 * "libopenblas.so.0"), so that a test can see a missing OpenBLAS fail a
 * model load. No effect once OpenBLAS is open. */
void kern__blas_soname(const char *soname);

/* c = a * b, row-major, a m x k, b k x n: cblas_sgemm of the OpenBLAS
 * opened by kern__blas_open(), which must have succeeded (kern_blas.c says
 * why it is not linked). */
void kern__sgemm(int m, int n, int k, const float *a, int lda, const float *b,
                 int ldb, float *c, int ldc);

/* y[i] = act(y[i] + bias) for n contiguous floats: the epilogue every conv
 * runs on a block of its output while it is still in cache. */
void kern__bias_act(float *y, size_t n, float bias, const kern_act_params_t *a);

/* y[i] = exp(x[i]); x and y may be the same array. */
void kern__exp(const float *x, float *y, size_t n);

/* The depthwise convolution (groups == c_in == c_out) behind
 * kern_conv2d(): direct loops, no scratch, for shapes where
 * kern__depthwise_fits() (windows spanning up to 8 input rows, rows up
 * to ~2K floats; others run as a grouped GEMM). */
int kern__depthwise_fits(const kern_conv_t *p);
void kern__depthwise(const kern_conv_t *p, const float *x, const float *w,
                     const float *bias, float *y, tpool_t *tp);
/* One output row of it on AVX-512 (kern_depthwise512.c), stride 1 or 2:
 * lines[kh] is the zero-padded input row under tap row kh (NULL in the
 * padding), wk the channel's weights. */
void kern__dw_row_avx512(const kern_conv_t *p, const float *const *lines,
                         const float *wk, float bias, float *out);

/* The packed-weight GEMM of kern_gemm.c (AVX-512 only; callers check
 * kern__gemm_usable() and otherwise use kern__sgemm()): rows [0, m) of
 * y = act(w * b + bias) + res, w [m, k] given as kern__gemm_pack() made
 * it, b [k, n] with row stride ldb, y and res [m, n] with row stride ldy.
 * bias and res may be NULL. Each output is summed over k in order, so a
 * value does not depend on where its tile falls. */
typedef struct kern_gemm {
    int m, n, k;
    const float *packed, *b, *bias, *res;
    size_t ldb, ldy;
    float *y;
    kern_act_params_t act;
} kern_gemm_t;
size_t kern__gemm_packed_floats(int m, int k);
void kern__gemm_pack(int m, int k, const float *w, float *packed);
int kern__gemm_usable(void);
void kern__gemm(const kern_gemm_t *g);

/* The direct 3x3 stride-1 conv of kern_gemm.c (AVX-512 only, groups 1,
 * rows at least KERN_DIRECT_MIN_WIDTH wide: narrower rows fill too few
 * lanes of its tiles and go through im2col): output rows [r0, r1) of one
 * image, weights as kern__gemm_pack() laid them out, bias, activation and
 * residual in the epilogue. Pointers are the image's; bias and res may be
 * NULL. Each output sums its taps in the order im2col would, so a value
 * does not depend on where its tile falls. */
#define KERN_DIRECT_MIN_WIDTH 32
typedef struct kern_direct {
    const kern_conv_t *p;
    const float *x, *packed, *bias, *res;
    float *y;
} kern_direct_t;
int kern__conv3x3_fits(const kern_conv_t *p);
void kern__conv3x3_rows(const kern_direct_t *d, int r0, int r1);

/* col[K, (r1-r0)*w_out]: the im2col matrix of output rows [r0, r1) of
 * one (image, group) of conv p; x points at the group's first input
 * channel (kern_im2col.c). */
void kern__im2col(const kern_conv_t *p, const float *x, int r0, int r1, float *col);

/* Splits n items into `parts` nearly equal ranges: range `i` is
 * [*begin, *end). */
static inline void kern__range(size_t n, int parts, int i, size_t *begin,
                               size_t *end)
{
    size_t q = n / (size_t)parts, r = n % (size_t)parts, k = (size_t)i;
    *begin = k * q + (k < r ? k : r);
    *end = *begin + q + (k < r ? 1 : 0);
}

/* How many tasks a streaming (memory bound) loop over n floats should use:
 * one per thread, but never tasks of less than ~16K floats, where waking a
 * helper costs more than it saves. */
int kern__stream_tasks(size_t n, tpool_t *tp);

#endif
