/* fmt_cvat.c - CVAT for video 1.1 XML: a <track> per object holding a
 * <box> per frame (frame, outside, occluded, keyframe, xtl, ytl, xbr,
 * ybr). Every AVP box is written as a keyframe; where a track is not seen
 * in the next frame an outside="1" box closes it, as CVAT does. Boxes in
 * no track become one-box tracks (ids after the largest). validated,
 * difficult and truncated are <attribute>s of the box; the track's source
 * is that of its first box (model = "auto", human = "manual", import =
 * "file"). CVAT has no scores. */
#include "internal.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cvat_source[] = {"auto", "manual", "file"};

static void set_num(xmlNodePtr n, const char *name, double v)
{
    char s[40];
    snprintf(s, sizeof s, "%.17g", v);
    xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)s);
}

static void add_attr(xmlNodePtr box, const char *name, int on)
{
    xmlNodePtr a = xmlNewTextChild(box, NULL, (const xmlChar *)"attribute",
                                   (const xmlChar *)(on ? "true" : "false"));
    xmlNewProp(a, (const xmlChar *)"name", (const xmlChar *)name);
}

static void add_box(xmlNodePtr track, const gt_box_t *b, int64_t frame,
                    int outside)
{
    xmlNodePtr n = xmlNewChild(track, NULL, (const xmlChar *)"box", NULL);
    set_num(n, "frame", (double)frame);
    set_num(n, "outside", outside);
    set_num(n, "occluded", !!(b->flags & GT_OCCLUDED));
    set_num(n, "keyframe", 1);
    set_num(n, "xtl", b->x);
    set_num(n, "ytl", b->y);
    set_num(n, "xbr", b->x + b->w);
    set_num(n, "ybr", b->y + b->h);
    set_num(n, "z_order", 0);
    if (outside)
        return;
    add_attr(n, "validated", b->flags & GT_VALIDATED);
    add_attr(n, "difficult", b->flags & GT_DIFFICULT);
    add_attr(n, "truncated", b->flags & GT_TRUNCATED);
}

/* Writes the boxes v[0..n) (one track, frame order) as a <track>. */
static void add_track(xmlNodePtr root, const gt_t *g, const gt_box_t **v,
                      size_t n, int64_t id)
{
    xmlNodePtr t = xmlNewChild(root, NULL, (const xmlChar *)"track", NULL);
    set_num(t, "id", (double)id);
    xmlNewProp(t, (const xmlChar *)"label",
               (const xmlChar *)gt_label_name(g, v[0]->label));
    xmlNewProp(t, (const xmlChar *)"source",
               (const xmlChar *)cvat_source[v[0]->source]);
    for (size_t i = 0; i < n; i++) {
        add_box(t, v[i], v[i]->frame, 0);
        int64_t next = v[i]->frame + 1;
        if ((i + 1 == n && next < gt_num_frames(g)) ||
            (i + 1 < n && v[i + 1]->frame != next))
            add_box(t, v[i], next, 1);
    }
}

