/* Tests for kern_pool.c: a hand-computed padded pool, YOLOX's SPP pools
 * (5, 9, 13; stride 1; same padding), strides, dilation, ceil-mode shapes
 * and rows too wide for the line buffer against the naive 2D loop. */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

static void ref_maxpool(const kern_pool_t *p, const float *x, float *y)
{
    for (int pl = 0; pl < p->n * p->c; pl++)
    for (int oh = 0; oh < p->h_out; oh++)
    for (int ow = 0; ow < p->w_out; ow++) {
        float m = -INFINITY;
        for (int kh = 0; kh < p->k_h; kh++)
        for (int kw = 0; kw < p->k_w; kw++) {
            int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
            int iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
            if (ih >= 0 && ih < p->h_in && iw >= 0 && iw < p->w_in) {
                float v = x[((size_t)pl * p->h_in + ih) * p->w_in + iw];
                m = v > m ? v : m;
            }
        }
        y[((size_t)pl * p->h_out + oh) * p->w_out + ow] = m;
    }
}

static int pool_matches_ref(kern_pool_t p, tpool_t *tp)
{
    size_t nx = (size_t)p.n * p.c * p.h_in * p.w_in;
    size_t ny = (size_t)p.n * p.c * p.h_out * p.w_out;
    float *x = avp_malloc(nx * sizeof(float)), *y = avp_malloc(ny * sizeof(float));
    float *ref = avp_malloc(ny * sizeof(float));
    ref_fill(x, nx, -10, -1); /* all negative: padding must not win as 0 */
    kern_maxpool2d(&p, x, y, tp);
    ref_maxpool(&p, x, ref);
    int ok = ref_max_err(y, ref, ny) == 0;
    avp_free(x), avp_free(y), avp_free(ref);
    return ok;
}

static kern_pool_t pool_shape(int n, int c, int h, int w, int k, int stride,
                              int pad)
{
    kern_pool_t p = {.n = n, .c = c, .h_in = h, .w_in = w, .k_h = k, .k_w = k,
                     .stride_h = stride, .stride_w = stride, .pad_top = pad,
                     .pad_left = pad, .dil_h = 1, .dil_w = 1};
    p.h_out = ref_out_len(h, k, stride, pad, pad, 1);
    p.w_out = ref_out_len(w, k, stride, pad, pad, 1);
    return p;
}

static void test_kern_maxpool_hand(void)
{
    /* 3x3 same pool over a 3x3 ramp of negatives: padding is ignored, so
     * the corner sees only its 2x2 neighbourhood. */
    const float x[9] = {-9, -8, -7, -6, -5, -4, -3, -2, -1};
    float y[9];
    kern_pool_t p = pool_shape(1, 1, 3, 3, 3, 1, 1);
    kern_maxpool2d(&p, x, y, NULL);
    const float want[9] = {-5, -4, -4, -2, -1, -1, -2, -1, -1};
    for (int i = 0; i < 9; i++)
        CHECK_NEAR(y[i], want[i], 0);
    float y2[4];
    kern_pool_t s2 = pool_shape(1, 1, 3, 3, 2, 2, 0); /* 2x2 stride 2 */
    s2.h_out = s2.w_out = 2;                          /* ceil mode */
    kern_maxpool2d(&s2, x, y2, NULL);
    const float want2[4] = {-5, -4, -2, -1};
    for (int i = 0; i < 4; i++)
        CHECK_NEAR(y2[i], want2[i], 0);
}

static void test_kern_maxpool_yolox_spp(void)
{
    tpool_t *tp = tpool_create(2);
    const int ks[] = {5, 9, 13};
    for (size_t i = 0; i < AVP_ARRAY_LEN(ks); i++)
        CHECK(pool_matches_ref(pool_shape(2, 16, 13, 13, ks[i], 1, ks[i] / 2), tp));
    tpool_destroy(tp);
}

static void test_kern_maxpool_strides_dilation_wide(void)
{
    CHECK(pool_matches_ref(pool_shape(1, 3, 17, 20, 3, 2, 1), NULL));
    kern_pool_t p = pool_shape(1, 2, 15, 16, 3, 1, 2);
    p.dil_h = 2, p.dil_w = 3, p.stride_w = 2, p.h_out = 15, p.w_out = 6;
    CHECK(pool_matches_ref(p, NULL));
    CHECK(pool_matches_ref(pool_shape(1, 1, 3, 2100, 3, 1, 1), NULL));
}

int main(void)
{
    RUN(test_kern_maxpool_hand);
    RUN(test_kern_maxpool_yolox_spp);
    RUN(test_kern_maxpool_strides_dilation_wide);
    return CHECK_DONE();
}
