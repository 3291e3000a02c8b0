/* run.c - one attempt at a detect task (kinds 'detect' and 'auto_gt',
 * whose detections end as ground truth: autogt.c): the model from the
 * cache, the pipeline from the run's committed mark, a sink that appends
 * each batch with the mark, and a throttled tick for progress, heartbeat
 * and cancel.
 * How the attempt ended is recorded by worker__run_detect's caller-facing
 * end (see finish()). */
#include "internal.h"

#include "detect/detect.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Sink codes (positive, so they cannot be taken for AVP_E* errors). */
enum { STOP_LOST = 1, STOP_CANCEL = 2, STOP_SHUTDOWN = 3 };

#define TICK_PERIOD_S 0.25
/* How long a batch waits for PostgreSQL to come back before the attempt
 * fails (and is retried): longer than a restart, shorter than the 60 s
 * after which the reconciler calls a running task abandoned. */
#define APPEND_PATIENCE_S 45.0

typedef struct run {
    worker_ctx_t *ctx;
    const store_task_t *t;
    const char *entry_id;
    worker_beat_t beat;
    int64_t mark, frames_total, frames_this_attempt;
    int every;
    double start, batch_start;
    worker_throttle_t throttle;
    store_frame_t *frames;
    int frame_cap;
    store_box_t *boxes;
    size_t box_cap;
    worker_times_t times;
    bool done_recorded; /* an auto_gt conversion recorded the task done */
    bool final;         /* no attempt can do better: failed, not retried */
    avp_error_t err;
} run_t;

static void grow(run_t *r, int n, size_t nboxes)
{
    if (n > r->frame_cap) {
        r->frames = avp_realloc(r->frames, sizeof *r->frames * (size_t)n);
        r->frame_cap = n;
    }
    if (nboxes > r->box_cap) {
        r->boxes = avp_realloc(r->boxes, sizeof *r->boxes * nboxes);
        r->box_cap = nboxes;
    }
}

/* detect_box_t and store_box_t hold the same numbers in their own types. */
static void convert(run_t *r, const detect_frame_result_t *in, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += (size_t)in[i].count;
    grow(r, n, total);
    store_box_t *b = r->boxes;
    for (int i = 0; i < n; i++) {
        r->frames[i] = (store_frame_t){(int32_t)in[i].frame.index,
                                       in[i].frame.t, b, in[i].count};
        for (int k = 0; k < in[i].count; k++, b++) {
            const detect_box_t *d = &in[i].boxes[k];
            *b = (store_box_t){d->cls, d->score,
                               {d->box[0], d->box[1], d->box[2], d->box[3]}};
        }
    }
}

static int still_ours(run_t *r)
{
    if (worker__beat_lost(&r->beat))
        return 0;
    avp_error_t err;
    int rc = queue_heartbeat(r->ctx->q, r->ctx->opts->name, r->entry_id, &err);
    return rc != 0; /* an error (Redis down) is not proof of loss */
}

/* The mark moved under us: either our own earlier commit that we did not
 * see (it landed after a connection broke) or another worker's. */
static int resync_mark(run_t *r, store_conn_t *c, int64_t new_mark)
{
    int64_t mark, count;
    if (!still_ours(r))
        return STOP_LOST;
    if (store_detections_mark(c, r->t->run_id, &mark, &count, &r->err))
        return r->err.code;
    if (mark < new_mark)
        return avp_error_set(&r->err, AVP_EINTERNAL, "run %lld: mark %lld "
                             "is inside the batch ending at %lld",
                             (long long)r->t->run_id, (long long)mark,
                             (long long)new_mark);
    r->mark = mark; /* this batch is stored already */
    return 0;
}

static int append_once(run_t *r, int n, int64_t new_mark)
{
    store_conn_t *c;
    int rc = store_pool_acquire(r->ctx->opts->pool, -1, &c, &r->err);
    if (rc)
        return rc;
    rc = store_detections_append(c, r->t->run_id, r->mark, new_mark,
                                 r->frames, n, &r->err);
    if (rc == AVP_OK)
        r->mark = new_mark;
    else if (rc == AVP_ECANCELLED)
        rc = resync_mark(r, c, new_mark);
    store_pool_release(c);
    return rc;
}