static int cmp_track(const void *pa, const void *pb)
{
    const gt_box_t *a = *(const gt_box_t *const *)pa;
    const gt_box_t *b = *(const gt_box_t *const *)pb;
    if (a->track_id != b->track_id)
        return a->track_id < b->track_id ? -1 : 1;
    if (a->frame != b->frame)
        return a->frame < b->frame ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void add_meta(xmlNodePtr root, const gt_t *g)
{
    xmlNodePtr meta = xmlNewChild(root, NULL, (const xmlChar *)"meta", NULL);
    xmlNodePtr task = xmlNewChild(meta, NULL, (const xmlChar *)"task", NULL);
    char s[32];
    snprintf(s, sizeof s, "%lld", (long long)gt_num_frames(g));
    xmlNewTextChild(task, NULL, (const xmlChar *)"size", (const xmlChar *)s);
    xmlNewTextChild(task, NULL, (const xmlChar *)"mode",
                    (const xmlChar *)"interpolation");
    xmlNodePtr os = xmlNewChild(task, NULL, (const xmlChar *)"original_size",
                                NULL);
    snprintf(s, sizeof s, "%d", gt_width(g));
    xmlNewTextChild(os, NULL, (const xmlChar *)"width", (const xmlChar *)s);
    snprintf(s, sizeof s, "%d", gt_height(g));
    xmlNewTextChild(os, NULL, (const xmlChar *)"height", (const xmlChar *)s);
    xmlNodePtr labels = xmlNewChild(task, NULL, (const xmlChar *)"labels",
                                    NULL);
    for (int l = 0; l < gt_num_labels(g); l++) {
        xmlNodePtr lab = xmlNewChild(labels, NULL, (const xmlChar *)"label",
                                     NULL);
        xmlNewTextChild(lab, NULL, (const xmlChar *)"name",
                        (const xmlChar *)gt_label_name(g, l));
    }
}

int gt__export_cvat(const gt_t *g, const gt_io_options_t *o, char **out,
                    avp_error_t *err)
{
    (void)o, (void)err;
    size_t n = gt_num_boxes(g), m = 0;
    const gt_box_t **v = avp_malloc((n + 1) * sizeof(*v));
    int64_t next_id = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = &gt_boxes(g)[i];
        if (v[i]->track_id >= next_id)
            next_id = v[i]->track_id + 1;
    }
    qsort(v, n, sizeof(*v), cmp_track);
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"annotations");
    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, (const xmlChar *)"version",
                    (const xmlChar *)"1.1");
    add_meta(root, g);
    for (size_t i = 0; i < n; i = m) {
        m = i + 1;
        if (v[i]->track_id < 0) {
            add_track(root, g, v + i, 1, next_id++);
            continue;
        }
        while (m < n && v[m]->track_id == v[i]->track_id)
            m++;
        add_track(root, g, v + i, m - i, v[i]->track_id);
    }
    xmlChar *mem;
    int len;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
    *out = avp_strdup((const char *)mem);
    xmlFree(mem);
    xmlFreeDoc(doc);
    avp_free(v);
    return AVP_OK;
}

/* <attribute name="x">true|false</attribute> children of a box. */
static int read_attrs(xmlNodePtr box, const char *where, gt_box_t *b,
                      avp_error_t *err)
{
    static const struct { const char *name; unsigned bit; } known[] = {
        {"validated", GT_VALIDATED}, {"difficult", GT_DIFFICULT},
        {"truncated", GT_TRUNCATED}};
    int rc = AVP_OK;
    for (xmlNodePtr a = gt__xml_first(box, "attribute"); a && rc == AVP_OK;
         a = gt__xml_next(a->next, "attribute")) {
        char *name = gt__xml_attr(a, "name");
        char *val = gt__xml_text(a);
        int on = val && !strcmp(val, "true");
        if (!name || (!on && (!val || strcmp(val, "false"))))
            rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): <attribute> "
                               "needs a name and true or false", where,
                               gt__xml_line(a));
        for (size_t k = 0; rc == AVP_OK && k < AVP_ARRAY_LEN(known); k++)
            if (on && !strcmp(name, known[k].name))
                b->flags |= known[k].bit;
        avp_free(name);
        avp_free(val);
    }
    return rc;
}

static int read_box(gt_t *g, xmlNodePtr n, const gt_box_t *proto,
                    const gt_io_options_t *o, const char *where,
                    avp_error_t *err)
{
    double v[7] = {0};
    static const char *const names[7] = {"frame", "outside", "occluded",
                                         "xtl", "ytl", "xbr", "ybr"};
    int rc = AVP_OK;
    for (int k = 0; k < 7 && rc == AVP_OK; k++)
        rc = gt__xml_attr_num(n, names[k], where, &v[k], k != 1 && k != 2,
                              err);
    if (rc == AVP_OK && (v[0] < 0 || v[0] > 1e12 || v[0] != (int64_t)v[0]))
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): bad frame",
                           where, gt__xml_line(n));
    if (rc < 0 || v[1] == 1)
        return rc; /* an outside box only says "not visible here" */
    gt_box_t b = *proto;
    b.frame = (int64_t)v[0];
    b.t = gt__time(o && o->fps > 0 ? o : NULL, b.frame);
    if (!(o && o->fps > 0) && gt_fps(g) > 0)
        b.t = (double)b.frame / gt_fps(g);
    b.flags = v[2] == 1 ? GT_OCCLUDED : 0;
    b.x = v[3], b.y = v[4], b.w = v[5] - v[3], b.h = v[6] - v[4];
    rc = read_attrs(n, where, &b, err);
    if (rc == AVP_OK && (rc = gt_add_box(g, &b, err)) < 0)
        avp_error_prefix(err, "%s (line %ld)", where, gt__xml_line(n));
    return rc;
}

