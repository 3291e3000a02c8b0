/* gt_io.c - import of a video's ground truth from a file sent as
 * the raw body, in the formats of gt/gt.h: one file (COCO, CVAT 1.1 for
 * video or images, MOTChallenge, AVP JSON), or for the formats that are a file
 * per frame (YOLO, Pascal VOC) an archive of those files with classes.txt
 * (the class names, one per line: YOLO's indices) as the export sends
 * them, or a tool's export (a Roboflow or ultralytics zip with data.yaml).
 * Any format may come as a .zip, .tar or .tar.gz (gt/archive.c).
 * The parser accepts the whole file or nothing and names the line or
 * element it stumbled on; the boxes then go in with one statement (one
 * transaction) with their audit record and the file's frame set (the
 * frames it annotated, empty ones too: migrations/0013), and the reply
 * reports what the file held (report_json); ?dry_run=1 replies the report
 * and writes nothing. No database connection is held
 * while the body arrives: a slow sender must not take one of the pool's
 * few from everyone else.
 * Each of the file's track ids becomes a tracks row (issue 4's merge and
 * split work on them) holding its boxes and the file's id, which the export
 * writes back (migrations/0022): a round trip keeps the file's numbers. */
#include "api/internal.h"

#include "detect/detect.h"
#include "gt/gt.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/* The boxes of g as the JSON array store_gt_import takes: new string. */
static char *boxes_json(const gt_t *g)
{
    json_t *a = json_array();
    const gt_box_t *b = gt_boxes(g);
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        json_array_append_new(a, json_pack(
            "{s:I, s:f, s:s, s:f, s:f, s:f, s:f, s:b, s:b, s:b, s:b, s:b, "
            "s:o, s:o}", "frame", (json_int_t)b[i].frame, "t", b[i].t, "class",
            gt_label_name(g, b[i].label), "x1", b[i].x, "y1", b[i].y, "x2",
            b[i].x + b[i].w, "y2", b[i].y + b[i].h, "validated",
            !!(b[i].flags & GT_VALIDATED), "difficult",
            !!(b[i].flags & GT_DIFFICULT), "occluded",
            !!(b[i].flags & GT_OCCLUDED), "truncated",
            !!(b[i].flags & GT_TRUNCATED), "crowd",
            !!(b[i].flags & GT_CROWD), "area",
            b[i].area > 0 ? json_real(b[i].area) : json_null(), "track",
            b[i].track_id >= 0 ? json_integer(b[i].track_id) : json_null()));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* Parses the received file; replies 400 naming the problem on failure. */
static gt_t *parse_or_reply(http_req_t *req, gt_format_t f,
                            const char *path, const gt_io_options_t *o)
{
    gt_t *g = NULL;
    avp_error_t err;
    if (gt_import(f, path, o, &g, &err) < 0) {
        /* The readers name the file they read; here that is our temporary
         * file, which means nothing to the client and says where the data
         * directory is: keep only what follows it (a frame file's name). */
        const char *msg = err.msg;
        size_t n = strlen(path);
        if (!strncmp(msg, path, n))
            msg += n + strspn(msg + n, "/: ");
        http_reply_error(req, 400, "bad_request", "%s", msg);
    }
    return g;
}

/* An archive of per-frame files (YOLO, VOC): extracted into a new folder
 * beside the upload, classes.txt at its top taken out as the names (the
 * export's tar), the frame files' folder found in it (gt_import_tree). */
static gt_t *parse_tar_or_reply(http_req_t *req, gt_format_t f,
                                const char *tar, gt_io_options_t *o)
{
    char dir[PATH_MAX + 8], names_path[PATH_MAX + 24];
    snprintf(dir, sizeof dir, "%s.d", tar);
    detect_names_t *names = NULL;
    avp_error_t err;
    gt_t *g = NULL;
    snprintf(names_path, sizeof names_path, "%s/classes.txt", dir);
    if (mkdir(dir, 0700) < 0)
        http_reply_error(req, 500, "internal",
                         "cannot make a temporary folder");
    else if (gt_archive_extract(tar, dir, &err) < 0)
        http_reply_error(req, 400, "bad_request", "%s", err.msg);
    else if (access(names_path, F_OK) == 0 &&
             detect_names_load(names_path, &names, &err) < 0)
        http_reply_error(req, 400, "bad_request", "classes.txt: %s", err.msg);
    else {
        o->num_names = names ? detect_names_count(names) : 0;
        const char **list = avp_malloc(sizeof *list * (size_t)(o->num_names + 1));
        for (int i = 0; i < o->num_names; i++)
            list[i] = detect_names_get(names, i);
        o->names = list;
        unlink(names_path);
        if (gt_import_tree(f, dir, o, &g, &err) < 0)
            http_reply_error(req, 400, "bad_request", "%s", err.msg);
        o->names = NULL;
        avp_free(list);
    }
    detect_names_destroy(names);
    gt_remove_tree(dir);
    return g;
}

/* What the file held: its frames (the annotated ones, empty ones too),
 * boxes and tracks, and by kind what was not taken as a plain box: shapes
 * ignored (a polygon, a skeleton), rows kept with a change ("notes"). */
static json_t *report_json(const gt_t *g)
{
    gt_track_t *tracks;
    size_t ntracks;
    gt_tracks(g, &tracks, &ntracks);
    avp_free(tracks);
    json_t *notes = json_object();
    for (size_t i = 0; i < gt_num_notes(g); i++) {
        int64_t n;
        const char *kind = gt_note_kind(g, i, &n);
        json_object_set_new(notes, kind, json_integer(n));
    }
    return json_pack("{s:I, s:I, s:I, s:o}", "frames",
                     (json_int_t)gt_num_annotated_frames(g), "boxes",
                     (json_int_t)gt_num_boxes(g), "tracks",
                     (json_int_t)ntracks, "notes", notes);
}

/* The uploaded file's name as the client gave it (?file=), without the
 * folders a browser or a script may prefix; NULL when not given. */
static const char *file_name(http_req_t *req)
{
    const char *name = json_string_value(json_object_get(
        http_req_query(req), "file"));
    if (!name)
        return NULL;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    return *base ? base : NULL;
}

/* The file's frame set as store_gt_import takes it: new string, or NULL
 * when the file did not say which frames it annotated. */
static char *frames_json(const gt_t *g)
{
    json_t *o = api__gt_frames_json(g);
    char *s = json_is_null(o) ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* The largest track id a file may give: what a JSON number holds exactly
 * (migrations/0022 keeps it, an export numbers AVP's tracks past it). */
#define TRACK_ID_MAX 9007199254740991LL

/* Every box, and the frame set, on a frame of the video (frames long),
 * every track id one the store keeps. */
static int frames_or_reply(http_req_t *req, const gt_t *g, int64_t frames)
{
    const gt_box_t *b = gt_boxes(g);
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    /* A box is named before the set: it is what the sender will fix. */
    for (size_t i = 0; i < gt_num_boxes(g); i++) {
        if (api__frame_or_reply(req, b[i].frame, frames) < 0)
            return AVP_EINVAL;
        if (b[i].track_id > TRACK_ID_MAX) {
            http_reply_error(req, 400, "bad_request",
                             "track id %lld on frame %lld is over %lld",
                             (long long)b[i].track_id, (long long)b[i].frame,
                             TRACK_ID_MAX);
            return AVP_EINVAL;
        }
    }
    return gt_has_frame_set(g) ? api__frame_or_reply(req, last, frames)
                               : AVP_OK;
}

/* Stores the boxes and the frame set of g (all only if they fit the
 * video: frames long); replies either way. */
static int store_or_reply(http_req_t *req, store_conn_t *c, int64_t id,
                          const char *format, const gt_t *g, int64_t frames)
{
    if (frames_or_reply(req, g, frames) < 0)
        return AVP_EINVAL;
    char *boxes = boxes_json(g), *set = frames_json(g);
    int64_t n;
    avp_error_t err;
    int rc = store_gt_import(c, id, http_req_user(req)->id, format,
                             file_name(req), boxes, set, &n, &err);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        http_reply_json(req, 201, json_pack("{s:I, s:o}", "imported",
                                            (json_int_t)n, "report",
                                            report_json(g)));
    free(boxes);
    free(set);
    return rc;
}

/* What the parsers need of the video (frame rate and size) and its frame
 * count, after the access check, on a connection held for these alone: the
 * body, which may take minutes to arrive, is read once it is given back. */
static int video_or_reply(api_t *r, http_req_t *req, int64_t id,
                          gt_io_options_t *o, int64_t *frames)
{
    store_video_file_t file;
    store_gt_video_t geo = {0};
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return AVP_EUNAVAILABLE;
    int rc = api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, id,
                                  STORE_ROLE_EDITOR, NULL);
    if (rc == AVP_OK && ((rc = store_video_file(c, id, &file, &err)) < 0 ||
                         (rc = store_video_geometry(c, id, &geo, &err)) < 0))
        http_reply_avp_error(req, &err);
    store_pool_release(c);
    if (rc == AVP_OK) {
        *o = (gt_io_options_t){.fps = file.fps, .width = geo.width,
                               .height = geo.height};
        *frames = geo.frame_count;
    }
    store_gt_video_fini(&geo);
    return rc;
}

/* Stores the parsed boxes on a connection taken anew, checking access
 * again: the caller's role may have changed while the body arrived. */
static void commit_or_reply(api_t *r, http_req_t *req, int64_t id,
                            const char *format, const gt_t *g,
                            int64_t frames)
{
    int64_t pid;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, id,
                             STORE_ROLE_EDITOR, &pid) == AVP_OK &&
        store_or_reply(req, c, id, format, g, frames) == AVP_OK)
        api__project_test_sessions_changed(r, c, pid);
    store_pool_release(c);
}

