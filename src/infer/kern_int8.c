/* kern_int8.c - the integer convolution of kern_int8.h: quantization of
 * the input, packing of output chunks (im2col into the 4-byte interleaved
 * layout the dot kernels read), and the float epilogue. The dot kernels
 * themselves are in kern_int8_x86.c beside the scalar one here. */
#include "infer/kern_int8.h"
#include "infer/kern_internal.h"

#include <math.h>
#include <string.h>

#define ALIGN 64
#define ROWS 4 /* weight rows per dot kernel call */

int kern_qconv_kpad(int k)
{
    return (k + 3) & ~3;
}

void kern_qconv_pack(const void *w, int is_u8, const void *zp, int zp_per_row,
                     int m, int k, int8_t *packed, int64_t *terms)
{
    int kpad = kern_qconv_kpad(k), off = is_u8 ? 128 : 0;
    for (int o = 0; o < m; o++) {
        int z = 0;
        if (zp)
            z = is_u8 ? ((const uint8_t *)zp)[zp_per_row ? o : 0]
                      : ((const int8_t *)zp)[zp_per_row ? o : 0];
        int64_t sum = 0;
        for (int i = 0; i < kpad; i++) {
            int v = 0;
            if (i < k) {
                v = is_u8 ? ((const uint8_t *)w)[(size_t)o * k + i]
                          : ((const int8_t *)w)[(size_t)o * k + i];
                sum += v - z;
            }
            packed[(size_t)o * kpad + i] = (int8_t)(i < k ? v - off : 0);
        }
        terms[o] = off - z;
        terms[m + o] = sum;
    }
}

/* ---- DynamicQuantizeLinear ------------------------------------------- */

/* Folds the min and max of x[0..n) into *lo and *hi (NaN skipped). */
static void value_range(const float *x, size_t n, float *lo, float *hi)
{
    if (kern__use_avx2()) {
        kern__minmax_avx2(x, n, lo, hi);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        *lo = x[i] < *lo ? x[i] : *lo;
        *hi = x[i] > *hi ? x[i] : *hi;
    }
}

static void dynq_from_range(float lo, float hi, float *scale, uint8_t *zp)
{
    *scale = hi == lo ? 1.f : (hi - lo) / 255.f;
    /* std::min then std::max, as ORT writes it: a NaN (0 / 0 when the
     * scale underflows) becomes 255 there and here. */
    float z = 0.f - lo / *scale;
    z = z < 255.f ? z : 255.f;
    z = 0.f < z ? z : 0.f;
    *zp = (uint8_t)nearbyintf(z);
}

void kern_quantize_u8(const float *x, size_t n, float scale, uint8_t zp,
                      uint8_t *y)
{
    /* Clamped before rounding, as MLAS does: the bounds are integers, so
     * this is saturate(round(x / scale) + zp) without int overflow. */
    float lo = 0.f - zp, hi = 255.f - zp;
    size_t i = kern__use_avx2() ? kern__quantize_avx2(x, n, scale, zp, y) : 0;
    for (; i < n; i++) {
        float v = x[i] / scale;
        v = v >= lo ? v : lo; /* NaN -> lo, as the vector max does */
        v = v > hi ? hi : v;
        y[i] = (uint8_t)((int)nearbyintf(v) + zp);
    }
}

/* ---- scalar kernels -------------------------------------------------- */

