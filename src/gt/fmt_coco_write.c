/* fmt_coco_write.c - ground truth as a COCO JSON file: an image per frame
 * of the frame set (images without annotations are real negatives), a
 * category per label, an annotation per box with COCO's iscrowd and area;
 * "attributes" carry what COCO has no field for (flags, source, track_id,
 * score), the way CVAT's COCO export does. Ids, file names and sizes the
 * import kept (gt_frame_info, gt_label_id) are written back, so that
 * results files naming the source's image and category ids still match;
 * where none was kept an image is frame + 1 and a category label + 1
 * (past the largest kept id, if any). The file is also valid input for
 * `avp eval --gt`. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct ids {
    int64_t image_base, category_base; /* the largest kept ids */
    int64_t *category;                 /* per label */
} ids_t;

static void ids_init(ids_t *ids, const gt_t *g)
{
    gt_frame_info_t fi;
    *ids = (ids_t){0, 0, avp_calloc((size_t)gt_num_labels(g) + 1,
                                    sizeof(int64_t))};
    for (int64_t f = gt_frame_after(g, -1); f >= 0; f = gt_frame_after(g, f))
        if (gt_frame_info(g, f, &fi) && fi.id != GT_NO_ID &&
            fi.id > ids->image_base)
            ids->image_base = fi.id;
    for (int l = 0; l < gt_num_labels(g); l++)
        if (gt_label_id(g, l) != GT_NO_ID &&
            gt_label_id(g, l) > ids->category_base)
            ids->category_base = gt_label_id(g, l);
    for (int l = 0; l < gt_num_labels(g); l++)
        ids->category[l] = gt_label_id(g, l) != GT_NO_ID
                               ? gt_label_id(g, l)
                               : ids->category_base + l + 1;
}

static int64_t image_id(const ids_t *ids, const gt_t *g, int64_t frame)
{
    gt_frame_info_t fi;
    gt_frame_info(g, frame, &fi);
    return fi.id != GT_NO_ID ? fi.id : ids->image_base + frame + 1;
}

static json_t *images_json(const gt_t *g, const ids_t *ids)
{
    json_t *a = json_array();
    for (int64_t f = gt_frame_after(g, -1); f >= 0;
         f = gt_frame_after(g, f)) {
        char name[64];
        gt_frame_info_t fi;
        gt_frame_info(g, f, &fi);
        snprintf(name, sizeof name, "frame_%06lld.jpg", (long long)f);
        json_array_append_new(a, json_pack(
            "{sI ss si si sI sf}", "id", (json_int_t)image_id(ids, g, f),
            "file_name", fi.name ? fi.name : name, "width",
            fi.width ? fi.width : gt_width(g), "height",
            fi.height ? fi.height : gt_height(g), "frame_id", (json_int_t)f,
            "t", gt_fps(g) > 0 ? (double)f / gt_fps(g) : 0.0));
    }
    return a;
}

static json_t *annotation_json(const gt_t *g, const ids_t *ids,
                               const gt_box_t *b, size_t i)
{
    json_t *attrs = json_object();
    gt__attrs_to_json(b, attrs);
    json_object_del(attrs, "crowd"); /* iscrowd says it */
    json_object_set_new(attrs, "t", json_real(b->t));
    return json_pack("{sI sI sI s[ffff] sf si so}", "id",
                     (json_int_t)(i + 1), "image_id",
                     (json_int_t)image_id(ids, g, b->frame), "category_id",
                     (json_int_t)ids->category[b->label], "bbox", b->x, b->y,
                     b->w, b->h, "area", b->area > 0 ? b->area : b->w * b->h,
                     "iscrowd", !!(b->flags & GT_CROWD), "attributes",
                     attrs);
}

int gt__export_coco(const gt_t *g, const gt_io_options_t *o, char **out,
                    avp_error_t *err)
{
    (void)o;
    ids_t ids;
    ids_init(&ids, g);
    json_t *cats = json_array(), *anns = json_array();
    for (int l = 0; l < gt_num_labels(g); l++)
        json_array_append_new(cats, json_pack("{sI ss}", "id",
                                              (json_int_t)ids.category[l],
                                              "name", gt_label_name(g, l)));
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        json_array_append_new(anns, annotation_json(g, &ids,
                                                    &gt_boxes(g)[i], i));
    json_t *root = json_pack("{s{ss sf} so so so}", "info", "description",
                             "AVP ground truth", "fps", gt_fps(g), "images",
                             images_json(g, &ids), "categories", cats,
                             "annotations", anns);
    avp_free(ids.category);
    return gt__json_dump(root, out, err);
}
