/* Tests for kern_depthwise.c and kern_depthwise512.c: a hand-computed
 * case, then widths around the vector sizes, strides 1 and 2, 3x3 and 5x5,
 * dilation and asymmetric padding against the reference, on the AVX-512
 * and AVX2 paths and on the scalar fallback (forced), which must also agree
 * with each other. */
#include "check.h"
#include "infer/kern_internal.h"
#include "kern_ref.h"
#include "util/avp.h"

static kern_conv_t dw_shape(int n, int c, int h, int w, int k, int stride,
                            int pad)
{
    kern_conv_t p = {.n = n, .c_in = c, .h_in = h, .w_in = w, .c_out = c,
                     .k_h = k, .k_w = k, .stride_h = stride, .stride_w = stride,
                     .pad_top = pad, .pad_left = pad, .pad_bottom = pad,
                     .pad_right = pad, .dil_h = 1, .dil_w = 1, .groups = c,
                     .act = {KERN_ACT_SILU, 0, 0}};
    p.h_out = ref_out_len(h, k, stride, pad, pad, 1);
    p.w_out = ref_out_len(w, k, stride, pad, pad, 1);
    return p;
}

/* Largest error of kern_conv2d against ref_conv on shape p, on the path
 * of instruction-set level `isa`; the output is also left in *out for
 * comparing paths (caller frees). */
static double dw_vs_ref(kern_conv_t *p, int isa, tpool_t *tp, float **out)
{
    p->h_out = ref_out_len(p->h_in, p->k_h, p->stride_h, p->pad_top, p->pad_bottom, p->dil_h);
    p->w_out = ref_out_len(p->w_in, p->k_w, p->stride_w, p->pad_left, p->pad_right, p->dil_w);
    size_t nx = (size_t)p->n * p->c_in * p->h_in * p->w_in;
    size_t nw = (size_t)p->c_out * p->k_h * p->k_w;
    size_t ny = (size_t)p->n * p->c_out * p->h_out * p->w_out;
    float *x = avp_malloc(nx * sizeof(float)), *w = avp_malloc(nw * sizeof(float));
    float *b = avp_malloc((size_t)p->c_out * sizeof(float));
    float *y = avp_malloc(ny * sizeof(float)), *ref = avp_malloc(ny * sizeof(float));
    ref_seed_ = 777u; /* same data for both paths */
    ref_fill(x, nx, -2, 2);
    ref_fill(w, nw, -1, 1);
    ref_fill(b, (size_t)p->c_out, -1, 1);
    kern__force_isa(isa);
    kern_conv2d(p, x, w, b, y, NULL, tp);
    kern__force_isa(KERN_ISA_AVX512);
    ref_conv(p, x, w, b, ref);
    double err = ref_max_err(y, ref, ny);
    avp_free(x), avp_free(w), avp_free(b), avp_free(ref);
    *out = y;
    return kern_conv2d_scratch(p, 2) == 0 ? err : INFINITY;
}

/* Every path against the reference and against the scalar one. */
static int dw_paths_ok(kern_conv_t p, tpool_t *tp)
{
    float *sca;
    int ok = dw_vs_ref(&p, KERN_ISA_SCALAR, tp, &sca) < 1e-5;
    size_t ny = (size_t)p.n * p.c_out * p.h_out * p.w_out;
    for (int isa = KERN_ISA_AVX2; isa <= KERN_ISA_AVX512; isa++) {
        float *vec;
        double ev = dw_vs_ref(&p, isa, tp, &vec), diff = ref_max_err(vec, sca, ny);
        avp_free(vec);
        if (!(ev < 1e-5 && diff < 1e-5))
            fprintf(stderr, "  %dx%d s%d %dx%d: isa %d %g, vs scalar %g\n", p.k_h,
                    p.k_w, p.stride_w, p.h_in, p.w_in, isa, ev, diff);
        ok = ok && ev < 1e-5 && diff < 1e-5;
    }
    avp_free(sca);
    return ok;
}

