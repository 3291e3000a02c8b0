/* fmt_avp.c - AVP's own ground-truth JSON: everything a gt_t holds, plus
 * the derived tracks for readers (ignored on import).
 *   {"format": "avp-gt", "version": 1,
 *    "video": {"width", "height", "fps", "num_frames",
 *              "frames": {"first", "last", "step"}, or with "list"
 *              in place of "step" when not evenly spaced},
 *    "labels": ["person", ...], "label_ids": [1, null, ...] (gt_label_id),
 *    "frame_info": [{"frame", "id", "name", "width", "height"}]
 *                  (gt_frame_info; both only where the source gave any),
 *    "boxes": [{"frame", "t", "label", "box": [x, y, w, h], "score",
 *               "validated", "difficult", "occluded", "truncated",
 *               "crowd", "source", "track_id", "area" (when not w * h)}],
 *    "tracks": [{"id", "label", "first_frame", "last_frame", "first_t",
 *                "last_t", "num_boxes"}]} */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static json_t *box_json(const gt_t *g, const gt_box_t *b)
{
    json_t *o = json_pack("{sI sf ss s[ffff]}", "frame", (json_int_t)b->frame,
                          "t", b->t, "label", gt_label_name(g, b->label),
                          "box", b->x, b->y, b->w, b->h);
    gt__attrs_to_json(b, o);
    if (b->area > 0)
        json_object_set_new(o, "area", json_real(b->area));
    return o;
}

static json_t *tracks_json(const gt_t *g)
{
    gt_track_t *t;
    size_t n;
    gt_tracks(g, &t, &n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack(
            "{sI ss sI sI sf sf sI}", "id", (json_int_t)t[i].id, "label",
            gt_label_name(g, t[i].label), "first_frame",
            (json_int_t)t[i].first_frame, "last_frame",
            (json_int_t)t[i].last_frame, "first_t", t[i].first_t, "last_t",
            t[i].last_t, "num_boxes", (json_int_t)t[i].num_boxes));
    avp_free(t);
    return a;
}

/* The frame set: {"first", "last", "step"}, or {"first", "last", "list"}
 * when its frames are not evenly spaced. */
static json_t *frames_json(const gt_t *g)
{
    int64_t first, last, step;
    size_t n;
    const int64_t *list = gt_frame_list(g, &n);
    gt_frames(g, &first, &last, &step);
    json_t *o = json_pack("{sI sI}", "first", (json_int_t)first, "last",
                          (json_int_t)last);
    if (!list) {
        json_object_set_new(o, "step", json_integer(step));
        return o;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(list[i]));
    json_object_set_new(o, "list", a);
    return o;
}

/* What the source called the frames and labels, where it named any. */
static void source_names_json(const gt_t *g, json_t *root)
{
    json_t *fi = json_array(), *ids = json_array();
    int64_t any = 0;
    gt_frame_info_t info;
    for (int64_t f = gt_frame_after(g, -1); f >= 0;
         f = gt_frame_after(g, f)) {
        if (!gt_frame_info(g, f, &info))
            continue;
        json_t *o = json_pack("{sI si si}", "frame", (json_int_t)f, "width",
                              info.width, "height", info.height);
        if (info.id != GT_NO_ID)
            json_object_set_new(o, "id", json_integer(info.id));
        if (info.name)
            json_object_set_new(o, "name", json_string(info.name));
        json_array_append_new(fi, o);
    }
    for (int l = 0; l < gt_num_labels(g); l++) {
        int64_t id = gt_label_id(g, l);
        any |= id != GT_NO_ID;
        json_array_append_new(ids, id != GT_NO_ID ? json_integer(id)
                                                  : json_null());
    }
    json_object_set_new(root, "frame_info", fi);
    if (any)
        json_object_set_new(root, "label_ids", ids);
    else
        json_decref(ids);
    if (!json_array_size(fi))
        json_object_del(root, "frame_info");
}

