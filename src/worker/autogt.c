/* autogt.c - the end of an auto ground-truth task ('auto_gt'). The detect
 * part is the ordinary one (run.c); once every frame is committed, the
 * run's detections are linked into tracks and become the video's
 * model-made ground truth in one transaction that also records the task
 * done (store_autogt_commit). So a worker killed during the conversion
 * leaves the old ground truth and a running task that is retried, and a
 * worker killed after it leaves a done task that nobody converts again:
 * never a mix, never twice.
 *
 * The tracker is fed frame by frame straight from the run's cursor
 * (gt_tracker_step, the step gt_autotrack repeats over a whole gt_t), so
 * memory is the (detection id, track) pairs, not the boxes. */
#include "internal.h"

#include "gt/gt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The (detection id, track) pairs of a run, built frame by frame. */
typedef struct linker {
    gt_tracker_t *tr;
    int64_t *det_ids, *tracks, num_tracks;
    size_t n, cap;
    gt_box_t *frame;      /* the current frame's detections */
    int64_t *frame_ids;
    size_t nframe, frame_cap;
} linker_t;

/* Every detection of the reference run is ground truth: the run's conf
 * already chose them, so any detection may start a track (high_score 0)
 * and no track is too short to keep (min_length 1). */
static void linker_init(linker_t *l)
{
    gt_track_options_t o;
    gt_track_options_default(&o);
    o.high_score = 0;
    o.low_score = 0;
    o.min_length = 1;
    memset(l, 0, sizeof *l);
    l->tr = gt_tracker_create(&o);
}

static void linker_fini(linker_t *l)
{
    gt_tracker_destroy(l->tr);
    avp_free(l->det_ids);
    avp_free(l->tracks);
    avp_free(l->frame);
    avp_free(l->frame_ids);
}

/* Steps the tracker over the buffered frame and keeps its pairs. */
static int linker_flush(linker_t *l, avp_error_t *err)
{
    if (!l->nframe)
        return AVP_OK;
    if (l->n + l->nframe > l->cap) {
        l->cap = 2 * (l->n + l->nframe);
        l->det_ids = avp_realloc(l->det_ids, sizeof *l->det_ids * l->cap);
        l->tracks = avp_realloc(l->tracks, sizeof *l->tracks * l->cap);
    }
    int rc = gt_tracker_step(l->tr, l->frame[0].frame, l->frame, l->nframe,
                             l->tracks + l->n, err);
    for (size_t i = 0; rc == AVP_OK && i < l->nframe; i++, l->n++) {
        l->det_ids[l->n] = l->frame_ids[i];
        if (l->tracks[l->n] > l->num_tracks)
            l->num_tracks = l->tracks[l->n]; /* ids are 1, 2, ... in order */
    }
    l->nframe = 0;
    return rc;
}

static int linker_add(linker_t *l, const store_det_t *d, avp_error_t *err)
{
    int rc = AVP_OK;
    if (l->nframe && l->frame[0].frame != d->frame)
        rc = linker_flush(l, err);
    if (l->nframe == l->frame_cap) {
        l->frame_cap = l->frame_cap ? 2 * l->frame_cap : 64;
        l->frame = avp_realloc(l->frame, sizeof *l->frame * l->frame_cap);
        l->frame_ids = avp_realloc(l->frame_ids,
                                   sizeof *l->frame_ids * l->frame_cap);
    }
    l->frame_ids[l->nframe] = d->id;
    l->frame[l->nframe++] = (gt_box_t){
        .frame = d->frame, .t = d->t, .label = d->cls, .x = d->box[0],
        .y = d->box[1], .w = d->box[2] - d->box[0],
        .h = d->box[3] - d->box[1], .score = d->score, .track_id = -1};
    return rc;
}

static int link_run(store_conn_t *c, int64_t run_id, linker_t *l,
                    avp_error_t *err)
{
    store_det_iter_t *it;
    store_det_t d;
    int rc = store_det_iter_open(c, run_id, 2000, &it, err);
    if (rc)
        return rc;
    while ((rc = store_det_iter_next(it, &d, err)) == 1)
        if ((rc = linker_add(l, &d, err)) < 0)
            break;
    store_det_iter_close(it);
    return rc < 0 ? rc : linker_flush(l, err);
}

typedef struct commit_arg {
    const store_task_t *t;
    const char *worker;
    int64_t detections;
} commit_arg_t;

/* Inside the conversion's transaction: the task is still ours (locked
 * until the commit), then it is done. */
static int mark_done(void *arg, store_conn_t *c, avp_error_t *err)
{
    commit_arg_t *a = arg;
    return store_task_end_if_ours(c, a->t, a->worker, STORE_TASK_DONE, NULL,
                                  a->detections, err);
}

int worker__autogt_commit(worker_ctx_t *ctx, const store_task_t *t,
                          avp_error_t *err)
{
    store_conn_t *c;
    store_autogt_job_t j = {0, 0, 0};
    linker_t l;
    int rc = store_pool_acquire(ctx->opts->pool, -1, &c, err);
    if (rc)
        return rc;
    linker_init(&l);
    if ((rc = store_autogt_job(c, t->id, &j, err)) == AVP_OK)
        rc = link_run(c, t->run_id, &l, err);
    if (rc == AVP_OK) {
        store_autogt_t a = {j.video_id, t->run_id, t->id, j.user_id,
                            j.replace, l.det_ids, l.tracks, l.n,
                            l.num_tracks};
        commit_arg_t arg = {t, ctx->opts->name, (int64_t)l.n};
        store_autogt_out_t out;
        rc = store_autogt_commit(c, &a, mark_done, &arg, &out, err);
        if (rc == AVP_OK)
            fprintf(stderr, "worker %s: task %" PRId64 ": ground truth of "
                    "video %" PRId64 ": %" PRId64 " boxes in %" PRId64
                    " tracks (%" PRId64 " model boxes replaced)\n",
                    ctx->opts->name, t->id, j.video_id, out.boxes,
                    l.num_tracks, out.removed_boxes);
    }
    linker_fini(&l);
    store_pool_release(c);
    return rc;
}
