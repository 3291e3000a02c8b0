/* fmt_cvat.c - CVAT 1.1 XML, both flavours.
 * For video: a <track> per object holding a <box> per frame (frame,
 * outside, occluded, keyframe, xtl, ytl, xbr, ybr); the task's frames
 * (start_frame, stop_frame, frame_filter "step=N") are the frame set, and
 * a box's frame is a frame of the video (CVAT writes start + k * step).
 * An outside box only says "not visible here": its frame stays annotated.
 * CVAT's exports write every frame of a track (keyframe="0" between
 * keyframes); a file that leaves frames out between two visible boxes gets
 * them interpolated linearly, as CVAT does. Every AVP box is written as a
 * keyframe; where a track is not seen on the next task frame an
 * outside="1" box closes it. Boxes in no track become one-box tracks (ids
 * after the largest). validated, difficult and truncated are <attribute>s
 * of the box; the track's source is that of its first box (model =
 * "auto", human = "manual", import = "file"). CVAT has no scores.
 * For images (read only): an <image id> per frame in id order, its <box
 * label> children boxes in no track.
 * Other shapes (polygon, polyline, points, skeleton, mask, ellipse,
 * cuboid, tag) are not boxes: they are counted by kind (gt_note). */
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
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    /* An outside box closes a gap, on a frame of the set: two boxes of a
     * track on one frame are no gap, and past the last frame there is
     * nothing to close (a re-import would refuse the frame). */
    for (size_t i = 0; i < n; i++) {
        add_box(t, v[i], v[i]->frame, 0);
        int64_t next = v[i]->frame + step;
        if (next <= last && (i + 1 == n || v[i + 1]->frame > next))
            add_box(t, v[i], next, 1);
    }
}

static int cmp_track(const void *pa, const void *pb)
{
    const gt_box_t *a = *(const gt_box_t *const *)pa;
    const gt_box_t *b = *(const gt_box_t *const *)pb;
    /* Boxes in no track (-1) last, as the largest: each goes out as a
     * track numbered past every other, so that importing the file and
     * exporting it again writes the same tracks in the same order. */
    uint64_t ta = (uint64_t)a->track_id, tb = (uint64_t)b->track_id;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    if (a->frame != b->frame)
        return a->frame < b->frame ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void add_meta(xmlNodePtr root, const gt_t *g)
{
    xmlNodePtr meta = xmlNewChild(root, NULL, (const xmlChar *)"meta", NULL);
    xmlNodePtr task = xmlNewChild(meta, NULL, (const xmlChar *)"task", NULL);
    char s[32];
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    snprintf(s, sizeof s, "%lld", (long long)gt_num_annotated_frames(g));
    xmlNewTextChild(task, NULL, (const xmlChar *)"size", (const xmlChar *)s);
    snprintf(s, sizeof s, "%lld", (long long)first);
    xmlNewTextChild(task, NULL, (const xmlChar *)"start_frame",
                    (const xmlChar *)s);
    snprintf(s, sizeof s, "%lld", (long long)last);
    xmlNewTextChild(task, NULL, (const xmlChar *)"stop_frame",
                    (const xmlChar *)s);
    snprintf(s, sizeof s, "step=%lld", (long long)step);
    xmlNewTextChild(task, NULL, (const xmlChar *)"frame_filter",
                    (const xmlChar *)s);
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
    (void)o;
    size_t nlist;
    /* A task's frames are start_frame + k * frame_step: CVAT has no way
     * to say "frames 0, 2, 4 and 5", and a superset would turn frames
     * nobody looked at into negatives. */
    if (gt_frame_list(g, &nlist))
        return avp_error_set(err, AVP_EINVAL, "the frame set (%zu frames "
                             "not evenly spaced) cannot be a CVAT task's "
                             "start_frame + k * frame_step: export COCO, "
                             "Datumaro or AVP", nlist);
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

/* <attribute name="x">true|false</attribute> children of a box: those
 * AVP has flags for; a task's own attributes (any text) are not kept, and
 * counted. */
static int read_attrs(gt_t *g, xmlNodePtr box, const char *where,
                      gt_box_t *b, avp_error_t *err)
{
    static const struct { const char *name; unsigned bit; } known[] = {
        {"validated", GT_VALIDATED}, {"difficult", GT_DIFFICULT},
        {"truncated", GT_TRUNCATED}};
    int rc = AVP_OK;
    for (xmlNodePtr a = gt__xml_first(box, "attribute"); a && rc == AVP_OK;
         a = gt__xml_next(a->next, "attribute")) {
        char *name = gt__xml_attr(a, "name");
        char *val = gt__xml_text(a);
        int on = val && !strcmp(val, "true"), ours = 0;
        for (size_t k = 0; name && k < AVP_ARRAY_LEN(known); k++)
            ours |= !strcmp(name, known[k].name);
        if (!name || (ours && !on && (!val || strcmp(val, "false"))))
            rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): <attribute> "
                               "needs a name and true or false", where,
                               gt__xml_line(a));
        for (size_t k = 0; rc == AVP_OK && k < AVP_ARRAY_LEN(known); k++)
            if (on && !strcmp(name, known[k].name))
                b->flags |= known[k].bit;
        if (rc == AVP_OK && !ours)
            gt_note(g, "cvat attribute of the task's own (not kept)", 1);
        avp_free(name);
        avp_free(val);
    }
    return rc;
}

