/* fmt.c - choosing a ground-truth format, file and folder I/O, and the
 * helpers the format files share. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const format_names[] = {"avp", "coco", "yolo", "voc",
                                           "cvat", "mot", "datumaro"};

int gt_format_parse(const char *name, gt_format_t *out)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(format_names); i++)
        if (!strcmp(name, format_names[i])) {
            *out = (gt_format_t)i;
            return AVP_OK;
        }
    return AVP_EINVAL;
}

const char *gt_format_name(gt_format_t f)
{
    return (unsigned)f < AVP_ARRAY_LEN(format_names) ? format_names[f] : "?";
}

static const char *const source_names[] = {"model", "human", "import"};

const char *gt__source_name(gt_source_t s) { return source_names[s]; }

int gt__source_parse(const char *name, gt_source_t *out)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, source_names[i])) {
            *out = (gt_source_t)i;
            return AVP_OK;
        }
    return AVP_EFORMAT;
}

int gt__read_file(const char *path, char **text, size_t *len,
                  avp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    char *buf = avp_malloc(cap + 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap)
            buf = avp_realloc(buf, (cap *= 2) + 1);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        avp_free(buf);
        return avp_error_set(err, AVP_EIO, "%s: read failed", path);
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return AVP_OK;
}

int gt__write_file(const char *path, const char *text, avp_error_t *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return avp_error_set(err, AVP_EIO, "%s: %s", path, strerror(errno));
    size_t len = strlen(text);
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    return bad ? avp_error_set(err, AVP_EIO, "%s: write failed", path)
               : AVP_OK;
}

double gt__time(const gt_io_options_t *o, int64_t frame)
{
    return o && o->fps > 0 ? (double)frame / o->fps : 0;
}

void gt__apply_options(gt_t *g, const gt_io_options_t *o)
{
    if (!o)
        return;
    gt_set_video(g, o->width ? o->width : gt_width(g),
                 o->height ? o->height : gt_height(g),
                 o->fps > 0 ? o->fps : gt_fps(g), 0);
}

int gt__class_of(const gt_t *g, int label, const gt_io_options_t *o)
{
    const char *name = gt_label_name(g, label);
    for (int i = 0; o && name && i < o->num_names; i++)
        if (!strcmp(o->names[i], name))
            return i;
    return -1;
}

/* ---- folders of one file per frame (YOLO, VOC) ---- */

typedef gt__parse_frame_fn parse_frame_fn;
typedef int (*export_frame_fn)(const gt_t *, const gt_box_t *, size_t,
                               int64_t, const gt_io_options_t *, char **,
                               avp_error_t *);

/* A frame's file: a name ending in ext (any, for ext NULL) that is more
 * than ext, not hidden, not the class list a YOLO folder may hold. */
static int is_frame_file(const char *name, const char *ext)
{
    size_t n = strlen(name), e = ext ? strlen(ext) : 0;
    return n > e && (!ext || !strcmp(name + n - e, ext)) &&
           name[0] != '.' && strcmp(name, "classes.txt");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int gt__import_frame_file(gt_t *g, const char *dir, const char *name,
                          int64_t frame, gt__parse_frame_fn parse,
                          const gt_io_options_t *o, avp_error_t *err)
{
    char path[4096], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = gt__read_file(path, &text, &len, err);
    if (rc == AVP_OK) {
        rc = parse(g, frame, text, len, o, name, err);
        avp_free(text);
    }
    return rc;
}

int gt__list_files(const char *dir, const char *ext, char ***names,
                   size_t *n, avp_error_t *err)
{
    DIR *d = opendir(dir);
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (!d)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", dir, strerror(errno));
    for (struct dirent *e; (e = readdir(d));)
        if (is_frame_file(e->d_name, ext)) {
            if (*n == cap) { /* doubling: linear in the files, not square */
                cap = cap ? 2 * cap : 64;
                *names = avp_realloc(*names, cap * sizeof(char *));
            }
            (*names)[(*n)++] = avp_strdup(e->d_name);
        }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof(char *), cmp_str);
    return AVP_OK;
}

static int import_folder(const char *dir, const char *ext,
                         parse_frame_fn parse, const gt_io_options_t *o,
                         gt_t **out, avp_error_t *err)
{
    char **names;
    size_t n;
    int rc = gt__list_files(dir, ext, &names, &n, err);
    if (rc < 0)
        return rc;
    gt_t *g = gt_create();
    gt__apply_options(g, o);
    /* Frames are the files in name order, not the digits in their names:
     * names without digits must not share a frame, "img_963225.txt" must
     * not make 963225 empty frames, and a folder numbered from 000001
     * has no frame 0 that nobody annotated. */
    rc = n ? gt_set_frames(g, 0, (int64_t)n - 1, 1, err) : AVP_OK;
    for (size_t i = 0; i < n && rc == AVP_OK; i++)
        rc = gt__import_frame_file(g, dir, names[i], (int64_t)i, parse, o,
                                   err);
    gt__names_free(names, (int)n);
    if (rc < 0)
        gt_destroy(g);
    *out = rc < 0 ? NULL : g;
    return rc;
}

