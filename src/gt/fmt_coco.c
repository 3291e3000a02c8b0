/* fmt_coco.c - ground truth from a COCO JSON file (cocodataset.org
 * "Data format", object detection): an image is a frame, in list order
 * (or at its "frame_id", which AVP's export writes), and every image is a
 * frame of the set (evenly spaced or not), annotated or not: an image
 * without annotations is a real negative. Kept for the export (fmt_coco_write.c) to write back:
 * image ids, file names and sizes (gt_frame_info), category ids
 * (gt_label_id), iscrowd (GT_CROWD) and an area other than w * h, which
 * decide pycocotools' ignore flags and area ranges. A segmentation is
 * counted, not kept; without a bbox its polygon's box is taken. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Id -> value tables for images (frame) and categories (label), sorted by
 * id once filled so that lookups are binary searches. */
typedef struct idval {
    json_int_t id;
    int64_t val;
} idval_t;

typedef struct idmap {
    idval_t *v;
    size_t n;
} idmap_t;

static int cmp_idval(const void *a, const void *b)
{
    json_int_t x = ((const idval_t *)a)->id, y = ((const idval_t *)b)->id;
    return x < y ? -1 : x > y;
}

static int idmap_find(const idmap_t *m, json_int_t id, int64_t *val)
{
    idval_t key = {id, 0}, *hit = m->n ? bsearch(&key, m->v, m->n,
                                                 sizeof(idval_t), cmp_idval)
                                       : NULL;
    if (hit)
        *val = hit->val;
    return hit != NULL;
}

static void idmap_fini(idmap_t *m)
{
    avp_free(m->v);
}

/* A list of objects each with an integer "id": key names the list. */
static int read_ids(json_t *root, const char *key, idmap_t *m,
                    avp_error_t *err)
{
    json_t *a = json_object_get(root, key);
    if (!json_is_array(a))
        return avp_error_set(err, AVP_EFORMAT, "%s: expected a list", key);
    m->v = avp_calloc(json_array_size(a) + 1, sizeof(idval_t));
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *id = json_object_get(json_array_get(a, i), "id");
        if (!json_is_integer(id))
            return avp_error_set(err, AVP_EFORMAT,
                                 "%s[%zu].id: expected an integer", key, i);
        m->v[m->n++].id = json_integer_value(id);
    }
    return AVP_OK;
}

static int idmap_sort(idmap_t *m, const char *key, avp_error_t *err)
{
    qsort(m->v, m->n, sizeof(idval_t), cmp_idval);
    for (size_t i = 1; i < m->n; i++)
        if (m->v[i].id == m->v[i - 1].id)
            return avp_error_set(err, AVP_EFORMAT, "%s: duplicate id %lld",
                                 key, (long long)m->v[i].id);
    return AVP_OK;
}

/* An image's file name and size, kept for the export. */
static int image_info(gt_t *g, json_t *im, size_t i, json_int_t id,
                      int64_t frame, avp_error_t *err)
{
    char path[64];
    const char *name = NULL;
    double w = 0, h = 0;
    snprintf(path, sizeof path, "images[%zu]", i);
    int rc = gt__json_str(im, "file_name", path, &name, 0, err);
    if (rc == AVP_OK)
        rc = gt__json_num(im, "width", path, &w, 0, err);
    if (rc == AVP_OK)
        rc = gt__json_num(im, "height", path, &h, 0, err);
    if (rc == AVP_OK && !(w >= 0 && w < 1e6 && h >= 0 && h < 1e6))
        rc = avp_error_set(err, AVP_EFORMAT, "%s: size out of range", path);
    return rc < 0 ? rc
                  : gt_set_frame_info(g, frame, id, name, (int)w, (int)h,
                                      err);
}

/* The frames (sorted, as ids) make the frame set: the images, each one
 * annotated whether or not it has boxes, evenly spaced or not. */
static int frame_set(gt_t *g, const idval_t *f, size_t n, avp_error_t *err)
{
    for (size_t k = 1; k < n; k++)
        if (f[k].id == f[k - 1].id)
            return avp_error_set(err, AVP_EFORMAT, "images[%lld].frame_id %lld"
                                 ": a frame of images[%lld] too",
                                 (long long)f[k].val, (long long)f[k].id,
                                 (long long)f[k - 1].val);
    int64_t *v = avp_malloc((n + 1) * sizeof *v);
    for (size_t k = 0; k < n; k++)
        v[k] = f[k].id;
    int rc = n ? gt_set_frame_list(g, v, n, err) : AVP_OK;
    avp_free(v);
    return rc;
}

/* Frame of each image: its "frame_id" (all images or none), else its
 * position in the list. */
