/*
 * quant_internal.h - what quant.c (dynamic and QDQ models) shares with
 * quant_qop.c (the QOperator format): both end in the same integer
 * nodes, OP_QCONV and OP_QMATMUL (internal to src/infer/).
 */
#ifndef AVP_INFER_QUANT_INTERNAL_H
#define AVP_INFER_QUANT_INTERNAL_H

#include "infer/internal.h"
#include "infer/kern_int8.h"

/* The parts of one integer conv or MatMul, whatever format wrote it. */
typedef struct quant_chain {
    ir_node_t *dq, *conv, *cast, *mul, *add; /* dynamic: the nodes */
    int x;          /* the float input */
    int w, w_zp;    /* constant 8-bit weights, zero point (or -1): conv
                     * [M, C, kh, kw], MatMul [K, N] */
    int w_scale;    /* constant float: scalar or per channel */
    int bias;       /* constant float per channel (or int32 with
                     * bias_scale), or -1 */
    int bias_scale;
    int x_quant;    /* static: constant float {scale, zero point as
                     * uint8, 0, 255} */
    int y;          /* the float output */
} quant_chain_t;

/* Per-tensor quantization constants: scale, zero point (0 when absent)
 * and whether the integers are uint8. */
typedef struct qparam {
    float scale;
    int zp, is_u8;
} qparam_t;

/* A new constant tensor [d0] (d1 == 0) or [d0, d1]; -1 when out of
 * memory. The tensor array may move. */
int quant__new_const(ir_graph_t *g, ir_dtype_t dt, int64_t d0, int64_t d1);

/* Constant scale s and zero point z (-1: absent) as one qparam_t; 0 when
 * they are not per-tensor constants with a finite positive scale. */
int quant__qparam_read(const ir_graph_t *g, int s, int z, qparam_t *q);

/* {scale, zero point, low, high} of q as a constant, in the uint8 domain
 * when `u8_domain` (int8 values plus 128: x - zp is unchanged). */
int quant__qparam_const(ir_graph_t *g, const qparam_t *q, int u8_domain);

/* c->conv becomes `op` (OP_QCONV or OP_QMATMUL) with inputs x, w, bias,
 * packed weights, terms, scales [, x_quant] and output c->y. */
int quant__chain_fuse(ir_graph_t *g, quant_chain_t *c, ir_op_t op);

/* The constants of a fused node's kernel: w, terms, w_scale, bias and
 * the static quantization of x, from the node's inputs. */
void quant__kern_consts(const ir_graph_t *g, const ir_node_t *nd,
                        kern_qconv_t *q);

/* quant_matmul.c: OP_QMATMUL, x [..., K] times constant w [K, N] as a
 * 1x1 integer conv over the frame's rows. */
size_t quant__matmul_scratch(const ir_graph_t *g, const ir_node_t *nd,
                             int threads);
void quant__matmul_run(const ir_graph_t *g, const ir_node_t *nd, int n,
                       float *scratch, tpool_t *tp);

/* quant_qop.c: the QOperator format rewritten into OP_QCONV,
 * OP_QMATMUL, float ops and OP_FAKEQUANT; every 8-bit tensor the graph
 * passes between nodes held as its dequantized floats. */
int quant__qop_rewrite(ir_graph_t *g, avp_error_t *err);

#endif