/* Every frame of the frame set gets a file, empty frames too: in YOLO and
 * VOC a missing file is "not annotated", an empty one "nothing there". The
 * files are frames in name order, so a set with gaps (a CVAT task's every
 * third frame) comes back numbered 0, 1, ...: these formats have images,
 * not video frame numbers, which stay in the file names. */
static int export_folder(const gt_t *g, const char *dir, const char *ext,
                         export_frame_fn write, const gt_io_options_t *o,
                         avp_error_t *err)
{
    if (mkdir(dir, 0777) < 0 && errno != EEXIST)
        return avp_error_set(err, AVP_EIO, "%s: %s", dir, strerror(errno));
    const gt_box_t *b = gt_boxes(g);
    size_t n = gt_num_boxes(g), i = 0;
    int rc = AVP_OK;
    for (int64_t f = gt_frame_after(g, -1); f >= 0 && rc == AVP_OK;
         f = gt_frame_after(g, f)) {
        size_t j = i; /* gt_export let only boxes on the set's frames in */
        while (j < n && b[j].frame == f)
            j++;
        char *text, path[4096];
        rc = write(g, b + i, j - i, f, o, &text, err);
        if (rc == AVP_OK) {
            snprintf(path, sizeof path, "%s/frame_%06lld%s", dir,
                     (long long)f, ext);
            rc = gt__write_file(path, text, err);
            avp_free(text);
        }
        i = j;
    }
    return rc;
}

/* ---- dispatch ---- */

typedef int (*parse_file_fn)(const char *, size_t, const gt_io_options_t *,
                             gt_t **, avp_error_t *);
typedef int (*export_file_fn)(const gt_t *, const gt_io_options_t *, char **,
                              avp_error_t *);

static const struct {
    parse_file_fn parse;
    export_file_fn write;
    parse_frame_fn parse_frame;
    export_frame_fn write_frame;
    const char *ext;
} formats[] = {
    [GT_FORMAT_AVP] = {gt_parse_avp, gt__export_avp, NULL, NULL, NULL},
    [GT_FORMAT_COCO] = {gt_parse_coco, gt__export_coco, NULL, NULL, NULL},
    [GT_FORMAT_YOLO] = {NULL, NULL, gt_parse_yolo_frame,
                        gt__export_yolo_frame, ".txt"},
    [GT_FORMAT_VOC] = {NULL, NULL, gt_parse_voc_frame, gt__export_voc_frame,
                       ".xml"},
    [GT_FORMAT_CVAT] = {gt_parse_cvat, gt__export_cvat, NULL, NULL, NULL},
    [GT_FORMAT_MOT] = {gt_parse_mot, gt__export_mot, NULL, NULL, NULL},
    [GT_FORMAT_DATUMARO] = {gt_parse_datumaro, gt__export_datumaro, NULL,
                            NULL, NULL},
};

/* A YOLO folder with a data.yaml beside it (in it, or up to
 * o->yaml_levels_up levels up: ultralytics' dataset/data.yaml,
 * dataset/train/labels/) takes its class names from there: the file that
 * trained on them says what index means what, not a default list. */
static int import_yolo(const char *dir, const gt_io_options_t *o,
                       gt_t **out, avp_error_t *err)
{
    static const char *const up[] = {"", "/..", "/../.."};
    char yaml[4200];
    gt_io_options_t copy = o ? *o : (gt_io_options_t){0};
    char **names = NULL;
    int n = 0, rc = AVP_OK;
    size_t levels = copy.yaml_levels_up > 0 ? (size_t)copy.yaml_levels_up : 0;
    for (size_t i = 0; i < AVP_ARRAY_LEN(up) && i <= levels && !names &&
                       rc == AVP_OK;
         i++) {
        snprintf(yaml, sizeof yaml, "%s%s/data.yaml", dir, up[i]);
        if (access(yaml, F_OK) == 0)
            rc = gt__yaml_names(yaml, &names, &n, err);
    }
    if (names) {
        copy.names = (const char *const *)names;
        copy.num_names = n;
    }
    char images[4200];
    if (rc == AVP_OK && gt__yolo_images_dir(dir, images, sizeof images))
        rc = gt__import_yolo_images(dir, images, &copy, out, err);
    else if (rc == AVP_OK)
        rc = import_folder(dir, ".txt", gt_parse_yolo_frame, &copy, out,
                           err);
    gt__names_free(names, n);
    return rc;
}