int gt__export_avp(const gt_t *g, const gt_io_options_t *o, char **out,
                   avp_error_t *err)
{
    (void)o;
    json_t *labels = json_array(), *boxes = json_array();
    for (int l = 0; l < gt_num_labels(g); l++)
        json_array_append_new(labels, json_string(gt_label_name(g, l)));
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        json_array_append_new(boxes, box_json(g, &gt_boxes(g)[i]));
    json_t *root = json_pack(
        "{ss si s{si si sf sI so} so so so}", "format", "avp-gt",
        "version", 1, "video", "width", gt_width(g), "height", gt_height(g),
        "fps", gt_fps(g), "num_frames", (json_int_t)gt_num_frames(g),
        "frames", frames_json(g), "labels", labels, "boxes", boxes, "tracks",
        tracks_json(g));
    source_names_json(g, root);
    return gt__json_dump(root, out, err);
}

int gt__json_box(json_t *o, const char *key, const char *path, gt_box_t *b,
                 avp_error_t *err)
{
    json_t *a = json_object_get(o, key);
    double v[4];
    if (!json_is_array(a) || json_array_size(a) != 4)
        return avp_error_set(err, AVP_EFORMAT, "%s.%s: expected 4 numbers",
                             path, key);
    for (int k = 0; k < 4; k++) {
        if (!json_is_number(json_array_get(a, (size_t)k)))
            return avp_error_set(err, AVP_EFORMAT,
                                 "%s.%s: expected 4 numbers", path, key);
        v[k] = json_number_value(json_array_get(a, (size_t)k));
    }
    b->x = v[0], b->y = v[1], b->w = v[2], b->h = v[3];
    return AVP_OK;
}

static int read_boxes(gt_t *g, json_t *boxes, avp_error_t *err)
{
    if (!json_is_array(boxes))
        return avp_error_set(err, AVP_EFORMAT, "boxes: expected a list");
    for (size_t i = 0; i < json_array_size(boxes); i++) {
        json_t *o = json_array_get(boxes, i);
        char path[64];
        snprintf(path, sizeof path, "boxes[%zu]", i);
        gt_box_t b = {.score = 1, .source = GT_SOURCE_IMPORT,
                      .track_id = -1};
        const char *label = NULL;
        double frame = -1;
        int rc = json_is_object(o) ? AVP_OK
                 : avp_error_set(err, AVP_EFORMAT, "%s: expected an object",
                                 path);
        if (rc == AVP_OK)
            rc = gt__json_num(o, "frame", path, &frame, 1, err);
        /* The range check comes first: casting a double past int64's
         * range is undefined (the fuzzer found it). */
        if (rc == AVP_OK && !(frame >= 0 && frame < 1e12 &&
                              frame == (double)(int64_t)frame))
            rc = avp_error_set(err, AVP_EFORMAT, "%s.frame: not an integer "
                               "in [0, 1e12)", path);
        if (rc == AVP_OK)
            rc = gt__json_num(o, "t", path, &b.t, 1, err);
        if (rc == AVP_OK)
            rc = gt__json_str(o, "label", path, &label, 1, err);
        if (rc == AVP_OK)
            rc = gt__json_box(o, "box", path, &b, err);
        if (rc == AVP_OK)
            rc = gt__attrs_from_json(o, path, &b, err);
        if (rc == AVP_OK)
            rc = gt__json_num(o, "area", path, &b.area, 0, err);
        if (rc == AVP_OK) {
            b.frame = (int64_t)frame;
            b.label = gt_label(g, label);
            if ((rc = gt_add_box(g, &b, err)) < 0)
                avp_error_prefix(err, "%s", path);
        }
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}

/* video.frames.list: frames not evenly spaced. */
static int read_frame_list(gt_t *g, json_t *a, avp_error_t *err)
{
    size_t n = json_array_size(a);
    if (!json_is_array(a) || !n)
        return avp_error_set(err, AVP_EFORMAT, "video.frames.list: expected "
                             "a list of frames");
    int64_t *v = avp_malloc(n * sizeof *v);
    int rc;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(a, i);
        v[i] = json_is_integer(x) ? json_integer_value(x) : -1;
    }
    if ((rc = gt_set_frame_list(g, v, n, err)) < 0)
        avp_error_prefix(err, "video.frames.list");
    avp_free(v);
    return rc;
}

