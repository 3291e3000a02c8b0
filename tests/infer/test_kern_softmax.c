/* Tests for kern_softmax.c: hand values, stability with large inputs, and
 * strided (inner > 1) and contiguous axes against a double reference. */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

static void test_kern_softmax_hand(void)
{
    const float x[6] = {1, 2, 3, 1000, 1001, 1002};
    float y[6];
    kern_softmax(2, 3, 1, x, y);
    const float want[3] = {0.09003057f, 0.24472847f, 0.66524096f};
    for (int i = 0; i < 6; i++)
        CHECK_NEAR(y[i], want[i % 3], 1e-7);
}

static void test_kern_softmax_axes_vs_ref(void)
{
    const size_t shapes[][3] = {{1, 80, 1}, {4, 17, 1}, {3, 16, 5}, {2, 4, 33}};
    for (size_t s = 0; s < AVP_ARRAY_LEN(shapes); s++) {
        size_t outer = shapes[s][0], dim = shapes[s][1], inner = shapes[s][2];
        size_t n = outer * dim * inner;
        float *x = avp_malloc(n * sizeof(float)), *y = avp_malloc(n * sizeof(float));
        float *ref = avp_malloc(n * sizeof(float));
        ref_fill(x, n, -30, 30);
        kern_softmax(outer, dim, inner, x, y);
        for (size_t o = 0; o < outer; o++) {
            for (size_t i = 0; i < inner; i++) {
                double sum = 0;
                for (size_t d = 0; d < dim; d++)
                    sum += exp(x[(o * dim + d) * inner + i]);
                for (size_t d = 0; d < dim; d++) {
                    size_t at = (o * dim + d) * inner + i;
                    ref[at] = (float)(exp(x[at]) / sum);
                }
            }
        }
        double err = ref_max_err(y, ref, n);
        avp_free(x), avp_free(y), avp_free(ref);
        CHECK(err < 1e-6);
    }
}

int main(void)
{
    ref_kern_init();
    RUN(test_kern_softmax_hand);
    RUN(test_kern_softmax_axes_vs_ref);
    return CHECK_DONE();
}
