/*
 * kernels.h - the compute kernels of the runtime (internal to src/infer/).
 * They know nothing of ONNX or graphs: plain pointers and sizes, NCHW
 * float32, contiguous. The graph executor (exec.c) calls them.
 *
 * Every kernel that does real work takes a tpool_t* (may be NULL) and splits
 * its work across it; OpenBLAS is used single-threaded inside tasks so the
 * two never fight for cores (see util/tpool.h).
 *
 * Scratch: kernels that need temporary memory (im2col) say how much through
 * a *_scratch() function; the planner reserves it in the arena, so kernels
 * never allocate.
 */
#ifndef AVP_INFER_KERNELS_H
#define AVP_INFER_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"
#include "util/tpool.h"

/* Fused activation applied to a conv's output (after bias). */
typedef enum kern_act {
    KERN_ACT_NONE = 0,
    KERN_ACT_RELU,
    KERN_ACT_LEAKY_RELU, /* alpha */
    KERN_ACT_SIGMOID,
    KERN_ACT_SILU,       /* x * sigmoid(x) */
    KERN_ACT_HARD_SIGMOID, /* max(0, min(1, alpha*x + beta)) */
    KERN_ACT_HARD_SWISH    /* x * hard_sigmoid(x) with alpha 1/6, beta 0.5 */
} kern_act_t;

typedef struct kern_act_params {
    kern_act_t act;
    float alpha, beta;
} kern_act_params_t;

typedef struct kern_conv {
    int n, c_in, h_in, w_in;     /* input */
    int c_out, h_out, w_out;     /* output */
    int k_h, k_w;
    int stride_h, stride_w;
    int pad_top, pad_left, pad_bottom, pad_right;
    int dil_h, dil_w;
    int groups;
    kern_act_params_t act;
    /* Optional: the weights as kern_conv2d_pack() laid them out (NULL:
     * only w is used), and a tensor shaped like y added after the
     * activation (a residual Add fused into the conv; NULL: none). */
    const float *packed;
    const float *residual;
} kern_conv_t;

/* Floats of scratch kern_conv2d() needs for this shape (0 for 1x1 stride-1
 * unpadded and depthwise convs), for `threads` concurrent tasks. */
size_t kern_conv2d_scratch(const kern_conv_t *p, int threads);

/* Floats kern_conv2d_pack() writes for this shape, 0 when no path of
 * this CPU would read them. Packing is done once, at load. */
size_t kern_conv2d_packed_floats(const kern_conv_t *p);
void kern_conv2d_pack(const kern_conv_t *p, const float *w, float *packed);

/* y = act(conv(x, w) + bias) (+ p->residual). w is [c_out, c_in/groups, k_h, k_w]; bias may
 * be NULL. Dispatches to 1x1 GEMM, im2col GEMM or the depthwise kernel
 * (AVX2 when the CPU has it, scalar otherwise). */
void kern_conv2d(const kern_conv_t *p, const float *x, const float *w,
                 const float *bias, float *y, float *scratch, tpool_t *tp);

/* In place activation over n floats. */
void kern_activate(const kern_act_params_t *a, float *x, size_t n, tpool_t *tp);

/* Elementwise binary ops with numpy broadcasting. Shapes are given with
 * ndim dims each, already left-padded with 1s to the same ndim (<= 8). */
typedef enum kern_binop {
    KERN_ADD, KERN_SUB, KERN_MUL, KERN_DIV, KERN_POW
} kern_binop_t;
void kern_binary(kern_binop_t op, int ndim, const int64_t *a_dims,
                 const float *a, const int64_t *b_dims, const float *b,
                 const int64_t *y_dims, float *y, tpool_t *tp);

typedef enum kern_unop {
    KERN_EXP, KERN_SIGMOID_OP, KERN_RELU_OP, KERN_IDENTITY
} kern_unop_t;
void kern_unary(kern_unop_t op, const float *x, float *y, size_t n, tpool_t *tp);