static void test_kern_depthwise_hand(void)
{
    /* Two channels, 3x3 kernels: channel 0 the centre tap only (identity),
     * channel 1 all ones (3x3 box sum with zero padding). */
    float x[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float w[18] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float bias[2] = {0, 1}, y[18];
    kern_conv_t p = dw_shape(1, 2, 3, 3, 3, 1, 1);
    p.act.act = KERN_ACT_NONE;
    for (int isa = KERN_ISA_SCALAR; isa <= KERN_ISA_AVX512; isa++) {
        kern__force_isa(isa);
        kern_conv2d(&p, x, w, bias, y, NULL, NULL);
        kern__force_isa(KERN_ISA_AVX512);
        const float want[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9,
                                5, 7, 5, 7, 10, 7, 5, 7, 5};
        for (int i = 0; i < 18; i++)
            CHECK_NEAR(y[i], want[i], 1e-6);
    }
}

static void test_kern_depthwise_widths_and_strides(void)
{
    /* Every output width up to 136: each count of trailing vectors after
     * the groups of 4, of 8 and of 16 floats (a width of 26 once went
     * uncomputed). */
    tpool_t *tp = tpool_create(2);
    for (int w = 1; w <= 136; w++) {
        CHECK(dw_paths_ok(dw_shape(1, 2, 4, w, 3, 1, 1), tp));
        CHECK(dw_paths_ok(dw_shape(1, 2, 5, 2 * w, 3, 2, 1), NULL));
    }
    const int widths[] = {1, 7, 8, 9, 16, 17, 33, 40, 63, 67, 104, 129};
    for (size_t i = 0; i < AVP_ARRAY_LEN(widths); i++) {
        CHECK(dw_paths_ok(dw_shape(2, 2, 7, widths[i], 3, 2, 1), NULL));
        CHECK(dw_paths_ok(dw_shape(1, 2, 9, widths[i] + 4, 5, 1, 2), tp));
        CHECK(dw_paths_ok(dw_shape(1, 2, 9, widths[i] + 4, 5, 2, 2), tp));
    }
    tpool_destroy(tp);
}

static void test_kern_depthwise_dilation_asymmetric_pad(void)
{
    kern_conv_t p = dw_shape(1, 4, 12, 45, 3, 1, 0);
    p.dil_h = 2, p.dil_w = 2, p.pad_top = 2, p.pad_bottom = 1;
    p.pad_left = 0, p.pad_right = 3;
    CHECK(dw_paths_ok(p, NULL));
    p.stride_w = 2, p.pad_left = 3, p.k_w = 5;
    CHECK(dw_paths_ok(p, NULL));
    p.stride_w = 3; /* no vector path: scalar on both */
    CHECK(dw_paths_ok(p, NULL));
    CHECK(dw_paths_ok(dw_shape(2, 3, 15, 37, 7, 1, 3), NULL));
    CHECK(dw_paths_ok(dw_shape(1, 2, 15, 37, 7, 2, 3), NULL));
}

static void test_kern_depthwise_activations(void)
{
    kern_act_t acts[] = {KERN_ACT_NONE, KERN_ACT_RELU, KERN_ACT_SIGMOID,
                         KERN_ACT_HARD_SWISH};
    for (size_t i = 0; i < AVP_ARRAY_LEN(acts); i++) {
        kern_conv_t p = dw_shape(2, 5, 10, 21, 3, 1, 1);
        p.act.act = acts[i];
        CHECK(dw_paths_ok(p, NULL));
    }
}

int main(void)
{
    ref_kern_init();
    if (!kern_have_avx2())
        fprintf(stderr, "note: no AVX2 on this CPU; both runs use the scalar path\n");
    RUN(test_kern_depthwise_hand);
    RUN(test_kern_depthwise_widths_and_strides);
    RUN(test_kern_depthwise_dilation_asymmetric_pad);
    RUN(test_kern_depthwise_activations);
    return CHECK_DONE();
}
