/*
 * kern_gemm.c - the AVX-512 GEMM behind convolutions: y = act(w * b +
 * bias) (+ residual), with w packed once at load and the whole epilogue
 * applied in registers before the single store.
 *
 * Why not OpenBLAS here: profiled on YOLOX-Nano, OpenBLAS spent a quarter
 * of its time outside the FMA kernel: packing the same weights again on
 * every call (itcopy), zeroing C first (beta), and the separate bias +
 * activation pass read the output once more. Weights packed at load, a
 * register tile that starts from zero, and an epilogue on the
 * accumulators remove all three.
 *
 * Layout: w is packed in panels of GEMM_MR output channels; panel p holds,
 * for each k, its GEMM_MR weights side by side (rows past m are zeros), so
 * the micro-kernel reads one contiguous stream and broadcasts each weight
 * straight from memory. b is row-major [k, n] with row stride ldb (NCHW
 * planes or an im2col block), read in GEMM_NR-column tiles; a tile's
 * columns past n are masked, never read or written.
 */
#include "infer/kern_internal.h"
#include "infer/kern_simd.h"

#define GEMM_MR 8
#define GEMM_NV 3                   /* vectors of 16 floats per tile row */
#define GEMM_NR (GEMM_NV * 16)

size_t kern__gemm_packed_floats(int m, int k)
{
    return (size_t)((m + GEMM_MR - 1) / GEMM_MR) * GEMM_MR * (size_t)k;
}

void kern__gemm_pack(int m, int k, const float *w, float *packed)
{
    int panels = (m + GEMM_MR - 1) / GEMM_MR;
    for (int p = 0; p < panels; p++)
        for (int kk = 0; kk < k; kk++)
            for (int r = 0; r < GEMM_MR; r++) {
                int row = p * GEMM_MR + r;
                *packed++ = row < m ? w[(size_t)row * k + kk] : 0.0f;
            }
}

/* The mask of lanes [lo, hi) of a vector (clamped to 0..16). */
KERN_AVX512_INLINE __mmask16 tile_lanes(int lo, int hi)
{
    lo = lo < 0 ? 0 : lo;
    hi = hi > 16 ? 16 : hi;
    return hi <= lo ? 0 : (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
}

/* Masks of the tile's three vectors for `cols` valid columns (<= NR). */
KERN_AVX512_INLINE void tile_masks(int cols, __mmask16 *mk)
{
    for (int v = 0; v < GEMM_NV; v++) {
        int c = cols - 16 * v;
        mk[v] = c >= 16 ? (__mmask16)0xffff : c <= 0 ? 0 : (__mmask16)((1u << c) - 1);
    }
}

/* Stores rows [0, rows) of the accumulators after bias, activation and
 * the residual. `act` is the caller's constant. The row loop runs to the
 * constant GEMM_MR so that, unrolled, every accumulator index is constant
 * and the tile never leaves the registers. */
KERN_AVX512_INLINE void tile_store(const kern_gemm_t *g, __m512 acc[GEMM_MR][GEMM_NV],
                                   int m0, int rows, size_t n0, const __mmask16 *mk,
                                   kern_act_t act, int nv)
{
    const __m512 alpha = _mm512_set1_ps(g->act.alpha), beta = _mm512_set1_ps(g->act.beta);
#pragma GCC unroll 8
    for (int r = 0; r < GEMM_MR; r++) {
        if (r >= rows)
            break;
        __m512 bias = _mm512_set1_ps(g->bias ? g->bias[m0 + r] : 0.0f);
        float *y = g->y + (size_t)(m0 + r) * g->ldy + n0;
        const float *res = g->res ? g->res + (size_t)(m0 + r) * g->ldy + n0 : NULL;
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) {
            __m512 o = kern_act16(_mm512_add_ps(acc[r][v], bias), act, alpha, beta);
            if (res)
                o = _mm512_add_ps(o, _mm512_maskz_loadu_ps(mk[v], res + 16 * v));
            _mm512_mask_storeu_ps(y + 16 * v, mk[v], o);
        }
    }
}

KERN_AVX512_INLINE void tile_zero(__m512 acc[GEMM_MR][GEMM_NV])
{
#pragma GCC unroll 8
    for (int r = 0; r < GEMM_MR; r++)
#pragma GCC unroll 3
        for (int v = 0; v < GEMM_NV; v++)
            acc[r][v] = _mm512_setzero_ps();
}

