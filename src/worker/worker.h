/*
 * worker.h - AVP's background worker: takes detect tasks from the Redis
 * stream, runs them with the detect pipeline and stores the detections in
 * PostgreSQL, following the task protocol of the platform (DESIGN in
 * loop.c). This header is the whole public API of src/worker/.
 *
 * Pieces:
 *   worker_models_t  an LRU of loaded models under a memory budget, one
 *                    instance per model (id + file sha256) per process
 *   worker_run()     the loop of one worker process, until *stop is set
 * plus the small pure functions the loop is made of, public so that they
 * can be tested on their own.
 *
 * Thread model: worker_run() is called from one thread. A worker_models_t
 * is safe to use from any thread; a model it lends is used by one thread
 * at a time (the borrower) until it is given back.
 */
#ifndef AVP_WORKER_WORKER_H
#define AVP_WORKER_WORKER_H

#include "blob/blob.h"
#include "infer/infer.h"
#include "store/store.h"
#include "util/avp.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* ---- model cache (models.c) ------------------------------------------- */

typedef struct worker_models worker_models_t;

/* How the cache loads and frees a model. The default (NULL in create) is
 * infer_model_load() with the batch and threads given to create, sized as
 * the file plus the activation arena. Tests pass their own. */
typedef struct worker_model_loader {
    void *ctx;
    /* Loads path into *model and its resident size into *bytes. */
    int (*load)(void *ctx, const char *path, void **model, size_t *bytes,
                avp_error_t *err);
    void (*destroy)(void *ctx, void *model);
} worker_model_loader_t;

/* budget_bytes caps the sum of the sizes of loaded models; a model that
 * is lent out is never evicted, so the sum may exceed the budget while
 * borrowers hold more than it. loader may be NULL (infer models loaded
 * with batch/threads); it is copied. The caller owns the cache. */
worker_models_t *worker_models_create(size_t budget_bytes,
                                      const worker_model_loader_t *loader,
                                      int batch, int threads);
/* Every model must have been given back. NULL is a no-op. */
void worker_models_destroy(worker_models_t *m);

/* Lends the model with this id and file hash, loading it from path if it
 * is not loaded (a cached entry of the same id with another sha256 is a
 * stale file and is dropped). Before loading, least recently used idle
 * models are freed until the new one fits. *out is NULL on error. */
int worker_models_get(worker_models_t *m, int64_t id, const char *sha256,
                      const char *path, void **out, avp_error_t *err);
/* Gives back a model from worker_models_get(). */
void worker_models_put(worker_models_t *m, void *model);

typedef struct worker_models_stats {
    int loaded;          /* models in memory */
    size_t bytes;        /* their total size */
    uint64_t hits, loads, evictions;
} worker_models_stats_t;
void worker_models_stats(worker_models_t *m, worker_models_stats_t *out);

/* ---- pure helpers (policy.c) ------------------------------------------ */

/* Seconds to wait before the next attempt after `attempts` failed ones:
 * 2^attempts, capped at 300. */
int worker_backoff_s(int attempts);

/* What happens after a failed attempt: retry (state queued, error kept) or
 * give up (state failed). */
typedef enum worker_verdict { WORKER_RETRY, WORKER_GIVE_UP } worker_verdict_t;
worker_verdict_t worker_after_failure(int attempts, int max_attempts);

/* Frames a run will process: the video's frame count sampled every `every`
 * frames (rounded up); 0 when the count is unknown. */
int64_t worker_frames_total(int64_t frame_count, int every);

/* The progress message of the platform, into buf (cap bytes):
 * {"task_id","state","progress","frames_done","frames_total","fps","eta"}.
 * progress is frames_done/frames_total clamped to [0, 1] (1 when state is
 * "done"); eta is seconds, null when unknown. Returns the length. */
typedef struct worker_progress {
    int64_t task_id;
    const char *state;
    int64_t frames_done, frames_total;
    double fps;
} worker_progress_t;
double worker_progress_fraction(const worker_progress_t *p);
int worker_progress_json(const worker_progress_t *p, char *buf, size_t cap);

/* A rate limiter for the progress tick: returns 1 (and restarts the
 * period) when at least period_s passed since the last 1, else 0. */
typedef struct worker_throttle {
    double period_s, last;
} worker_throttle_t;
int worker_throttle_due(worker_throttle_t *t, double now);

/* ---- files from the API servers (blobs.c) ----------------------------- */

/* The videos and models a worker fetched because it does not share the
 * servers' disk, under DATA/cache (at most cap_bytes, least recently used
 * removed first). One per task loop; not thread-safe. */
typedef struct worker_blobs worker_blobs_t;
int worker_blobs_create(store_pool_t *pool, const blob_s3_t *s3,
                        const char *name, const char *data_dir,
                        uint64_t cap_bytes, worker_blobs_t **out,
                        avp_error_t *err);
void worker_blobs_destroy(worker_blobs_t *b);
/* A complete readable file of this sha256 into out (PATH_MAX bytes):
 * local when it exists (this machine has the server's disk), else the
 * cached copy, fetched first from the S3 store (s3, if not NULL) or a
 * live API server (Range-resumed, hash-checked). AVP_ENOTFOUND: no server has it (or it has no hash);
 * AVP_EFORMAT: what came does not hash right (nothing kept);
 * AVP_EUNAVAILABLE / AVP_EIO: no server reachable, transfer failed (the
 * part is kept for the next try). */
int worker_blobs_get(worker_blobs_t *b, const char *sha256, const char *local,
                     char *out, avp_error_t *err);

/* ---- the loop (loop.c) ------------------------------------------------ */
/* What a worker reports as it goes, for its metrics (the CLI serves them,
 * src/cli/worker_metrics.c); a NULL callback is skipped. Called on the
 * worker's thread, between batches: they must not block. */
typedef struct worker_observer {
    void *ctx;
    /* A batch of frames stored; seconds since the previous batch of the
     * attempt ended (or since it began): decode, inference and storage. */
    void (*batch)(void *ctx, int frames, double seconds);
    /* An attempt ended as end: "done", "failed", "retry", "cancelled" or
     * "handback". */
    void (*task_end)(void *ctx, const char *end);
} worker_observer_t;


typedef struct worker_opts {
    const char *name;          /* consumer name, unique per process */
    store_pool_t *pool;        /* borrowed */
    const char *redis_url;
    const char *data_dir;      /* relative video/model paths start here */
    int batch;                 /* frames per inference (default 8) */
    int threads;               /* compute threads (default 1) */
    size_t model_cache_bytes;  /* default 512 MiB */
    uint64_t file_cache_bytes; /* DATA/cache (blobs.c); default 4 GiB */
    const blob_s3_t *s3;       /* AVP_STORAGE_URL's store; NULL: none */
    double reconcile_s;        /* reconciler period (default 10) */
    int64_t reclaim_idle_ms;   /* reclaim entries idle this long (30000) */
    const volatile sig_atomic_t *stop; /* set by a signal handler */
    const worker_observer_t *observer; /* borrowed; NULL: none */
    /* Borrowed cache (the caller reads its stats); NULL: worker_run makes
     * its own of model_cache_bytes. */
    worker_models_t *models;
} worker_opts_t;

/* Runs tasks until *stop becomes non-zero; the current batch finishes and
 * its task is handed back (state queued, re-enqueued) for another worker.
 * Returns AVP_OK, or an error when it cannot start (bad Redis URL). */
int worker_run(const worker_opts_t *opts, avp_error_t *err);

#endif
