/*
 * test_kern_int8.c - the integer convolution (kern_int8.c, kern_int8_x86.c)
 * against a direct scalar reference: ConvInteger's definition summed over
 * (x - x_zp)(w - w_zp) in int64 on the same quantized input, then the float
 * epilogue in ORT's order. Every dot kernel the CPU has must give the same
 * int32 sums, on odd shapes (K not a multiple of 4, pixel counts not a
 * multiple of the chunk, groups, strides, padding, dilation) and on
 * uint8/int8 weights with zero points per tensor and per channel.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "infer/kern_int8.h"
#include "infer/kern_internal.h"
#include "util/avp.h"

static uint64_t rng = 0x2545F4914F6CDD1Du;

static uint32_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* The dot kernels on random packed data, extremes included (255 x -128
 * pairs would saturate vpmaddubsw). */
static void test_kern_int8_dots_agree(void)
{
    int kpads[] = {4, 8, 28, 36, 132, 1156};
    for (size_t i = 0; i < AVP_ARRAY_LEN(kpads); i++) {
        int kpad = kpads[i];
        int8_t *w = avp_malloc((size_t)4 * kpad);
        uint8_t *xp = avp_malloc((size_t)kpad * KERN_Q_CHUNK);
        for (int j = 0; j < 4 * kpad; j++)
            w[j] = (int8_t)(j % 3 ? next() : 0x80);
        for (int j = 0; j < kpad * KERN_Q_CHUNK; j++)
            xp[j] = (uint8_t)(j % 5 ? next() : 255);
        for (int rows = 1; rows <= 4; rows++) {
            int32_t want[4 * KERN_Q_CHUNK], got[4 * KERN_Q_CHUNK];
            kern__qdot_scalar(w, kpad, rows, xp, want);
            for (int r = 0; r < rows; r++)
                for (int p = 0; p < KERN_Q_CHUNK; p++) {
                    int64_t s = 0;
                    for (int k = 0; k < kpad; k++)
                        s += xp[(k / 4) * KERN_Q_CHUNK * 4 + p * 4 + k % 4] *
                             w[r * kpad + k];
                    CHECK(want[r * KERN_Q_CHUNK + p] == s);
                }
            if (kern__use_avx2()) {
                kern__qdot_avx2(w, kpad, rows, xp, got);
                CHECK(!memcmp(got, want, (size_t)rows * KERN_Q_CHUNK * 4));
            }
            if (kern__have_vnni()) {
                kern__qdot_vnni(w, kpad, rows, xp, got);
                CHECK(!memcmp(got, want, (size_t)rows * KERN_Q_CHUNK * 4));
            }
        }
        avp_free(w), avp_free(xp);
    }
}

/* DynamicQuantizeLinear's definition on values whose results are known:
 * range [-1, 1.55] gives scale 0.01 (as float arithmetic rounds it),
 * zero point round(100) = 100; ties of x / scale go to even. */
static void test_kern_int8_dynq(void)
{
    float x[] = {-1.f, 1.55f, 0.f, 0.005f, 0.015f, 0.025f, 3.f};
    float s;
    uint8_t zp, y[7];
    kern_dynq_quantize(x, 2, y, &s, &zp, NULL);
    CHECK(s == (1.55f - -1.f) / 255.f);
    CHECK(zp == 100 && y[0] == 0 && y[1] == 255);
    kern_dynq_quantize(x + 2, 1, y, &s, &zp, NULL); /* all zero: scale 1 */
    CHECK(s == 1.f && zp == 0 && y[0] == 0);
    kern_dynq_quantize(x + 3, 1, y, &s, &zp, NULL); /* min is 0 */
    CHECK(s == 0.005f / 255.f && zp == 0 && y[0] == 255);
    kern_quantize_u8(x, 7, 0.01f, 100, y);
    CHECK(y[0] == 0 && y[1] == 255 && y[2] == 100 && y[6] == 255);
    float h[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f};
    kern_quantize_u8(h, 5, 1.f, 10, y); /* exact halves */
    CHECK(y[0] == 10 && y[1] == 12 && y[2] == 12 && y[3] == 10 && y[4] == 8);
}

