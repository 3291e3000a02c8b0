/* frame_times.c - the presentation time of every frame of a run's video
 * (internal.h), kept while the run decodes them anyway and stored when it
 * ends, for the player (store_frame_times_put). One growing buffer, sized
 * once from the video's frame count: appending allocates nothing per
 * frame. */
#include "internal.h"

#include "detect/detect.h"

#include <stdio.h>

void worker__times_start(worker_times_t *w, int64_t mark, int every,
                         int64_t frame_count)
{
    *w = (worker_times_t){0};
    /* A sampled run never sees the frames between, and a resumed attempt
     * not those before its mark: their times stay unknown (the player falls
     * back to the average rate). */
    w->whole = every <= 1 && mark == 0;
    if (w->whole && frame_count > 0 && frame_count <= STORE_FRAME_TIMES_MAX) {
        w->cap = frame_count;
        w->t = avp_malloc(sizeof *w->t * (size_t)w->cap);
    }
}

void worker__times_add(worker_times_t *w, const struct detect_frame_result *f,
                       int n)
{
    for (int i = 0; i < n && w->whole; i++) {
        if (f[i].frame.index != w->n || w->n == STORE_FRAME_TIMES_MAX) {
            w->whole = false;
            break;
        }
        if (w->n == w->cap) { /* the container undercounted its frames */
            w->cap = w->cap ? 2 * w->cap : 4096;
            if (w->cap > STORE_FRAME_TIMES_MAX)
                w->cap = STORE_FRAME_TIMES_MAX;
            w->t = avp_realloc(w->t, sizeof *w->t * (size_t)w->cap);
        }
        w->t[w->n++] = f[i].frame.t;
    }
}

void worker__times_save(worker_times_t *w, worker_ctx_t *ctx, int64_t run_id)
{
    store_conn_t *c;
    avp_error_t err;
    if (!w->whole || w->n == 0)
        return;
    int rc = store_pool_acquire(ctx->opts->pool, -1, &c, &err);
    if (rc == AVP_OK) {
        rc = store_frame_times_put(c, run_id, w->t, w->n, &err);
        store_pool_release(c);
    }
    /* The run's detections stand without them: the player falls back. */
    if (rc)
        fprintf(stderr, "worker %s: run %lld: frame times not stored: %s\n",
                ctx->opts->name, (long long)run_id, err.msg);
}

void worker__times_free(worker_times_t *w)
{
    avp_free(w->t);
    *w = (worker_times_t){0};
}
