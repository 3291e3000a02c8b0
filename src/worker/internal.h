/* internal.h - what the files of src/worker share: the run of one detect
 * job (run.c), its heartbeat (beat.c) and the auto_gt conversion
 * (autogt.c). The task's rows are the store's (store_task_*). */
#ifndef AVP_WORKER_INTERNAL_H
#define AVP_WORKER_INTERNAL_H

#include "queue/queue.h"
#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* run.c: the context of one detect attempt. */
typedef struct worker_ctx {
    const worker_opts_t *opts;
    worker_models_t *models;
    queue_conn_t *q; /* heartbeat, progress, enqueue */
    worker_blobs_t *blobs;
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
int worker__autogt_commit(worker_ctx_t *ctx, const store_task_t *t,
                          avp_error_t *err);

/* loop.c: one pass of the reconciler: enqueues again, each with its own
 * kind, the tasks store_task_orphaned names (none when the database is
 * down or another process holds the pass). name is the worker's, for the
 * log. */
void worker__reconcile(store_pool_t *pool, queue_conn_t *q, const char *name);

/* frame_times.c: every frame's time of a run's video, from frame 0 on,
 * for the player; `whole` until a frame is missed (sampling, a resumed
 * attempt), and then nothing is stored. */
typedef struct worker_times {
    double *t;
    int64_t n, cap;
    bool whole;
} worker_times_t;

struct detect_frame_result;
/* frame_count (0: unknown) sizes the buffer once. */
void worker__times_start(worker_times_t *w, int64_t mark, int every,
                         int64_t frame_count);
void worker__times_add(worker_times_t *w, const struct detect_frame_result *f,
                       int n);
/* Stores the times if whole; a failure is logged, not the run's. */
void worker__times_save(worker_times_t *w, worker_ctx_t *ctx, int64_t run_id);
void worker__times_free(worker_times_t *w);

/* Runs the detect task t (already started) whose stream entry is entry_id
 * and records how it ended. Returns the end it recorded. */
store_task_end_t worker__run_detect(worker_ctx_t *ctx, store_task_t *t,
                                    const char *entry_id);

#endif
