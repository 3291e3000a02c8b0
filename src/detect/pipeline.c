/*
 * pipeline.c - runs a model over a whole input (video, image or folder).
 *
 * DESIGN
 *
 * Two threads. The decode thread owns the media source: it takes a tensor
 * buffer (3 x H x W floats) from a bufpool of queue_depth buffers, has
 * media_source_read() decode and letterbox the next frame straight into it,
 * and pushes the buffer with its frame record onto a bounded queue (a ring
 * of queue_depth slots under a mutex and a condition variable). The
 * inference thread is the caller's: it pops up to `batch` frames, copies
 * each into its slot of the model's input tensor and gives the buffer back
 * at once, runs the batch, decodes every frame's slice of the output with
 * detect_decode() and hands the batch to the sink in frame order.
 *
 * Why this shape:
 * - Backpressure comes from the pool: when every buffer is decoded and
 *   waiting, the decode thread blocks in bufpool_acquire(). The ring has as
 *   many slots as the pool has buffers, so a push never blocks and the
 *   decode thread can only ever wait in one place.
 * - Frames are copied into the input tensor (2 MB at 416 x 416, a fraction
 *   of a millisecond against ~100 ms of inference) rather than decoded into
 *   it, because the decode thread works ahead while a batch is running on
 *   that tensor. The copy also frees the buffer before the run, so the
 *   decoder stays up to queue_depth frames ahead during inference.
 * - A short batch at the end is fine: popping waits only for the next frame
 *   or the end of the input, and infer_model_run() takes n <= batch.
 * - Nothing is allocated per frame: the pool, ring, NMS scratch and result
 *   arrays are sized once, before the decode thread starts.
 *
 * Stopping: the inference thread checks the cancel flag between batches,
 * the decode thread before each frame. Either side's error stops both: the
 * decode thread reports through the queue (frames decoded before its error
 * are still run, then the error is returned); the inference thread sets
 * `stop` and closes the pool, which wakes a decode thread blocked in
 * acquire, then joins it and returns every queued buffer to the pool.
 */
#include "detect/internal.h"
#include "util/bufpool.h"

#include <stdatomic.h>
#include <string.h>

typedef struct run {
    infer_model_t *model;
    const detect_pipeline_opts_t *opt;
    infer_family_t family;
    int batch, in_w, in_h, per_frame;
    int64_t out_dims[2];
    size_t frame_floats, out_stride;

    media_source_t *src;
    media_letterbox_t lb;
    bufpool_t *pool;
    detect__queue_t queue;
    pthread_t thread;
    atomic_int stop;

    float *scratch;
    detect_box_t *boxes;            /* batch x per_frame */
    detect_frame_result_t *results; /* batch */

    double start, last_report;
    int64_t frames_done, frames_total;
} run_t;

static int cancelled(const run_t *r)
{
    return atomic_load(&r->stop) || (r->opt->cancel && *r->opt->cancel);
}

static void *decode_main(void *arg)
{
    run_t *r = arg;
    avp_error_t err = {0};
    int rc;
    for (;;) {
        if (cancelled(r)) {
            rc = avp_error_set(&err, AVP_ECANCELLED, "cancelled");
            break;
        }
        float *buf = bufpool_acquire(r->pool);
        if (!buf) { /* the inference thread closed the pool: it is stopping */
            rc = avp_error_set(&err, AVP_ECANCELLED, "stopped");
            break;
        }
        media_frame_t frame;
        rc = media_source_read(r->src, &r->lb, buf, &frame, &err);
        if (rc <= 0) {
            bufpool_release(r->pool, buf);
            break;
        }
        rc = detect__queue_push(&r->queue, buf, &frame);
        if (rc != AVP_OK) {
            bufpool_release(r->pool, buf);
            avp_error_set(&err, rc, "frame queue overflow");
            break;
        }
    }
    detect__queue_finish(&r->queue, rc, &err);
    return NULL;
}

