/* Tests for kern_eltwise.c: binary ops on hand-computed broadcasts, then
 * every broadcast pattern YOLO graphs use (scalar, per-channel [1,C,1,1],
 * [1,A,1] vs [N,A,K], both sides broadcast) and every op against a naive
 * index-by-index reference, serial and split over a pool; unary ops in
 * place and out of place. */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

#include <string.h>

static double ref_binop(kern_binop_t op, double a, double b)
{
    switch (op) {
    case KERN_ADD: return a + b;
    case KERN_SUB: return a - b;
    case KERN_MUL: return a * b;
    case KERN_DIV: return a / b;
    case KERN_POW: return pow(a, b);
    }
    return NAN;
}

/* Flat offset into a tensor of dims `d` for the output multi-index idx,
 * where size-1 dims repeat. */
static size_t bcast_offset(int ndim, const int64_t *d, const int64_t *idx)
{
    size_t off = 0;
    for (int i = 0; i < ndim; i++)
        off = off * (size_t)d[i] + (size_t)(d[i] == 1 ? 0 : idx[i]);
    return off;
}

static size_t count(int ndim, const int64_t *d)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)d[i];
    return n;
}

/* Random a and b of the given dims (positive for POW), kern_binary vs the
 * reference; returns the largest relative error. */
static double binary_vs_ref(kern_binop_t op, int ndim, const int64_t *ad,
                            const int64_t *bd, tpool_t *tp)
{
    int64_t yd[8], idx[8] = {0};
    for (int i = 0; i < ndim; i++)
        yd[i] = ad[i] > bd[i] ? ad[i] : bd[i];
    size_t na = count(ndim, ad), nb = count(ndim, bd), ny = count(ndim, yd);
    float *a = avp_malloc(na * sizeof(float)), *b = avp_malloc(nb * sizeof(float));
    float *y = avp_malloc(ny * sizeof(float)), *ref = avp_malloc(ny * sizeof(float));
    ref_fill(a, na, 0.5f, 2);
    ref_fill(b, nb, 0.5f, 2);
    kern_binary(op, ndim, ad, a, bd, b, yd, y, tp);
    for (size_t e = 0; e < ny; e++) {
        ref[e] = (float)ref_binop(op, a[bcast_offset(ndim, ad, idx)],
                                  b[bcast_offset(ndim, bd, idx)]);
        for (int d = ndim - 1; d >= 0 && ++idx[d] == yd[d]; d--)
            idx[d] = 0;
    }
    double err = ref_max_err(y, ref, ny);
    avp_free(a), avp_free(b), avp_free(y), avp_free(ref);
    return err;
}

static void test_kern_binary_hand(void)
{
    /* [3] + [2,1] -> [2,3]; then [2,1] - [1,3] (b broadcast on the left). */
    const float a[3] = {1, 2, 3}, b[2] = {10, 20};
    const int64_t ad[2] = {1, 3}, bd[2] = {2, 1}, yd[2] = {2, 3};
    float y[6];
    kern_binary(KERN_ADD, 2, ad, a, bd, b, yd, y, NULL);
    const float want_add[6] = {11, 12, 13, 21, 22, 23};
    for (int i = 0; i < 6; i++)
        CHECK_NEAR(y[i], want_add[i], 0);
    kern_binary(KERN_SUB, 2, bd, b, ad, a, yd, y, NULL);
    const float want_sub[6] = {9, 8, 7, 19, 18, 17};
    for (int i = 0; i < 6; i++)
        CHECK_NEAR(y[i], want_sub[i], 0);
    const float two = 2;
    const int64_t one[2] = {1, 1};
    kern_binary(KERN_POW, 2, ad, a, one, &two, ad, y, NULL);
    CHECK_NEAR(y[0], 1, 0);
    CHECK_NEAR(y[2], 9, 1e-6);
}

static void test_kern_binary_broadcast_patterns(void)
{
    tpool_t *tp = tpool_create(2);
    const struct { int ndim; int64_t a[4], b[4]; } cases[] = {
        {4, {2, 3, 4, 5}, {1, 1, 1, 1}},       /* scalar */
        {4, {1, 1, 1, 1}, {2, 3, 4, 5}},       /* scalar on the left */
        {4, {2, 3, 4, 5}, {1, 3, 1, 1}},       /* per channel */
        {3, {1, 4, 1}, {2, 4, 3}},             /* [1,A,1] vs [N,A,K] */
        {3, {2, 1, 5}, {1, 3, 1}},             /* both broadcast */
        {4, {2, 3, 4, 5}, {2, 3, 4, 5}},       /* same shape */
        {4, {2, 3, 1, 5}, {1, 3, 4, 1}},       /* interleaved */
        {4, {1, 64, 52, 52}, {1, 64, 1, 1}},   /* big: split over tasks */
        {3, {1, 3549, 85}, {1, 3549, 85}},     /* big and flat */
        {3, {1, 3549, 2}, {1, 3549, 1}},       /* grid * stride */
    };
    for (int op = KERN_ADD; op <= KERN_POW; op++) {
        for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
            CHECK(binary_vs_ref(op, cases[i].ndim, cases[i].a, cases[i].b, NULL) < 1e-6);
            CHECK(binary_vs_ref(op, cases[i].ndim, cases[i].a, cases[i].b, tp) < 1e-6);
        }
    }
    tpool_destroy(tp);
}

static void test_kern_unary_ops(void)
{
    enum { N = 40001 };
    float *x = avp_malloc(N * sizeof(float)), *y = avp_malloc(N * sizeof(float));
    tpool_t *tp = tpool_create(2);
    ref_fill(x, N, -20, 20);
    kern_unary(KERN_EXP, x, y, N, tp);
    for (int i = 0; i < N; i++)
        CHECK_NEAR(y[i], exp(x[i]), 3e-7 * exp(x[i]));
    kern_unary(KERN_SIGMOID_OP, x, y, N, tp);
    for (int i = 0; i < N; i++)
        CHECK_NEAR(y[i], 1 / (1 + exp(-x[i])), 1e-6);
    kern_unary(KERN_IDENTITY, x, y, N, NULL);
    CHECK(memcmp(x, y, N * sizeof(float)) == 0);
    kern_unary(KERN_RELU_OP, y, y, N, tp); /* in place */
    for (int i = 0; i < N; i++)
        CHECK_NEAR(y[i], x[i] > 0 ? x[i] : 0, 0);
    tpool_destroy(tp);
    avp_free(x), avp_free(y);
}

int main(void)
{
    ref_kern_init();
    RUN(test_kern_binary_hand);
    RUN(test_kern_binary_broadcast_patterns);
    RUN(test_kern_unary_ops);
    return CHECK_DONE();
}
