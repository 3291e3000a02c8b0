/* fmt_coco.c - ground truth as a COCO JSON file: an image per frame
 * (id = frame + 1, with "frame_id" and "t"), a category per label
 * (id = label + 1), an annotation per box whose "attributes" carry what
 * COCO has no field for (flags, source, track_id, score), the way CVAT's
 * COCO export does. The file is also valid input for `avp eval --gt`. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static json_t *images_json(const gt_t *g)
{
    json_t *a = json_array();
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    for (int64_t f = first; f <= last; f += step) {
        char name[64];
        snprintf(name, sizeof name, "frame_%06lld.jpg", (long long)f);
        json_array_append_new(a, json_pack(
            "{sI ss si si sI sf}", "id", (json_int_t)(f + 1), "file_name",
            name, "width", gt_width(g), "height", gt_height(g), "frame_id",
            (json_int_t)f, "t", gt_fps(g) > 0 ? (double)f / gt_fps(g) : 0.0));
    }
    return a;
}

static json_t *annotation_json(const gt_box_t *b, size_t i)
{
    json_t *attrs = json_object();
    gt__attrs_to_json(b, attrs);
    json_object_set_new(attrs, "t", json_real(b->t));
    return json_pack("{sI sI sI s[ffff] sf si so}", "id",
                     (json_int_t)(i + 1), "image_id",
                     (json_int_t)(b->frame + 1), "category_id",
                     (json_int_t)(b->label + 1), "bbox", b->x, b->y, b->w,
                     b->h, "area", b->w * b->h, "iscrowd", 0, "attributes",
                     attrs);
}

int gt__export_coco(const gt_t *g, const gt_io_options_t *o, char **out,
                    avp_error_t *err)
{
    (void)o;
    json_t *cats = json_array(), *anns = json_array();
    for (int l = 0; l < gt_num_labels(g); l++)
        json_array_append_new(cats, json_pack("{sI ss}", "id",
                                              (json_int_t)(l + 1), "name",
                                              gt_label_name(g, l)));
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        json_array_append_new(anns, annotation_json(&gt_boxes(g)[i], i));
    json_t *root = json_pack("{s{ss sf} so so so}", "info", "description",
                             "AVP ground truth", "fps", gt_fps(g), "images",
                             images_json(g), "categories", cats,
                             "annotations", anns);
    return gt__json_dump(root, out, err);
}

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

/* Frame of each image: its "frame_id", else its position in the list. */
static int read_images(json_t *root, idmap_t *m, avp_error_t *err)
{
    int rc = read_ids(root, "images", m, err);
    json_t *a = json_object_get(root, "images");
    for (size_t i = 0; rc == AVP_OK && i < m->n; i++) {
        json_t *f = json_object_get(json_array_get(a, i), "frame_id");
        if (f && (!json_is_integer(f) || json_integer_value(f) < 0))
            return avp_error_set(err, AVP_EFORMAT, "images[%zu].frame_id: "
                                 "expected an integer >= 0", i);
        m->v[i].val = f ? json_integer_value(f) : (int64_t)i;
    }
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
        if (rc == AVP_OK)
            m->v[i].val = gt_label(g, name);
    }
    return rc < 0 ? rc : idmap_sort(m, "categories", err);
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
    int rc = gt__json_box(o, "bbox", path, &b, err);
    if (rc == AVP_OK && attrs)
        rc = gt__attrs_from_json(attrs, path, &b, err);
    if (rc == AVP_OK && attrs)
        rc = gt__json_num(attrs, "t", path, &b.t, 0, err);
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
        rc = read_images(root, &img, err);
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
    for (size_t i = 0; rc == AVP_OK && i < img.n; i++)
        gt_set_video(g, gt_width(g), gt_height(g), gt_fps(g),
                     img.v[i].val + 1);
    idmap_fini(&img);
    idmap_fini(&cat);
    return rc;
}

int gt_parse_coco(const char *text, size_t len, const gt_io_options_t *o,
                  gt_t **out, avp_error_t *err)
{
    return gt__parse_json(text, len, read_all, o, out, err);
}
