/*
 * quant_matmul.c - OP_QMATMUL: a quantized MatMul with constant weights
 * (MatMulInteger from quantize_dynamic, QLinearMatMul from
 * quantize_static's QOperator format) on the integer conv kernel.
 *
 * DESIGN: x [..., R, K] times w [K, N] is, per frame, a 1x1 conv of the
 * frame's R rows as R pixels of K channels: x is transposed to [K][R],
 * convolved with the weights packed as N rows of K (quant.c did that at
 * load), and the [N][R] result transposed back. The transposes are
 * R * (K + N) floats against R * K * N multiply-adds; the kernel then
 * quantizes, sums in int32 and scales exactly as it does for a conv, so
 * per-column weight scales and zero points are its per-channel ones.
 * A frame is quantized as a whole, as DynamicQuantizeLinear quantizes
 * the whole tensor at batch 1.
 */
#include "infer/quant_internal.h"

#include <string.h>

/* Frames, rows per frame, K and N of a run on n frames. */
typedef struct mm_dims {
    int frames, rows, k, n;
    size_t in, out;  /* floats per frame */
} mm_dims_t;

static mm_dims_t mm_dims(const ir_graph_t *g, const ir_node_t *nd, int n)
{
    const ir_tensor_t *x = &g->t[nd->in[0]], *w = &g->t[nd->in[1]];
    mm_dims_t d = {.frames = x->batch_major ? n : 1, .k = (int)w->dims[0],
                   .n = (int)w->dims[1]};
    d.in = (size_t)ir_numel(x) / (size_t)(x->batch_major ? x->dims[0] : 1);
    d.rows = (int)(d.in / (size_t)d.k);
    d.out = (size_t)d.rows * (size_t)d.n;
    return d;
}

static void mm_params(const ir_graph_t *g, const ir_node_t *nd,
                      const mm_dims_t *d, kern_qconv_t *q)
{
    *q = (kern_qconv_t){
        .conv = {
            .n = 1, .c_in = d->k, .h_in = 1, .w_in = d->rows,
            .c_out = d->n, .h_out = 1, .w_out = d->rows, .k_h = 1, .k_w = 1,
            .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,
            .groups = 1,
        },
    };
    quant__kern_consts(g, nd, q);
}

int ir_quant_shape(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const ir_tensor_t *x = &g->t[nd->in[0]], *w = &g->t[nd->in[1]];
    if (x->ndim < 1 || x->dims[x->ndim - 1] != w->dims[0])
        return ir_node_error(nd, err, AVP_EFORMAT, "input's last dim is not "
                             "the weights' %lld rows",
                             (long long)w->dims[0]);
    int64_t dims[IR_MAX_DIMS];
    memcpy(dims, x->dims, sizeof(dims));
    dims[x->ndim - 1] = w->dims[1];
    ir_shape_set_out(g, nd, 0, IR_FLOAT, x->ndim, dims, x->batch_major);
    return 0;
}

size_t quant__matmul_scratch(const ir_graph_t *g, const ir_node_t *nd,
                             int threads)
{
    mm_dims_t d = mm_dims(g, nd, 1);
    kern_qconv_t q;
    mm_params(g, nd, &d, &q);
    return d.in + d.out + (kern_qconv_scratch(&q, threads) +
                           sizeof(float) - 1) / sizeof(float);
}

static void transpose(const float *src, int rows, int cols, float *dst)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

void quant__matmul_run(const ir_graph_t *g, const ir_node_t *nd, int n,
                       float *scratch, tpool_t *tp)
{
    mm_dims_t d = mm_dims(g, nd, n);
    kern_qconv_t q;
    mm_params(g, nd, &d, &q);
    const float *x = g->t[nd->in[0]].ptr;
    float *y = g->t[nd->out[0]].ptr, *xt = scratch, *yt = scratch + d.in;
    for (int f = 0; f < d.frames; f++) {
        transpose(x + f * d.in, d.rows, d.k, xt);
        kern_qconv(&q, xt, yt, yt + d.out, tp);
        transpose(yt, d.n, d.rows, y + f * d.out);
    }
}
