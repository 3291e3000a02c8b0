/*
 * detect.h - from model outputs to boxes, and the video pipeline that runs a
 * model over a whole input. This header is the whole public API of
 * src/detect/.
 *
 * Decoding: YOLOX ([N, A, 5+C], grid/stride decode), YOLOv5 ([N, A, 5+C],
 * decoded, objectness) and YOLOv8/YOLO11 ([N, 4+C, A], no objectness);
 * class-aware NMS; boxes mapped back to source pixels.
 *
 * Pipeline (DESIGN in pipeline.c): a decode thread fills pooled input
 * tensors, a bounded queue carries them to the inference thread, which runs
 * batches, decodes and hands each batch's results to the caller's sink in
 * frame order. Backpressure comes from the pool; cancellation from a flag.
 */
#ifndef AVP_DETECT_DETECT_H
#define AVP_DETECT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "infer/infer.h"
#include "media/media.h"
#include "util/avp.h"

#define DETECT_MAX_CLASSES 1024

typedef struct detect_box {
    int cls;
    float score;
    float box[4]; /* x1, y1, x2, y2 in source pixels */
} detect_box_t;

/* The defaults of detect_params_t, the one place they are written: the
 * CLI's usage, the API's processing body (and its OpenAPI document) and
 * detect_params_default() read them. Plain literals, so AVP_STR() gives
 * their text. */
#define DETECT_DEFAULT_CONF 0.25
#define DETECT_DEFAULT_IOU 0.45
#define DETECT_DEFAULT_MAX_DET 300

typedef struct detect_params {
    float conf;      /* keep scores >= conf (DETECT_DEFAULT_CONF) */
    float iou;       /* NMS IoU threshold (DETECT_DEFAULT_IOU) */
    int max_det;     /* per frame (DETECT_DEFAULT_MAX_DET) */
    /* Optional class filter: keep[c] true keeps class c; when set it must
     * have an entry for every class of the model. NULL keeps all. */
    const bool *keep;
} detect_params_t;

void detect_params_default(detect_params_t *p);

/* The letterbox a family expects (YOLOX: BGR 0..255 top-left pad 114;
 * YOLOv5/v8: RGB /255 centered pad 114) for a model input of w x h. */
void detect_letterbox_for(infer_family_t family, int w, int h,
                          media_letterbox_t *lb);

/* Parses "yolox", "yolov5", "yolov8", "yolo11" (and "auto" -> UNKNOWN). */
int detect_family_parse(const char *s, infer_family_t *out);

/* Decodes one frame's output (the frame's slice of the output tensor,
 * dims given without the batch dimension: ndim 2) into at most
 * min(cap, p->max_det) boxes, after NMS, sorted by score (ties: anchor
 * order). Boxes are in source pixels, clipped to the image, using frame's
 * letterbox placement; with frame NULL they stay in input pixels. The class
 * filter drops a candidate whose best class is filtered out. scratch must
 * hold detect_scratch_floats() floats (0 means the dims fit no family).
 * Returns the number of boxes, or AVP_EFORMAT when dims do not fit the
 * family and input size. Allocation-free; safe from any thread with its own
 * scratch. */
size_t detect_scratch_floats(infer_family_t family, const int64_t *dims);
int detect_decode(infer_family_t family, int input_w, int input_h,
                  const int64_t *dims, const float *out,
                  const detect_params_t *p, const media_frame_t *frame,
                  float *scratch, detect_box_t *boxes, int cap);

/* Class-aware NMS over n boxes in place, with cv2.dnn.NMSBoxes semantics
 * per class (IoU > iou suppresses; equal scores keep the earlier box).
 * Returns how many are kept, first and sorted by score, or AVP_EINVAL if a
 * class is outside [0, DETECT_MAX_CLASSES). Allocates work memory of its
 * own (detect_decode() does the same on its scratch instead). */
int detect_nms(detect_box_t *boxes, int n, float iou, int max_det);

float detect_iou(const float *a, const float *b);

