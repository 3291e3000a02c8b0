/* fmt_voc.c - Pascal VOC XML, one <annotation> file per frame. Boxes are
 * written as corners in pixels, xmin = x and xmax = x + w, as floats (the
 * way CVAT exports VOC; no 1-based shift). <difficult>, <truncated> and
 * <occluded> carry the flags; VOC has no tracks, scores or sources. */
#include "internal.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_num(xmlNodePtr parent, const char *name, double v)
{
    char s[40];
    snprintf(s, sizeof s, "%.17g", v);
    xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)s);
}

static void add_object(xmlNodePtr root, const gt_t *g, const gt_box_t *b)
{
    xmlNodePtr o = xmlNewChild(root, NULL, (const xmlChar *)"object", NULL);
    xmlNewTextChild(o, NULL, (const xmlChar *)"name",
                    (const xmlChar *)gt_label_name(g, b->label));
    xmlNewTextChild(o, NULL, (const xmlChar *)"pose",
                    (const xmlChar *)"Unspecified");
    add_num(o, "truncated", !!(b->flags & GT_TRUNCATED));
    add_num(o, "difficult", !!(b->flags & GT_DIFFICULT));
    add_num(o, "occluded", !!(b->flags & GT_OCCLUDED));
    xmlNodePtr bb = xmlNewChild(o, NULL, (const xmlChar *)"bndbox", NULL);
    add_num(bb, "xmin", b->x);
    add_num(bb, "ymin", b->y);
    add_num(bb, "xmax", b->x + b->w);
    add_num(bb, "ymax", b->y + b->h);
}

int gt__export_voc_frame(const gt_t *g, const gt_box_t *boxes, size_t n,
                         int64_t frame, const gt_io_options_t *o,
                         char **out, avp_error_t *err)
{
    (void)o, (void)err;
    char file[64];
    snprintf(file, sizeof file, "frame_%06lld.jpg", (long long)frame);
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"annotation");
    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, (const xmlChar *)"folder",
                    (const xmlChar *)"avp");
    xmlNewTextChild(root, NULL, (const xmlChar *)"filename",
                    (const xmlChar *)file);
    xmlNodePtr size = xmlNewChild(root, NULL, (const xmlChar *)"size", NULL);
    add_num(size, "width", gt_width(g));
    add_num(size, "height", gt_height(g));
    add_num(size, "depth", 3);
    add_num(root, "segmented", 0);
    for (size_t i = 0; i < n; i++)
        add_object(root, g, &boxes[i]);
    xmlChar *mem;
    int len;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
    *out = avp_strdup((const char *)mem);
    xmlFree(mem);
    xmlFreeDoc(doc);
    return AVP_OK;
}

static int flag(gt__xml_node_t *o, const char *name, unsigned bit,
                const char *where, gt_box_t *b, avp_error_t *err)
{
    double v = 0;
    int rc = gt__xml_child_num(o, name, where, &v, 0, err);
    if (rc == AVP_OK && v != 0 && v != 1)
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): <%s> must be 0 "
                           "or 1", where, gt__xml_line(o), name);
    if (v == 1)
        b->flags |= bit;
    return rc;
}

static int add_object_box(gt_t *g, gt__xml_node_t *o, int64_t frame,
                          const gt_io_options_t *opt, const char *where,
                          avp_error_t *err)
{
    gt_box_t b = {.frame = frame, .t = gt__time(opt, frame), .score = 1,
                  .source = GT_SOURCE_IMPORT, .track_id = -1};
    gt__xml_node_t *bb = gt__xml_first(o, "bndbox");
    char *name = gt__xml_child_text(o, "name");
    double c[4];
    static const char *const corner[4] = {"xmin", "ymin", "xmax", "ymax"};
    int rc = name && bb ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "%s (line %ld): <name> or "
                             "<bndbox> missing", where, gt__xml_line(o));
    for (int k = 0; k < 4 && rc == AVP_OK; k++)
        rc = gt__xml_child_num(bb, corner[k], where, &c[k], 1, err);
    if (rc == AVP_OK)
        rc = flag(o, "truncated", GT_TRUNCATED, where, &b, err);
    if (rc == AVP_OK)
        rc = flag(o, "difficult", GT_DIFFICULT, where, &b, err);
    if (rc == AVP_OK)
        rc = flag(o, "occluded", GT_OCCLUDED, where, &b, err);
    if (rc == AVP_OK) {
        b.label = gt_label(g, name);
        b.x = c[0], b.y = c[1], b.w = c[2] - c[0], b.h = c[3] - c[1];
        if ((rc = gt_add_box(g, &b, err)) < 0)
            avp_error_prefix(err, "%s (line %ld)", where, gt__xml_line(o));
    }
    avp_free(name);
    return rc;
}

int gt_parse_voc_frame(gt_t *g, int64_t frame, const char *text, size_t len,
                       const gt_io_options_t *o, const char *where,
                       avp_error_t *err)
{
    gt__xml_t *x;
    gt__xml_node_t *root;
    double w = 0, h = 0;
    int rc = gt__xml_parse(text, len, "annotation", &x, &root, err);
    if (rc < 0)
        return avp_error_prefix(err, "%s", where);
    for (int i = 0; o && i < o->num_names; i++)
        gt_label(g, o->names[i]);
    gt__xml_node_t *size = gt__xml_first(root, "size");
    if (size)
        rc = gt__xml_child_num(size, "width", where, &w, 0, err);
    if (size && rc == AVP_OK)
        rc = gt__xml_child_num(size, "height", where, &h, 0, err);
    if (rc == AVP_OK && !gt_width(g) && w > 0 && w < 1e6 && h > 0 && h < 1e6)
        gt_set_video(g, (int)w, (int)h, gt_fps(g), 0);
    gt_set_video(g, gt_width(g), gt_height(g), gt_fps(g), frame + 1);
    char path[300];
    int i = 0;
    for (gt__xml_node_t *ob = gt__xml_first(root, "object");
         ob && rc == AVP_OK; ob = gt__xml_next(ob->next, "object"), i++) {
        snprintf(path, sizeof path, "%s: object[%d]", where, i);
        rc = add_object_box(g, ob, frame, o, path, err);
    }
    return gt__xml_done(x, rc, err);
}