/* Model shapes -> the run's geometry; fails on shapes no family fits. */
static int read_shapes(run_t *r, avp_error_t *err)
{
    const infer_info_t *info = infer_model_info(r->model);
    const infer_tensor_info_t *in = &info->inputs[0], *out = &info->outputs[0];
    if (in->ndim != 4 || in->dims[1] != 3 || out->ndim != 3)
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "model: expected a [N, 3, H, W] input and a "
                             "3-D output, not %d-D and %d-D", in->ndim,
                             out->ndim);
    r->family = r->opt->family ? r->opt->family : info->family;
    infer_model_activate_scores(r->model); /* an export without its Sigmoid */
    if (r->family == INFER_FAMILY_UNKNOWN)
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "model: cannot tell its YOLO family; name it");
    r->batch = (int)in->dims[0];
    r->in_h = (int)in->dims[2];
    r->in_w = (int)in->dims[3];
    r->frame_floats = (size_t)3 * (size_t)r->in_h * (size_t)r->in_w;
    r->out_dims[0] = out->dims[1];
    r->out_dims[1] = out->dims[2];
    r->out_stride = (size_t)out->dims[1] * (size_t)out->dims[2];
    if (detect_scratch_floats(r->family, r->out_dims) == 0)
        return avp_error_set(err, AVP_EFORMAT,
                             "model: output [%lld, %lld] does not fit %s",
                             (long long)r->out_dims[0],
                             (long long)r->out_dims[1],
                             infer_family_name(r->family));
    return AVP_OK;
}

/* Frames the run will see, from the container's count and the sampling
 * options; an estimate for progress only. */
static int64_t estimate_total(const media_info_t *info,
                              const media_options_t *m)
{
    int64_t n = info->frame_count - (m->start_frame > 0 ? m->start_frame : 0);
    if (n <= 0)
        return 0;
    if (m->every > 1)
        return (n + m->every - 1) / m->every;
    if (m->fps > 0 && info->fps > m->fps)
        return (int64_t)((double)n * m->fps / info->fps + 0.5);
    return n;
}

/* Everything sized once: source, pool, ring, scratch and result arrays. */
static int run_open(run_t *r, const char *input, avp_error_t *err)
{
    int rc = read_shapes(r, err);
    if (rc != AVP_OK)
        return rc;
    const detect_params_t *p = &r->opt->params;
    if (p->max_det < 1 || !r->opt->sink)
        return avp_error_set(err, AVP_EINVAL,
                             "pipeline: need max_det >= 1 and a sink");
    /* A frame cannot keep more boxes than the model has anchors. */
    int64_t anchors = r->family == INFER_FAMILY_YOLOV8 ? r->out_dims[1]
                                                       : r->out_dims[0];
    r->per_frame = p->max_det < anchors ? p->max_det : (int)anchors;
    int depth = r->opt->queue_depth > 0 ? r->opt->queue_depth : 2 * r->batch;
    rc = media_source_open(input, &r->opt->media, &r->src, err);
    if (rc != AVP_OK)
        return rc;
    r->frames_total = estimate_total(media_source_info(r->src), &r->opt->media);
    detect_letterbox_for(r->family, r->in_w, r->in_h, &r->lb);
    detect__queue_init(&r->queue, depth);
    size_t scratch = detect_scratch_floats(r->family, r->out_dims);
    r->scratch = avp_try_malloc_aligned(scratch * sizeof(float));
    r->boxes = avp_try_malloc_aligned((size_t)r->batch * (size_t)r->per_frame *
                                      sizeof(detect_box_t));
    r->results = avp_calloc((size_t)r->batch, sizeof(*r->results));
    if (!r->scratch || !r->boxes ||
        bufpool_create((size_t)depth, r->frame_floats * sizeof(float),
                       &r->pool) != AVP_OK)
        return avp_error_set(err, AVP_ENOMEM, "pipeline: out of memory for "
                             "%d frame buffers", depth);
    return AVP_OK;
}

/* Stops and joins the decode thread, then returns the buffers it left in
 * the queue (the queue is finished once the thread has exited, so popping
 * does not block). */
static void stop_decoder(run_t *r)
{
    atomic_store(&r->stop, 1);
    bufpool_close(r->pool);
    pthread_join(r->thread, NULL);
    detect__slot_t slot;
    while (detect__queue_pop(&r->queue, &slot) == 1)
        bufpool_release(r->pool, slot.buf);
}

static void run_close(run_t *r)
{
    if (r->queue.ring)
        detect__queue_fini(&r->queue);
    bufpool_destroy(r->pool);
    media_source_close(r->src);
    avp_free_aligned(r->scratch);
    avp_free_aligned(r->boxes);
    avp_free(r->results);
}

/* Pops up to a batch of frames into the model's input tensor. Returns
 * AVP_OK with *n frames (0 at the end of the input) or the decode thread's
 * error once the frames it decoded before failing have been run. */
static int collect(run_t *r, int *n, avp_error_t *err)
{
    float *input = infer_model_input(r->model, 0);
    *n = 0;
    while (*n < r->batch) {
        detect__slot_t slot;
        int rc = detect__queue_pop(&r->queue, &slot);
        if (rc <= 0) {
            if (rc < 0 && *n == 0) {
                if (err)
                    *err = r->queue.err;
                return rc;
            }
            return AVP_OK;
        }
        memcpy(input + (size_t)*n * r->frame_floats, slot.buf,
               r->frame_floats * sizeof(float));
        bufpool_release(r->pool, slot.buf);
        r->results[(*n)++].frame = slot.frame;
    }
    return AVP_OK;
}

