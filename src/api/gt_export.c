/* gt_export.c - a video's ground truth as a file of one of the
 * formats of gt/gt.h. The boxes are read into a gt_t, written by the
 * format's exporter into a private temporary folder of the data
 * directory, and sent as an attachment: the file itself, or for the
 * formats that are a file per frame (YOLO, VOC) a tar archive of the
 * folder (yolo/frame_000000.txt, ...) with the class names beside it
 * (classes.txt, one per line, in the order of YOLO's class indices, as
 * `avp gt convert --names` reads them). The folder is removed afterwards. */
#include "api/internal.h"

#include "gt/gt.h"
#include "api/tar.h"

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The temporary folder is PATH_MAX; what is made in it a little more. */
#define DIR_PATH_MAX (PATH_MAX + 64)
#define FILE_PATH_MAX (DIR_PATH_MAX + 256)

typedef struct build {
    gt_t *g;
    avp_error_t err;
} build_t;

static void add_row(void *arg, const store_gt_row_t *b)
{
    static const char *const sources[] = {"model", "human", "import"};
    build_t *s = arg;
    if (s->err.code)
        return; /* the first error is the one reported */
    gt_box_t box = {
        .frame = b->frame, .t = b->t, .label = gt_label(s->g, b->cls),
        .x = b->box[0], .y = b->box[1], .w = b->box[2] - b->box[0],
        .h = b->box[3] - b->box[1], .score = 1,
        .track_id = b->track_id,
        .flags = (b->flags[0] ? GT_VALIDATED : 0) |
                 (b->flags[1] ? GT_DIFFICULT : 0) |
                 (b->flags[2] ? GT_OCCLUDED : 0) |
                 (b->flags[3] ? GT_TRUNCATED : 0) |
                 (b->crowd ? GT_CROWD : 0),
        .area = b->area};
    for (int i = 0; i < 3; i++)
        if (!strcmp(b->source, sources[i]))
            box.source = (gt_source_t)i;
    if (gt_add_box(s->g, &box, &s->err) < 0)
        avp_error_prefix(&s->err, "ground-truth box %" PRId64, b->id);
}

/* 1 if set has a frame set and every box of g is on it. */
static int boxes_on_set(const gt_t *g, const gt_t *set)
{
    const gt_box_t *b = gt_boxes(g);
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        if (!gt_is_annotated_frame(set, b[i].frame))
            return 0;
    return gt_has_frame_set(set);
}

/* The video's ground truth, or NULL after replying. */
static gt_t *load_or_reply(http_req_t *req, store_conn_t *c, int64_t id)
{
    store_gt_video_t v = {0};
    build_t s = {gt_create(), {0}};
    gt_t *set = gt_create();
    avp_error_t err;
    int ok = 0;
    if (store_video_geometry(c, id, &v, &err) < 0 ||
        store_gt_rows(c, id, add_row, &s, &err) < 0)
        http_reply_avp_error(req, &err);
    else if (s.err.code)
        http_reply_error(req, 409, "conflict", "%s", s.err.msg);
    else if (api__gt_frame_set(set, &v, &err) < 0)
        http_reply_error(req, 409, "conflict", "%s", err.msg);
    else {
        gt_set_video(s.g, v.width, v.height, v.fps, v.frame_count);
        /* In an order of what the boxes are, not of their row ids, which
         * an import of this export gives anew. */
        gt_sort(s.g);
        /* The imported frame set, so that its empty frames are exported
         * too; unless a box drawn since lies off it. */
        if (boxes_on_set(s.g, set))
            gt_copy_frame_set(s.g, set);
        ok = 1;
    }
    store_gt_video_fini(&v);
    gt_destroy(set);
    if (!ok)
        gt_destroy(s.g);
    return ok ? s.g : NULL;
}

/* How each format goes out: file name and type of the attachment. */
static const struct {
    const char *file, *mime;
} outputs[] = {
    [GT_FORMAT_AVP] = {"ground_truth.avp.json", "application/json"},
    [GT_FORMAT_COCO] = {"ground_truth.coco.json", "application/json"},
    [GT_FORMAT_YOLO] = {"yolo", "application/x-tar"},
    [GT_FORMAT_VOC] = {"voc", "application/x-tar"},
    [GT_FORMAT_CVAT] = {"ground_truth.cvat.xml", "application/xml"},
    [GT_FORMAT_MOT] = {"ground_truth.mot.txt", "text/csv"},
    [GT_FORMAT_DATUMARO] = {"ground_truth.datumaro.json",
                            "application/json"},
};

