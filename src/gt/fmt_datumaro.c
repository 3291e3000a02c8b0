/* fmt_datumaro.c - Datumaro's JSON export (annotations/<subset>.json, as
 * datumaro and CVAT's "Datumaro 1.0" write it):
 *   {"info": {}, "categories": {"label": {"labels": [{"name", "parent",
 *    "attributes"}], "attributes": []}},
 *    "items": [{"id": "frame_000000", "attr": {"frame": 0},
 *               "image": {"path", "size": [h, w]},
 *               "annotations": [{"id", "type": "bbox", "label_id",
 *                                "bbox": [x, y, w, h], "group",
 *                                "z_order", "attributes": {"occluded",
 *                                "track_id", "keyframe", ...}}]}]}
 * An item is a frame, in list order (or at its attr.frame, all items or
 * none, increasing), those without annotations too; a bbox is a
 * box (occluded, track_id and AVP's flags from its attributes); other
 * types (polygon, mask, points, label...) are counted, not kept. The item
 * id is kept as the frame's name. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static json_t *annotation_json(const gt_box_t *b, size_t i)
{
    json_t *attrs = json_object();
    gt__attrs_to_json(b, attrs);
    json_object_set_new(attrs, "t", json_real(b->t));
    json_object_set_new(attrs, "keyframe", json_true());
    return json_pack("{sI ss si s[ffff] si si so}", "id", (json_int_t)i,
                     "type", "bbox", "label_id", b->label, "bbox", b->x, b->y,
                     b->w, b->h, "group", 0, "z_order", 0, "attributes",
                     attrs);
}

static json_t *item_json(const gt_t *g, int64_t f)
{
    char id[64];
    gt_frame_info_t fi;
    gt_frame_info(g, f, &fi);
    snprintf(id, sizeof id, "frame_%06lld", (long long)f);
    const char *name = fi.name ? fi.name : id;
    return json_pack("{ss s{sI} s[] s{ss s[ii]}}", "id", name, "attr",
                     "frame", (json_int_t)f, "annotations", "image", "path",
                     name, "size", gt_height(g), gt_width(g));
}

int gt__export_datumaro(const gt_t *g, const gt_io_options_t *o, char **out,
                        avp_error_t *err)
{
    (void)o;
    json_t *labels = json_array(), *items = json_array();
    for (int l = 0; l < gt_num_labels(g); l++)
        json_array_append_new(labels, json_pack("{ss ss s[]}", "name",
                                                gt_label_name(g, l), "parent",
                                                "", "attributes"));
    size_t i = 0, n = gt_num_boxes(g);
    const gt_box_t *b = gt_boxes(g); /* sorted by frame (gt_export) */
    for (int64_t f = gt_frame_after(g, -1); f >= 0;
         f = gt_frame_after(g, f)) {
        json_t *item = item_json(g, f);
        for (; i < n && b[i].frame == f; i++)
            json_array_append_new(json_object_get(item, "annotations"),
                                  annotation_json(&b[i], i));
        json_array_append_new(items, item);
    }
    json_t *root = json_pack("{s{sf} s{s{so s[]}} so}", "info", "fps",
                             gt_fps(g), "categories", "label", "labels",
                             labels, "attributes", "items", items);
    return gt__json_dump(root, out, err);
}

static int read_labels(gt_t *g, json_t *root, avp_error_t *err)
{
    json_t *cats = json_object_get(root, "categories");
    json_t *labels = json_object_get(json_object_get(cats, "label"),
                                     "labels");
    if (!json_is_array(labels))
        return avp_error_set(err, AVP_EFORMAT, "categories.label.labels: "
                             "expected a list");
    for (size_t i = 0; i < json_array_size(labels); i++) {
        char path[64];
        const char *name = NULL;
        snprintf(path, sizeof path, "categories.label.labels[%zu]", i);
        int rc = gt__json_str(json_array_get(labels, i), "name", path, &name,
                              1, err);
        if (rc < 0)
            return rc;
        if (gt_label(g, name) != (int)i)
            return avp_error_set(err, AVP_EFORMAT, "%s.name: '%s' again",
                                 path, name);
    }
    return AVP_OK;
}

/* The frame of item i: attr.frame, else its position. */
static int item_frame(json_t *item, size_t i, int64_t *frame,
                      avp_error_t *err)
{
    json_t *f = json_object_get(json_object_get(item, "attr"), "frame");
    if (f && (!json_is_integer(f) || json_integer_value(f) < 0 ||
              json_integer_value(f) >= GT_MAX_FRAMES))
        return avp_error_set(err, AVP_EFORMAT, "items[%zu].attr.frame: "
                             "expected an integer in [0, %d)", i,
                             GT_MAX_FRAMES);
    *frame = f ? (int64_t)json_integer_value(f) : (int64_t)i;
    return f ? 1 : 0;
}