/* The first frame's scores (objectness and classes) must be
 * probabilities: a head without its final Sigmoid that the runtime could
 * not recognise (infer_info_t.raw_scores) would give 300 boxes a frame
 * scoring up to 15. */
static int check_scores(const run_t *r, const float *out, avp_error_t *err)
{
    int v8 = r->family == INFER_FAMILY_YOLOV8;
    int64_t rows = r->out_dims[0], cols = r->out_dims[1];
    for (int64_t i = v8 ? 4 * cols : 0; i < rows * cols; i++) {
        float v = out[i];
        if ((v8 || i % cols >= 4) && !(v >= 0.f && v <= 1.f))
            return avp_error_set(err, AVP_EUNSUPPORTED, "model: a score of "
                                 "%g, outside [0, 1]: the export lacks the "
                                 "final Sigmoid of its %s head (re-export it "
                                 "with the activation)", (double)v,
                                 infer_family_name(r->family));
    }
    return AVP_OK;
}

/* Runs n collected frames, decodes each frame's output slice and hands the
 * batch to the sink. */
static int run_batch(run_t *r, int n, avp_error_t *err)
{
    int rc = infer_model_run(r->model, n, err);
    if (rc != AVP_OK)
        return rc;
    const float *out = infer_model_output(r->model, 0, NULL);
    if (r->frames_done == 0 && (rc = check_scores(r, out, err)) != AVP_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        detect_frame_result_t *res = &r->results[i];
        detect_box_t *boxes = r->boxes + (size_t)i * (size_t)r->per_frame;
        int k = detect_decode(r->family, r->in_w, r->in_h, r->out_dims,
                              out + (size_t)i * r->out_stride, &r->opt->params,
                              &res->frame, r->scratch, boxes, r->per_frame);
        if (k < 0)
            return avp_error_set(err, k, "model: output [%lld, %lld] does "
                                 "not fit %s at %d x %d",
                                 (long long)r->out_dims[0],
                                 (long long)r->out_dims[1],
                                 infer_family_name(r->family), r->in_w, r->in_h);
        res->boxes = boxes;
        res->count = k;
    }
    rc = r->opt->sink(r->opt->user, r->results, n);
    r->frames_done += n;
    if (rc != 0)
        return avp_error_set(err, rc, "stopped by the output (%s)",
                             avp_strerror(rc));
    return AVP_OK;
}

static void report(run_t *r, int final)
{
    double now = avp_now();
    if (!r->opt->progress || (!final && now - r->last_report < 0.25))
        return;
    r->last_report = now;
    double elapsed = now - r->start;
    detect_progress_t p = {
        .frames_done = r->frames_done,
        .frames_total = r->frames_total,
        .fps = elapsed > 0 ? (double)r->frames_done / elapsed : 0,
        .elapsed = elapsed,
    };
    r->opt->progress(r->opt->user, &p);
}

/* The inference thread's loop: batches until the end, an error or a
 * cancel. */
static int run_loop(run_t *r, avp_error_t *err)
{
    for (;;) {
        if (r->opt->cancel && *r->opt->cancel)
            return avp_error_set(err, AVP_ECANCELLED, "cancelled");
        int n;
        int rc = collect(r, &n, err);
        if (rc != AVP_OK || n == 0)
            return rc;
        rc = run_batch(r, n, err);
        if (rc != AVP_OK)
            return rc;
        report(r, 0);
    }
}

/* Starts the decode thread, runs the loop and always joins the thread. */
static int run_threads(run_t *r, avp_error_t *err)
{
    if (pthread_create(&r->thread, NULL, decode_main, r) != 0)
        return avp_error_set(err, AVP_EINTERNAL,
                             "pipeline: cannot start the decode thread");
    int rc = run_loop(r, err);
    stop_decoder(r);
    report(r, 1);
    return rc;
}

int detect_pipeline_run(infer_model_t *model, const char *input,
                        const detect_pipeline_opts_t *opt, avp_error_t *err)
{
    run_t r = {.model = model, .opt = opt, .start = avp_now()};
    r.last_report = r.start;
    int rc = run_open(&r, input, err);
    if (rc == AVP_OK)
        rc = run_threads(&r, err);
    if (rc == AVP_OK && opt->damage)
        media_source_damage(r.src, opt->damage);
    run_close(&r);
    return rc;
}