/* 1 if dir is a YOLO dataset's top (data.yaml and no label files in it:
 * Roboflow's export beside train/, valid/, test/), whose splits
 * gt_import_tree tells apart. */
static int is_dataset_root(const char *dir)
{
    char yaml[4200], **names;
    size_t n = 0;
    avp_error_t err;
    snprintf(yaml, sizeof yaml, "%s/data.yaml", dir);
    if (access(yaml, F_OK) < 0 || gt__list_files(dir, ".txt", &names, &n,
                                                   &err) < 0)
        return 0;
    size_t labels = 0;
    for (size_t i = 0; i < n; i++)
        labels += !gt__is_list_file(names[i]);
    gt__names_free(names, (int)n);
    return labels == 0;
}

/* An archive: extracted into a new folder, the dataset found in it. */
static int import_archive(gt_format_t f, const char *path,
                          const gt_io_options_t *o, gt_t **out,
                          avp_error_t *err)
{
    const char *tmp = o && o->tmp_dir ? o->tmp_dir : getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/.avp-gt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return avp_error_set(err, AVP_EIO, "%s: cannot make a folder to "
                             "extract into: %s", path, strerror(errno));
    int rc = gt_archive_extract(path, dir, err);
    if (rc == AVP_OK)
        rc = gt_import_tree(f, dir, o, out, err);
    gt_remove_tree(dir);
    return rc < 0 ? avp_error_prefix(err, "%s", path) : rc;
}

int gt_import(gt_format_t f, const char *path, const gt_io_options_t *o,
              gt_t **out, avp_error_t *err)
{
    *out = NULL;
    if ((unsigned)f >= AVP_ARRAY_LEN(formats))
        return avp_error_set(err, AVP_EINVAL, "unknown format %d", (int)f);
    struct stat st;
    /* A YOLO or VOC dataset is a folder; a file can only be its archive
     * (and libarchive says what is wrong with one that is not). */
    if (gt_is_archive(path) || (formats[f].parse_frame &&
                                stat(path, &st) == 0 && S_ISREG(st.st_mode)))
        return import_archive(f, path, o, out, err);
    if (f == GT_FORMAT_YOLO && is_dataset_root(path))
        return gt_import_tree(f, path, o, out, err);
    if (f == GT_FORMAT_YOLO)
        return import_yolo(path, o, out, err);
    if (formats[f].parse_frame)
        return import_folder(path, formats[f].ext, formats[f].parse_frame, o,
                             out, err);
    char *text;
    size_t len;
    int rc = gt__read_file(path, &text, &len, err);
    if (rc < 0)
        return rc;
    rc = formats[f].parse(text, len, o, out, err);
    avp_free(text);
    if (rc == AVP_OK && f == GT_FORMAT_MOT &&
        (rc = gt__mot_seqinfo(path, o, *out, err)) < 0) {
        gt_destroy(*out);
        *out = NULL;
    }
    return rc < 0 ? avp_error_prefix(err, "%s", path) : rc;
}

/* A sorted copy of g, whose boxes must all lie on its frame set: the
 * folder exporters write a file per frame of the set, and a box off it
 * would be lost. */
static int sorted_copy(const gt_t *g, gt_t **out, avp_error_t *err)
{
    gt_t *s = gt_create();
    gt_set_video(s, gt_width(g), gt_height(g), gt_fps(g), gt_num_frames(g));
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    if (last >= first && !gt_has_frame_set(g))
        gt_set_frames(s, first, last, step, NULL);
    gt_copy_frame_set(s, g);
    for (int64_t f = gt_frame_after(g, -1); f >= 0;
         f = gt_frame_after(g, f)) {
        gt_frame_info_t fi;
        if (gt_frame_info(g, f, &fi))
            gt_set_frame_info(s, f, fi.id, fi.name, fi.width, fi.height,
                              NULL);
    }
    for (int l = 0; l < gt_num_labels(g); l++)
        gt_set_label_id(s, gt_label(s, gt_label_name(g, l)),
                        gt_label_id(g, l));
    int rc = AVP_OK;
    for (size_t i = 0; i < gt_num_boxes(g) && rc == AVP_OK; i++) {
        const gt_box_t *b = &gt_boxes(g)[i];
        if (!gt_is_annotated_frame(s, b->frame))
            rc = avp_error_set(err, AVP_EINVAL, "a box on frame %lld, which "
                               "is not in the frame set (%lld frames, %lld "
                               "to %lld)", (long long)b->frame,
                               (long long)gt_num_annotated_frames(s),
                               (long long)first, (long long)last);
        gt_add_box(s, b, NULL);
    }
    gt_sort(s);
    if (rc < 0)
        gt_destroy(s);
    *out = rc < 0 ? NULL : s;
    return rc;
}