static int read_frames(json_t *a, idval_t *f, size_t n, avp_error_t *err)
{
    size_t given = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_array_get(a, i), "frame_id");
        if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                  json_integer_value(v) >= GT_MAX_FRAMES))
            return avp_error_set(err, AVP_EFORMAT, "images[%zu].frame_id: "
                                 "expected an integer in [0, %d)", i,
                                 GT_MAX_FRAMES);
        given += v != NULL;
        f[i] = (idval_t){v ? json_integer_value(v) : (json_int_t)i,
                         (int64_t)i};
    }
    if (given && given != n)
        return avp_error_set(err, AVP_EFORMAT, "images: frame_id on %zu of "
                             "%zu images", given, n);
    if (n > GT_MAX_FRAMES)
        return avp_error_set(err, AVP_EFORMAT, "images: more than %d",
                             GT_MAX_FRAMES);
    qsort(f, n, sizeof *f, cmp_idval);
    return AVP_OK;
}

static int read_images(gt_t *g, json_t *root, idmap_t *m, avp_error_t *err)
{
    int rc = read_ids(root, "images", m, err);
    json_t *a = json_object_get(root, "images");
    idval_t *f = avp_malloc((m->n + 1) * sizeof *f);
    if (rc == AVP_OK)
        rc = read_frames(a, f, m->n, err);
    /* In frame order, so that each frame's info is an append. */
    for (size_t k = 0; rc == AVP_OK && k < m->n; k++) {
        size_t i = (size_t)f[k].val;
        m->v[i].val = f[k].id;
        rc = image_info(g, json_array_get(a, i), i, m->v[i].id, f[k].id,
                        err);
    }
    if (rc == AVP_OK)
        rc = frame_set(g, f, m->n, err);
    avp_free(f);
    return rc < 0 ? rc : idmap_sort(m, "images", err);
}

static int read_categories(gt_t *g, json_t *root, idmap_t *m,
                           avp_error_t *err)
{
    int rc = read_ids(root, "categories", m, err);
    json_t *a = json_object_get(root, "categories");
    for (size_t i = 0; rc == AVP_OK && i < m->n; i++) {
        char path[64];
        const char *name = NULL;
        snprintf(path, sizeof path, "categories[%zu]", i);
        rc = gt__json_str(json_array_get(a, i), "name", path, &name, 1, err);
        int label = rc == AVP_OK ? gt_label(g, name) : -1;
        /* Two ids of one name would become one label: refused rather
         * than merged, since results name either id. */
        if (rc == AVP_OK && gt_label_id(g, label) != GT_NO_ID)
            rc = avp_error_set(err, AVP_EFORMAT, "%s.name: '%s' repeats "
                               "category %lld", path, name,
                               (long long)gt_label_id(g, label));
        if (rc == AVP_OK) {
            gt_set_label_id(g, label, m->v[i].id);
            m->v[i].val = label;
        }
    }
    return rc < 0 ? rc : idmap_sort(m, "categories", err);
}

/* A polygon segmentation's bounding box, for an annotation without a bbox
 * (COCO's segmentation: a list of polygons [x1, y1, x2, y2, ...]). */
static int polygon_box(json_t *seg, const char *path, gt_box_t *b,
                       avp_error_t *err)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t p = 0; p < json_array_size(seg); p++) {
        json_t *poly = json_array_get(seg, p);
        for (size_t k = 0; k < json_array_size(poly); k++) {
            json_t *v = json_array_get(poly, k);
            double c = json_number_value(v);
            if (!json_is_number(v))
                return avp_error_set(err, AVP_EFORMAT, "%s.segmentation: "
                                     "expected polygons of numbers", path);
            if (k % 2 == 0)
                x0 = fmin(x0, c), x1 = fmax(x1, c);
            else
                y0 = fmin(y0, c), y1 = fmax(y1, c);
        }
    }
    b->x = x0, b->y = y0, b->w = x1 - x0, b->h = y1 - y0;
    return isfinite(b->w) && isfinite(b->h)
               ? AVP_OK
               : avp_error_set(err, AVP_EFORMAT, "%s: no bbox and no "
                               "polygon", path);
}

/* The box (bbox, else a polygon's box), counting a segmentation, which is
 * not kept. */
static int read_box(gt_t *g, json_t *o, const char *path, gt_box_t *b,
                    avp_error_t *err)
{
    json_t *seg = json_object_get(o, "segmentation");
    int has_seg = json_is_object(seg) || json_array_size(seg) > 0;
    if (json_object_get(o, "bbox") || !json_is_array(seg) || !has_seg) {
        if (has_seg)
            gt_note(g, "coco segmentation (its bbox kept, not the mask)", 1);
        return gt__json_box(o, "bbox", path, b, err);
    }
    gt_note(g, "coco segmentation without bbox (read as its polygon's "
            "box)", 1);
    return polygon_box(seg, path, b, err);
}

