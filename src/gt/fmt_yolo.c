/* fmt_yolo.c - YOLO txt: one file per frame, a line per box
 * "class cx cy w h" with the center and size divided by the image width
 * and height, class a 0-based index into the names list. A row of
 * ultralytics' segment format, "class x1 y1 ... xn yn" (n >= 3), is read
 * as its points' bounding box, as ultralytics trains on it. The lines are
 * whitespace-separated numbers without quoting or escapes, so they are
 * read by hand with strtod/strtol: a parser library would add nothing. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int need_size(const gt_t *g, const gt_io_options_t *o,
                     avp_error_t *err)
{
    if (!o || o->num_names <= 0)
        return avp_error_set(err, AVP_EINVAL, "YOLO needs the class names");
    if (gt_width(g) <= 0 || gt_height(g) <= 0)
        return avp_error_set(err, AVP_EINVAL,
                             "YOLO needs the image width and height");
    return AVP_OK;
}

int gt__export_yolo_frame(const gt_t *g, const gt_box_t *boxes, size_t n,
                          int64_t frame, const gt_io_options_t *o,
                          char **out, avp_error_t *err)
{
    (void)frame;
    int rc = need_size(g, o, err);
    if (rc < 0)
        return rc;
    double W = gt_width(g), H = gt_height(g);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; i < n && rc == AVP_OK; i++) {
        const gt_box_t *b = &boxes[i];
        int c = gt__class_of(g, b->label, o);
        if (c < 0)
            rc = avp_error_set(err, AVP_EINVAL, "label '%s' is not in the "
                               "names", gt_label_name(g, b->label));
        else
            fprintf(f, "%d %.17g %.17g %.17g %.17g\n", c,
                    (b->x + b->w / 2) / W, (b->y + b->h / 2) / H, b->w / W,
                    b->h / H);
    }
    fclose(f);
    *out = rc == AVP_OK ? avp_strdup(buf) : NULL;
    free(buf);
    return rc;
}

/* A row's class and numbers into v[0..3] as cx cy w h: four numbers are
 * the box; 2k (k >= 3) are a polygon's normalized points (ultralytics'
 * segment rows), whose bounding box, clamped to [0, 1] as ultralytics
 * clips it, stands in for them (*polygon set). Linear in the row. */
static int parse_line(const char *s, long *cls, double v[4], int *polygon)
{
    char *end;
    errno = 0;
    *cls = strtol(s, &end, 10);
    if (end == s || errno || (*end != ' ' && *end != '\t'))
        return AVP_EFORMAT;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY}, x;
    size_t k = 0;
    for (s = end;; s = end, k++) {
        x = strtod(s, &end);
        if (end == s)
            break;
        if (!isfinite(x))
            return AVP_EFORMAT;
        if (k < 4)
            v[k] = x;
        x = x < 0 ? 0 : x > 1 ? 1 : x;
        lo[k % 2] = fmin(lo[k % 2], x);
        hi[k % 2] = fmax(hi[k % 2], x);
    }
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end || (k != 4 && (k < 6 || k % 2)))
        return AVP_EFORMAT;
    *polygon = k != 4;
    if (*polygon) {
        v[0] = (lo[0] + hi[0]) / 2, v[1] = (lo[1] + hi[1]) / 2;
        v[2] = hi[0] - lo[0], v[3] = hi[1] - lo[1];
    }
    return AVP_OK;
}

static int add_line(gt_t *g, int64_t frame, const char *line,
                    const gt_io_options_t *o, avp_error_t *err)
{
    long c;
    double v[4];
    int polygon;
    if (parse_line(line, &c, v, &polygon) < 0)
        return avp_error_set(err, AVP_EFORMAT, "expected \"class cx cy w h\" "
                             "or a polygon \"class x1 y1 x2 y2 x3 y3 ...\"");
    if (c < 0 || c >= o->num_names)
        return avp_error_set(err, AVP_EFORMAT, "class %ld is not in the %d "
                             "names", c, o->num_names);
    double W = gt_width(g), H = gt_height(g);
    gt_box_t b = {.frame = frame, .t = gt__time(o, frame),
                  .label = gt_label(g, o->names[c]),
                  .x = (v[0] - v[2] / 2) * W, .y = (v[1] - v[3] / 2) * H,
                  .w = v[2] * W, .h = v[3] * H, .score = 1,
                  .source = GT_SOURCE_IMPORT, .track_id = -1};
    if (polygon)
        gt_note(g, "yolo polygon row (read as its bounding box)", 1);
    return gt_add_box(g, &b, err);
}

int gt_parse_yolo_frame(gt_t *g, int64_t frame, const char *text, size_t len,
                        const gt_io_options_t *o, const char *where,
                        avp_error_t *err)
{
    int rc = need_size(g, o, err);
    if (rc < 0)
        return rc;
    for (int i = 0; i < o->num_names; i++)
        gt_label(g, o->names[i]); /* label index == class index */
    gt_set_video(g, gt_width(g), gt_height(g), gt_fps(g), frame + 1);
    char *copy = avp_malloc(len + 1), *save = NULL;
    memcpy(copy, text, len);
    copy[len] = 0;
    size_t line_no = 0;
    for (char *p = copy; rc == AVP_OK && p; p = save) {
        save = strchr(p, '\n');
        if (save)
            *save++ = 0;
        line_no++;
        if (strlen(p) != strspn(p, " \t\r"))
            if ((rc = add_line(g, frame, p, o, err)) < 0)
                avp_error_prefix(err, "%s:%zu", where, line_no);
    }
    avp_free(copy);
    return rc;
}