/* A box's corners and flags (the element of a track or of an image) into
 * b, whose frame is set; a rotated box is refused, not turned. A track's
 * box that is not a keyframe (CVAT's interpolation) stays a box, counted:
 * AVP's export writes every box as a keyframe. */
static int read_corners(gt_t *g, xmlNodePtr n, const char *where,
                        gt_box_t *b, avp_error_t *err)
{
    double v[5] = {0};
    static const char *const names[5] = {"xtl", "ytl", "xbr", "ybr",
                                         "occluded"};
    int rc = AVP_OK;
    for (int k = 0; k < 5 && rc == AVP_OK; k++)
        rc = gt__xml_attr_num(n, names[k], where, &v[k], k < 4, err);
    double rot = 0, key = 1;
    if (rc == AVP_OK &&
        (rc = gt__xml_attr_num(n, "keyframe", where, &key, 0, err)) ==
            AVP_OK && key == 0)
        gt_note(g, "cvat box with keyframe 0 (kept, exported as a "
                "keyframe)", 1);
    if (rc == AVP_OK &&
        (rc = gt__xml_attr_num(n, "rotation", where, &rot, 0, err)) == AVP_OK
        && rot != 0)
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): a rotated box "
                           "(rotation %g) is not an axis-aligned box", where,
                           gt__xml_line(n), rot);
    if (rc < 0)
        return rc;
    b->flags = v[4] == 1 ? GT_OCCLUDED : 0;
    b->x = v[0], b->y = v[1], b->w = v[2] - v[0], b->h = v[3] - v[1];
    return read_attrs(g, n, where, b, err);
}

static int add_or_name(gt_t *g, const gt_box_t *b, xmlNodePtr n,
                       const char *where, avp_error_t *err)
{
    int rc = gt_add_box(g, b, err);
    return rc < 0 ? avp_error_prefix(err, "%s (line %ld)", where,
                                     gt__xml_line(n))
                  : rc;
}

static double frame_time(const gt_t *g, const gt_io_options_t *o,
                         int64_t frame)
{
    if (o && o->fps > 0)
        return gt__time(o, frame);
    return gt_fps(g) > 0 ? (double)frame / gt_fps(g) : 0;
}

/* What reading tracks needs besides the gt: the options, whether the
 * file gave the task's frames, and how many boxes interpolation may still
 * add (a few per byte of input: two keyframes a million frames apart must
 * not make a small upload take gigabytes). */
typedef struct track_ctx {
    const gt_io_options_t *o;
    int task;
    int64_t budget;
} track_ctx_t;

/* The boxes CVAT would draw between two keyframes a and b of a track that
 * the file leaves out: linear in the corners, on the task's frames (its
 * own exports write every frame, keyframe="0", so there is nothing to do). */
static int interpolate(gt_t *g, const gt_box_t *a, const gt_box_t *b,
                       track_ctx_t *c, avp_error_t *err)
{
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    const gt_io_options_t *o = c->o;
    int rc = AVP_OK;
    for (int64_t f = a->frame + step; f < b->frame && rc == AVP_OK;
         f += step) {
        if (c->budget-- <= 0)
            return avp_error_set(err, AVP_EFORMAT, "keyframes %lld and %lld "
                                 "are too far apart for the file's size to "
                                 "interpolate", (long long)a->frame,
                                 (long long)b->frame);
        double r = (double)(f - a->frame) / (double)(b->frame - a->frame);
        gt_box_t m = *a;
        m.frame = f;
        m.t = frame_time(g, o, f);
        m.x += r * (b->x - a->x), m.y += r * (b->y - a->y);
        m.w += r * (b->w - a->w), m.h += r * (b->h - a->h);
        rc = gt_add_box(g, &m, err);
        gt_note(g, "interpolated box (between keyframes)", 1);
    }
    return rc;
}

/* One <box> of a track; *prev is the track's last visible box (frame -1:
 * none, or the track went outside). */