/* The vector quantization against the definition, on every instruction
 * set: exact halves, values past both ends, and NaN (as the range's
 * lower end, as MLAS's max does). */
static void test_kern_int8_quantize_paths(void)
{
    enum { N = 1000 };
    float x[N];
    uint8_t got[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)((int)(next() % 801) - 400) * 0.5f;
    x[7] = NAN;
    int isas[] = {KERN_ISA_SCALAR, KERN_ISA_AVX2, KERN_ISA_AVX512};
    for (size_t k = 0; k < AVP_ARRAY_LEN(isas); k++) {
        kern__force_isa(isas[k]);
        kern_quantize_u8(x, N, 1.f, 37, got);
        for (int i = 0; i < N; i++) {
            double v = i == 7 ? -37 : fmin(fmax(x[i], -37.0), 218.0);
            CHECK(got[i] == (int)nearbyint(v) + 37);
        }
        float s;
        uint8_t zp;
        kern_dynq_quantize(x, N, got, &s, &zp, NULL);
        CHECK(s == (200.f - -200.f) / 255.f && zp == 128);
    }
    kern__force_isa(KERN_ISA_AVX512);
}

typedef struct qcase {
    int c_in, h, w, c_out, k, stride, pad, dil, groups, is_u8, per_row;
} qcase_t;

/* ConvInteger, then Cast -> Mul -> Add, written from their definitions. */
static void reference(const kern_conv_t *p, const uint8_t *qx, int xzp,
                      const uint8_t *wb, int is_u8, const int *wzp,
                      float xs, const float *ws, const float *b, float *y)
{
    int cg = p->c_in / p->groups, mg = p->c_out / p->groups;
    int kk = cg * p->k_h * p->k_w;
    for (int o = 0; o < p->c_out; o++)
        for (int oy = 0; oy < p->h_out; oy++)
            for (int ox = 0; ox < p->w_out; ox++) {
                int64_t s = 0;
                for (int c = 0; c < cg; c++)
                    for (int ky = 0; ky < p->k_h; ky++)
                        for (int kx = 0; kx < p->k_w; kx++) {
                            int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                            int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                            int ci = o / mg * cg + c;
                            int xv = iy < 0 || iy >= p->h_in || ix < 0 ||
                                     ix >= p->w_in ? xzp
                                     : qx[(ci * p->h_in + iy) * p->w_in + ix];
                            int wi = o * kk + (c * p->k_h + ky) * p->k_w + kx;
                            int wv = is_u8 ? wb[wi] : (int8_t)wb[wi];
                            s += (int64_t)(xv - xzp) * (wv - wzp[o]);
                        }
                float sc = xs * ws[o];
                y[(o * p->h_out + oy) * p->w_out + ox] = (float)s * sc + b[o];
            }
}