static int read_box(gt_t *g, json_t *a, const char *path, int64_t frame,
                    const gt_io_options_t *o, avp_error_t *err)
{
    gt_box_t b = {.frame = frame, .score = 1, .source = GT_SOURCE_IMPORT,
                  .track_id = -1};
    json_t *label = json_object_get(a, "label_id");
    json_t *attrs = json_object_get(a, "attributes");
    b.t = o && o->fps > 0 ? gt__time(o, frame)
          : gt_fps(g) > 0 ? (double)frame / gt_fps(g) : 0;
    if (!json_is_integer(label) || json_integer_value(label) < 0 ||
        json_integer_value(label) >= gt_num_labels(g))
        return avp_error_set(err, AVP_EFORMAT, "%s.label_id: missing or "
                             "unknown label", path);
    b.label = (int)json_integer_value(label);
    if (attrs && !json_is_object(attrs))
        return avp_error_set(err, AVP_EFORMAT, "%s.attributes: expected an "
                             "object", path);
    int rc = gt__json_box(a, "bbox", path, &b, err);
    if (rc == AVP_OK && attrs)
        rc = gt__attrs_from_json(attrs, path, &b, err);
    if (rc == AVP_OK && attrs)
        rc = gt__json_num(attrs, "t", path, &b.t, 0, err);
    if (rc == AVP_OK && (rc = gt_add_box(g, &b, err)) < 0)
        avp_error_prefix(err, "%s", path);
    return rc;
}

/* A type name to count under: Datumaro's own, else "other type" (the
 * kinds reported stay a handful whatever the file says). */
static const char *known_type(const char *type)
{
    static const char *const types[] = {
        "label", "mask", "points", "polygon", "polyline", "caption",
        "cuboid_3d", "super_resolution_annotation", "depth_annotation",
        "ellipse", "hash_key", "feature_vector", "tabular", "skeleton"};
    for (size_t i = 0; i < AVP_ARRAY_LEN(types); i++)
        if (!strcmp(type, types[i]))
            return types[i];
    return "annotation of another type";
}

static int read_item(gt_t *g, json_t *item, size_t i, int64_t frame,
                     const gt_io_options_t *o, avp_error_t *err)
{
    json_t *anns = json_object_get(item, "annotations");
    const char *id = NULL;
    char path[96];
    snprintf(path, sizeof path, "items[%zu]", i);
    int rc = gt__json_str(item, "id", path, &id, 0, err);
    if (rc == AVP_OK && anns && !json_is_array(anns))
        rc = avp_error_set(err, AVP_EFORMAT, "%s.annotations: expected a "
                           "list", path);
    if (rc == AVP_OK)
        rc = gt_set_frame_info(g, frame, GT_NO_ID, id, 0, 0, err);
    for (size_t k = 0; rc == AVP_OK && k < json_array_size(anns); k++) {
        json_t *a = json_array_get(anns, k);
        const char *type = NULL;
        char kind[96];
        snprintf(path, sizeof path, "items[%zu].annotations[%zu]", i, k);
        rc = gt__json_str(a, "type", path, &type, 1, err);
        if (rc == AVP_OK && !strcmp(type, "bbox"))
            rc = read_box(g, a, path, frame, o, err);
        else if (rc == AVP_OK) {
            snprintf(kind, sizeof kind, "datumaro %s (not a box)",
                     known_type(type));
            gt_note(g, kind, 1);
        }
    }
    return rc;
}

/* The items in order: at their attr.frame (all or none, increasing, as
 * Datumaro and CVAT write them; not necessarily evenly spaced) or their
 * position. */
static int read_items(gt_t *g, json_t *items, const gt_io_options_t *o,
                      avp_error_t *err)
{
    size_t n = json_array_size(items), given = 0;
    int64_t *f = avp_malloc((n + 1) * sizeof *f);
    int rc = json_is_array(items) ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "items: expected a list");
    for (size_t i = 0; rc == AVP_OK && i < n; i++) {
        json_t *item = json_array_get(items, i);
        int has = item_frame(item, i, &f[i], err);
        rc = has < 0 ? has : AVP_OK;
        given += has == 1;
        if (rc == AVP_OK && ((given && given != i + 1) ||
                             (i && f[i] <= f[i - 1])))
            rc = avp_error_set(err, AVP_EFORMAT, "items[%zu].attr.frame: "
                               "frames must increase, on every item or "
                               "none", i);
        if (rc == AVP_OK)
            rc = read_item(g, item, i, f[i], o, err);
    }
    if (rc == AVP_OK && n)
        rc = gt_set_frame_list(g, f, n, err);
    avp_free(f);
    return rc;
}

static int read_all(gt_t *g, json_t *root, const gt_io_options_t *o,
                    avp_error_t *err)
{
    double fps = 0;
    json_t *info = json_object_get(root, "info");
    json_t *size = json_object_get(json_object_get(
        json_array_get(json_object_get(root, "items"), 0), "image"), "size");
    int rc = json_is_object(root) ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "expected an object");
    if (rc == AVP_OK && json_is_object(info))
        rc = gt__json_num(info, "fps", "info", &fps, 0, err);
    if (rc == AVP_OK) {
        gt_set_video(g, (int)json_integer_value(json_array_get(size, 1)),
                     (int)json_integer_value(json_array_get(size, 0)), fps,
                     0);
        gt__apply_options(g, o);
        rc = read_labels(g, root, err);
    }
    return rc == AVP_OK ? read_items(g, json_object_get(root, "items"), o,
                                     err)
                        : rc;
}

int gt_parse_datumaro(const char *text, size_t len,
                      const gt_io_options_t *o, gt_t **out, avp_error_t *err)
{
    return gt__parse_json(text, len, read_all, o, out, err);
}
