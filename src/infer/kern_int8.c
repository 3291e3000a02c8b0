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

void kern_dynq_params(const float *x, size_t n, float *scale, uint8_t *zp)
{
    float lo = 0.f, hi = 0.f;
    for (size_t i = 0; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    *scale = hi == lo ? 1.f : (hi - lo) / 255.f;
    float z = 0.f - lo / *scale;
    z = z < 0.f ? 0.f : z > 255.f ? 255.f : z;
    *zp = (uint8_t)nearbyintf(z);
}

void kern_quantize_u8(const float *x, size_t n, float scale, uint8_t zp,
                      uint8_t *y)
{
    /* Clamped before rounding, as MLAS does: the bounds are integers, so
     * this is saturate(round(x / scale) + zp) without int overflow. */
    float lo = 0.f - zp, hi = 255.f - zp;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] / scale;
        v = v < lo ? lo : v > hi ? hi : v;
        y[i] = (uint8_t)((int)nearbyintf(v) + zp);
    }
}

/* ---- scalar dot ----------------------------------------------------- */

void kern__qdot_scalar(const int8_t *w, int kpad, int rows, const uint8_t *xp,
                       int32_t *acc)
{
    for (int r = 0; r < rows; r++) {
        int32_t *a = acc + r * KERN_Q_CHUNK;
        memset(a, 0, KERN_Q_CHUNK * sizeof(int32_t));
        for (int k4 = 0; k4 < kpad / 4; k4++) {
            const int8_t *wk = w + (size_t)r * kpad + k4 * 4;
            const uint8_t *xk = xp + (size_t)k4 * KERN_Q_CHUNK * 4;
            for (int p = 0; p < KERN_Q_CHUNK; p++)
                a[p] += xk[p * 4] * wk[0] + xk[p * 4 + 1] * wk[1] +
                        xk[p * 4 + 2] * wk[2] + xk[p * 4 + 3] * wk[3];
        }
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

/* One row of im2col for input channel c, tap (ky, kx), over the chunk's
 * pixels [p0, p0 + np): padding reads as the zero point. */
static void im2col_row(const kern_conv_t *p, const uint8_t *qc, int ky,
                       int kx, int p0, int np, uint8_t zp, uint8_t *row)
{
    int oy = p0 / p->w_out, ox = p0 % p->w_out;
    for (int j = 0; j < np; j++) {
        int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
        row[j] = iy >= 0 && iy < p->h_in && ix >= 0 && ix < p->w_in
                 ? qc[(size_t)iy * p->w_in + ix] : zp;
        if (++ox == p->w_out) {
            ox = 0;
            oy++;
        }
    }
}

/* The chunk of group gi at pixel p0 into xp ([kpad/4][CHUNK][4]), with
 * the sum of each pixel's column (real K only) in colsum. */
static void pack_chunk(const qconv_task_t *t, int gi, int p0, int np,
                       uint8_t *xp, int32_t *colsum)
{
    const kern_conv_t *p = &t->q->conv;
    int cg = p->c_in / p->groups, taps = p->k_h * p->k_w;
    size_t plane = (size_t)p->h_in * p->w_in;
    uint8_t row[KERN_Q_CHUNK];
    memset(xp, 0, (size_t)t->kpad * KERN_Q_CHUNK);
    memset(colsum, 0, KERN_Q_CHUNK * sizeof(int32_t));
    for (int k = 0; k < cg * taps; k++) {
        int c = gi * cg + k / taps, tap = k % taps;
        im2col_row(p, t->qx + (size_t)c * plane, tap / p->k_w, tap % p->k_w,
                   p0, np, (uint8_t)t->x_zp, row);
        uint8_t *dst = xp + (size_t)(k >> 2) * KERN_Q_CHUNK * 4 + (k & 3);
        for (int j = 0; j < np; j++) {
            dst[j * 4] = row[j];
            colsum[j] += row[j];
        }
    }
}

/* acc -> float: corrections, then x_scale * w_scale as ORT's Mul, then
 * bias and activation as its Add and the ops after. */
static void epilogue(const qconv_task_t *t, int o, const int32_t *acc,
                     const int32_t *colsum, int np, float *y)
{
    const kern_qconv_t *q = t->q;
    int m = q->conv.c_out;
    int64_t cw = q->terms[o], sw = q->terms[m + o];
    float s = t->x_scale * q->w_scale[o];
    for (int j = 0; j < np; j++) {
        int64_t v = acc[j] + cw * colsum[j] - (int64_t)t->x_zp * sw;
        y[j] = (float)(int32_t)v * s;
    }
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
    };
    t.buf_bytes = chunk_bytes(t.kpad);
    t.ntasks = tpool_threads(tp) < t.chunks ? tpool_threads(tp) : t.chunks;
    for (int f = 0; f < p->n; f++) {
        uint8_t zp;
        kern_dynq_params(x + f * in, in, &t.x_scale, &zp);
        kern_quantize_u8(x + f * in, in, t.x_scale, zp, base);
        t.x_zp = zp;
        t.y = y + f * out;
        tpool_run(tp, t.ntasks, qconv_task, &t);
    }
}
