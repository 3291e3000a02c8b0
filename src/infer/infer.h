/*
 * infer.h - AVP's ONNX runtime: loads a YOLO-family ONNX file (opset 11-21)
 * straight from its protobuf bytes, plans it, and runs batches of frames on
 * the CPU. This header is the whole public API of src/infer/.
 *
 * Life cycle: infer_model_load() parses, checks every node (an unsupported
 * op or attribute fails here, naming the node), folds constants and
 * BatchNormalization, fuses Conv+activation, rewrites the batch dimension
 * to opt->batch, infers every shape and plans all activations into one arena
 * allocated at load. infer_model_run() then allocates nothing.
 *
 * Ownership: the model owns its weights, arena and thread pool. Pointers
 * returned by infer_model_input()/infer_model_output()/infer_model_info()
 * stay valid until infer_model_destroy().
 *
 * Thread model: one model handle runs one batch at a time; use it from one
 * thread (or serialize). Different handles are independent.
 */
#ifndef AVP_INFER_INFER_H
#define AVP_INFER_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"

#define INFER_MAX_DIMS 8

typedef struct infer_model infer_model_t;

typedef struct infer_options {
    /* frames per run; the graph's batch dim of 1 is rewritten (default 1).
     * A graph whose batch cannot be rewritten loads at 1 instead, saying
     * why in infer_info_t.batch_note: read the batch from inputs[0]. */
    int batch;
    int threads; /* worker threads for kernels (default 1) */
} infer_options_t;

typedef struct infer_tensor_info {
    char name[128];
    int ndim;
    int64_t dims[INFER_MAX_DIMS]; /* dims[0] is the batch after rewriting */
} infer_tensor_info_t;

typedef enum infer_family {
    INFER_FAMILY_UNKNOWN = 0,
    INFER_FAMILY_YOLOX,  /* [N, A, 5+C], raw grid offsets */
    INFER_FAMILY_YOLOV5, /* [N, A, 5+C], decoded boxes, objectness */
    INFER_FAMILY_YOLOV8  /* [N, 4+C, A], no objectness (YOLOv8, YOLO11) */
} infer_family_t;

typedef struct infer_op_count {
    char op[32];
    int count;
} infer_op_count_t;

typedef struct infer_info {
    int opset;
    int num_inputs, num_outputs;
    const infer_tensor_info_t *inputs;  /* shapes at the loaded batch */
    const infer_tensor_info_t *outputs;
    int num_op_counts;                  /* histogram of the file's ops */
    const infer_op_count_t *op_counts;
    int64_t params;                     /* weights, counted before folding */
    double flops_per_frame;             /* 2 x multiply-adds, batch 1 */
    size_t arena_bytes;                 /* activation memory at this batch */
    infer_family_t family;              /* guessed from the graph and output */
    int num_classes;                    /* 0 if family unknown */
    /* From ultralytics' metadata_props (absent: 0, "" or NULL). */
    int num_names;
    const char *const *names;           /* class names, in class order */
    char task[32];                      /* "detect", "segment", ... */
    int64_t imgsz[2];                   /* export size, h and w */
    int stride, export_batch, half, ultralytics;
    /* The export lacks the final Sigmoid on its scores (raw logits):
     * infer_model_activate_scores() makes runs apply it. */
    int raw_scores;
    /* Why the model runs at batch 1 though a larger batch was asked for
     * (its graph hard-codes batch 1 where AVP cannot rewrite it), or "". */
    char batch_note[640];
} infer_info_t;

/* Loads path. On failure returns a negative AVP_E* code, *out is NULL and
 * err says what is wrong (file, node, op, attribute). */
int infer_model_load(const char *path, const infer_options_t *opt,
                     infer_model_t **out, avp_error_t *err);

/* Same, from bytes in memory (the caller keeps ownership of data; the
 * model copies what it needs). */
int infer_model_load_buffer(const void *data, size_t len,
                            const infer_options_t *opt, infer_model_t **out,
                            avp_error_t *err);

void infer_model_destroy(infer_model_t *m); /* NULL is a no-op */

const infer_info_t *infer_model_info(const infer_model_t *m);

/* The input tensor (NCHW float32, batch x C x H x W, in the arena) that the
 * caller fills before infer_model_run(). */
float *infer_model_input(infer_model_t *m, int index);

/* For a model with info.raw_scores, makes every later run apply the
 * missing Sigmoid to the score entries of output 0 (objectness and
 * classes), so the output is what the family's decoder expects; a no-op
 * for other models. Without it the output is the graph's own. */
void infer_model_activate_scores(infer_model_t *m);

/* Runs the first n frames of the batch (1 <= n <= batch). Frames n..batch-1
 * are not computed and their outputs are undefined. */
int infer_model_run(infer_model_t *m, int n, avp_error_t *err);

/* Output tensor after a run; info (may be NULL) receives its shape. */
const float *infer_model_output(const infer_model_t *m, int index,
                                infer_tensor_info_t *info);

const char *infer_family_name(infer_family_t f);

#endif