void api__gt_import_file(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    const char *name =
        json_string_value(json_object_get(http_req_query(req), "format"));
    gt_format_t f;
    if (gt_format_parse(name, &f) < 0) {
        http_reply_error(req, 400, "bad_request",
                         "format must be coco, cvat, mot, datumaro, "
                         "avp, yolo or voc (yolo and voc: a zip, tar or "
                         "tar.gz archive)");
        return;
    }
    gt_io_options_t o;
    api_upload_t up;
    int64_t frames = 0;
    if (video_or_reply(r, req, id, &o, &frames) < 0 ||
        api__receive_or_reply(r, req, "videos", &up) < 0)
        return;
    /* Archives are extracted beside the upload, in the data directory. */
    char tmp_dir[PATH_MAX];
    snprintf(tmp_dir, sizeof tmp_dir, "%s", up.tmp);
    char *slash = strrchr(tmp_dir, '/');
    if (slash)
        *slash = '\0';
    o.tmp_dir = slash ? tmp_dir : NULL;
    o.split = json_string_value(json_object_get(http_req_query(req),
                                                "split"));
    gt_t *g = f == GT_FORMAT_YOLO || f == GT_FORMAT_VOC
        ? parse_tar_or_reply(req, f, up.tmp, &o)
        : parse_or_reply(req, f, up.tmp, &o);
    unlink(up.tmp);
    /* A dry run answers what an import would write, and writes nothing. */
    int dry = json_is_true(json_object_get(http_req_query(req), "dry_run"));
    if (g && dry && frames_or_reply(req, g, frames) == AVP_OK)
        http_reply_json(req, 200, json_pack("{s:b, s:I, s:o}", "dry_run", 1,
                                            "imported", (json_int_t)0,
                                            "report", report_json(g)));
    else if (g && !dry)
        commit_or_reply(r, req, id, name, g, frames);
    gt_destroy(g);
}
