/*
 * internal.h - the runtime's intermediate representation and the stages
 * that turn an ONNX file into a runnable plan (internal to src/infer/).
 *
 * DESIGN: load is a pipeline over one ir_graph_t.
 *   onnx_load.c  protobuf bytes -> tensors, nodes, attributes (ir_graph_t)
 *   ops.c        op type -> ir_op_t, attributes -> ir_params_t; anything the
 *                runtime cannot honour fails here, naming node, op, attribute
 *   shape.c      static shapes in node order, batch rewritten to N; folds
 *                constant subgraphs (fold.c) as soon as their inputs are known
 *   fuse.c       BatchNormalization into Conv, Conv + activation + residual
 *                Add, conv weights packed for the kernels
 *   plan.c       view ops become aliases, activations share one arena by
 *                liveness
 *   exec.c       runs the live nodes, calling kernels.h (profile.c times
 *                each node when AVP_INFER_PROFILE=1)
 * Tensors and nodes are addressed by index; -1 means "absent".
 */
#ifndef AVP_INFER_INTERNAL_H
#define AVP_INFER_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "infer/infer.h"
#include "infer/kernels.h"
#include "util/avp.h"

#define IR_MAX_DIMS INFER_MAX_DIMS
#define IR_MAX_ELEMS (INT64_C(1) << 30) /* per tensor: 4 GiB of floats */
#define IR_MAX_PARTS 64 /* inputs or outputs of a node run at run time */

/* Element types, with ONNX's TensorProto.DataType codes. INT32, DOUBLE
 * and FLOAT16 are converted on load; UINT8 and INT8 stay bytes (quantized
 * weights and zero points); only FLOAT tensors exist at run time. */
typedef enum ir_dtype {
    IR_FLOAT = 1, IR_UINT8 = 2, IR_INT8 = 3, IR_INT32 = 6, IR_INT64 = 7,
    IR_FLOAT16 = 10, IR_DOUBLE = 11
} ir_dtype_t;

typedef struct ir_tensor {
    char *name;
    ir_dtype_t dtype;
    int ndim;                   /* -1 until shape inference reaches it */
    int64_t dims[IR_MAX_DIMS];
    void *data;                 /* constant value (owned, aligned) or NULL */
    int batch_major;            /* dims[0] is the batch: frame i is a prefix */
    int producer;               /* node index; -1 for inputs and constants */
    int uses;                   /* live nodes reading it */
    int is_output;
    /* Filled by plan.c. */
    int alias;                  /* tensor whose storage this one views, -1 */
    int64_t alias_offset;       /* floats into the alias's storage */
    int first, last;            /* live range in node indices */
    size_t offset;              /* in the arena (alias roots only) */
    size_t bytes;               /* planned size (alias roots only) */
    int64_t frame_stride;       /* frame loop: floats per frame, else 0 */
    float *base;                /* storage of frame 0 */
    float *ptr;                 /* resolved storage at run time */
} ir_tensor_t;

typedef enum ir_attr_type {
    IR_ATTR_FLOAT = 1, IR_ATTR_INT, IR_ATTR_STRING, IR_ATTR_TENSOR,
    IR_ATTR_FLOATS = 6, IR_ATTR_INTS
} ir_attr_type_t;

typedef struct ir_attr {
    char *name;
    ir_attr_type_t type;
    int64_t i;
    float f;
    char *s;
    int n, nf;                  /* count of ints, of floats */
    int64_t *ints;
    float *floats;
    int tensor;                 /* constant tensor index for TENSOR */
    int used;                   /* read by ops.c; unread ones are errors */
} ir_attr_t;