/* One k step: acc[r] += a[r] * b for the tile's rows, on nv (constant)
 * vectors of b, each weight broadcast straight from the packed panel. */
KERN_AVX512_INLINE void tile_update(__m512 acc[GEMM_MR][GEMM_NV], const float *a,
                                    const __m512 *bv, int nv)
{
#pragma GCC unroll 8
    for (int r = 0; r < GEMM_MR; r++) {
        __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++)
            acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
}

/* One GEMM_MR x GEMM_NR tile over the whole depth: the 24 accumulators
 * stay in registers, each k step loads three vectors of b and broadcasts
 * eight weights. `full` (constant) drops the masks from the loads of
 * tiles with all GEMM_NR columns. */
KERN_AVX512_INLINE void tile(const kern_gemm_t *g, const float *a, int m0,
                             int rows, int n0, int cols, kern_act_t act, int full)
{
    __mmask16 mk[GEMM_NV];
    tile_masks(cols, mk);
    __m512 acc[GEMM_MR][GEMM_NV];
    tile_zero(acc);
    const float *b = g->b + n0;
    for (int kk = 0; kk < g->k; kk++, a += GEMM_MR, b += g->ldb) {
        __m512 bv[GEMM_NV];
#pragma GCC unroll 3
        for (int v = 0; v < GEMM_NV; v++)
            bv[v] = full ? _mm512_loadu_ps(b + 16 * v)
                         : _mm512_maskz_loadu_ps(mk[v], b + 16 * v);
        tile_update(acc, a, bv, GEMM_NV);
    }
    tile_store(g, acc, m0, rows, (size_t)n0, mk, act, GEMM_NV);
}

/* Column tiles outside, weight panels inside: a tile's k x NR slice of b
 * is read from cache by every panel. */
KERN_AVX512_INLINE void gemm_act(const kern_gemm_t *g, kern_act_t act)
{
    for (int n0 = 0; n0 < g->n; n0 += GEMM_NR) {
        int cols = g->n - n0 < GEMM_NR ? g->n - n0 : GEMM_NR;
        const float *a = g->packed;
        for (int m0 = 0; m0 < g->m; m0 += GEMM_MR, a += (size_t)GEMM_MR * g->k) {
            int rows = g->m - m0 < GEMM_MR ? g->m - m0 : GEMM_MR;
            if (cols == GEMM_NR)
                tile(g, a, m0, rows, n0, cols, act, 1);
            else
                tile(g, a, m0, rows, n0, cols, act, 0);
        }
    }
}

/* One copy of the loops per activation, so the epilogue's switch folds
 * away (the activations YOLO exports fuse into convs, and the rest). */
KERN_AVX512 static void gemm_avx512(const kern_gemm_t *g)
{
    switch (g->act.act) {
    case KERN_ACT_NONE: gemm_act(g, KERN_ACT_NONE); break;
    case KERN_ACT_SILU: gemm_act(g, KERN_ACT_SILU); break;
    case KERN_ACT_SIGMOID: gemm_act(g, KERN_ACT_SIGMOID); break;
    case KERN_ACT_RELU: gemm_act(g, KERN_ACT_RELU); break;
    default: gemm_act(g, g->act.act); break;
    }
}

int kern__gemm_usable(void)
{
    return kern__isa() >= KERN_ISA_AVX512;
}

void kern__gemm(const kern_gemm_t *g)
{
    gemm_avx512(g);
}

/* The direct 3x3 stride-1 conv: the same register tile and epilogue, with
 * b read straight from the input rows instead of an im2col matrix. A tile
 * is up to NR columns of one output row; tap (c, kh, kw) of its columns
 * is a contiguous run of input row oh - pad_top + kh, shifted by kw, and
 * the lanes that fall in the left or right padding are masked off. Rows
 * of taps in the top or bottom padding are skipped with their weights. */