/* MaxPool 2D, NCHW. Padding cells are ignored (never win the max). */
typedef struct kern_pool {
    int n, c, h_in, w_in, h_out, w_out;
    int k_h, k_w, stride_h, stride_w;
    int pad_top, pad_left, dil_h, dil_w;
} kern_pool_t;
void kern_maxpool2d(const kern_pool_t *p, const float *x, float *y, tpool_t *tp);

/* Resize of the last two dims of an NCHW tensor. */
typedef enum kern_resize_mode { KERN_RESIZE_NEAREST, KERN_RESIZE_LINEAR } kern_resize_mode_t;
typedef enum kern_coord_mode {
    KERN_COORD_HALF_PIXEL, KERN_COORD_ASYMMETRIC, KERN_COORD_ALIGN_CORNERS,
    KERN_COORD_PYTORCH_HALF_PIXEL
} kern_coord_mode_t;
typedef enum kern_nearest_mode {
    KERN_NEAREST_ROUND_PREFER_FLOOR, KERN_NEAREST_ROUND_PREFER_CEIL,
    KERN_NEAREST_FLOOR, KERN_NEAREST_CEIL
} kern_nearest_mode_t;
typedef struct kern_resize {
    int n, c, h_in, w_in, h_out, w_out;
    float scale_h, scale_w; /* output/input; used by the coordinate transform */
    kern_resize_mode_t mode;
    kern_coord_mode_t coord;
    kern_nearest_mode_t nearest;
} kern_resize_t;
void kern_resize(const kern_resize_t *p, const float *x, float *y, tpool_t *tp);

/* Generic data movement. dims/perm/starts/steps have ndim entries. */
void kern_transpose(int ndim, const int64_t *x_dims, const int *perm,
                    const float *x, float *y);
/* Concatenate `count` inputs along axis; each input i has dims in_dims[i]. */
void kern_concat(int ndim, int axis, int count, const int64_t *const *in_dims,
                 const float *const *in, float *y);
/* Slice with per-axis start and step over x; y_dims gives the count per axis. */
void kern_slice(int ndim, const int64_t *x_dims, const int64_t *starts,
                const int64_t *steps, const int64_t *y_dims, const float *x,
                float *y);
/* Split x along axis into count outputs with sizes[i] along that axis. */
void kern_split(int ndim, const int64_t *x_dims, int axis, int count,
                const int64_t *sizes, const float *x, float *const *y);

/* Softmax over `axis` of a tensor viewed as [outer, dim, inner]. */
void kern_softmax(size_t outer, size_t dim, size_t inner, const float *x, float *y);

/* Batched matmul with numpy broadcasting over leading dims:
 * a [..., M, K] x b [..., K, N] -> y [..., M, N]. */
void kern_matmul(int ndim, const int64_t *a_dims, const float *a,
                 const int64_t *b_dims, const float *b, const int64_t *y_dims,
                 float *y, tpool_t *tp);

/* Gather along axis with int64 indices (negative counts from the end). */
void kern_gather(int ndim, const int64_t *x_dims, int axis, const float *x,
                 size_t nidx, const int64_t *idx, float *y);

/* kern_norm.c: y = (x - mean) / sqrt(var + eps) * scale + bias over each
 * of `rows` runs of `inner` floats (bias may be NULL); the mean over the
 * dims with reduced[d] set (y has the others, in order); clamp to
 * [lo, hi] (NaN stays NaN). */
void kern_layernorm(size_t rows, size_t inner, const float *x,
                    const float *scale, const float *bias, float eps, float *y);
void kern_reduce_mean(int ndim, const int64_t *dims, const int *reduced,
                      const float *x, float *y);
void kern_clip(const float *x, float *y, size_t n, float lo, float hi);

/* True when the CPU runs the AVX2+FMA kernels (runtime dispatch). */
int kern_have_avx2(void);

/* Called before any kernel runs (every model load does): opens OpenBLAS
 * and pins it to one thread (see tpool.h), and caps the instruction set
 * from the environment (kern_internal.h). AVP_EUNAVAILABLE "cannot load
 * libopenblas.so.0: <dlerror>" when OpenBLAS is missing. Safe to call
 * from any thread, any number of times. */
int kern_init(avp_error_t *err);

#endif