/* Appends with patience for a database that is restarting. */
static int append(run_t *r, int n, int64_t new_mark)
{
    double until = avp_now() + APPEND_PATIENCE_S;
    for (;;) {
        int rc = append_once(r, n, new_mark);
        if ((rc != AVP_EUNAVAILABLE && rc != AVP_EBUSY) || avp_now() > until)
            return rc;
        if (*r->ctx->opts->stop)
            return STOP_SHUTDOWN; /* the batch is redone by the next owner */
        usleep(250 * 1000);
    }
}

/* Progress counts the frames the run looks at (every `every`th), as
 * frames_total does; the mark is a frame index of the video. */
static int64_t frames_done(const run_t *r)
{
    return worker_frames_total(r->mark, r->every);
}

static void publish(run_t *r, const char *state)
{
    char json[512];
    worker_progress_t p = {r->t->id, state, frames_done(r), r->frames_total,
                           0};
    double secs = avp_now() - r->start;
    p.fps = secs > 0 ? (double)r->frames_this_attempt / secs : 0;
    worker_progress_json(&p, json, sizeof json);
    avp_error_t err;
    queue_publish_progress(r->ctx->q, r->t->id, json, &err);
}

/* Progress into the row and to Redis, heartbeat, and the cancel check. */
static int tick(run_t *r)
{
    double secs = avp_now() - r->start;
    worker_progress_t p = {r->t->id, "running", frames_done(r),
                           r->frames_total, 0};
    store_task_tick_t tk = {
        .frames_done = p.frames_done, .frames_total = r->frames_total,
        .progress = worker_progress_fraction(&p),
        .fps = secs > 0 ? (double)r->frames_this_attempt / secs : 0};
    avp_error_t err;
    store_conn_t *c;
    int rc = store_pool_acquire(r->ctx->opts->pool, -1, &c, &err);
    if (rc == AVP_OK) {
        rc = store_task_tick(c, r->t->id, r->ctx->opts->name, &tk, &err);
        store_pool_release(c);
    }
    if (rc == 0 || !still_ours(r))
        return STOP_LOST;
    publish(r, "running");
    return rc == 1 && tk.cancel_requested ? STOP_CANCEL : 0;
}

static int sink(void *user, const detect_frame_result_t *frames, int n)
{
    run_t *r = user;
    if (worker__beat_lost(&r->beat))
        return STOP_LOST; /* the batch is redone by the new owner */
    convert(r, frames, n);
    int rc = append(r, n, frames[n - 1].frame.index + 1);
    if (rc)
        return rc;
    worker__times_add(&r->times, frames, n);
    r->frames_this_attempt += n;
    const worker_observer_t *obs = r->ctx->opts->observer;
    double now = avp_now();
    if (obs && obs->batch)
        obs->batch(obs->ctx, n, now - r->batch_start);
    r->batch_start = now;
    if (worker_throttle_due(&r->throttle, avp_now()) && (rc = tick(r)))
        return rc;
    return *r->ctx->opts->stop ? STOP_SHUTDOWN : 0;
}

static int64_t frames_total(const store_task_job_t *job)
{
    int64_t count = job->frame_count;
    media_info_t info;
    avp_error_t err;
    if (count <= 0 && media_probe(job->video_path, &info, &err) == AVP_OK)
        count = info.frame_count;
    return worker_frames_total(count, job->every);
}

/* The damage goes with the run, where its people see it, and into the
 * worker's log. */
static int record_damage(run_t *r, int64_t run_id, const media_damage_t *d,
                         avp_error_t *err)
{
    fprintf(stderr, "worker %s: task %lld: warning: the video is damaged: "
            "%lld frames lost, %lld concealed: %s\n", r->ctx->opts->name,
            (long long)r->t->id, (long long)d->frames_lost,
            (long long)d->frames_concealed, d->what);
    store_conn_t *c;
    int rc = store_pool_acquire(r->ctx->opts->pool, -1, &c, err);
    if (rc)
        return rc;
    rc = store_run_damage_set(c, run_id, d->frames_lost, d->frames_concealed,
                              d->what, err);
    store_pool_release(c);
    return rc;
}