static int write_names(const gt_t *g, const char *path, avp_error_t *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return avp_error_set(err, AVP_EIO, "%s: cannot create", path);
    for (int i = 0; i < gt_num_labels(g); i++)
        fprintf(f, "%s\n", gt_label_name(g, i));
    return fclose(f) == 0 ? AVP_OK
                          : avp_error_set(err, AVP_EIO, "%s: write failed", path);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names of dir, sorted (frame order), in a new array. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    *n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') {
            names = avp_realloc(names, sizeof *names * (*n + 1));
            names[(*n)++] = avp_strdup(e->d_name);
        }
    if (d)
        closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_name);
    return names;
}

/* Streams the class names as classes.txt and folder `dir` as <base>/...
 * in a tar. */
static void send_tar(http_req_t *req, const char *names_path,
                     const char *dir, const char *base)
{
    size_t n;
    char **names = list_dir(dir, &n), path[FILE_PATH_MAX], name[128];
    http_reply_stream_t s;
    avp_error_t err = {0};
    http_reply_stream_begin(&s, req, 200, "application/x-tar");
    int rc = api__tar_add_file(&s, "classes.txt", names_path, &err);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(name, sizeof name, "%s/%s", base, names[i]);
        if (rc == AVP_OK)
            rc = api__tar_add_file(&s, name, path, &err);
        avp_free(names[i]);
    }
    avp_free(names);
    if (rc == AVP_OK)
        api__tar_end(&s);
    else
        fprintf(stderr, "avp serve: tar cut short: %s\n", err.msg);
    http_reply_stream_end(&s);
}

/* Exports g into the new folder tmp and sends the result. */
static void export_and_send(http_req_t *req, int64_t id, gt_format_t f,
                            const gt_t *g, const char *tmp)
{
    char path[DIR_PATH_MAX], names_path[DIR_PATH_MAX], disp[160];
    const char **names = avp_malloc(sizeof *names * (size_t)(gt_num_labels(g) + 1));
    for (int i = 0; i < gt_num_labels(g); i++)
        names[i] = gt_label_name(g, i);
    gt_io_options_t o = {.names = names, .num_names = gt_num_labels(g)};
    int folder = f == GT_FORMAT_YOLO || f == GT_FORMAT_VOC;
    avp_error_t err;
    snprintf(path, sizeof path, "%s/%s", tmp, outputs[f].file);
    snprintf(names_path, sizeof names_path, "%s/classes.txt", tmp);
    int rc = gt_export(f, g, path, &o, &err);
    if (rc == AVP_OK && folder)
        rc = write_names(g, names_path, &err);
    snprintf(disp, sizeof disp, "attachment; filename=\"video_%" PRId64
             "_%s%s\"", id, outputs[f].file, folder ? ".tar" : "");
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else {
        http_reply_add_header(req, "Content-Disposition", disp);
        if (folder)
            send_tar(req, names_path, path, outputs[f].file);
        else
            http_reply_file(req, path, outputs[f].mime);
    }
    if (folder) {
        unlink(names_path);
        gt_remove_tree(path);
    } else {
        unlink(path);
    }
    avp_free(names);
}

void api__gt_export_file(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    const char *name =
        json_string_value(json_object_get(http_req_query(req), "format"));
    gt_format_t f;
    if (gt_format_parse(name, &f) < 0) {
        http_reply_error(req, 400, "bad_request",
                         "format must be coco, cvat, mot, datumaro, "
                         "avp, yolo or voc");
        return;
    }
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    gt_t *g = NULL;
    if (api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, id,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK)
        g = load_or_reply(req, c, id);
    store_pool_release(c); /* the export needs no database */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/videos/.export-XXXXXX", r->data_dir);
    if (g && !mkdtemp(tmp))
        http_reply_error(req, 500, "internal",
                         "cannot make a temporary folder");
    else if (g) {
        export_and_send(req, id, f, g, tmp);
        rmdir(tmp);
    }
    gt_destroy(g);
}