/* stat: x quantized with fixed constants (QDQ) rather than its range. */
static void run_case(const qcase_t *c, int stat, tpool_t *tp)
{
    /* A negative pad pads only the bottom and right, by -pad. */
    int pb = c->pad < 0 ? -c->pad : c->pad, pt = c->pad < 0 ? 0 : c->pad;
    int ho = (c->h + pt + pb - c->dil * (c->k - 1) - 1) / c->stride + 1;
    int wo = (c->w + pt + pb - c->dil * (c->k - 1) - 1) / c->stride + 1;
    kern_conv_t p = {
        .n = 2, .c_in = c->c_in, .h_in = c->h, .w_in = c->w,
        .c_out = c->c_out, .h_out = ho, .w_out = wo, .k_h = c->k, .k_w = c->k,
        .stride_h = c->stride, .stride_w = c->stride, .pad_top = pt,
        .pad_left = pt, .pad_bottom = pb, .pad_right = pb,
        .dil_h = c->dil, .dil_w = c->dil, .groups = c->groups,
    };
    int kk = c->c_in / c->groups * c->k * c->k, kpad = kern_qconv_kpad(kk);
    size_t nin = (size_t)c->c_in * c->h * c->w, nout = (size_t)c->c_out * ho * wo;
    float *x = avp_malloc(2 * nin * sizeof(float));
    float *y = avp_malloc(2 * nout * sizeof(float)), *want = avp_malloc(nout * 4);
    uint8_t *wb = avp_malloc((size_t)c->c_out * kk), zpb[64], *qx = avp_malloc(nin);
    int wzp[64];
    float ws[64], b[64];
    for (size_t i = 0; i < 2 * nin; i++)
        x[i] = (float)(next() % 20001) / 1000.f - 7.f - (i >= nin) * 3.f;
    for (int i = 0; i < c->c_out * kk; i++)
        wb[i] = (uint8_t)next();
    for (int o = 0; o < c->c_out; o++) {
        zpb[o] = (uint8_t)(c->per_row || o == 0 ? next() : zpb[0]);
        wzp[o] = c->is_u8 ? zpb[o] : (int8_t)zpb[o];
        ws[o] = (float)(next() % 1000 + 1) * 1e-5f;
        b[o] = (float)(next() % 2001) / 1000.f - 1.f;
    }
    int8_t *packed = avp_malloc((size_t)c->c_out * kpad);
    int64_t *terms = avp_malloc((size_t)c->c_out * 2 * sizeof(int64_t));
    kern_qconv_pack(wb, c->is_u8, zpb, c->per_row, c->c_out, kk, packed, terms);
    kern_qconv_t q = {.conv = p, .w = packed, .terms = terms,
                      .w_scale = ws, .bias = b, .static_x = stat,
                      .x_scale = 0.05f, .x_zp = 120};
    void *scratch = avp_malloc(kern_qconv_scratch(&q, tpool_threads(tp)));
    kern_qconv(&q, x, y, scratch, tp);
    for (int f = 0; f < 2; f++) {
        float xs;
        uint8_t xzp;
        if (stat) {
            xs = q.x_scale;
            xzp = q.x_zp;
            kern_quantize_u8(x + f * nin, nin, xs, xzp, qx);
        } else {
            kern_dynq_quantize(x + f * nin, nin, qx, &xs, &xzp, NULL);
        }
        reference(&p, qx, xzp, wb, c->is_u8, wzp, xs, ws, b, want);
        CHECK(!memcmp(y + f * nout, want, nout * sizeof(float)));
    }
    avp_free(x), avp_free(y), avp_free(want), avp_free(wb), avp_free(qx);
    avp_free(packed), avp_free(terms), avp_free(scratch);
}

static void test_kern_int8_conv_odd_shapes(void)
{
    static const qcase_t cases[] = {
        {3, 17, 19, 16, 3, 2, 1, 1, 1, 1, 0},   /* stem: K = 27 */
        {16, 9, 7, 5, 1, 1, 0, 1, 1, 1, 1},     /* pointwise, 63 pixels */
        {6, 11, 13, 6, 3, 1, 1, 1, 6, 0, 1},    /* depthwise, int8 */
        {8, 10, 10, 12, 3, 1, 2, 2, 2, 0, 0},   /* groups, dilation */
        {5, 21, 23, 7, 5, 3, 2, 1, 1, 1, 1},    /* 5x5 stride 3 */
        {4, 12, 75, 6, 3, 2, 1, 1, 1, 1, 0},    /* stride 2, long rows */
        {8, 8, 16, 4, 1, 1, -1, 1, 1, 1, 0},    /* 1x1, bottom/right pads */
    };
    int isas[] = {KERN_ISA_SCALAR, KERN_ISA_AVX2, KERN_ISA_AVX512};
    for (int t = 1; t <= 2; t++) {
        tpool_t *tp = tpool_create(t);
        for (size_t i = 0; i < AVP_ARRAY_LEN(isas); i++) {
            kern__force_isa(isas[i]);
            for (size_t c = 0; c < AVP_ARRAY_LEN(cases); c++) {
                run_case(&cases[c], 0, tp);
                run_case(&cases[c], 1, tp);
            }
        }
        kern__force_isa(KERN_ISA_AVX512);
        tpool_destroy(tp);
    }
}

int main(void)
{
    RUN(test_kern_int8_dots_agree);
    RUN(test_kern_int8_dynq);
    RUN(test_kern_int8_quantize_paths);
    RUN(test_kern_int8_conv_odd_shapes);
    return check_failed_ ? 1 : 0;
}
