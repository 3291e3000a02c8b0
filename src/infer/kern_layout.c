/* kern_layout.c - data movement: transpose, concat, slice, split, gather.
 * Transpose and slice are both "read a strided view of x into contiguous
 * y", so they share one walker; concat, split and gather are copies of
 * contiguous runs between an outer and an inner extent. */
#include "infer/kern_internal.h"

#include <string.h>

#define MAX_DIMS 8

/* y (contiguous, dims) = x viewed with per-dim strides src_strides. The
 * innermost dim is a memcpy when its stride is 1. */
static void strided_copy(int ndim, const int64_t *dims,
                         const int64_t *src_strides, const float *x, float *y)
{
    int64_t idx[MAX_DIMS] = {0};
    int64_t inner = ndim > 0 ? dims[ndim - 1] : 1;
    int64_t si = ndim > 0 ? src_strides[ndim - 1] : 1;
    int64_t rows = 1;
    for (int d = 0; d < ndim - 1; d++)
        rows *= dims[d];
    if (inner == 0)
        return;
    for (int64_t r = 0; r < rows; r++) {
        int64_t off = 0;
        for (int d = 0; d < ndim - 1; d++)
            off += idx[d] * src_strides[d];
        if (si == 1) {
            memcpy(y, x + off, sizeof(float) * (size_t)inner);
        } else {
            for (int64_t i = 0; i < inner; i++)
                y[i] = x[off + i * si];
        }
        y += inner;
        for (int d = ndim - 2; d >= 0 && ++idx[d] == dims[d]; d--)
            idx[d] = 0;
    }
}

static void contiguous_strides(int ndim, const int64_t *dims, int64_t *strides)
{
    int64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d];
    }
}

void kern_transpose(int ndim, const int64_t *x_dims, const int *perm,
                    const float *x, float *y)
{
    int64_t xs[MAX_DIMS], ydims[MAX_DIMS], ys[MAX_DIMS];
    contiguous_strides(ndim, x_dims, xs);
    for (int d = 0; d < ndim; d++) {
        ydims[d] = x_dims[perm[d]];
        ys[d] = xs[perm[d]];
    }
    strided_copy(ndim, ydims, ys, x, y);
}

void kern_slice(int ndim, const int64_t *x_dims, const int64_t *starts,
                const int64_t *steps, const int64_t *y_dims, const float *x,
                float *y)
{
    int64_t xs[MAX_DIMS], ss[MAX_DIMS], base = 0;
    contiguous_strides(ndim, x_dims, xs);
    for (int d = 0; d < ndim; d++) {
        if (y_dims[d] == 0)
            return;
        base += starts[d] * xs[d];
        ss[d] = steps[d] * xs[d];
    }
    strided_copy(ndim, y_dims, ss, x + base, y);
}

/* Elements before `axis` (outer) and after it (inner). */
static void outer_inner(int ndim, const int64_t *dims, int axis,
                        int64_t *outer, int64_t *inner)
{
    *outer = 1;
    *inner = 1;
    for (int d = 0; d < axis; d++)
        *outer *= dims[d];
    for (int d = axis + 1; d < ndim; d++)
        *inner *= dims[d];
}

void kern_concat(int ndim, int axis, int count, const int64_t *const *in_dims,
                 const float *const *in, float *y)
{
    int64_t outer, inner;
    outer_inner(ndim, in_dims[0], axis, &outer, &inner);
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < count; i++) {
            size_t run = (size_t)(in_dims[i][axis] * inner);
            memcpy(y, in[i] + (size_t)o * run, sizeof(float) * run);
            y += run;
        }
    }
}

void kern_split(int ndim, const int64_t *x_dims, int axis, int count,
                const int64_t *sizes, const float *x, float *const *y)
{
    int64_t outer, inner;
    outer_inner(ndim, x_dims, axis, &outer, &inner);
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < count; i++) {
            size_t run = (size_t)(sizes[i] * inner);
            memcpy(y[i] + (size_t)o * run, x, sizeof(float) * run);
            x += run;
        }
    }
}

void kern_gather(int ndim, const int64_t *x_dims, int axis, const float *x,
                 size_t nidx, const int64_t *idx, float *y)
{
    int64_t outer, inner, n = x_dims[axis];
    outer_inner(ndim, x_dims, axis, &outer, &inner);
    for (int64_t o = 0; o < outer; o++) {
        const float *src = x + o * n * inner;
        for (size_t k = 0; k < nidx; k++) {
            int64_t i = idx[k] < 0 ? idx[k] + n : idx[k];
            memcpy(y, src + i * inner, sizeof(float) * (size_t)inner);
            y += inner;
        }
    }
}
