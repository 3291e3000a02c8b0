/* internal.h - what the files of src/worker share: the task and job rows
 * (task.c) and the run of one detect job (run.c). */
#ifndef AVP_WORKER_INTERNAL_H
#define AVP_WORKER_INTERNAL_H

#include "queue/queue.h"
#include "worker.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define WORKER_ERROR_MAX 512

/* The tasks row, as much of it as the loop needs. */
typedef struct worker_task {
    int64_t id, run_id;
    char kind[QUEUE_KIND_MAX];
    char state[16];
    int attempts, max_attempts;
    bool cancel_requested;
} worker_task_t;

/* A detect job: the run's parameters, its video and its model. */
typedef struct worker_job {
    int64_t run_id, model_id;
    char video_path[1024], model_path[1024];
    char sha256[65];
    char family[32];
    double conf, iou;
    int every;
    int64_t frame_count; /* 0 when the video row does not know it */
} worker_job_t;

/* What a progress tick writes and reads back. */
typedef struct worker_tick {
    int64_t frames_done, frames_total;
    double progress, fps;
    bool cancel_requested; /* OUT */
} worker_tick_t;

/* The end states of a task; the run row gets the same state. */
typedef enum worker_end {
    WORKER_END_DONE,
    WORKER_END_FAILED,
    WORKER_END_RETRY,     /* back to queued, error kept */
    WORKER_END_CANCELLED,
    WORKER_END_HANDBACK   /* graceful stop: queued, the attempt not counted */
} worker_end_t;

/* task.c: each takes a connection from the pool for its statements. */
/* Runs sql with text parameters; NULL on error with err set. */
PGresult *worker__query(store_conn_t *c, const char *sql, int n,
                        const char *const *vals, avp_error_t *err);
int worker__task_load(store_pool_t *pool, int64_t id, worker_task_t *t,
                      avp_error_t *err);
/* Moves a queued (or abandoned running) task to running for worker `name`
 * and counts the attempt. 1 when started, 0 when its state forbids it. */
int worker__task_start(store_pool_t *pool, worker_task_t *t, const char *name,
                       avp_error_t *err);
int worker__job_load(store_pool_t *pool, int64_t run_id, const char *data_dir,
                     worker_job_t *job, avp_error_t *err);
/* Writes progress if the task is still running under `name`: 1 when it is
 * (tick->cancel_requested read back), 0 when it is no longer ours. */
int worker__task_tick(store_pool_t *pool, int64_t task_id, const char *name,
                      worker_tick_t *tick, avp_error_t *err);
/* Records the end of an attempt in one synchronous transaction. error
 * may be NULL; detections is the run's count (DONE only). */
int worker__task_end(store_pool_t *pool, const worker_task_t *t,
                     worker_end_t end, const char *error, int64_t detections,
                     avp_error_t *err);
/* The same on c, inside the caller's transaction if it has one. */
int worker__task_end_on(store_conn_t *c, const worker_task_t *t,
                        worker_end_t end, const char *error,
                        int64_t detections, avp_error_t *err);
/* The reconciler's pass: under a transaction-level advisory lock, the ids
 * of tasks to enqueue again (queued and past their backoff, or running
 * without an update for stale_s). *ids is NULL and *n 0 when another
 * process holds the lock. The caller frees *ids with avp_free. */
int worker__tasks_orphaned(store_pool_t *pool, int stale_s, int64_t **ids,
                           int *n, avp_error_t *err);

/* run.c: the context of one detect attempt. */
typedef struct worker_ctx {
    const worker_opts_t *opts;
    worker_models_t *models;
    queue_conn_t *q; /* heartbeat, progress, enqueue */
} worker_ctx_t;

/* The heartbeat thread of one attempt (beat.c): keeps the attempt's stream
 * entry fresh from start to end, and notes when another worker took it. */
typedef struct worker_beat {
    worker_ctx_t *ctx;
    const char *entry_id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, running;
    atomic_bool lost;
} worker_beat_t;

int worker__beat_start(worker_beat_t *b, worker_ctx_t *ctx, const char *entry_id);
void worker__beat_stop(worker_beat_t *b); /* joins the thread */
bool worker__beat_lost(worker_beat_t *b);

/* autogt.c: the end of an auto_gt task whose frames are all committed:
 * its detections become the video's model-made ground truth, and the task
 * is recorded done, in one transaction. AVP_ECANCELLED (nothing changed)
 * when the task is no longer this worker's. */
int worker__autogt_commit(worker_ctx_t *ctx, const worker_task_t *t,
                          avp_error_t *err);

/* Runs the detect task t (already started) whose stream entry is entry_id
 * and records how it ended. Returns the end it recorded. */
worker_end_t worker__run_detect(worker_ctx_t *ctx, worker_task_t *t,
                                const char *entry_id);

#endif