void kern__qdot_scalar(const int8_t *w, int kpad, int rows, const uint8_t *xp,
                       int32_t *acc)
{
    for (int r = 0; r < rows; r++) {
        int32_t *a = acc + r * KERN_Q_CHUNK;
        memset(a, 0, KERN_Q_CHUNK * sizeof(int32_t));
        for (int k4 = 0; k4 < kpad / 4; k4++) {
            const int8_t *wk = w + (size_t)r * kpad + k4 * 4;
            const uint8_t *xk = xp + (size_t)k4 * KERN_Q_CHUNK * 4;
            /* Wrapping like vpdpbusd: only a sum that fits int32 is
             * meaningful (as ConvInteger's is), but none may be UB. */
            for (int p = 0; p < KERN_Q_CHUNK; p++)
                a[p] = (int32_t)((uint32_t)a[p] +
                                 (uint32_t)(xk[p * 4] * wk[0] +
                                            xk[p * 4 + 1] * wk[1] +
                                            xk[p * 4 + 2] * wk[2] +
                                            xk[p * 4 + 3] * wk[3]));
        }
    }
}

void kern__qinterleave_scalar(const uint8_t *const *r, uint8_t *dst,
                              int32_t *colsum)
{
    for (int j = 0; j < KERN_Q_CHUNK; j++)
        for (int i = 0; i < 4; i++) {
            dst[j * 4 + i] = r[i][j];
            colsum[j] = (int32_t)((uint32_t)colsum[j] + r[i][j]);
        }
}

void kern__qfinish_scalar(const int32_t *acc, const int32_t *colsum, int np,
                          int32_t cw, int32_t off, float scale, float *y)
{
    for (int j = 0; j < np; j++) {
        uint32_t v = (uint32_t)acc[j] + (uint32_t)cw * (uint32_t)colsum[j] -
                     (uint32_t)off;
        y[j] = (float)(int32_t)v * scale;
    }
}

/* ---- the conv ------------------------------------------------------- */

typedef struct qconv_task {
    const kern_qconv_t *q;
    const uint8_t *qx;      /* the frame, quantized */
    float *y;               /* the frame's output */
    uint8_t *bufs;          /* per task: packed chunk, then colsum */
    size_t buf_bytes;
    float x_scale;
    int x_zp, kpad, chunks, ntasks;
    void (*dot)(const int8_t *, int, int, const uint8_t *, int32_t *);
    void (*interleave)(const uint8_t *const *, uint8_t *, int32_t *);
    void (*finish)(const int32_t *, const int32_t *, int, int32_t, int32_t,
                   float, float *);
} qconv_task_t;

