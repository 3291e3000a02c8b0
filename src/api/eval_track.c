/* eval_track.c - tracking metrics in a stored evaluation ({"tracking":
 * true}, issue 14): the video's tracked ground truth on the frames the run
 * looked at (and on its frame set, when one is stored) against the run's
 * detections linked into tracks by the linker `avp eval track --link`
 * uses (eval_track_link), scored by eval_track. The result is the object
 * `avp eval track --json` prints. Like that command without --gt-class,
 * it is class-agnostic: every box of either side takes part (the class
 * map is the COCO evaluation's). The inputs are read while the request
 * holds its connection; the linking and scoring run after it is back in
 * the pool. */
#include "api/internal.h"

#include "eval/eval.h"

#include <inttypes.h>

struct api_track_input {
    gt_t *gt, *dets;
    const gt_t *set;    /* the stored frame set (none: every frame) */
    int64_t tracked;    /* ground-truth boxes in a track */
    avp_error_t err;
};

static void add_gt_box(void *arg, const store_gt_box_t *b)
{
    api_track_input_t *in = arg;
    if (in->err.code ||
        (gt_has_frame_set(in->set) && !gt_is_annotated_frame(in->set, b->frame)))
        return;
    gt_box_t box = {
        .frame = b->frame, .t = b->t, .label = gt_label(in->gt, b->cls),
        .x = b->box[0], .y = b->box[1], .w = b->box[2] - b->box[0],
        .h = b->box[3] - b->box[1], .score = 1, .source = GT_SOURCE_IMPORT,
        .flags = b->difficult ? GT_DIFFICULT : 0,
        .track_id = b->track_id ? b->track_id : -1};
    in->tracked += b->track_id != 0;
    if (gt_add_box(in->gt, &box, &in->err) < 0)
        avp_error_prefix(&in->err, "ground-truth box %" PRId64, b->id);
}

/* The frames the run looked at (0, every, ... below frames) on the set:
 * the ground truth's frames, its empty ones being real negatives. */
static int run_frames(api_track_input_t *in, int64_t frames, int every)
{
    size_t n = 0;
    int64_t *f = avp_malloc(((size_t)(frames / every) + 2) * sizeof *f);
    for (int64_t k = 0; k < frames; k += every)
        if (!gt_has_frame_set(in->set) || gt_is_annotated_frame(in->set, k))
            f[n++] = k;
    int rc = n ? gt_set_frame_list(in->gt, f, n, &in->err) : AVP_OK;
    avp_free(f);
    return rc;
}

/* The run's detections as model boxes, labelled with the model's class
 * names (class<i> past them), every frame of the run: a tracker box off
 * the ground truth's frames is counted by eval_track, as by the CLI.
 * Widths are taken in double: the difference of two stored floats is
 * exact there, and rounded in float. */
static int add_dets(store_conn_t *c, int64_t run_id, json_t *names,
                    api_track_input_t *in)
{
    store_det_iter_t *it;
    store_det_t d;
    int rc = store_det_iter_open(c, run_id, 2000, &it, &in->err);
    while (rc == AVP_OK && (rc = store_det_iter_next(it, &d, &in->err)) == 1) {
        char fallback[32];
        const char *name = json_string_value(json_array_get(names, d.cls));
        snprintf(fallback, sizeof fallback, "class%d", (int)d.cls);
        gt_box_t box = {
            .frame = d.frame, .t = d.t,
            .label = gt_label(in->dets, name ? name : fallback),
            .x = d.box[0], .y = d.box[1],
            .w = (double)d.box[2] - d.box[0],
            .h = (double)d.box[3] - d.box[1], .score = d.score,
            .source = GT_SOURCE_MODEL, .track_id = -1};
        if ((rc = gt_add_box(in->dets, &box, &in->err)) < 0)
            avp_error_prefix(&in->err, "detection on frame %d",
                             (int)d.frame);
    }
    store_det_iter_close(it);
    return rc < 0 ? rc : AVP_OK;
}

void api__eval_track_free(api_track_input_t *in)
{
    if (!in)
        return;
    gt_destroy(in->gt);
    gt_destroy(in->dets);
    avp_free(in);
}

api_track_input_t *api__eval_track_load_or_reply(http_req_t *req,
                                                 store_conn_t *c,
                                                 int64_t run_id, json_t *src,
                                                 const gt_t *set)
{
    api_track_input_t *in = avp_calloc(1, sizeof *in);
    int64_t frames = json_integer_value(json_object_get(src, "frames_done"));
    int every = (int)json_integer_value(json_object_get(src, "every"));
    int64_t video = json_integer_value(json_object_get(src, "video_id"));
    in->gt = gt_create(), in->dets = gt_create(), in->set = set;
    int rc = run_frames(in, frames, every < 1 ? 1 : every);
    if (rc == AVP_OK)
        rc = store_gt_each(c, video, frames, every, add_gt_box, in, &in->err);
    if (rc == AVP_OK && in->err.code)
        rc = in->err.code;
    if (rc == AVP_OK && !in->tracked)
        rc = avp_error_set(&in->err, AVP_EINVAL, "no ground-truth box on the "
                           "frames run %" PRId64 " looked at is in a track: "
                           "import tracks (CVAT for video, MOTChallenge, "
                           "Datumaro with track_id) or make auto ground "
                           "truth, then evaluate with tracking again",
                           run_id);
    if (rc == AVP_OK)
        rc = add_dets(c, run_id, json_object_get(src, "class_names"), in);
    if (rc == AVP_EINVAL || rc == AVP_EFORMAT)
        http_reply_error(req, 409, "untracked_ground_truth", "%s",
                         in->err.msg);
    else if (rc < 0)
        http_reply_avp_error(req, &in->err);
    if (rc < 0) {
        api__eval_track_free(in);
        return NULL;
    }
    return in;
}

json_t *api__eval_track_run_or_reply(http_req_t *req, api_track_input_t *in)
{
    gt_t *linked = NULL;
    eval_track_result_t r;
    eval_track_options_t o = {0};
    int rc = eval_track_link(in->dets, &linked, &in->err);
    if (rc == AVP_OK)
        rc = eval_track(in->gt, linked, &o, &r, &in->err);
    gt_destroy(linked);
    if (rc == AVP_EFORMAT)
        http_reply_error(req, 409, "untracked_ground_truth", "%s",
                         in->err.msg);
    else if (rc < 0)
        http_reply_avp_error(req, &in->err);
    return rc < 0 ? NULL : eval_track_json(&r);
}
