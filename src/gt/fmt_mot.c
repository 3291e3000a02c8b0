/* fmt_mot.c - MOTChallenge CSV: a line per box
 * "frame,id,x,y,w,h,conf,class,visibility" (MOT16/17/20 gt) or
 * "frame,id,x,y,w,h,conf,x,y,z" (MOT15 gt, det and result files; read as
 * class 1, visible), LF or CRLF, with 1-based frames, id -1 for
 * a box in no track, class 1-based (names[class - 1] when names are given,
 * else the label is the number itself) and visibility in [0, 1]: AVP
 * writes 0.5 for occluded boxes and 1 otherwise, and reads visibility < 1
 * as occluded. conf carries the box's score; conf 0 (gt rows to ignore)
 * makes a difficult box, conf outside [0, 1] score 1 (see read_conf).
 * Classes other than pedestrian are kept as their own labels: the class
 * remap of an evaluation decides what counts. The lines hold plain numbers
 * without quoting, so they are split by hand: a CSV library would add
 * nothing but a dependency. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gt__export_mot(const gt_t *g, const gt_io_options_t *o, char **out,
                   avp_error_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = AVP_OK;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; i < gt_num_boxes(g) && rc == AVP_OK; i++) {
        const gt_box_t *b = &gt_boxes(g)[i];
        int c = o && o->num_names ? gt__class_of(g, b->label, o) : b->label;
        if (c < 0)
            rc = avp_error_set(err, AVP_EINVAL, "label '%s' is not in the "
                               "names", gt_label_name(g, b->label));
        else
            fprintf(f, "%lld,%lld,%.17g,%.17g,%.17g,%.17g,%.17g,%d,%g\n",
                    (long long)b->frame + 1,
                    (long long)(b->track_id < 0 ? -1 : b->track_id), b->x,
                    b->y, b->w, b->h, b->score, c + 1,
                    b->flags & GT_OCCLUDED ? 0.5 : 1.0);
    }
    fclose(f);
    *out = rc == AVP_OK ? avp_strdup(buf) : NULL;
    free(buf);
    return rc;
}

/* Splits a line into its comma-separated numbers (at most 10); returns
 * how many, or AVP_EFORMAT. */
static int split(const char *s, double v[10])
{
    char *end;
    for (int k = 0; k < 10; k++) {
        errno = 0;
        v[k] = strtod(s, &end);
        if (end == s || errno || !isfinite(v[k]))
            return AVP_EFORMAT;
        while (*end == ' ' || *end == '\t' || *end == '\r')
            end++;
        if (!*end)
            return k + 1;
        if (*end++ != ',')
            return AVP_EFORMAT;
        s = end;
    }
    return AVP_EFORMAT;
}

static int is_int(double v, double lo)
{
    return v >= lo && v < 9e15 && v == floor(v);
}

/* The row's conf as the box's score and flags. In gt files conf is a
 * flag (MOT16 paper, TrackEval: 0 = ignore in evaluation): kept as a
 * difficult box (AVP's ignore), counted. Outside [0, 1] (detector scores,
 * -1 for "none" in results) it is no probability: score 1, counted. */
static void read_conf(gt_t *g, double conf, gt_box_t *b)
{
    b->score = conf;
    if (conf == 0) {
        b->flags |= GT_DIFFICULT;
        gt_note(g, "mot row with conf 0 (kept as difficult: ignored in "
                "evaluation)", 1);
    } else if (conf < 0 || conf > 1) {
        b->score = 1;
        gt_note(g, "mot row with conf outside [0, 1] (score 1)", 1);
    }
}

/* 9 columns: frame,id,x,y,w,h,conf,class,visibility (MOT16/17/20 gt and
 * AVP's export); 10: frame,id,x,y,w,h,conf,x,y,z (MOT15 gt, every det and
 * result file), read as class 1 (pedestrian), fully visible. */
static int add_line(gt_t *g, const char *line, const gt_io_options_t *o,
                    avp_error_t *err)
{
    double v[10];
    char num[32];
    int cols = split(line, v);
    if (cols != 9 && cols != 10)
        return avp_error_set(err, AVP_EFORMAT, "expected 9 comma-separated "
                             "numbers frame,id,x,y,w,h,conf,class,visibility "
                             "or 10 frame,id,x,y,w,h,conf,x,y,z");
    if (cols == 10)
        v[7] = 1, v[8] = 1;
    if (!is_int(v[0], 1) || !is_int(v[1], -1) || !is_int(v[7], 1))
        return avp_error_set(err, AVP_EFORMAT, "frame, id and class must be "
                             "integers (frame and class >= 1, id >= -1)");
    if (v[8] < 0 || v[8] > 1)
        return avp_error_set(err, AVP_EFORMAT, "visibility %g outside [0, 1]",
                             v[8]);
    int has_names = o && o->num_names > 0;
    if (has_names && v[7] > o->num_names)
        return avp_error_set(err, AVP_EFORMAT, "class %g is not in the %d "
                             "names", v[7], o->num_names);
    snprintf(num, sizeof num, "%lld", (long long)v[7]);
    int64_t frame = (int64_t)v[0] - 1;
    gt_box_t b = {.frame = frame, .t = gt__time(o, frame),
                  .label = gt_label(g, has_names ? o->names[(int)v[7] - 1]
                                                 : num),
                  .x = v[2], .y = v[3], .w = v[4], .h = v[5],
                  .flags = v[8] < 1 ? GT_OCCLUDED : 0,
                  .source = GT_SOURCE_IMPORT, .track_id = (int64_t)v[1]};
    read_conf(g, v[6], &b);
    return gt_add_box(g, &b, err);
}

int gt_parse_mot(const char *text, size_t len, const gt_io_options_t *o,
                 gt_t **out, avp_error_t *err)
{
    gt_t *g = gt_create();
    gt__apply_options(g, o);
    for (int i = 0; o && i < o->num_names; i++)
        gt_label(g, o->names[i]); /* label index == class - 1 */
    char *copy = avp_malloc(len + 1), *next = NULL;
    memcpy(copy, text, len);
    copy[len] = 0;
    size_t line_no = 0;
    int rc = AVP_OK;
    for (char *p = copy; rc == AVP_OK && p; p = next) {
        next = strchr(p, '\n');
        if (next)
            *next++ = 0;
        line_no++;
        if (strlen(p) != strspn(p, " \t\r"))
            if ((rc = add_line(g, p, o, err)) < 0)
                avp_error_prefix(err, "line %zu", line_no);
    }
    avp_free(copy);
    if (rc < 0)
        gt_destroy(g);
    *out = rc < 0 ? NULL : g;
    return rc;
}