static int read_box(gt_t *g, xmlNodePtr n, const gt_box_t *proto,
                    gt_box_t *prev, track_ctx_t *c, const char *where,
                    avp_error_t *err)
{
    double frame = 0, outside = 0;
    int rc = gt__xml_attr_num(n, "frame", where, &frame, 1, err);
    if (rc == AVP_OK)
        rc = gt__xml_attr_num(n, "outside", where, &outside, 0, err);
    if (rc == AVP_OK && (frame < 0 || frame >= GT_MAX_FRAMES ||
                         frame != (int64_t)frame))
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): bad frame",
                           where, gt__xml_line(n));
    if (rc == AVP_OK && !c->task)
        gt_set_video(g, gt_width(g), gt_height(g), gt_fps(g),
                     (int64_t)frame + 1); /* outside frames count too */
    if (rc == AVP_OK && !gt_is_annotated_frame(g, (int64_t)frame))
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): frame %lld is "
                           "not a frame of the task", where, gt__xml_line(n),
                           (long long)frame);
    if (rc < 0)
        return rc;
    gt_box_t b = *proto;
    b.frame = (int64_t)frame;
    b.t = frame_time(g, c->o, b.frame);
    if (outside == 1) { /* "not visible here": the frame stays annotated */
        prev->frame = -1;
        return AVP_OK;
    }
    if ((rc = read_corners(g, n, where, &b, err)) < 0)
        return rc;
    if (prev->frame >= 0 && b.frame > prev->frame &&
        (rc = interpolate(g, prev, &b, c, err)) < 0)
        return avp_error_prefix(err, "%s (line %ld)", where, gt__xml_line(n));
    *prev = b;
    return add_or_name(g, &b, n, where, err);
}

/* The elements of a track or an image that are not boxes, by name. */
static void note_shapes(gt_t *g, xmlNodePtr parent, const char *in)
{
    char kind[96];
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, "box") &&
            strcmp((const char *)c->name, "attribute")) {
            snprintf(kind, sizeof kind, "%s in %s (not a box)",
                     (const char *)c->name, in);
            gt_note(g, kind, 1);
        }
}

static int read_track(gt_t *g, xmlNodePtr t, int index, track_ctx_t *c,
                      avp_error_t *err)
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
        note_shapes(g, t, "track");
    }
    gt_box_t prev = {.frame = -1};
    int i = 0;
    for (xmlNodePtr b = gt__xml_first(t, "box"); b && rc == AVP_OK;
         b = gt__xml_next(b->next, "box"), i++) {
        snprintf(where, sizeof where, "track[%d]/box[%d]", index, i);
        rc = read_box(g, b, &proto, &prev, c, where, err);
    }
    avp_free(label);
    avp_free(src);
    return rc;
}

/* The task's frames: start_frame, start_frame + step, ... size of them,
 * up to stop_frame; step from <frame_filter>step=N</frame_filter> (what
 * CVAT writes) or <frame_step>. A box's frame attribute is a frame of the
 * video (CVAT writes start_frame + k * step), so this set is what AVP
 * keeps. Without any of these every frame up to the last box counts.
 * Returns 1 if the file gave the frames, 0 if not, or an error. */
static int read_task_frames(gt_t *g, xmlNodePtr task, avp_error_t *err)
{
    double start = 0, stop = -1, size = -1, step = 1;
    char *filter = gt__xml_child_text(task, "frame_filter");
    int rc = gt__xml_child_num(task, "start_frame", "meta", &start, 0, err);
    if (rc == AVP_OK)
        rc = gt__xml_child_num(task, "stop_frame", "meta", &stop, 0, err);
    if (rc == AVP_OK)
        rc = gt__xml_child_num(task, "size", "meta", &size, 0, err);
    if (rc == AVP_OK)
        rc = gt__xml_child_num(task, "frame_step", "meta", &step, 0, err);
    if (rc == AVP_OK && filter && *filter &&
        sscanf(filter, "step=%lf", &step) != 1)
        rc = avp_error_set(err, AVP_EFORMAT, "meta: frame_filter '%s' is not "
                           "step=N", filter);
    avp_free(filter);
    if (rc < 0 || (stop < 0 && size <= 0))
        return rc < 0 ? rc : 0;
    if (step != (int64_t)step || start != (int64_t)start ||
        size != (int64_t)size || stop != (int64_t)stop || step < 1 ||
        start < 0 || start >= GT_MAX_FRAMES || size >= GT_MAX_FRAMES)
        return avp_error_set(err, AVP_EFORMAT, "meta: start_frame %g, "
                             "stop_frame %g, size %g, step %g", start, stop,
                             size, step);
    double last = start + (size - 1) * step;
    if (stop >= 0 && (size <= 0 || stop < last))
        last = stop;
    rc = gt_set_frames(g, (int64_t)start, (int64_t)last, (int64_t)step,
                       err);
    return rc < 0 ? rc : 1;
}