/* Class names: COCO-80 by default, or one per line from a file (trimmed;
 * an empty line is an error naming its line; at most DETECT_MAX_CLASSES).
 * Handles are immutable once made, so safe to share between threads;
 * returned strings live as long as the handle (or forever for "class_N"). */
typedef struct detect_names detect_names_t;
detect_names_t *detect_names_coco(void);
int detect_names_load(const char *path, detect_names_t **out, avp_error_t *err);
/* A copy of count names (a model's metadata); COCO's ids when they are
 * exactly the COCO-80 list. count <= DETECT_MAX_CLASSES. */
detect_names_t *detect_names_copy(const char *const *names, int count);
void detect_names_destroy(detect_names_t *n); /* NULL is a no-op */
int detect_names_count(const detect_names_t *n);
const char *detect_names_get(const detect_names_t *n, int cls); /* "class_N" past the end */
int detect_names_find(const detect_names_t *n, const char *name); /* -1 if absent */

/* ---- Pipeline ---------------------------------------------------------- */

typedef struct detect_frame_result {
    media_frame_t frame;
    const detect_box_t *boxes; /* valid during the sink call only */
    int count;
} detect_frame_result_t;

typedef struct detect_progress {
    int64_t frames_done;  /* frames through the sink */
    int64_t frames_total; /* estimate; 0 if unknown */
    double fps;           /* frames per second since start */
    double elapsed;       /* seconds */
} detect_progress_t;

/* Called on the inference thread with one batch of results, in frame order.
 * Returning non-zero stops the run, and detect_pipeline_run() returns that
 * code. */
typedef int (*detect_sink_fn)(void *user, const detect_frame_result_t *frames,
                              int n);
typedef void (*detect_progress_fn)(void *user, const detect_progress_t *p);

typedef struct detect_pipeline_opts {
    infer_family_t family;      /* UNKNOWN: use the model's guess */
    detect_params_t params;
    media_options_t media;
    int queue_depth;            /* pooled tensors in flight (default 2 x batch) */
    detect_sink_fn sink;
    detect_progress_fn progress;/* may be NULL; at most every 250 ms, and at the end */
    void *user;
    const volatile int *cancel; /* may be NULL; non-zero stops the run */
    media_damage_t *damage;     /* may be NULL; a finished run writes what
                                 * damage to the video cost (a warning) */
} detect_pipeline_opts_t;

/* Runs model over input. The model's batch size (from infer_options) is the
 * pipeline's batch; the model is used from the calling thread only. Blocks
 * until the input ends, the sink or cancel flag stops it, or an error.
 * Frames decoded before a decode error still reach the sink. Returns AVP_OK,
 * AVP_ECANCELLED, the sink's code, or an error with err. All per-run memory
 * is allocated before the first frame; nothing per frame after that. */
int detect_pipeline_run(infer_model_t *model, const char *input,
                        const detect_pipeline_opts_t *opt, avp_error_t *err);

/* ---- Output files ------------------------------------------------------ */

/* Writers for `avp detect`: JSONL (one detection per line) and COCO results
 * (the formats are in writer.c; COCO category ids are COCO's 91-id scheme
 * with the built-in names, class + 1 otherwise). Both write to "<path>.tmp"
 * and rename on commit, so a failed run leaves no partial file. names must
 * outlive the writer. A writer is used by one thread. add returns AVP_OK or
 * AVP_EIO; commit and abort free the writer. */
typedef struct detect_writer detect_writer_t;
typedef enum detect_format { DETECT_FORMAT_JSONL, DETECT_FORMAT_COCO } detect_format_t;
int detect_writer_open(const char *path, detect_format_t fmt,
                       const detect_names_t *names, detect_writer_t **out,
                       avp_error_t *err);
int detect_writer_add(detect_writer_t *w, const detect_frame_result_t *f);
int detect_writer_commit(detect_writer_t *w, avp_error_t *err); /* closes */
void detect_writer_abort(detect_writer_t *w); /* removes the temp file; NULL ok */

#endif
