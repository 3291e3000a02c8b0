/*
 * kern_norm.c - the statistics kernels of attention-style heads:
 * LayerNormalization, ReduceMean over any set of axes, and Clip. Their
 * tensors are small in YOLO exports (a C2PSA block at stride 32), so they
 * run on the calling thread. LayerNormalization's statistics are summed in
 * double; ReduceMean sums into its output in float, as ONNX Runtime does.
 */
#include "infer/kern_internal.h"

#include <math.h>
#include <string.h>

void kern_layernorm(size_t rows, size_t inner, const float *x,
                    const float *scale, const float *bias, float eps, float *y)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * inner;
        float *yr = y + r * inner;
        double sum = 0, sq = 0;
        for (size_t i = 0; i < inner; i++)
            sum += xr[i];
        double mean = sum / (double)inner;
        for (size_t i = 0; i < inner; i++)
            sq += ((double)xr[i] - mean) * ((double)xr[i] - mean);
        float inv = (float)(1.0 / sqrt(sq / (double)inner + (double)eps));
        for (size_t i = 0; i < inner; i++)
            yr[i] = ((xr[i] - (float)mean) * inv) * scale[i] +
                    (bias ? bias[i] : 0.f);
    }
}

/* Walks x in order, carrying the output index along: the output index of
 * an element is its coordinates with the reduced ones dropped. */
void kern_reduce_mean(int ndim, const int64_t *dims, const int *reduced,
                      const float *x, float *y)
{
    int64_t ystride[KERN_MAX_DIMS], c[KERN_MAX_DIMS] = {0};
    int64_t nx = 1, ny = 1, s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        ystride[d] = reduced[d] ? 0 : s;
        s *= reduced[d] ? 1 : dims[d];
        nx *= dims[d];
    }
    ny = s;
    memset(y, 0, (size_t)ny * sizeof(float));
    int64_t yi = 0;
    for (int64_t i = 0; i < nx; i++) {
        y[yi] += x[i];
        for (int d = ndim - 1; d >= 0; d--) { /* next coordinate */
            yi += ystride[d];
            if (++c[d] < dims[d])
                break;
            yi -= ystride[d] * dims[d];
            c[d] = 0;
        }
    }
    float count = (float)(nx / (ny ? ny : 1));
    for (int64_t i = 0; i < ny; i++)
        y[i] /= count;
}

void kern_clip(const float *x, float *y, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}