static int run_pipeline(run_t *r, const store_task_job_t *job, avp_error_t *err)
{
    store_conn_t *c;
    int64_t count;
    int rc = store_pool_acquire(r->ctx->opts->pool, -1, &c, err);
    if (rc)
        return rc;
    rc = store_detections_mark(c, job->run_id, &r->mark, &count, err);
    store_pool_release(c);
    if (rc)
        return rc;
    void *model;
    rc = worker_models_get(r->ctx->models, job->model_id, job->sha256,
                           job->model_path, &model, err);
    if (rc)
        return avp_error_prefix(err, "model %lld", (long long)job->model_id);
    media_damage_t damage;
    detect_pipeline_opts_t o = {.sink = sink, .user = r, .damage = &damage};
    detect_params_default(&o.params);
    o.params.conf = (float)job->conf;
    o.params.iou = (float)job->iou;
    o.media.every = job->every;
    o.media.start_frame = r->mark;
    /* The run's own choice, so a resumed attempt makes the same pixels. */
    if (media_preprocess_parse(job->preprocess, &o.media.preprocess)) {
        worker_models_put(r->ctx->models, model);
        return avp_error_set(err, AVP_EFORMAT, "run %lld: unknown "
                             "preprocessing '%s'", (long long)job->run_id,
                             job->preprocess);
    }
    if (detect_family_parse(job->family, &o.family))
        o.family = INFER_FAMILY_UNKNOWN;
    worker__times_start(&r->times, r->mark, job->every, job->frame_count);
    rc = detect_pipeline_run(model, job->video_path, &o, err);
    worker_models_put(r->ctx->models, model);
    if (rc == AVP_OK)
        worker__times_save(&r->times, r->ctx, job->run_id);
    if (rc == AVP_OK && damage.what[0])
        rc = record_damage(r, job->run_id, &damage, err);
    if (rc < 0 && r->err.code == rc)
        *err = r->err; /* the sink's error says more than the pipeline's */
    return rc;
}

/* An auto_gt task's conversion, while the heartbeat still runs (it may
 * take a while on a long video): progress shows every frame done first. */
static int convert_to_gt(run_t *r, avp_error_t *err)
{
    int rc = tick(r);
    if (rc)
        return rc;
    rc = worker__autogt_commit(r->ctx, r->t, err);
    if (rc == AVP_ECANCELLED)
        return STOP_LOST; /* another worker owns the task now */
    r->done_recorded = rc == AVP_OK;
    return rc;
}

static int record_end(run_t *r, store_task_end_t end, const char *error,
                      int64_t detections, avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(r->ctx->opts->pool, -1, &c, err);
    if (rc == AVP_OK) {
        rc = store_task_end(c, r->t, end, error, detections, err);
        store_pool_release(c);
    }
    return rc;
}

/* Records the end of the attempt, publishes it and acks as the protocol
 * says. Returns the end recorded. */
