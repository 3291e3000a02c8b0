/* Tests for kern_matmul.c: a hand-computed product, then broadcasts over
 * the leading dims (either side, both sides, 4-D) against a triple loop,
 * serial and on a pool (where a lone product is cut into row blocks). */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

static void test_kern_matmul_hand(void)
{
    const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
    const int64_t d[2] = {2, 2};
    float y[4];
    kern_matmul(2, d, a, d, b, d, y, NULL);
    const float want[4] = {19, 22, 43, 50};
    for (int i = 0; i < 4; i++)
        CHECK_NEAR(y[i], want[i], 1e-5);
}

static size_t count(int ndim, const int64_t *d)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)d[i];
    return n;
}

static double matmul_vs_ref(int ndim, const int64_t *ad, const int64_t *bd,
                            tpool_t *tp)
{
    int64_t yd[8];
    for (int i = 0; i < ndim - 2; i++)
        yd[i] = ad[i] > bd[i] ? ad[i] : bd[i];
    int m = (int)ad[ndim - 2], k = (int)ad[ndim - 1], n = (int)bd[ndim - 1];
    yd[ndim - 2] = m, yd[ndim - 1] = n;
    size_t na = count(ndim, ad), nb = count(ndim, bd), ny = count(ndim, yd);
    size_t batches = ny / ((size_t)m * n);
    float *a = avp_malloc(na * sizeof(float)), *b = avp_malloc(nb * sizeof(float));
    float *y = avp_malloc(ny * sizeof(float)), *ref = avp_malloc(ny * sizeof(float));
    ref_fill(a, na, -1, 1);
    ref_fill(b, nb, -1, 1);
    kern_matmul(ndim, ad, a, bd, b, yd, y, tp);
    int64_t idx[8] = {0};
    for (size_t bt = 0; bt < batches; bt++) {
        size_t oa = 0, ob = 0;
        for (int d = 0; d < ndim - 2; d++) {
            oa = oa * (size_t)ad[d] + (size_t)(ad[d] == 1 ? 0 : idx[d]);
            ob = ob * (size_t)bd[d] + (size_t)(bd[d] == 1 ? 0 : idx[d]);
        }
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double acc = 0;
            for (int t = 0; t < k; t++)
                acc += (double)a[(oa * m + i) * k + t] * b[(ob * k + t) * n + j];
            ref[(bt * m + i) * n + j] = (float)acc;
        }
        for (int d = ndim - 3; d >= 0 && ++idx[d] == yd[d]; d--)
            idx[d] = 0;
    }
    double err = ref_max_err(y, ref, ny);
    avp_free(a), avp_free(b), avp_free(y), avp_free(ref);
    return err;
}

static void test_kern_matmul_broadcast_vs_ref(void)
{
    tpool_t *tp = tpool_create(2);
    const struct { int ndim; int64_t a[4], b[4]; } cases[] = {
        {2, {37, 19}, {19, 23}},
        {3, {2, 3, 4}, {1, 4, 5}},
        {3, {1, 3, 4}, {2, 4, 5}},
        {3, {4, 8, 16}, {4, 16, 8}},
        {4, {2, 1, 3, 4}, {1, 3, 4, 5}},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        CHECK(matmul_vs_ref(cases[i].ndim, cases[i].a, cases[i].b, NULL) < 1e-5);
        CHECK(matmul_vs_ref(cases[i].ndim, cases[i].a, cases[i].b, tp) < 1e-5);
    }
    tpool_destroy(tp);
}

int main(void)
{
    ref_kern_init();
    RUN(test_kern_matmul_hand);
    RUN(test_kern_matmul_broadcast_vs_ref);
    return CHECK_DONE();
}