typedef enum ir_op {
    OP_CONV, OP_BATCHNORM, OP_SIGMOID, OP_EXP, OP_RELU, OP_LEAKYRELU,
    OP_HARDSIGMOID, OP_HARDSWISH, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW,
    OP_CONCAT, OP_SPLIT, OP_SLICE, OP_MAXPOOL, OP_RESIZE, OP_UPSAMPLE,
    OP_RESHAPE, OP_FLATTEN, OP_SQUEEZE, OP_UNSQUEEZE, OP_IDENTITY,
    OP_TRANSPOSE, OP_SOFTMAX, OP_MATMUL, OP_GATHER, OP_CONSTANT, OP_SHAPE,
    OP_CAST, OP_CONSTANTOFSHAPE, OP_RANGE,
    OP_LAYERNORM, OP_REDUCEMEAN, OP_CLIP, /* ops_norm.c */
    OP_PAD,                                /* ops_pad.c */
    OP_DYNQUANT, OP_CONVINTEGER, /* only as parts of an OP_QCONV (quant.c) */
    OP_QUANTIZE, OP_DEQUANTIZE, /* QDQ: fused or folded by quant_qdq.c */
    OP_QCONV,                   /* integer conv with a float epilogue */
    OP_FAKEQUANT,               /* a Q -> DQ pair on floats */
    OP_MATMULINTEGER,           /* only as part of an OP_QMATMUL */
    OP_QLINEARCONV, OP_QLINEARMATMUL, OP_QLINEARADD, OP_QLINEARMUL,
    OP_QLINEARSIGMOID, OP_QLINEARLEAKYRELU, OP_QLINEARCONCAT,
    OP_QLINEARGAP,              /* QOperator: rewritten by quant_qop.c */
    OP_QMATMUL,                 /* integer MatMul, constant weights */
    OP_COUNT
} ir_op_t;

enum { IR_PAD_NOTSET, IR_PAD_SAME_UPPER, IR_PAD_SAME_LOWER, IR_PAD_VALID };

/* Parsed attributes and shape-derived parameters; each op uses a few. */
typedef struct ir_params {
    int64_t kernel[2], strides[2], dil[2], pads[4]; /* top left bottom right */
    int auto_pad, ceil_mode, group;
    int axis;
    int nperm, perm[IR_MAX_DIMS];
    float alpha, beta, eps;
    int to;                     /* Cast target dtype */
    int allowzero;              /* Reshape */
    int64_t shape_start, shape_end; /* Shape (opset 15) */
    int has_end;
    kern_resize_mode_t rmode;
    kern_coord_mode_t coord;
    kern_nearest_mode_t nearest;
    float scale_h, scale_w;     /* Resize: output/input for the kernel */
    int64_t starts[IR_MAX_DIMS], steps[IR_MAX_DIMS]; /* Slice, per axis */
    int64_t *sizes;             /* Split: per output (owned) */
    int num_outputs;            /* Split (opset 18): uneven, last smaller */
    int naxes;                  /* Squeeze/Unsqueeze/ReduceMean attr form */
    int64_t axes[IR_MAX_DIMS];
    int keepdims, noop_empty;   /* ReduceMean */
    int pad_mode;               /* Pad (starts, steps: pads begin, end) */
    int reduced[IR_MAX_DIMS];   /* ReduceMean: 1 for each reduced dim */
    kern_act_params_t act;      /* Conv: fused activation */
    int in_place;               /* Concat: producers wrote the output */
} ir_params_t;

/* A Conv's inputs after fuse.c: the ONNX ones (x, w, optional bias), then
 * a residual added after the activation (a fused Add) and the weights
 * packed for the kernel; absent ones are -1. */
enum { IR_CONV_BIAS = 2, IR_CONV_RESIDUAL = 3, IR_CONV_PACKED = 4, IR_CONV_SLOTS = 5 };

typedef struct ir_node {
    char *name, *op_type;
    ir_op_t op;
    int nin, nout;
    int *in, *out;
    int nattr;
    ir_attr_t *attr;
    int dead;                   /* folded or fused away */
    ir_params_t p;
} ir_node_t;

/* metadata_props AVP reads (meta.c), as the file has them. */
enum {
    IR_META_NAMES, IR_META_TASK, IR_META_IMGSZ, IR_META_STRIDE,
    IR_META_BATCH, IR_META_HALF, IR_META_AUTHOR, IR_META_COUNT
};

typedef struct ir_graph {
    ir_tensor_t *t;
    int nt, cap_t;
    ir_node_t *n;
    int nn, cap_n;
    int *inputs, ninputs;
    int *outputs, noutputs;
    int opset;
    int64_t batch;
    int64_t params;             /* float and 8-bit initializer elements */
    char *meta[IR_META_COUNT];  /* metadata values, NULL if absent */
    /* name -> tensor index, open addressing */
    int *hash;
    size_t hash_cap;
} ir_graph_t;

