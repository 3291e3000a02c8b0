/*
 * kern_depthwise_rows.h - the vector rows of kern_depthwise.c, written
 * once for both vector widths: kern_depthwise.c includes it for AVX2 (8
 * lanes) and kern_depthwise512.c for AVX-512 (16 lanes), each after
 * defining
 *
 *   DW_LANES             floats per vector
 *   DW_VEC               the vector type
 *   DW_INLINE            the target's always-inline function attributes
 *   DW_TARGET            the target attribute of the row entry point
 *   DW_ROW               the entry point's name
 *   DW_SET1(f), DW_ZERO(), DW_ADD(a, b), DW_FMADD(a, b, c)
 *   DW_LOAD(p)           DW_LANES consecutive floats
 *   DW_EVEN(a, b)        lanes 0, 2, ... of the 2 * DW_LANES floats a:b
 *   DW_ACT(v, act, alpha, beta)
 *   DW_STORE(out, n, v)  the first n (>= 1; all if >= DW_LANES) lanes of v
 *
 * and only DW_ROW is visible outside the including file. A line must
 * hold DW_LANES * stride floats past a vector's first tap
 * (kern_depthwise.c's line_len() reserves them for the widest path).
 */

/* DW_LANES consecutive taps at stride 1, or the even ones of twice as
 * many at stride 2. */
DW_INLINE DW_VEC dw_taps(const float *s, int stride)
{
    if (stride == 1)
        return DW_LOAD(s);
    return DW_EVEN(DW_LOAD(s), DW_LOAD(s + DW_LANES));
}

/* nv (<= 4) vectors of outputs from column ow: taps, bias, activation,
 * store (masked past w_out). With fewer than 3 vectors the rows of the
 * window accumulate separately, so there are always several independent
 * FMA chains. kh_n, kw_n, s and dil are compile-time constants in the
 * specialized rows below; the loops unroll and acc[][] lives in
 * registers. Each output sums its taps in the same order on every path. */
DW_INLINE void dw_vectors(const kern_conv_t *p, const float *const *lines,
                          const float *wk, float bias, float *out, int ow, int nv,
                          int kh_n, int kw_n, int s, int dil)
{
    const int chains = nv >= 3 ? 1 : nv == 2 ? 2 : 3;
    DW_VEC acc[4][3];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        acc[v][0] = DW_SET1(bias);
        acc[v][1] = acc[v][2] = DW_ZERO();
    }
#pragma GCC unroll 7
    for (int kh = 0; kh < kh_n; kh++) {
        if (!lines[kh])
            continue;
        const float *row = lines[kh] + ow * s;
        int c = kh % chains;
#pragma GCC unroll 7
        for (int kw = 0; kw < kw_n; kw++) {
            DW_VEC wv = DW_SET1(wk[kh * kw_n + kw]);
            const float *t = row + kw * dil;
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[v][c] = DW_FMADD(dw_taps(t + v * DW_LANES * s, s), wv, acc[v][c]);
        }
    }
    const DW_VEC alpha = DW_SET1(p->act.alpha), beta = DW_SET1(p->act.beta);
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        DW_VEC sum = acc[v][0];
        if (chains > 1)
            sum = DW_ADD(sum, acc[v][1]);
        if (chains > 2)
            sum = DW_ADD(sum, acc[v][2]);
        DW_VEC r = DW_ACT(sum, p->act.act, alpha, beta);
        int o = ow + v * DW_LANES;
        DW_STORE(out + o, p->w_out - o, r);
    }
}

/* Groups of 4 vectors, then one group of the 1-4 left (the last one
 * partial). */
DW_INLINE void dw_row(const kern_conv_t *p, const float *const *lines, const float *wk,
                      float bias, float *out, int kh_n, int kw_n, int s, int dil)
{
    int ow = 0;
    for (; ow + 4 * DW_LANES <= p->w_out; ow += 4 * DW_LANES)
        dw_vectors(p, lines, wk, bias, out, ow, 4, kh_n, kw_n, s, dil);
    switch ((p->w_out - ow + DW_LANES - 1) / DW_LANES) {
    case 4: dw_vectors(p, lines, wk, bias, out, ow, 4, kh_n, kw_n, s, dil); break;
    case 3: dw_vectors(p, lines, wk, bias, out, ow, 3, kh_n, kw_n, s, dil); break;
    case 2: dw_vectors(p, lines, wk, bias, out, ow, 2, kh_n, kw_n, s, dil); break;
    case 1: dw_vectors(p, lines, wk, bias, out, ow, 1, kh_n, kw_n, s, dil); break;
    }
}

/* Specialized copies for the 3x3 and 5x5 undilated kernels of YOLO
 * models; anything else runs the same code with run-time sizes. */
DW_TARGET void DW_ROW(const kern_conv_t *p, const float *const *lines, const float *wk,
                      float bias, float *out)
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
