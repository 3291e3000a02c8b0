/* test_bootstrap.c - the seeded PRNG and the percentile bootstrap. */
#include "check.h"
#include "eval/eval.h"

#include <stdlib.h>

static void test_bootstrap_rng_stream(void)
{
    device_rng_t r;
    device_rng_seed(&r, 0);
    /* splitmix64's published first output for seed 0. */
    CHECK(device_rng_next(&r) == 0xe220a8397b1dcdafull);
    double sum = 0, sq = 0, lo = 1, hi = 0;
    for (int i = 0; i < 20000; i++) {
        double u = device_rng_uniform(&r), z = device_rng_normal(&r);
        lo = u < lo ? u : lo, hi = u > hi ? u : hi;
        sum += z, sq += z * z;
    }
    CHECK(lo >= 0 && hi < 1 && lo < 0.001 && hi > 0.999);
    CHECK_NEAR(sum / 20000, 0, 0.03);
    CHECK_NEAR(sq / 20000, 1, 0.05);
}

static void test_bootstrap_ci(void)
{
    uint8_t all[50], half[400];
    for (int i = 0; i < 50; i++)
        all[i] = 1;
    for (int i = 0; i < 400; i++)
        half[i] = i % 2;
    double ci[2], again[2];
    device_bootstrap_ci(all, 50, 1000, 7, ci);
    CHECK(ci[0] == 1 && ci[1] == 1);
    device_bootstrap_ci(half, 400, 2000, 7, ci);
    device_bootstrap_ci(half, 400, 2000, 7, again);
    CHECK(ci[0] == again[0] && ci[1] == again[1]);
    /* The normal approximation: 0.5 -+ 1.96 * sqrt(0.25 / 400) = 0.049. */
    CHECK(ci[0] < 0.5 && ci[1] > 0.5);
    CHECK_NEAR(ci[1] - ci[0], 2 * 0.049, 0.012);
    device_bootstrap_ci(half, 0, 1000, 7, ci);
    CHECK(ci[0] == -1 && ci[1] == -1);
}

int main(void)
{
    RUN(test_bootstrap_rng_stream);
    RUN(test_bootstrap_ci);
    return CHECK_DONE();
}