KERN_AVX512_INLINE void direct_tile(const kern_direct_t *d, const float *a, int m0,
                                    int rows, int oh, int ow0, int cols, kern_act_t act,
                                    int nv)
{
    const kern_conv_t *p = d->p;
    __mmask16 mk[3][GEMM_NV];
    int left = ow0 - p->pad_left;
    for (int kw = 0; kw < 3; kw++)
        for (int v = 0; v < nv; v++) {
            int lo = -(left + kw + 16 * v), hi = p->w_in - (left + kw + 16 * v);
            hi = hi < cols - 16 * v ? hi : cols - 16 * v;
            mk[kw][v] = tile_lanes(lo, hi);
        }
    __m512 acc[GEMM_MR][GEMM_NV];
    tile_zero(acc);
    size_t plane = (size_t)p->h_in * p->w_in;
    int kh0 = p->pad_top - oh > 0 ? p->pad_top - oh : 0;
    int kh1 = p->h_in + p->pad_top - oh < 3 ? p->h_in + p->pad_top - oh : 3;
    for (int c = 0; c < p->c_in; c++) {
        for (int kh = kh0; kh < kh1; kh++) {
            const float *row = d->x + c * plane +
                               (size_t)(oh - p->pad_top + kh) * p->w_in + left;
            const float *ak = a + (size_t)((c * 3 + kh) * 3) * GEMM_MR;
            /* Not unrolled: with the three taps' loads in flight at once
             * the 24 accumulators no longer fit in the registers. */
#pragma GCC unroll 1
            for (int kw = 0; kw < 3; kw++) {
                __m512 bv[GEMM_NV];
#pragma GCC unroll 3
                for (int v = 0; v < nv; v++)
                    bv[v] = _mm512_maskz_loadu_ps(mk[kw][v], row + kw + 16 * v);
                tile_update(acc, ak + kw * GEMM_MR, bv, nv);
            }
        }
    }
    __mmask16 out[GEMM_NV];
    tile_masks(cols, out);
    kern_gemm_t g = {
        .bias = d->bias, .res = d->res, .y = d->y,
        .ldy = (size_t)p->h_out * p->w_out, .act = p->act,
    };
    tile_store(&g, acc, m0, rows, (size_t)oh * p->w_out + ow0, out, act, nv);
}

/* Output rows [r0, r1): per row, tiles of NR columns and a last one of
 * as many vectors as its columns need; weight panels innermost. */
KERN_AVX512_INLINE void direct_rows(const kern_direct_t *d, int r0, int r1, kern_act_t act)
{
    const kern_conv_t *p = d->p;
    size_t panel = (size_t)GEMM_MR * p->c_in * 9;
    for (int oh = r0; oh < r1; oh++)
        for (int ow0 = 0; ow0 < p->w_out; ow0 += GEMM_NR) {
            int cols = p->w_out - ow0 < GEMM_NR ? p->w_out - ow0 : GEMM_NR;
            int nv = (cols + 15) / 16;
            const float *a = d->packed;
            for (int m0 = 0; m0 < p->c_out; m0 += GEMM_MR, a += panel) {
                int rows = p->c_out - m0 < GEMM_MR ? p->c_out - m0 : GEMM_MR;
                if (nv == 3)
                    direct_tile(d, a, m0, rows, oh, ow0, cols, act, 3);
                else if (nv == 2)
                    direct_tile(d, a, m0, rows, oh, ow0, cols, act, 2);
                else
                    direct_tile(d, a, m0, rows, oh, ow0, cols, act, 1);
            }
        }
}

KERN_AVX512 static void direct_avx512(const kern_direct_t *d, int r0, int r1)
{
    switch (d->p->act.act) {
    case KERN_ACT_NONE: direct_rows(d, r0, r1, KERN_ACT_NONE); break;
    case KERN_ACT_SILU: direct_rows(d, r0, r1, KERN_ACT_SILU); break;
    default: direct_rows(d, r0, r1, d->p->act.act); break;
    }
}

int kern__conv3x3_fits(const kern_conv_t *p)
{
    return p->k_h == 3 && p->k_w == 3 && p->stride_h == 1 && p->stride_w == 1 &&
           p->dil_h == 1 && p->dil_w == 1 && p->groups == 1 &&
           p->w_out >= KERN_DIRECT_MIN_WIDTH;
}

void kern__conv3x3_rows(const kern_direct_t *d, int r0, int r1)
{
    direct_avx512(d, r0, r1);
}