/* video.frames, the frame set (absent in files before it: every frame). */
static int read_frames(gt_t *g, json_t *f, avp_error_t *err)
{
    double v[3];
    static const char *const keys[3] = {"first", "last", "step"};
    int rc = AVP_OK;
    if (!f)
        return AVP_OK;
    if (json_object_get(f, "list"))
        return read_frame_list(g, json_object_get(f, "list"), err);
    for (int k = 0; k < 3 && rc == AVP_OK; k++)
        rc = gt__json_num(f, keys[k], "video.frames", &v[k], 1, err);
    for (int k = 0; k < 3 && rc == AVP_OK; k++)
        if (v[k] != (int64_t)v[k] || fabs(v[k]) > 1e15)
            rc = avp_error_set(err, AVP_EFORMAT, "video.frames.%s: expected "
                               "an integer", keys[k]);
    if (rc == AVP_OK && v[1] < v[0])
        return AVP_OK; /* no frames yet */
    if (rc == AVP_OK &&
        (rc = gt_set_frames(g, (int64_t)v[0], (int64_t)v[1], (int64_t)v[2],
                            err)) < 0)
        avp_error_prefix(err, "video.frames");
    return rc;
}

static int read_video(gt_t *g, json_t *root, avp_error_t *err)
{
    json_t *v = json_object_get(root, "video");
    double w = 0, h = 0, fps = 0, n = 0;
    if (!v)
        return AVP_OK;
    int rc = json_is_object(v) ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "video: expected an object");
    if (rc == AVP_OK)
        rc = gt__json_num(v, "width", "video", &w, 0, err);
    if (rc == AVP_OK)
        rc = gt__json_num(v, "height", "video", &h, 0, err);
    if (rc == AVP_OK)
        rc = gt__json_num(v, "fps", "video", &fps, 0, err);
    if (rc == AVP_OK)
        rc = gt__json_num(v, "num_frames", "video", &n, 0, err);
    if (rc == AVP_OK && (!(w >= 0 && w < 1e6) || !(h >= 0 && h < 1e6) ||
                         !(n >= 0 && n < 1e12)))
        rc = avp_error_set(err, AVP_EFORMAT, "video: size out of range");
    if (rc == AVP_OK)
        gt_set_video(g, (int)w, (int)h, fps, (int64_t)n);
    return rc == AVP_OK ? read_frames(g, json_object_get(v, "frames"), err)
                        : rc;
}

static int read_labels(gt_t *g, json_t *labels, avp_error_t *err)
{
    if (labels && !json_is_array(labels))
        return avp_error_set(err, AVP_EFORMAT, "labels: expected a list");
    for (size_t i = 0; i < json_array_size(labels); i++) {
        json_t *s = json_array_get(labels, i);
        if (!json_is_string(s))
            return avp_error_set(err, AVP_EFORMAT,
                                 "labels[%zu]: expected a string", i);
        gt_label(g, json_string_value(s));
    }
    return AVP_OK;
}

/* label_ids, parallel to labels. */
static int read_label_ids(gt_t *g, json_t *ids, avp_error_t *err)
{
    if (ids && (!json_is_array(ids) ||
                json_array_size(ids) != (size_t)gt_num_labels(g)))
        return avp_error_set(err, AVP_EFORMAT, "label_ids: expected a list "
                             "as long as labels");
    for (size_t i = 0; i < json_array_size(ids); i++) {
        json_t *v = json_array_get(ids, i);
        if (!json_is_integer(v) && !json_is_null(v))
            return avp_error_set(err, AVP_EFORMAT, "label_ids[%zu]: expected "
                                 "an integer or null", i);
        gt_set_label_id(g, (int)i,
                        json_is_integer(v) ? json_integer_value(v) : GT_NO_ID);
    }
    return AVP_OK;
}

/* frame_info, in increasing frame order (as written): each entry is then
 * an append, not an insert. */
