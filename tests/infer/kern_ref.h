/*
 * kern_ref.h - what the kernel tests share: seeded random data and plain,
 * obviously-correct reference implementations (double accumulation, no
 * blocking, no vectors) that the optimized kernels are compared against.
 */
#ifndef AVP_TESTS_INFER_KERN_REF_H
#define AVP_TESTS_INFER_KERN_REF_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "infer/kernels.h"

static uint32_t ref_seed_ = 12345u;

/* kern_init() for a test's main(): a kernel test cannot run without
 * OpenBLAS, so a failure ends the process (exit 1) with the reason. */
static inline void ref_kern_init(void)
{
    avp_error_t err;
    if (kern_init(&err) < 0) {
        fprintf(stderr, "kern_init: %s\n", err.msg);
        exit(EXIT_FAILURE);
    }
}

/* Uniform in [lo, hi), from a fixed-seed LCG so failures reproduce. */
static inline float ref_rand(float lo, float hi)
{
    ref_seed_ = ref_seed_ * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(ref_seed_ >> 8) / 16777216.0f;
}

static inline void ref_fill(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ref_rand(lo, hi);
}

static inline double ref_act(const kern_act_params_t *a, double v)
{
    switch (a->act) {
    case KERN_ACT_NONE: return v;
    case KERN_ACT_RELU: return v > 0 ? v : 0;
    case KERN_ACT_LEAKY_RELU: return v < 0 ? a->alpha * v : v;
    case KERN_ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
    case KERN_ACT_SILU: return v / (1.0 + exp(-v));
    case KERN_ACT_HARD_SIGMOID: return fmax(0, fmin(1, a->alpha * v + a->beta));
    case KERN_ACT_HARD_SWISH: return v * fmax(0, fmin(1, v / 6.0 + 0.5));
    }
    return v;
}

/* The definition of a grouped, strided, dilated, padded convolution. */
static inline void ref_conv(const kern_conv_t *p, const float *x,
                            const float *w, const float *bias, float *y)
{
    int cig = p->c_in / p->groups, cog = p->c_out / p->groups;
    for (int n = 0; n < p->n; n++)
    for (int co = 0; co < p->c_out; co++)
    for (int oh = 0; oh < p->h_out; oh++)
    for (int ow = 0; ow < p->w_out; ow++) {
        int g = co / cog;
        double acc = bias ? bias[co] : 0.0;
        for (int ci = 0; ci < cig; ci++)
        for (int kh = 0; kh < p->k_h; kh++)
        for (int kw = 0; kw < p->k_w; kw++) {
            int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
            int iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
            if (ih < 0 || ih >= p->h_in || iw < 0 || iw >= p->w_in)
                continue;
            double xv = x[(((size_t)n * p->c_in + g * cig + ci) * p->h_in + ih) * p->w_in + iw];
            double wv = w[(((size_t)co * cig + ci) * p->k_h + kh) * p->k_w + kw];
            acc += xv * wv;
        }
        y[(((size_t)n * p->c_out + co) * p->h_out + oh) * p->w_out + ow] =
            (float)ref_act(&p->act, acc);
    }
}

/* Output size of one conv/pool axis. */
static inline int ref_out_len(int in, int k, int stride, int pad0, int pad1,
                              int dil)
{
    return (in + pad0 + pad1 - dil * (k - 1) - 1) / stride + 1;
}

/* Largest |a - b| / (1 + |b|) over n floats. */
static inline double ref_max_err(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]) / (1.0 + fabs((double)b[i]));
        if (isnan(e))
            return INFINITY;
        m = e > m ? e : m;
    }
    return m;
}

#endif
