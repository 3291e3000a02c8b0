/* gt_frames.c - a video's ground-truth frame set (the frames its import
 * annotated, empty ones being real negatives) between the store's form
 * (store_gt_video_t: migrations/0013, and 0020 for a set that is not
 * evenly spaced), gt/gt.h's, and the JSON an import stores and an
 * evaluation's manifest records. */
#include "api/internal.h"

int api__gt_frame_set(gt_t *g, const store_gt_video_t *v, avp_error_t *err)
{
    int rc = v->gt_list
        ? gt_set_frame_list(g, v->gt_list, v->gt_nlist, err)
        : v->gt_step > 0
        ? gt_set_frames(g, v->gt_first, v->gt_last, v->gt_step, err)
        : 0;
    if (rc < 0)
        avp_error_prefix(err, "the video's stored frame set");
    return rc < 0 ? rc : v->gt_list || v->gt_step > 0;
}

json_t *api__gt_frames_json(const gt_t *g)
{
    int64_t first, last, step;
    size_t n;
    const int64_t *list = gt_frame_list(g, &n);
    if (!gt_has_frame_set(g))
        return json_null();
    gt_frames(g, &first, &last, &step);
    json_t *o = json_pack("{s:I, s:I}", "first", (json_int_t)first,
                          "last", (json_int_t)last);
    json_t *a = list ? json_array() : NULL;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(list[i]));
    json_object_set_new(o, list ? "list" : "step",
                        list ? a : json_integer(step));
    return o;
}
