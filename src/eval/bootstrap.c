/* bootstrap.c - the seeded PRNG and the percentile bootstrap behind the
 * confidence intervals of device sessions. splitmix64 is tiny, passes
 * BigCrush and gives the same stream everywhere, which a reproducible
 * report needs more than speed. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

void device_rng_seed(device_rng_t *r, uint64_t seed)
{
    r->s = seed;
}

uint64_t device_rng_next(device_rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double device_rng_uniform(device_rng_t *r)
{
    return (double)(device_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Box-Muller; one of the pair is dropped to keep the state a single
 * counter. */
double device_rng_normal(device_rng_t *r)
{
    double u = 1.0 - device_rng_uniform(r), v = device_rng_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double eval__percentile(const double *sorted, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

void device_bootstrap_ci(const uint8_t *outcomes, size_t n, int resamples,
                         uint64_t seed, double ci[2])
{
    if (!n || resamples < 1) {
        ci[0] = ci[1] = -1;
        return;
    }
    device_rng_t rng;
    device_rng_seed(&rng, seed);
    double *means = avp_malloc((size_t)resamples * sizeof(double));
    for (int r = 0; r < resamples; r++) {
        size_t hits = 0;
        for (size_t i = 0; i < n; i++)
            hits += outcomes[device_rng_next(&rng) % n];
        means[r] = (double)hits / (double)n;
    }
    qsort(means, (size_t)resamples, sizeof(double), cmp_double);
    ci[0] = eval__percentile(means, (size_t)resamples, 0.025);
    ci[1] = eval__percentile(means, (size_t)resamples, 0.975);
    avp_free(means);
}