static int read_track(gt_t *g, xmlNodePtr t, int index,
                      const gt_io_options_t *o, avp_error_t *err)
{
    char where[96];
    double id = 0;
    snprintf(where, sizeof where, "track[%d]", index);
    char *label = gt__xml_attr(t, "label"), *src = gt__xml_attr(t, "source");
    gt_box_t proto = {.score = 1, .source = GT_SOURCE_IMPORT};
    int rc = gt__xml_attr_num(t, "id", where, &id, 1, err);
    if (rc == AVP_OK && (!label || id < 0 || id > 1e15 ||
                         id != (int64_t)id))
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): needs an integer "
                           "id >= 0 and a label", where, gt__xml_line(t));
    for (int k = 0; src && k < 3; k++)
        if (!strcmp(src, cvat_source[k]))
            proto.source = (gt_source_t)k;
    if (rc == AVP_OK) {
        proto.label = gt_label(g, label);
        proto.track_id = (int64_t)id;
    }
    int i = 0;
    for (xmlNodePtr b = gt__xml_first(t, "box"); b && rc == AVP_OK;
         b = gt__xml_next(b->next, "box"), i++) {
        snprintf(where, sizeof where, "track[%d]/box[%d]", index, i);
        rc = read_box(g, b, &proto, o, where, err);
    }
    avp_free(label);
    avp_free(src);
    return rc;
}

/* meta/task (or meta/job): the frame size and the labels, in order. */
static void read_meta(gt_t *g, xmlNodePtr root)
{
    xmlNodePtr meta = gt__xml_first(root, "meta");
    xmlNodePtr task = gt__xml_first(meta, "task");
    if (!task)
        task = gt__xml_first(meta, "job");
    xmlNodePtr os = gt__xml_first(task, "original_size");
    double w = 0, h = 0, n = 0;
    if (gt__xml_child_num(os, "width", "meta", &w, 0, NULL) == AVP_OK &&
        gt__xml_child_num(os, "height", "meta", &h, 0, NULL) == AVP_OK &&
        gt__xml_child_num(task, "size", "meta", &n, 0, NULL) == AVP_OK &&
        w > 0 && w < 1e6 && h > 0 && h < 1e6 && n >= 0 && n < 1e12)
        gt_set_video(g, (int)w, (int)h, 0, (int64_t)n);
    for (xmlNodePtr l = gt__xml_first(gt__xml_first(task, "labels"), "label");
         l; l = gt__xml_next(l->next, "label")) {
        char *name = gt__xml_child_text(l, "name");
        if (name)
            gt_label(g, name);
        avp_free(name);
    }
}

int gt_parse_cvat(const char *text, size_t len, const gt_io_options_t *o,
                  gt_t **out, avp_error_t *err)
{
    gt__xml_t *x;
    xmlNodePtr root;
    *out = NULL;
    int rc = gt__xml_parse(text, len, "annotations", &x, &root, err);
    if (rc < 0)
        return rc;
    gt_t *g = gt_create();
    read_meta(g, root);
    gt__apply_options(g, o);
    int i = 0;
    for (xmlNodePtr t = gt__xml_first(root, "track"); t && rc == AVP_OK;
         t = gt__xml_next(t->next, "track"), i++)
        rc = read_track(g, t, i, o, err);
    rc = gt__xml_done(x, rc, err);
    if (rc < 0)
        gt_destroy(g);
    else
        *out = g;
    return rc;
}
