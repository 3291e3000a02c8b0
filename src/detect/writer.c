/*
 * writer.c - detection files for `avp detect`.
 *
 * JSONL: one detection per line,
 *   {"frame": 12, "t": 0.4, "class": 0, "label": "person", "score": 0.89471,
 *    "box": [x1, y1, x2, y2]}
 * in source pixels (box 2 decimals, score 5, t 6), the same keys as the
 * OpenCV reference files in ../shared/media.
 *
 * COCO results: one JSON array of
 *   {"image_id": frame, "category_id": id, "bbox": [x, y, w, h], "score": s}
 * where id is COCO's 91-category id (1 person ... 90 toothbrush) when the
 * names are the built-in COCO-80 list, and class + 1 otherwise, so ids
 * start at 1 as COCO tools expect.
 *
 * Both stream to "<path>.tmp"; commit flushes, fsyncs and renames it over
 * path, abort deletes it. Labels are JSON-escaped once, at open, by jansson.
 */
#include "detect/internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct detect_writer {
    FILE *f;
    char *path, *tmp;
    detect_format_t fmt;
    const detect_names_t *names;
    char **labels; /* JSON string literals, quotes included, per class */
    int nlabels;
    int64_t written;
    bool coco_ids;
};

static const int coco91[80] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 13, 14, 15, 16, 17,
    18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36,
    37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53,
    54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73,
    74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
};

static void writer_free(detect_writer_t *w)
{
    for (int i = 0; w->labels && i < w->nlabels; i++)
        avp_free(w->labels[i]);
    avp_free(w->labels);
    avp_free(w->path);
    avp_free(w->tmp);
    avp_free(w);
}

/* The label as a quoted, escaped JSON string; NULL if not valid UTF-8. */
static char *json_label(const char *label)
{
    json_t *s = json_string(label);
    if (!s)
        return NULL;
    char *dumped = json_dumps(s, JSON_ENCODE_ANY);
    json_decref(s);
    char *copy = dumped ? avp_strdup(dumped) : NULL;
    free(dumped); /* jansson allocates with malloc */
    return copy;
}

static int escape_labels(detect_writer_t *w, avp_error_t *err)
{
    w->labels = avp_calloc((size_t)detect_names_count(w->names), sizeof(char *));
    for (; w->nlabels < detect_names_count(w->names); w->nlabels++) {
        const char *name = detect_names_get(w->names, w->nlabels);
        w->labels[w->nlabels] = json_label(name);
        if (!w->labels[w->nlabels])
            return avp_error_set(err, AVP_EINVAL,
                                 "class %d name is not valid UTF-8", w->nlabels);
    }
    return AVP_OK;
}

int detect_writer_open(const char *path, detect_format_t fmt,
                       const detect_names_t *names, detect_writer_t **out,
                       avp_error_t *err)
{
    *out = NULL;
    detect_writer_t *w = avp_calloc(1, sizeof(*w));
    w->fmt = fmt;
    w->names = names;
    w->coco_ids = detect__names_is_coco(names);
    w->path = avp_strdup(path);
    w->tmp = avp_malloc(strlen(path) + 5);
    sprintf(w->tmp, "%s.tmp", path);
    int rc = escape_labels(w, err);
    if (rc != AVP_OK) {
        writer_free(w);
        return rc;
    }
    w->f = fopen(w->tmp, "w");
    if (!w->f) {
        rc = avp_error_set(err, AVP_EIO, "%s: %s", w->tmp, strerror(errno));
        writer_free(w);
        return rc;
    }
    if (fmt == DETECT_FORMAT_COCO)
        fputs("[", w->f);
    *out = w;
    return AVP_OK;
}

static void write_label(detect_writer_t *w, int cls)
{
    if (cls >= 0 && cls < w->nlabels)
        fputs(w->labels[cls], w->f);
    else /* "class_N" or "unknown": nothing to escape */
        fprintf(w->f, "\"%s\"", detect_names_get(w->names, cls));
}

static void write_jsonl(detect_writer_t *w, const media_frame_t *fr,
                        const detect_box_t *b)
{
    fprintf(w->f, "{\"frame\": %lld, \"t\": %.6f, \"class\": %d, \"label\": ",
            (long long)fr->index, fr->t, b->cls);
    write_label(w, b->cls);
    fprintf(w->f, ", \"score\": %.5f, \"box\": [%.2f, %.2f, %.2f, %.2f]}\n",
            b->score, b->box[0], b->box[1], b->box[2], b->box[3]);
}

static void write_coco(detect_writer_t *w, const media_frame_t *fr,
                       const detect_box_t *b)
{
    int id = w->coco_ids && b->cls >= 0 && b->cls < 80 ? coco91[b->cls]
                                                       : b->cls + 1;
    fprintf(w->f,
            "%s{\"image_id\": %lld, \"category_id\": %d, \"bbox\": [%.2f, "
            "%.2f, %.2f, %.2f], \"score\": %.5f}",
            w->written ? ",\n" : "\n", (long long)fr->index, id, b->box[0],
            b->box[1], b->box[2] - b->box[0], b->box[3] - b->box[1], b->score);
}

int detect_writer_add(detect_writer_t *w, const detect_frame_result_t *f)
{
    for (int i = 0; i < f->count; i++) {
        if (w->fmt == DETECT_FORMAT_COCO)
            write_coco(w, &f->frame, &f->boxes[i]);
        else
            write_jsonl(w, &f->frame, &f->boxes[i]);
        w->written++;
    }
    return ferror(w->f) ? AVP_EIO : AVP_OK;
}

int detect_writer_commit(detect_writer_t *w, avp_error_t *err)
{
    if (w->fmt == DETECT_FORMAT_COCO)
        fputs("\n]\n", w->f);
    int bad = fflush(w->f) != 0 || ferror(w->f) || fsync(fileno(w->f)) != 0;
    bad |= fclose(w->f) != 0;
    w->f = NULL;
    if (bad || rename(w->tmp, w->path) != 0) {
        int rc = avp_error_set(err, AVP_EIO, "%s: %s", bad ? w->tmp : w->path,
                               strerror(errno));
        detect_writer_abort(w);
        return rc;
    }
    writer_free(w);
    return AVP_OK;
}

void detect_writer_abort(detect_writer_t *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    unlink(w->tmp);
    writer_free(w);
}
