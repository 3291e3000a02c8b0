/* kern_softmax.c - softmax over the middle dim of [outer, dim, inner],
 * shifted by the max so exp never overflows. */
#include "infer/kern_internal.h"

#include <math.h>

/* inner == 1: the softmax axis is contiguous and exp runs vectorized. */
static void softmax_run(size_t dim, const float *x, float *y)
{
    float m = x[0], sum = 0.0f;
    for (size_t d = 1; d < dim; d++)
        m = x[d] > m ? x[d] : m;
    for (size_t d = 0; d < dim; d++)
        y[d] = x[d] - m;
    kern__exp(y, y, dim);
    for (size_t d = 0; d < dim; d++)
        sum += y[d];
    for (size_t d = 0; d < dim; d++)
        y[d] /= sum;
}

static void softmax_strided(size_t dim, size_t inner, const float *x, float *y)
{
    float m = x[0], sum = 0.0f;
    for (size_t d = 1; d < dim; d++)
        m = x[d * inner] > m ? x[d * inner] : m;
    for (size_t d = 0; d < dim; d++) {
        y[d * inner] = expf(x[d * inner] - m);
        sum += y[d * inner];
    }
    for (size_t d = 0; d < dim; d++)
        y[d * inner] /= sum;
}

void kern_softmax(size_t outer, size_t dim, size_t inner, const float *x, float *y)
{
    if (dim == 0)
        return;
    for (size_t o = 0; o < outer; o++) {
        const float *xo = x + o * dim * inner;
        float *yo = y + o * dim * inner;
        for (size_t i = 0; i < inner; i++) {
            if (inner == 1)
                softmax_run(dim, xo, yo);
            else
                softmax_strided(dim, inner, xo + i, yo + i);
        }
    }
}