/* iscrowd and area, as pycocotools reads them: an area only where it is
 * not w * h, so that export and import again give the same box. */
static int read_crowd_area(gt_t *g, json_t *o, const char *path,
                           gt_box_t *b, avp_error_t *err)
{
    json_t *crowd = json_object_get(o, "iscrowd");
    json_t *area = json_object_get(o, "area");
    if (crowd && !json_is_integer(crowd))
        return avp_error_set(err, AVP_EFORMAT, "%s.iscrowd: expected 0 or "
                             "1", path);
    if (crowd)
        b->flags = json_integer_value(crowd) ? b->flags | GT_CROWD
                                             : b->flags & ~GT_CROWD;
    if (!area)
        return AVP_OK;
    double a = json_number_value(area);
    if (!json_is_number(area) || !(a >= 0))
        return avp_error_set(err, AVP_EFORMAT, "%s.area: expected a number "
                             ">= 0", path);
    if (a == 0)
        gt_note(g, "coco annotation with area 0 (read as w * h)", 1);
    else if (a != b->w * b->h)
        b->area = a;
    return AVP_OK;
}

static int read_annotation(gt_t *g, json_t *o, const char *path,
                           const idmap_t *img, const idmap_t *cat,
                           const gt_io_options_t *opt, avp_error_t *err)
{
    gt_box_t b = {.score = 1, .source = GT_SOURCE_IMPORT, .track_id = -1};
    json_t *ii = json_object_get(o, "image_id");
    json_t *ci = json_object_get(o, "category_id");
    json_t *attrs = json_object_get(o, "attributes");
    int64_t label;
    if (!json_is_integer(ii) || !idmap_find(img, json_integer_value(ii),
                                            &b.frame))
        return avp_error_set(err, AVP_EFORMAT, "%s.image_id: missing or "
                             "unknown image", path);
    if (!json_is_integer(ci) || !idmap_find(cat, json_integer_value(ci),
                                            &label))
        return avp_error_set(err, AVP_EFORMAT, "%s.category_id: missing or "
                             "unknown category", path);
    if (attrs && !json_is_object(attrs))
        return avp_error_set(err, AVP_EFORMAT, "%s.attributes: expected an "
                             "object", path);
    b.label = (int)label;
    b.t = gt__time(opt && opt->fps > 0 ? opt : NULL, b.frame);
    if (!(opt && opt->fps > 0) && gt_fps(g) > 0)
        b.t = (double)b.frame / gt_fps(g);
    int rc = read_box(g, o, path, &b, err);
    if (rc == AVP_OK && attrs)
        rc = gt__attrs_from_json(attrs, path, &b, err);
    if (rc == AVP_OK && attrs)
        rc = gt__json_num(attrs, "t", path, &b.t, 0, err);
    if (rc == AVP_OK)
        rc = read_crowd_area(g, o, path, &b, err);
    if (rc == AVP_OK && (rc = gt_add_box(g, &b, err)) < 0)
        avp_error_prefix(err, "%s", path);
    return rc;
}

static int read_all(gt_t *g, json_t *root, const gt_io_options_t *o,
                    avp_error_t *err)
{
    idmap_t img = {0}, cat = {0};
    double fps = 0;
    json_t *anns = json_object_get(root, "annotations");
    json_t *info = json_object_get(root, "info");
    json_t *im0 = json_array_get(json_object_get(root, "images"), 0);
    int rc = json_is_object(root) ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "expected an object");
    if (rc == AVP_OK && json_is_object(info))
        rc = gt__json_num(info, "fps", "info", &fps, 0, err);
    if (rc == AVP_OK) {
        gt_set_video(g, (int)json_integer_value(json_object_get(im0, "width")),
                     (int)json_integer_value(json_object_get(im0, "height")),
                     fps, 0);
        gt__apply_options(g, o);
        rc = read_images(g, root, &img, err);
    }
    if (rc == AVP_OK)
        rc = read_categories(g, root, &cat, err);
    if (rc == AVP_OK && !json_is_array(anns))
        rc = avp_error_set(err, AVP_EFORMAT, "annotations: expected a list");
    for (size_t i = 0; rc == AVP_OK && i < json_array_size(anns); i++) {
        char path[64];
        snprintf(path, sizeof path, "annotations[%zu]", i);
        rc = read_annotation(g, json_array_get(anns, i), path, &img, &cat, o,
                             err);
    }
    idmap_fini(&img);
    idmap_fini(&cat);
    return rc;
}

int gt_parse_coco(const char *text, size_t len, const gt_io_options_t *o,
                  gt_t **out, avp_error_t *err)
{
    return gt__parse_json(text, len, read_all, o, out, err);
}