/* meta/task (or meta/job): the frame size, the task's frames and the
 * labels, in order; returns as read_task_frames. */
static int read_meta(gt_t *g, xmlNodePtr root, avp_error_t *err)
{
    xmlNodePtr meta = gt__xml_first(root, "meta");
    xmlNodePtr task = gt__xml_first(meta, "task");
    if (!task)
        task = gt__xml_first(meta, "job");
    xmlNodePtr os = gt__xml_first(task, "original_size");
    double w = 0, h = 0;
    if (gt__xml_child_num(os, "width", "meta", &w, 0, NULL) == AVP_OK &&
        gt__xml_child_num(os, "height", "meta", &h, 0, NULL) == AVP_OK &&
        w > 0 && w < 1e6 && h > 0 && h < 1e6)
        gt_set_video(g, (int)w, (int)h, 0, 0);
    for (xmlNodePtr l = gt__xml_first(gt__xml_first(task, "labels"), "label");
         l; l = gt__xml_next(l->next, "label")) {
        char *name = gt__xml_child_text(l, "name");
        if (name)
            gt_label(g, name);
        avp_free(name);
    }
    return task ? read_task_frames(g, task, err) : AVP_OK;
}

/* ---- CVAT for images: <image id name width height> holding shapes ---- */

typedef struct image_ref {
    double id;
    xmlNodePtr node;
} image_ref_t;

static int cmp_image(const void *pa, const void *pb)
{
    const image_ref_t *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int read_image(gt_t *g, xmlNodePtr im, int64_t frame,
                      const gt_io_options_t *o, avp_error_t *err)
{
    char where[96];
    double w = 0, h = 0;
    if (gt__xml_attr_num(im, "width", "image", &w, 0, NULL) == AVP_OK &&
        gt__xml_attr_num(im, "height", "image", &h, 0, NULL) == AVP_OK &&
        !gt_width(g) && w > 0 && w < 1e6 && h > 0 && h < 1e6)
        gt_set_video(g, (int)w, (int)h, gt_fps(g), 0);
    note_shapes(g, im, "image");
    int rc = AVP_OK, i = 0;
    for (xmlNodePtr n = gt__xml_first(im, "box"); n && rc == AVP_OK;
         n = gt__xml_next(n->next, "box"), i++) {
        snprintf(where, sizeof where, "image[%lld]/box[%d]", (long long)frame,
                 i);
        char *label = gt__xml_attr(n, "label");
        gt_box_t b = {.frame = frame, .t = frame_time(g, o, frame),
                      .score = 1, .source = GT_SOURCE_IMPORT,
                      .track_id = -1};
        rc = label ? read_corners(g, n, where, &b, err)
                   : avp_error_set(err, AVP_EFORMAT, "%s (line %ld): no "
                                   "label", where, gt__xml_line(n));
        if (rc == AVP_OK) {
            b.label = gt_label(g, label);
            rc = add_or_name(g, &b, n, where, err);
        }
        avp_free(label);
    }
    return rc;
}

/* Frames are the images in the order of their ids (CVAT numbers a task's
 * images 0, 1, ...), every image a frame, those without boxes too. */
static int read_images(gt_t *g, xmlNodePtr root, const gt_io_options_t *o,
                       avp_error_t *err)
{
    size_t n = 0, cap = 0;
    image_ref_t *v = NULL;
    int rc = AVP_OK;
    for (xmlNodePtr im = gt__xml_first(root, "image"); im && rc == AVP_OK;
         im = gt__xml_next(im->next, "image")) {
        if (n == cap)
            v = avp_realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
        v[n] = (image_ref_t){0, im};
        rc = gt__xml_attr_num(im, "id", "image", &v[n].id, 1, err);
        n++;
    }
    if (n && rc == AVP_OK) {
        qsort(v, n, sizeof(*v), cmp_image);
        rc = gt_set_frames(g, 0, (int64_t)n - 1, 1, err);
    }
    for (size_t i = 0; i < n && rc == AVP_OK; i++)
        rc = read_image(g, v[i].node, (int64_t)i, o, err);
    avp_free(v);
    return rc;
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
    track_ctx_t c = {o, (rc = read_meta(g, root, err)) > 0,
                     4 * (int64_t)len};
    gt__apply_options(g, o);
    int i = 0;
    for (xmlNodePtr t = gt__xml_first(root, "track"); t && rc >= 0;
         t = gt__xml_next(t->next, "track"), i++)
        rc = read_track(g, t, i, &c, err);
    if (rc >= 0)
        rc = read_images(g, root, o, err);
    rc = gt__xml_done(x, rc, err);
    if (rc < 0)
        gt_destroy(g);
    else
        *out = g;
    return rc;
}
