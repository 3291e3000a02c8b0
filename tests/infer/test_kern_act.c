/* Tests for kern_act.c: each activation at hand-computed points, then over
 * a sweep against double-precision references on every path the CPU has
 * (scalar, AVX2, AVX-512), exp's accuracy over its whole range, and that
 * the vector tails never write past n. */
#include "check.h"
#include "infer/kern_internal.h"
#include "kern_ref.h"
#include "util/avp.h"

static const kern_act_params_t ACTS[] = {
    {KERN_ACT_NONE, 0, 0}, {KERN_ACT_RELU, 0, 0},
    {KERN_ACT_LEAKY_RELU, 0.1f, 0}, {KERN_ACT_SIGMOID, 0, 0},
    {KERN_ACT_SILU, 0, 0}, {KERN_ACT_HARD_SIGMOID, 0.2f, 0.5f},
    {KERN_ACT_HARD_SWISH, 0, 0},
};

static void test_kern_act_hand_values(void)
{
    /* x = -3, -1, 0, 1, 3 (plus 3 more so the vector path sees a tail). */
    const float x[8] = {-3, -1, 0, 1, 3, 0, 0, 0};
    const float want[7][5] = {
        {-3, -1, 0, 1, 3},
        {0, 0, 0, 1, 3},
        {-0.3f, -0.1f, 0, 1, 3},
        {0.04742587f, 0.26894142f, 0.5f, 0.73105858f, 0.95257413f},
        {-0.14227762f, -0.26894142f, 0, 0.73105858f, 2.85772238f},
        {0, 0.3f, 0.5f, 0.7f, 1},
        {0, -1.0f / 3, 0, 2.0f / 3, 3},
    };
    for (int isa = KERN_ISA_SCALAR; isa <= KERN_ISA_AVX512; isa++) {
        kern__force_isa(isa);
        for (size_t a = 0; a < AVP_ARRAY_LEN(ACTS); a++) {
            float y[8];
            for (int i = 0; i < 8; i++)
                y[i] = x[i];
            kern_activate(&ACTS[a], y, 5, NULL);
            for (int i = 0; i < 5; i++)
                CHECK_NEAR(y[i], want[a][i], 2e-7 * (1 + fabsf(want[a][i])));
        }
        kern__force_isa(KERN_ISA_AVX512);
    }
}

static void test_kern_act_sweep_both_paths(void)
{
    enum { N = 20003 }; /* odd: a vector tail */
    float *x = avp_malloc(N * sizeof(float)), *y = avp_malloc(N * sizeof(float));
    tpool_t *tp = tpool_create(2);
    for (int i = 0; i < N; i++)
        x[i] = -100.0f + 200.0f * (float)i / (N - 1);
    for (int isa = KERN_ISA_SCALAR; isa <= KERN_ISA_AVX512; isa++) {
        for (size_t a = 0; a < AVP_ARRAY_LEN(ACTS); a++) {
            for (int i = 0; i < N; i++)
                y[i] = x[i];
            kern__force_isa(isa);
            kern_activate(&ACTS[a], y, N, tp);
            kern__force_isa(KERN_ISA_AVX512);
            for (int i = 0; i < N; i++) {
                double want = ref_act(&ACTS[a], x[i]);
                CHECK_NEAR(y[i], want, 1e-6 * (1 + fabs(want)));
            }
        }
    }
    tpool_destroy(tp);
    avp_free(x), avp_free(y);
}

static void test_kern_act_exp_accuracy(void)
{
    enum { N = 100001 };
    float *x = avp_malloc(N * sizeof(float)), *y = avp_malloc(N * sizeof(float));
    for (int i = 0; i < N; i++)
        x[i] = -87.0f + 175.0f * (float)i / (N - 1);
    kern__exp(x, y, N);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double want = exp((double)x[i]);
        double rel = fabs(y[i] - want) / want;
        worst = rel > worst ? rel : worst;
    }
    CHECK(worst < 3e-7); /* ~2.5 ulp */
    /* Beyond the clamp: saturates, never inf or NaN. */
    float big[3] = {1000, -1000, 0};
    kern__exp(big, big, 3);
    CHECK(isfinite(big[0]) && big[0] > 1e38f);
    CHECK(big[1] >= 0 && big[1] < 1e-37f);
    CHECK_NEAR(big[2], 1, 0);
    avp_free(x), avp_free(y);
}

/* Number of wrong floats in buf after a SiLU over its first n of 24. */
static int tail_errors(int isa, size_t n)
{
    float buf[24];
    kern_act_params_t silu = {KERN_ACT_SILU, 0, 0};
    for (int i = 0; i < 24; i++)
        buf[i] = -5;
    kern__force_isa(isa);
    kern__bias_act(buf, n, 1.0f, &silu);
    kern__force_isa(KERN_ISA_AVX512);
    int bad = 0;
    for (size_t i = 0; i < 24; i++)
        bad += fabs(buf[i] - (i < n ? ref_act(&silu, -4) : -5)) > 1e-6;
    return bad;
}

static void test_kern_act_tail_stays_in_bounds(void)
{
    /* Sentinels after n; ASan covers the heap, this covers the stack. */
    for (int isa = KERN_ISA_SCALAR; isa <= KERN_ISA_AVX512; isa++)
        for (size_t n = 0; n < 24; n++)
            CHECK(tail_errors(isa, n) == 0);
}

int main(void)
{
    ref_kern_init();
    RUN(test_kern_act_hand_values);
    RUN(test_kern_act_sweep_both_paths);
    RUN(test_kern_act_exp_accuracy);
    RUN(test_kern_act_tail_stays_in_bounds);
    return CHECK_DONE();
}
