/* kern_layout.c - data movement: transpose, concat, slice, split, gather.
 * Transpose and slice are both "read a strided view of x into contiguous
 * y", so they share one walker; concat, split and gather are copies of
 * contiguous runs between an outer and an inner extent. */
#include "infer/kern_internal.h"

#include <string.h>

static void contiguous_strides(int ndim, const int64_t *dims, int64_t *strides)
{
    int64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d];
    }
}

/* Tile edge for copies whose source runs across y's rows. */
#define TILE 32

/* y's dims d and last, where x is contiguous along d and strided along
 * last (a transpose): copied in TILE x TILE tiles, so the TILE source
 * lines a tile reads stay in L1 instead of one line per element. */
static void copy_tile_pair(const int64_t *dims, const int64_t *src_strides,
                           const int64_t *ys, int ndim, int d, const float *x,
                           float *y)
{
    int64_t nd = dims[d], nl = dims[ndim - 1], sl = src_strides[ndim - 1];
    for (int64_t i0 = 0; i0 < nd; i0 += TILE) {
        int64_t i1 = i0 + TILE < nd ? i0 + TILE : nd;
        for (int64_t j0 = 0; j0 < nl; j0 += TILE) {
            int64_t j1 = j0 + TILE < nl ? j0 + TILE : nl;
            for (int64_t i = i0; i < i1; i++)
                for (int64_t j = j0; j < j1; j++)
                    y[i * ys[d] + j] = x[i + j * sl];
        }
    }
}

/* The innermost dim as one run: memcpy, a stride of 2 (YOLOX's focus
 * slices; a constant stride vectorizes) or a plain strided loop. */
static void copy_run(const float *x, int64_t stride, int64_t n, float *y)
{
    if (stride == 1) {
        memcpy(y, x, sizeof(float) * (size_t)n);
    } else if (stride == 2) {
        for (int64_t i = 0; i < n; i++)
            y[i] = x[2 * i];
    } else {
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i * stride];
    }
}

/* y (contiguous, dims) = x viewed with per-dim strides src_strides. The
 * innermost dim is a run, unless x is contiguous along another dim: then
 * that dim and the innermost are copied together in tiles. */
static void strided_copy(int ndim, const int64_t *dims,
                         const int64_t *src_strides, const float *x, float *y)
{
    int64_t ys[KERN_MAX_DIMS], idx[KERN_MAX_DIMS] = {0}, rows = 1;
    int tiled = -1;
    if (ndim == 0) {
        y[0] = x[0];
        return;
    }
    contiguous_strides(ndim, dims, ys);
    for (int d = 0; d < ndim - 1; d++) {
        if (src_strides[d] == 1 && src_strides[ndim - 1] != 1 && dims[d] > 1)
            tiled = d;
    }
    for (int d = 0; d < ndim - 1; d++)
        rows *= d == tiled ? 1 : dims[d];
    for (int64_t r = 0; r < rows && dims[ndim - 1] > 0; r++) {
        int64_t xo = 0, yo = 0;
        for (int d = 0; d < ndim - 1; d++) {
            xo += idx[d] * src_strides[d];
            yo += idx[d] * ys[d];
        }
        if (tiled >= 0)
            copy_tile_pair(dims, src_strides, ys, ndim, tiled, x + xo, y + yo);
        else
            copy_run(x + xo, src_strides[ndim - 1], dims[ndim - 1], y + yo);
        for (int d = ndim - 2; d >= 0; d--) {
            if (d == tiled)
                continue;
            if (++idx[d] < dims[d])
                break;
            idx[d] = 0;
        }
    }
}

void kern_transpose(int ndim, const int64_t *x_dims, const int *perm,
                    const float *x, float *y)
{
    int64_t xs[KERN_MAX_DIMS], ydims[KERN_MAX_DIMS], ys[KERN_MAX_DIMS];
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
    int64_t xs[KERN_MAX_DIMS], ss[KERN_MAX_DIMS], base = 0;
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