static size_t chunk_bytes(int kpad)
{
    size_t b = (size_t)kpad * KERN_Q_CHUNK + KERN_Q_CHUNK * sizeof(int32_t);
    return (b + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static size_t frame_bytes(const kern_conv_t *p)
{
    size_t b = (size_t)p->c_in * (size_t)p->h_in * (size_t)p->w_in;
    return (b + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

size_t kern_qconv_scratch(const kern_qconv_t *q, int threads)
{
    const kern_conv_t *p = &q->conv;
    int k = p->c_in / p->groups * p->k_h * p->k_w;
    return ALIGN + frame_bytes(p) +
           (size_t)threads * chunk_bytes(kern_qconv_kpad(k));
}

/* n bytes src[ix0 + i * stride], the ones outside [0, w) being zp: the
 * run inside is found first so that the copy loop has no branch. */
static void strided_run(const uint8_t *src, int ix0, int stride, int w, int n,
                        uint8_t zp, uint8_t *dst)
{
    int lo = ix0 >= 0 ? 0 : (-ix0 + stride - 1) / stride;
    int hi = w - ix0 <= 0 ? 0 : (w - ix0 + stride - 1) / stride;
    lo = lo < n ? lo : n;
    hi = hi < n ? hi : n;
    hi = hi > lo ? hi : lo;
    size_t before = (size_t)lo, inside = (size_t)(hi - lo);
    memset(dst, zp, before);
    const uint8_t *s = src + ix0 + lo * stride;
    uint8_t *d = dst + before;
    size_t i = 0;
    if (stride == 1) {
        memcpy(d, s, inside);
        i = inside;
    } else if (stride == 2 && kern__use_avx2())
        i = (size_t)kern__qeven_avx2(s, (int)inside, d);
    for (; i < inside; i++)
        d[i] = s[i * (size_t)stride];
    memset(d + inside, zp, (size_t)n - before - inside);
}

/* A run of the chunk's pixels on one output row. */
typedef struct qseg {
    int oy, ox, n, j;   /* output row and column, pixels, offset in chunk */
} qseg_t;

/* The chunk's pixels [p0, p0 + np) cut at output row ends. */
static int chunk_segments(const kern_conv_t *p, int p0, int np, qseg_t *seg)
{
    int oy = p0 / p->w_out, ox = p0 % p->w_out, count = 0;
    for (int j = 0; j < np; oy++, ox = 0) {
        int n = p->w_out - ox < np - j ? p->w_out - ox : np - j;
        seg[count++] = (qseg_t){oy, ox, n, j};
        j += n;
    }
    return count;
}

/* One row of im2col for input channel c, tap (ky, kx), over the chunk's
 * segments: padding reads as the zero point. A stride-1 run inside the
 * input is copied whole. */
static void im2col_row(const kern_conv_t *p, const uint8_t *qc, int ky,
                       int kx, const qseg_t *seg, int nseg, uint8_t zp,
                       uint8_t *row)
{
    for (int s = 0; s < nseg; s++) {
        int n = seg[s].n, j = seg[s].j;
        int iy = seg[s].oy * p->stride_h - p->pad_top + ky * p->dil_h;
        int ix0 = seg[s].ox * p->stride_w - p->pad_left + kx * p->dil_w;
        const uint8_t *src = qc + (ptrdiff_t)iy * p->w_in;
        if (iy < 0 || iy >= p->h_in)
            memset(row + j, zp, (size_t)n);
        else if (p->stride_w == 1 && ix0 >= 0 && ix0 + n <= p->w_in)
            memcpy(row + j, src + ix0, (size_t)n);
        else
            strided_run(src, ix0, p->stride_w, p->w_in, n, zp, row + j);
    }
}

/* The chunk of group gi at pixel p0 into xp ([kpad/4][CHUNK][4]), with
 * the sum of each pixel's column (real K only) in colsum. A 1x1
 * stride-1 unpadded conv reads its rows straight from the input. */
static void pack_chunk(const qconv_task_t *t, int gi, int p0, int np,
                       uint8_t *xp, int32_t *colsum)
{
    const kern_conv_t *p = &t->q->conv;
    int cg = p->c_in / p->groups, taps = p->k_h * p->k_w, kk = cg * taps;
    /* Output pixel i is input pixel i only when nothing pads either end. */
    int direct = taps == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                 !p->pad_top && !p->pad_left && p->h_out == p->h_in &&
                 p->w_out == p->w_in && np == KERN_Q_CHUNK;
    size_t plane = (size_t)p->h_in * p->w_in;
    uint8_t rows[4][KERN_Q_CHUNK];
    qseg_t seg[KERN_Q_CHUNK];
    int nseg = direct ? 0 : chunk_segments(p, p0, np, seg);
    memset(colsum, 0, KERN_Q_CHUNK * sizeof(int32_t));
    memset(rows, 0, sizeof(rows));
    for (int k4 = 0; k4 < t->kpad; k4 += 4) {
        const uint8_t *r[4];
        for (int i = 0; i < 4; i++) {
            int k = k4 + i, c = gi * cg + k / taps, tap = k % taps;
            const uint8_t *qc = t->qx + (size_t)c * plane;
            if (k >= kk)
                memset(rows[i], 0, KERN_Q_CHUNK);
            else if (!direct)
                im2col_row(p, qc, tap / p->k_w, tap % p->k_w, seg, nseg,
                           (uint8_t)t->x_zp, rows[i]);
            r[i] = direct && k < kk ? qc + p0 : rows[i];
        }
        t->interleave(r, xp + (size_t)k4 * KERN_Q_CHUNK, colsum);
    }
}

/* acc -> float: corrections, then x_scale * w_scale as ORT's Mul, then
 * bias and activation as its Add and the ops after. */
static void epilogue(const qconv_task_t *t, int o, const int32_t *acc,
                     const int32_t *colsum, int np, float *y)
{
    const kern_qconv_t *q = t->q;
    int m = q->conv.c_out;
    /* The sum fits int32 (as ConvInteger's output does); the terms wrap
     * mod 2^32 on the way and come back exact. */
    int32_t cw = (int32_t)q->terms[o];
    int32_t off = (int32_t)(uint32_t)((uint64_t)t->x_zp *
                                      (uint64_t)q->terms[m + o]);
    t->finish(acc, colsum, np, cw, off, t->x_scale * q->w_scale[o], y);
    kern__bias_act(y, (size_t)np, q->bias[o], &q->conv.act);
}

static void qconv_chunk(const qconv_task_t *t, int chunk, uint8_t *xp,
                        int32_t *colsum)
{
    const kern_conv_t *p = &t->q->conv;
    int pix = p->h_out * p->w_out, per_group = (pix + KERN_Q_CHUNK - 1) /
                                               KERN_Q_CHUNK;
    int gi = chunk / per_group, p0 = chunk % per_group * KERN_Q_CHUNK;
    int np = pix - p0 < KERN_Q_CHUNK ? pix - p0 : KERN_Q_CHUNK;
    int mg = p->c_out / p->groups;
    int32_t acc[ROWS * KERN_Q_CHUNK];
    pack_chunk(t, gi, p0, np, xp, colsum);
    for (int r0 = 0; r0 < mg; r0 += ROWS) {
        int rows = mg - r0 < ROWS ? mg - r0 : ROWS, o = gi * mg + r0;
        t->dot(t->q->w + (size_t)o * t->kpad, t->kpad, rows, xp, acc);
        for (int r = 0; r < rows; r++)
            epilogue(t, o + r, acc + r * KERN_Q_CHUNK, colsum, np,
                     t->y + (size_t)(o + r) * pix + p0);
    }
}

static void qconv_task(void *ctx, int task)
{
    const qconv_task_t *t = ctx;
    uint8_t *xp = t->bufs + (size_t)task * t->buf_bytes;
    int32_t *colsum = (int32_t *)(xp + (size_t)t->kpad * KERN_Q_CHUNK);
    size_t begin, end;
    kern__range((size_t)t->chunks, t->ntasks, task, &begin, &end);
    for (size_t c = begin; c < end; c++)
        qconv_chunk(t, (int)c, xp, colsum);
}

/* DynamicQuantizeLinear of one frame over the pool: the range per task,
 * folded (min and max do not care about order), then the quantization. */
enum { QUANT_TASKS = 16 };

typedef struct quant_task {
    const float *x;
    uint8_t *y;
    size_t n;
    int ntasks;
    float lo[QUANT_TASKS], hi[QUANT_TASKS];
    float scale;
    uint8_t zp;
} quant_task_t;

static void range_task(void *ctx, int task)
{
    quant_task_t *t = ctx;
    size_t b, e;
    kern__range(t->n, t->ntasks, task, &b, &e);
    t->lo[task] = t->hi[task] = 0.f;
    value_range(t->x + b, e - b, &t->lo[task], &t->hi[task]);
}

static void quant_task(void *ctx, int task)
{
    quant_task_t *t = ctx;
    size_t b, e;
    kern__range(t->n, t->ntasks, task, &b, &e);
    kern_quantize_u8(t->x + b, e - b, t->scale, t->zp, t->y + b);
}

void kern_dynq_quantize(const float *x, size_t n, uint8_t *y, float *scale,
                        uint8_t *zp, tpool_t *tp)
{
    quant_task_t t = {.x = x, .y = y, .n = n};
    t.ntasks = kern__stream_tasks(n, tp);
    t.ntasks = t.ntasks < QUANT_TASKS ? t.ntasks : QUANT_TASKS;
    tpool_run(tp, t.ntasks, range_task, &t);
    float lo = 0.f, hi = 0.f;
    for (int i = 0; i < t.ntasks; i++) {
        lo = t.lo[i] < lo ? t.lo[i] : lo;
        hi = t.hi[i] > hi ? t.hi[i] : hi;
    }
    dynq_from_range(lo, hi, &t.scale, &t.zp);
    tpool_run(tp, t.ntasks, quant_task, &t);
    *scale = t.scale;
    *zp = t.zp;
}

static void quantize_static(const float *x, size_t n, uint8_t *y, float scale,
                            uint8_t zp, tpool_t *tp)
{
    quant_task_t t = {.x = x, .y = y, .n = n, .scale = scale, .zp = zp};
    t.ntasks = kern__stream_tasks(n, tp);
    tpool_run(tp, t.ntasks, quant_task, &t);
}

typedef struct fake_task {
    const float *x;
    float *y;
    size_t n;
    int ntasks;
    float scale, lo, hi;
} fake_task_t;

static void fake_task(void *ctx, int task)
{
    const fake_task_t *t = ctx;
    size_t b, e;
    kern__range(t->n, t->ntasks, task, &b, &e);
    for (size_t i = b; i < e; i++) {
        float v = t->x[i] / t->scale;
        v = v >= t->lo ? v : t->lo; /* NaN -> lo, as quantization does */
        v = v > t->hi ? t->hi : v;
        t->y[i] = nearbyintf(v) * t->scale;
    }
}

void kern_fake_quant(const float *x, size_t n, float scale, int zp, int lo,
                     int hi, float *y, tpool_t *tp)
{
    /* q - zp is the rounded quotient clamped to [lo - zp, hi - zp]. */
    fake_task_t t = {x, y, n, kern__stream_tasks(n, tp), scale,
                     (float)(lo - zp), (float)(hi - zp)};
    tpool_run(tp, t.ntasks, fake_task, &t);
}

void kern_qconv(const kern_qconv_t *q, const float *x, float *y,
                void *scratch, tpool_t *tp)
{
    const kern_conv_t *p = &q->conv;
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + ALIGN - 1) &
                                ~(uintptr_t)(ALIGN - 1));
    size_t in = (size_t)p->c_in * p->h_in * p->w_in;
    size_t out = (size_t)p->c_out * p->h_out * p->w_out;
    int pix = p->h_out * p->w_out;
    int k = p->c_in / p->groups * p->k_h * p->k_w;
    qconv_task_t t = {
        .q = q, .qx = base, .bufs = base + frame_bytes(p),
        .kpad = kern_qconv_kpad(k),
        .chunks = p->groups * ((pix + KERN_Q_CHUNK - 1) / KERN_Q_CHUNK),
        .dot = kern__have_vnni() ? kern__qdot_vnni
             : kern__use_avx2() ? kern__qdot_avx2 : kern__qdot_scalar,
        .interleave = kern__use_avx2() ? kern__qinterleave_avx2
                                       : kern__qinterleave_scalar,
        .finish = kern__use_avx2() ? kern__qfinish_avx2 : kern__qfinish_scalar,
    };
    t.buf_bytes = chunk_bytes(t.kpad);
    t.ntasks = tpool_threads(tp) < t.chunks ? tpool_threads(tp) : t.chunks;
    for (int f = 0; f < p->n; f++) {
        uint8_t zp = q->x_zp;
        t.x_scale = q->x_scale;
        if (q->static_x)
            quantize_static(x + f * in, in, base, q->x_scale, zp, tp);
        else
            kern_dynq_quantize(x + f * in, in, base, &t.x_scale, &zp, tp);
        t.x_zp = zp;
        t.y = y + f * out;
        tpool_run(tp, t.ntasks, qconv_task, &t);
    }
}