static int read_frame_info(gt_t *g, json_t *a, avp_error_t *err)
{
    double prev = -1;
    if (a && !json_is_array(a))
        return avp_error_set(err, AVP_EFORMAT, "frame_info: expected a list");
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i), *id = json_object_get(o, "id");
        char path[64];
        const char *name = NULL;
        double v[3] = {-1, 0, 0};
        snprintf(path, sizeof path, "frame_info[%zu]", i);
        int rc = gt__json_num(o, "frame", path, &v[0], 1, err);
        if (rc == AVP_OK)
            rc = gt__json_num(o, "width", path, &v[1], 0, err);
        if (rc == AVP_OK)
            rc = gt__json_num(o, "height", path, &v[2], 0, err);
        if (rc == AVP_OK)
            rc = gt__json_str(o, "name", path, &name, 0, err);
        if (rc == AVP_OK && ((id && !json_is_integer(id)) ||
                             !(v[0] > prev && v[0] < GT_MAX_FRAMES) ||
                             v[0] != floor(v[0]) ||
                             !(v[1] >= 0 && v[1] < 1e6) ||
                             !(v[2] >= 0 && v[2] < 1e6)))
            rc = avp_error_set(err, AVP_EFORMAT, "%s: a number out of range "
                               "or a frame not after the last", path);
        prev = v[0];
        if (rc == AVP_OK)
            rc = gt_set_frame_info(g, (int64_t)v[0],
                                   id ? json_integer_value(id) : GT_NO_ID,
                                   name, (int)v[1], (int)v[2], err);
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}

static int read_all(gt_t *g, json_t *root, const gt_io_options_t *o,
                    avp_error_t *err)
{
    int rc = read_video(g, root, err);
    if (rc == AVP_OK)
        rc = read_labels(g, json_object_get(root, "labels"), err);
    if (rc == AVP_OK)
        rc = read_label_ids(g, json_object_get(root, "label_ids"), err);
    if (rc == AVP_OK)
        rc = read_frame_info(g, json_object_get(root, "frame_info"), err);
    if (rc == AVP_OK)
        rc = read_boxes(g, json_object_get(root, "boxes"), err);
    if (rc == AVP_OK)
        gt__apply_options(g, o);
    return rc;
}

int gt_parse_avp(const char *text, size_t len, const gt_io_options_t *o,
                 gt_t **out, avp_error_t *err)
{
    return gt__parse_json(text, len, read_all, o, out, err);
}

/* One `avp detect` line: {"frame", "t", "label", "score", "box": [x1, y1,
 * x2, y2]}. */
static int detect_line(gt_t *g, json_t *o, avp_error_t *err)
{
    gt_box_t b = {.source = GT_SOURCE_MODEL, .track_id = -1};
    double frame = -1;
    const char *label = NULL;
    int rc = json_is_object(o) ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "expected an object");
    if (rc == AVP_OK)
        rc = gt__json_num(o, "frame", "", &frame, 1, err);
    if (rc == AVP_OK)
        rc = gt__json_num(o, "t", "", &b.t, 1, err);
    if (rc == AVP_OK)
        rc = gt__json_num(o, "score", "", &b.score, 1, err);
    if (rc == AVP_OK)
        rc = gt__json_str(o, "label", "", &label, 1, err);
    if (rc == AVP_OK)
        rc = gt__json_box(o, "box", "", &b, err);
    if (rc == AVP_OK && !(frame >= 0 && frame < 1e12 &&
                          frame == (double)(int64_t)frame))
        rc = avp_error_set(err, AVP_EFORMAT, ".frame: not an integer >= 0");
    if (rc < 0)
        return rc;
    b.frame = (int64_t)frame;
    b.w -= b.x, b.h -= b.y; /* corners to size */
    b.label = gt_label(g, label);
    return gt_add_box(g, &b, err);
}

int gt_parse_detect_jsonl(const char *text, size_t len, gt_t **out,
                          avp_error_t *err)
{
    gt_t *g = gt_create();
    size_t line = 0;
    int rc = AVP_OK;
    *out = NULL;
    for (size_t i = 0; i < len && rc == AVP_OK;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        json_error_t je;
        line++;
        if (end > i + strspn(text + i, " \t\r") && end > i) {
            json_t *o = json_loadb(text + i, end - i, 0, &je);
            rc = o ? detect_line(g, o, err) : gt__json_parse_error(&je, err);
            json_decref(o);
            if (rc < 0)
                avp_error_prefix(err, "line %zu", line);
        }
        i = end + 1;
    }
    if (rc < 0)
        gt_destroy(g);
    else
        *out = g;
    return rc;
}