/* graph.c */
void ir_graph_init(ir_graph_t *g);
void ir_graph_free(ir_graph_t *g);
int ir_tensor_find(const ir_graph_t *g, const char *name);
int ir_tensor_add(ir_graph_t *g, const char *name); /* new, unnamed if NULL */
int ir_tensor_get(ir_graph_t *g, const char *name); /* find or add */
void ir_tensor_set_name(ir_graph_t *g, int t, char *name); /* takes name */
ir_node_t *ir_node_add(ir_graph_t *g);
int64_t ir_numel(const ir_tensor_t *t);
size_t ir_dtype_size(ir_dtype_t dt);
int ir_tensor_alloc(ir_tensor_t *t, ir_dtype_t dt, int ndim,
                    const int64_t *dims); /* sets data, 0 or AVP_ENOMEM */
void ir_node_kill(ir_graph_t *g, ir_node_t *nd);
int ir_count_uses(ir_graph_t *g);
const char *ir_dims_str(const ir_tensor_t *t, char *buf, size_t len);

/* onnx_load.c */
int onnx_load(ir_graph_t *g, const uint8_t *data, size_t len,
              avp_error_t *err);

/* ops.c */
int ir_ops_parse(ir_graph_t *g, avp_error_t *err);
const char *ir_op_name(ir_op_t op);
int ir_node_error(const ir_node_t *nd, avp_error_t *err, int code,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Attribute readers for the per-op parsers in other files: each marks the
 * attribute read and points *bad at its name when its type or count is
 * wrong; absent gives def (ints: 0 entries, out untouched). */
int64_t ir_attr_int(ir_node_t *nd, const char *name, int64_t def,
                    const char **bad);
float ir_attr_float(ir_node_t *nd, const char *name, float def,
                    const char **bad);
int ir_attr_ints(ir_node_t *nd, const char *name, int64_t *out, int want,
                 const char **bad);
int ir_attr_enum(ir_node_t *nd, const char *name, const char *const *names,
                 const char **bad); /* index, -1 absent, -2 unknown */

/* ops_norm.c: LayerNormalization, ReduceMean, Clip. */
void ir_norm_parse(const ir_graph_t *g, ir_node_t *nd, const char **bad);
int ir_norm_shape(ir_graph_t *g, ir_node_t *nd, avp_error_t *err);
void ir_norm_run(ir_graph_t *g, const ir_node_t *nd, int n);

/* ops_pad.c: Pad. */
void ir_pad_parse(ir_node_t *nd, const char **bad);
int ir_pad_shape(ir_graph_t *g, ir_node_t *nd, avp_error_t *err);
void ir_pad_run(ir_graph_t *g, const ir_node_t *nd, int n);

/* quant.c: DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul [-> Add]
 * (ONNX Runtime's quantize_dynamic) and Q -> DQ -> Conv(DQ(w)) (the QDQ
 * format) rewritten as one OP_QCONV, whose inputs are x, w, bias, then
 * the packed weights quant.c made; other Q -> DQ pairs become
 * OP_FAKEQUANT. Runs after ir_ops_parse, before shapes; integer ops it
 * cannot fuse are refused naming the node. */
int ir_quant_fuse(ir_graph_t *g, avp_error_t *err);
int ir_quant_shape(ir_graph_t *g, ir_node_t *nd, avp_error_t *err);
size_t ir_quant_scratch(const ir_graph_t *g, const ir_node_t *nd,
                        int one_frame, int threads);
void ir_quant_run(const ir_graph_t *g, const ir_node_t *nd, int n,
                  float *scratch, tpool_t *tp);
void ir_quant_fake_run(const ir_graph_t *g, const ir_node_t *nd, int n,
                       tpool_t *tp);

/* shape.c */
int ir_shapes_infer(ir_graph_t *g, avp_error_t *err);
int ir_broadcast(int na, const int64_t *a, int nb, const int64_t *b,
                 int *ny, int64_t *y);
int ir_norm_axis(int64_t axis, int ndim, int *out);
/* Input i of nd (NULL when absent), and the shape setter every shape rule
 * ends with: batch_major holds only while dim 0 is still the batch. */
ir_tensor_t *ir_shape_in(ir_graph_t *g, const ir_node_t *nd, int i);
void ir_shape_set_out(ir_graph_t *g, const ir_node_t *nd, int o, ir_dtype_t dt,
                      int ndim, const int64_t *dims, int batch_major);

/* shape_layout.c */
int ir_shapes_resize(ir_graph_t *g, ir_node_t *nd, avp_error_t *err);
int ir_shapes_layout(ir_graph_t *g, ir_node_t *nd, avp_error_t *err);

/* fold.c */
int ir_fold_foldable(const ir_graph_t *g, const ir_node_t *nd);
int ir_fold_node(ir_graph_t *g, ir_node_t *nd, avp_error_t *err);
int ir_const_ints(const ir_tensor_t *t, int64_t *v, int max);

/* fuse.c */
int ir_fuse(ir_graph_t *g, avp_error_t *err);

/* plan.c */
typedef struct ir_plan {
    size_t arena_bytes;         /* activations + scratch */
    size_t scratch_floats;
    size_t scratch_offset;      /* bytes into the arena */
    int partial_ok;             /* ops are batch-major: run n < batch cheaply */
    int frame_loop;             /* run a batch as one pass per frame */
} ir_plan_t;
int ir_plan_build(ir_graph_t *g, int threads, ir_plan_t *plan,
                  avp_error_t *err);
void ir_plan_bind(ir_graph_t *g, float *arena);
void ir_plan_frame(ir_graph_t *g, int frame); /* frame loop: move I/O on */

/* exec.c */
size_t ir_exec_conv_scratch(const ir_graph_t *g, const ir_node_t *nd,
                            int one_frame, int threads);
/* The conv's weights laid out for its kernel (kern_conv2d_pack()), and how
 * many floats that takes (0: this CPU's kernels read w as it is). */
size_t ir_exec_conv_packed_floats(const ir_graph_t *g, const ir_node_t *nd);
void ir_exec_conv_pack(const ir_graph_t *g, const ir_node_t *nd, float *packed);
/* Runs the live nodes on n frames; prof (NULL: off) receives each node's
 * wall time. */
typedef struct ir_profile ir_profile_t;
void ir_exec_run(ir_graph_t *g, int n, float *scratch, tpool_t *tp,
                 ir_profile_t *prof);

/* profile.c: per-node timing, on when AVP_INFER_PROFILE=1 at load.
 * create returns NULL when off; print writes the totals per op kind. */
ir_profile_t *ir_profile_create(const ir_graph_t *g);
void ir_profile_destroy(ir_profile_t *p);
void ir_profile_start(ir_profile_t *p);
void ir_profile_stop(ir_profile_t *p, int node);
void ir_profile_frames(ir_profile_t *p, int n);
void ir_profile_print(const ir_profile_t *p, const ir_graph_t *g, FILE *out);

/* model.c: the graph behind a loaded model, for tests. */
const ir_graph_t *ir_model_graph(const infer_model_t *m);

/* info.c */
typedef struct ir_info_state {
    infer_info_t info;
    infer_tensor_info_t *inputs, *outputs;
    infer_op_count_t *ops;
    char **names;               /* class names from the metadata */
    int tail_sigmoids, tail_leaves; /* tail.c's walk */
} ir_info_state_t;
void ir_info_histogram(const ir_graph_t *g, ir_info_state_t *s);
void ir_info_finish(const ir_graph_t *g, ir_info_state_t *s);
void ir_info_free(ir_info_state_t *s);

/* tail.c: raw logits at the output, found and activated. */
void ir_tail_scan(const ir_graph_t *g, ir_info_state_t *s);
void ir_tail_decide(ir_info_state_t *s);
void ir_tail_apply(const ir_graph_t *g, const infer_info_t *info, int n,
                   tpool_t *tp);

/* meta.c */
int ir_meta_entry(ir_graph_t *g, const uint8_t *data, size_t len,
                  avp_error_t *err);
int ir_meta_fill_inputs(ir_graph_t *g, avp_error_t *err);
int ir_meta_read(const ir_graph_t *g, ir_info_state_t *s, avp_error_t *err);
int ir_meta_check(const infer_info_t *info, avp_error_t *err);
void ir_meta_free(ir_graph_t *g);

#endif