static store_task_end_t finish(run_t *r, int rc, const avp_error_t *why)
{
    const store_task_t *t = r->t;
    store_task_end_t end;
    avp_error_t err;
    int64_t detections = 0, mark;
    store_conn_t *c;
    if (rc == STOP_LOST)
        return STORE_TASK_HANDBACK; /* the new owner records the end */
    if (rc == AVP_OK && !r->done_recorded &&
        store_pool_acquire(r->ctx->opts->pool, -1, &c, &err) == 0) {
        rc = store_detections_mark(c, t->run_id, &mark, &detections, &err);
        store_pool_release(c);
    }
    end = rc == AVP_OK ? STORE_TASK_DONE
        : rc == STOP_CANCEL ? STORE_TASK_CANCELLED
        : rc == STOP_SHUTDOWN ? STORE_TASK_HANDBACK
        : r->final ? STORE_TASK_FAILED
        : worker_after_failure(t->attempts, t->max_attempts) == WORKER_RETRY
            ? STORE_TASK_RETRY : STORE_TASK_FAILED;
    if (end == STORE_TASK_DONE && !r->done_recorded)
        tick(r); /* the final frames_done and fps into the row */
    /* The run's error is shown to its project's members: PostgreSQL's own
     * words stay in this worker's log, which has them above. */
    const char *shown = why->log_only ? "the database failed during the run"
                                      : why->msg;
    if (!r->done_recorded &&
        record_end(r, end, shown, detections, &err)) {
        fprintf(stderr, "worker %s: task %lld: cannot record its end: %s\n",
                r->ctx->opts->name, (long long)t->id, err.msg);
        return STORE_TASK_HANDBACK; /* not recorded: leave it to a reclaim */
    }
    static const char *const states[] = {"done", "failed", "queued",
                                         "cancelled", "queued"};
    publish(r, states[end]);
    queue_ack(r->ctx->q, r->entry_id, &err);
    if (end == STORE_TASK_HANDBACK)
        queue_enqueue(r->ctx->q, t->id, t->kind, NULL, &err);
    return end;
}

/* One of the job's files on this machine: where it is, or a fetched copy
 * (blobs.c) when this machine lacks the servers' disk. */
static int local_file(run_t *r, const char *what, const char *sha256,
                      char *path, size_t cap, avp_error_t *err)
{
    char got[PATH_MAX];
    int rc = worker_blobs_get(r->ctx->blobs, sha256, path, got, err);
    if (rc == AVP_OK && strlen(got) >= cap)
        rc = avp_error_set(err, AVP_EINVAL, "cache path %s is too long", got);
    if (rc == AVP_OK)
        memcpy(path, got, strlen(got) + 1);
    /* A file no server has, or one that arrives corrupt, would be the same
     * on the next attempt: the task fails once, with the reason. */
    r->final = rc == AVP_ENOTFOUND || rc == AVP_EFORMAT;
    return rc ? avp_error_prefix(err, "%s", what) : AVP_OK;
}

static int local_files(run_t *r, store_task_job_t *job, avp_error_t *err)
{
    int rc = local_file(r, "video", job->video_sha256, job->video_path,
                        sizeof job->video_path, err);
    if (rc == AVP_OK)
        rc = local_file(r, "model", job->sha256, job->model_path,
                        sizeof job->model_path, err);
    return rc;
}

static int load_job(worker_ctx_t *ctx, int64_t run_id, store_task_job_t *job,
                    avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(ctx->opts->pool, -1, &c, err);
    if (rc == AVP_OK) {
        rc = store_task_job(c, run_id, ctx->opts->data_dir, job, err);
        store_pool_release(c);
    }
    return rc;
}

store_task_end_t worker__run_detect(worker_ctx_t *ctx, store_task_t *t,
                                    const char *entry_id)
{
    double now = avp_now();
    run_t r = {.ctx = ctx, .t = t, .entry_id = entry_id, .start = now,
               .batch_start = now, .throttle = {TICK_PERIOD_S, 0}};
    store_task_job_t job;
    avp_error_t err = {0};
    int rc = worker__beat_start(&r.beat, ctx, entry_id);
    if (rc == AVP_OK)
        rc = load_job(ctx, t->run_id, &job, &err);
    if (rc == AVP_OK)
        rc = local_files(&r, &job, &err);
    if (rc == AVP_OK) {
        r.frames_total = frames_total(&job);
        r.every = job.every;
        rc = run_pipeline(&r, &job, &err);
    }
    if (rc == AVP_OK && !strcmp(t->kind, "auto_gt"))
        rc = convert_to_gt(&r, &err);
    worker__beat_stop(&r.beat);
    if (rc < 0)
        fprintf(stderr, "worker %s: task %lld attempt %d/%d: %s\n",
                ctx->opts->name, (long long)t->id, t->attempts,
                t->max_attempts, err.msg);
    store_task_end_t end = finish(&r, rc, &err);
    avp_free(r.frames);
    avp_free(r.boxes);
    worker__times_free(&r.times);
    return end;
}
