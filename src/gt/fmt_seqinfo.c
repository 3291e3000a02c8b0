/* fmt_seqinfo.c - a MOTChallenge sequence's seqinfo.ini (SEQ/seqinfo.ini
 * beside SEQ/gt/gt.txt; [Sequence] name, imDir, frameRate, seqLength,
 * imWidth, imHeight, imExt), read with inih: seqLength says how many
 * frames the sequence has, so the frames after the last row are frames
 * without objects, not frames never looked at; frameRate and the image
 * size fill what the caller's options leave unset. */
#include "internal.h"

#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct seqinfo {
    double fps, length, width, height;
    int bad_line;
} seqinfo_t;

/* inih calls this per key; a bad number stops the parse at its line. */
static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
    static const char *const keys[] = {"frameRate", "seqLength", "imWidth",
                                       "imHeight"};
    seqinfo_t *s = user;
    double *slot[] = {&s->fps, &s->length, &s->width, &s->height};
    if (strcasecmp(section, "Sequence"))
        return 1;
    for (size_t i = 0; i < AVP_ARRAY_LEN(keys); i++)
        if (!strcasecmp(name, keys[i])) {
            char *end;
            double v = strtod(value, &end);
            if (end == value || *end || !(v > 0 && v < 1e7))
                return 0;
            *slot[i] = v;
        }
    return 1;
}

/* The seqinfo.ini beside the file's folder or one above (SEQ/gt/gt.txt),
 * no higher than o lets an import look. */
static int find(const char *path, const gt_io_options_t *o, char *ini,
                size_t size)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    int up = o && o->yaml_levels_up > 0 ? 1 : 0;
    for (int i = 0; i <= up; i++) {
        snprintf(ini, size, "%s%s/seqinfo.ini", dir, i ? "/.." : "");
        if (access(ini, F_OK) == 0)
            return 1;
    }
    return 0;
}

/* Applies s to g: the frame set 0 .. seqLength - 1 (every row must be on
 * it), and the frame rate (boxes' t with it) and size if not given. */
static int apply(gt_t *g, const seqinfo_t *s, const gt_io_options_t *o,
                 avp_error_t *err)
{
    const gt_box_t *b = gt_boxes(g);
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        if (s->length > 0 && (double)b[i].frame >= s->length)
            return avp_error_set(err, AVP_EFORMAT, "seqinfo.ini: seqLength "
                                 "%.0f, but a row is on frame %lld",
                                 s->length, (long long)b[i].frame + 1);
    int fps_given = o && o->fps > 0;
    gt_set_video(g, gt_width(g) ? gt_width(g) : (int)s->width,
                 gt_height(g) ? gt_height(g) : (int)s->height,
                 fps_given ? gt_fps(g) : s->fps, 0);
    for (size_t i = 0; !fps_given && s->fps > 0 && i < gt_num_boxes(g);
         i++) {
        gt_box_t c = gt_boxes(g)[i];
        c.t = (double)c.frame / s->fps;
        gt_set_box(g, i, &c, NULL);
    }
    return s->length > 0
               ? gt_set_frames(g, 0, (int64_t)s->length - 1, 1, err)
               : AVP_OK;
}

int gt__mot_seqinfo(const char *path, const gt_io_options_t *o, gt_t *g,
                    avp_error_t *err)
{
    char ini[4200];
    seqinfo_t s = {0};
    if (!find(path, o, ini, sizeof ini))
        return AVP_OK;
    int line = ini_parse(ini, on_key, &s);
    if (line < 0)
        return avp_error_set(err, AVP_EIO, "%s: cannot read it", ini);
    if (line > 0)
        return avp_error_set(err, AVP_EFORMAT, "seqinfo.ini:%d: expected "
                             "key=value, numbers > 0 for frameRate, "
                             "seqLength, imWidth, imHeight", line);
    if (s.length != (double)(int64_t)s.length || s.length > GT_MAX_FRAMES)
        return avp_error_set(err, AVP_EFORMAT, "seqinfo.ini: seqLength "
                             "must be a whole number up to %d",
                             GT_MAX_FRAMES);
    return apply(g, &s, o, err);
}