int gt_export(gt_format_t f, const gt_t *g, const char *path,
              const gt_io_options_t *o, avp_error_t *err)
{
    if ((unsigned)f >= AVP_ARRAY_LEN(formats))
        return avp_error_set(err, AVP_EINVAL, "unknown format %d", (int)f);
    /* Exporters write frames in order and a sorted copy keeps g const. */
    gt_t *s;
    int rc = sorted_copy(g, &s, err);
    if (rc < 0)
        return rc;
    if (formats[f].write_frame) {
        rc = export_folder(s, path, formats[f].ext, formats[f].write_frame, o,
                           err);
    } else {
        char *text;
        rc = formats[f].write(s, o, &text, err);
        if (rc == AVP_OK) {
            rc = gt__write_file(path, text, err);
            avp_free(text);
        }
    }
    gt_destroy(s);
    return rc;
}

/* ---- JSON helpers ---- */

int gt__json_num(json_t *obj, const char *key, const char *path,
                 double *out, int required, avp_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return AVP_OK;
    if (!json_is_number(v))
        return avp_error_set(err, AVP_EFORMAT, "%s.%s: %s", path, key,
                             v ? "expected a number" : "missing");
    *out = json_number_value(v);
    return AVP_OK;
}

int gt__json_str(json_t *obj, const char *key, const char *path,
                 const char **out, int required, avp_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return AVP_OK;
    if (!json_is_string(v))
        return avp_error_set(err, AVP_EFORMAT, "%s.%s: %s", path, key,
                             v ? "expected a string" : "missing");
    *out = json_string_value(v);
    return AVP_OK;
}

int gt__json_parse_error(const json_error_t *je, avp_error_t *err)
{
    return avp_error_set(err, AVP_EFORMAT, "line %d, column %d: %s",
                         je->line, je->column, je->text);
}

int gt__parse_json(const char *text, size_t len, gt__json_reader_fn read,
                   const gt_io_options_t *o, gt_t **out, avp_error_t *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    *out = NULL;
    if (!root)
        return gt__json_parse_error(&je, err);
    gt_t *g = gt_create();
    int rc = read(g, root, o, err);
    json_decref(root);
    if (rc < 0)
        gt_destroy(g);
    else
        *out = g;
    return rc;
}

int gt__json_dump(json_t *root, char **out, avp_error_t *err)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (!s)
        return avp_error_set(err, AVP_ENOMEM, "JSON encoding failed");
    *out = avp_strdup(s);
    free(s);
    return AVP_OK;
}

static const struct {
    const char *name;
    unsigned flag;
} flag_names[] = {{"validated", GT_VALIDATED}, {"difficult", GT_DIFFICULT},
                  {"occluded", GT_OCCLUDED}, {"truncated", GT_TRUNCATED},
                  {"crowd", GT_CROWD}};

void gt__attrs_to_json(const gt_box_t *b, json_t *obj)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(flag_names); i++)
        json_object_set_new(obj, flag_names[i].name,
                            json_boolean(b->flags & flag_names[i].flag));
    json_object_set_new(obj, "source",
                        json_string(gt__source_name(b->source)));
    json_object_set_new(obj, "track_id", json_integer(b->track_id));
    json_object_set_new(obj, "score", json_real(b->score));
}

int gt__attrs_from_json(json_t *obj, const char *path, gt_box_t *b,
                        avp_error_t *err)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(flag_names); i++) {
        json_t *v = json_object_get(obj, flag_names[i].name);
        if (v && !json_is_boolean(v))
            return avp_error_set(err, AVP_EFORMAT, "%s.%s: expected a boolean",
                                 path, flag_names[i].name);
        if (json_is_true(v))
            b->flags |= flag_names[i].flag;
    }
    const char *src = NULL;
    json_t *id = json_object_get(obj, "track_id");
    int rc = gt__json_str(obj, "source", path, &src, 0, err);
    if (rc == AVP_OK && src && gt__source_parse(src, &b->source) < 0)
        rc = avp_error_set(err, AVP_EFORMAT, "%s.source: unknown '%s'", path,
                           src);
    if (rc == AVP_OK && id && !json_is_integer(id))
        rc = avp_error_set(err, AVP_EFORMAT, "%s.track_id: expected an "
                           "integer", path);
    if (id && rc == AVP_OK)
        b->track_id = json_integer_value(id);
    return rc < 0 ? rc : gt__json_num(obj, "score", path, &b->score, 0, err);
}
