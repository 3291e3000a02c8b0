/* gt.c - the in-memory ground truth of one video: labels, boxes, and the
 * tracks derived from them. */
#include "gt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct gt {
    int width, height;
    double fps;
    int64_t num_frames;
    char **labels;
    int64_t *label_ids; /* gt_set_label_id, parallel to labels */
    int nlabels, cap_labels;
    /* Open-addressing index of labels by name (-1: empty slot), so that a
     * file naming a label per box costs O(1) per lookup, not O(labels). */
    int *slots;
    size_t nslots; /* a power of two, at least twice nlabels */
    gt_box_t *boxes;
    size_t nboxes, cap_boxes;
    int64_t first, last, step; /* step 0: every frame (the default) */
    /* A set that is not first + k * step (gt_set_frame_list): sorted,
     * strictly increasing; NULL otherwise. */
    int64_t *list;
    size_t nlist;
    struct gt_note_entry { char *kind; int64_t n; } *notes;
    size_t nnotes;
    /* gt_set_frame_info's table, sorted by frame: importers give frames
     * in order, so an insert is an append. */
    struct gt_frame_entry {
        int64_t frame;
        gt_frame_info_t info;
    } *finfo;
    size_t nfinfo, cap_finfo;
};

gt_t *gt_create(void)
{
    return avp_calloc(1, sizeof(gt_t));
}

void gt_destroy(gt_t *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nlabels; i++)
        avp_free(g->labels[i]);
    avp_free(g->labels);
    avp_free(g->label_ids);
    avp_free(g->slots);
    for (size_t i = 0; i < g->nfinfo; i++)
        avp_free((char *)g->finfo[i].info.name);
    avp_free(g->finfo);
    avp_free(g->boxes);
    avp_free(g->list);
    for (size_t i = 0; i < g->nnotes; i++)
        avp_free(g->notes[i].kind);
    avp_free(g->notes);
    avp_free(g);
}

void gt_set_video(gt_t *g, int width, int height, double fps,
                  int64_t num_frames)
{
    g->width = width > 0 ? width : 0;
    g->height = height > 0 ? height : 0;
    g->fps = isfinite(fps) && fps > 0 ? fps : 0;
    if (num_frames > g->num_frames)
        g->num_frames = num_frames < GT_MAX_FRAMES ? num_frames
                                                   : GT_MAX_FRAMES;
}

int gt_width(const gt_t *g) { return g->width; }
int gt_height(const gt_t *g) { return g->height; }
double gt_fps(const gt_t *g) { return g->fps; }
int64_t gt_num_frames(const gt_t *g) { return g->num_frames; }

int gt_set_frames(gt_t *g, int64_t first, int64_t last, int64_t step,
                  avp_error_t *err)
{
    if (first < 0 || last < first || step < 1 || last >= GT_MAX_FRAMES)
        return avp_error_set(err, AVP_EINVAL, "frames %lld to %lld step %lld:"
                             " need 0 <= first <= last < %d, step >= 1",
                             (long long)first, (long long)last,
                             (long long)step, GT_MAX_FRAMES);
    last = first + (last - first) / step * step;
    /* One frame is one set whatever the step: the canonical step is 1. */
    g->first = first, g->last = last, g->step = last > first ? step : 1;
    avp_free(g->list);
    g->list = NULL, g->nlist = 0;
    if (last + 1 > g->num_frames)
        g->num_frames = last + 1;
    return AVP_OK;
}

int gt_set_frame_list(gt_t *g, const int64_t *frames, size_t n,
                      avp_error_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (frames[i] < 0 || frames[i] >= GT_MAX_FRAMES ||
            (i && frames[i] <= frames[i - 1]))
            return avp_error_set(err, AVP_EINVAL, "frame %lld (item %zu): "
                                 "frames must increase, in [0, %d)",
                                 (long long)frames[i], i, GT_MAX_FRAMES);
    if (!n)
        return avp_error_set(err, AVP_EINVAL, "an empty frame set");
    int64_t step = n > 1 ? frames[1] - frames[0] : 1;
    size_t k = 2;
    while (k < n && frames[k] - frames[k - 1] == step)
        k++;
    /* Evenly spaced is kept as such: one form per set, so that sets
     * compare equal and the exporters that need a step (CVAT) get one. */
    int rc = gt_set_frames(g, frames[0], frames[n - 1], k < n ? 1 : step,
                           err);
    if (rc == AVP_OK && k < n) {
        g->list = avp_malloc(n * sizeof *g->list);
        memcpy(g->list, frames, n * sizeof *g->list);
        g->nlist = n, g->step = 0;
    }
    return rc;
}

void gt_copy_frame_set(gt_t *dst, const gt_t *src)
{
    if (src->list)
        gt_set_frame_list(dst, src->list, src->nlist, NULL);
    else if (src->step)
        gt_set_frames(dst, src->first, src->last, src->step, NULL);
}

const int64_t *gt_frame_list(const gt_t *g, size_t *n)
{
    *n = g->nlist;
    return g->list;
}

void gt_frames(const gt_t *g, int64_t *first, int64_t *last, int64_t *step)
{
    int set = g->step || g->list;
    *first = set ? g->first : 0;
    *last = set ? g->last : g->num_frames - 1;
    *step = g->list ? 0 : g->step ? g->step : 1;
}

int gt_has_frame_set(const gt_t *g) { return g->step > 0 || g->list; }

int64_t gt_num_annotated_frames(const gt_t *g)
{
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    if (g->list)
        return (int64_t)g->nlist;
    return last < first ? 0 : (last - first) / step + 1;
}

/* The index of the first listed frame >= frame (nlist if none). */
static size_t list_lower_bound(const gt_t *g, int64_t frame)
{
    size_t lo = 0, hi = g->nlist;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->list[mid] < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int gt_is_annotated_frame(const gt_t *g, int64_t frame)
{
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    if (g->list) {
        size_t i = list_lower_bound(g, frame);
        return i < g->nlist && g->list[i] == frame;
    }
    return frame >= first && frame <= last && (frame - first) % step == 0;
}

int64_t gt_frame_after(const gt_t *g, int64_t frame)
{
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    if (g->list) {
        size_t i = list_lower_bound(g, frame < INT64_MAX ? frame + 1 : frame);
        return i < g->nlist ? g->list[i] : -1;
    }
    if (frame < first)
        return first <= last ? first : -1;
    int64_t next = first + ((frame - first) / step + 1) * step;
    return next <= last ? next : -1;
}

void gt_note(gt_t *g, const char *kind, int64_t n)
{
    for (size_t i = 0; i < g->nnotes; i++)
        if (!strcmp(g->notes[i].kind, kind)) {
            g->notes[i].n += n;
            return;
        }
    /* A handful of kinds per file: a linear list is enough. */
    g->notes = avp_realloc(g->notes, (g->nnotes + 1) * sizeof(*g->notes));
    g->notes[g->nnotes++] = (struct gt_note_entry){avp_strdup(kind), n};
}

size_t gt_num_notes(const gt_t *g) { return g->nnotes; }

const char *gt_note_kind(const gt_t *g, size_t i, int64_t *n)
{
    *n = i < g->nnotes ? g->notes[i].n : 0;
    return i < g->nnotes ? g->notes[i].kind : NULL;
}

/* The first entry at or after frame. */
static size_t finfo_pos(const gt_t *g, int64_t frame)
{
    size_t lo = 0, hi = g->nfinfo;
    if (hi && g->finfo[hi - 1].frame < frame)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->finfo[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int gt_set_frame_info(gt_t *g, int64_t frame, int64_t id, const char *name,
                      int width, int height, avp_error_t *err)
{
    if (frame < 0 || frame >= GT_MAX_FRAMES)
        return avp_error_set(err, AVP_EINVAL, "frame %lld outside [0, %d)",
                             (long long)frame, GT_MAX_FRAMES);
    size_t i = finfo_pos(g, frame);
    if (i < g->nfinfo && g->finfo[i].frame == frame) {
        avp_free((char *)g->finfo[i].info.name);
    } else {
        if (g->nfinfo == g->cap_finfo) {
            g->cap_finfo = g->cap_finfo ? 2 * g->cap_finfo : 64;
            g->finfo = avp_realloc(g->finfo,
                                   g->cap_finfo * sizeof(*g->finfo));
        }
        memmove(g->finfo + i + 1, g->finfo + i,
                (g->nfinfo++ - i) * sizeof(*g->finfo));
    }
    g->finfo[i] = (struct gt_frame_entry){
        frame, {id, name ? avp_strdup(name) : NULL, width > 0 ? width : 0,
                height > 0 ? height : 0}};
    return AVP_OK;
}

int gt_frame_info(const gt_t *g, int64_t frame, gt_frame_info_t *out)
{
    size_t i = finfo_pos(g, frame);
    int hit = i < g->nfinfo && g->finfo[i].frame == frame;
    *out = hit ? g->finfo[i].info : (gt_frame_info_t){GT_NO_ID, NULL, 0, 0};
    return hit;
}

void gt_set_label_id(gt_t *g, int label, int64_t id)
{
    if (label >= 0 && label < g->nlabels)
        g->label_ids[label] = id;
}

int64_t gt_label_id(const gt_t *g, int label)
{
    return label >= 0 && label < g->nlabels ? g->label_ids[label] : GT_NO_ID;
}

/* FNV-1a. */
static size_t hash_name(const char *s)
{
    size_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const gt_t *g, const char *name)
{
    size_t mask = g->nslots - 1, i = hash_name(name) & mask;
    while (g->slots[i] >= 0 && strcmp(g->labels[g->slots[i]], name))
        i = (i + 1) & mask;
    return i;
}

static void rehash(gt_t *g)
{
    avp_free(g->slots);
    g->nslots = g->nslots ? 2 * g->nslots : 16;
    g->slots = avp_malloc(g->nslots * sizeof(int));
    for (size_t i = 0; i < g->nslots; i++)
        g->slots[i] = -1;
    for (int l = 0; l < g->nlabels; l++)
        g->slots[slot_of(g, g->labels[l])] = l;
}

int gt_find_label(const gt_t *g, const char *name)
{
    return g->nslots ? g->slots[slot_of(g, name)] : -1;
}

int gt_label(gt_t *g, const char *name)
{
    int i = gt_find_label(g, name);
    if (i >= 0)
        return i;
    if (g->nlabels == g->cap_labels) {
        g->cap_labels = g->cap_labels ? 2 * g->cap_labels : 8;
        g->labels = avp_realloc(g->labels,
                                (size_t)g->cap_labels * sizeof(char *));
        g->label_ids = avp_realloc(g->label_ids,
                                   (size_t)g->cap_labels * sizeof(int64_t));
    }
    g->labels[g->nlabels] = avp_strdup(name);
    g->label_ids[g->nlabels] = GT_NO_ID;
    if (2 * ((size_t)g->nlabels + 1) > g->nslots)
        rehash(g);
    g->slots[slot_of(g, name)] = g->nlabels;
    return g->nlabels++;
}

int gt_num_labels(const gt_t *g) { return g->nlabels; }

const char *gt_label_name(const gt_t *g, int label)
{
    return label >= 0 && label < g->nlabels ? g->labels[label] : NULL;
}

static int check_box(const gt_t *g, const gt_box_t *b, avp_error_t *err)
{
    const unsigned all = GT_VALIDATED | GT_DIFFICULT | GT_OCCLUDED |
                         GT_TRUNCATED | GT_CROWD;
    if (b->frame < 0 || b->frame >= GT_MAX_FRAMES)
        return avp_error_set(err, AVP_EFORMAT, "frame %lld outside [0, %d)",
                             (long long)b->frame, GT_MAX_FRAMES);
    if (!isfinite(b->t) || !isfinite(b->x) || !isfinite(b->y) ||
        !isfinite(b->w) || !isfinite(b->h) || !isfinite(b->score) ||
        !isfinite(b->area))
        return avp_error_set(err, AVP_EFORMAT, "non-finite number");
    if (b->w <= 0 || b->h <= 0)
        return avp_error_set(err, AVP_EFORMAT,
                             "box width and height must be > 0 (%g x %g)",
                             b->w, b->h);
    if (b->area < 0)
        return avp_error_set(err, AVP_EFORMAT, "area %g < 0", b->area);
    if (b->label < 0 || b->label >= g->nlabels)
        return avp_error_set(err, AVP_EFORMAT, "unknown label %d", b->label);
    if (b->flags & ~all)
        return avp_error_set(err, AVP_EFORMAT, "unknown flags 0x%x",
                             b->flags);
    if ((unsigned)b->source > GT_SOURCE_IMPORT)
        return avp_error_set(err, AVP_EFORMAT, "unknown source %d",
                             (int)b->source);
    if (b->score < 0 || b->score > 1)
        return avp_error_set(err, AVP_EFORMAT, "score %g outside [0, 1]",
                             b->score);
    return AVP_OK;
}

int gt_add_box(gt_t *g, const gt_box_t *b, avp_error_t *err)
{
    int rc = check_box(g, b, err);
    if (rc < 0)
        return rc;
    if (g->nboxes == g->cap_boxes) {
        g->cap_boxes = g->cap_boxes ? 2 * g->cap_boxes : 64;
        g->boxes = avp_realloc(g->boxes, g->cap_boxes * sizeof(gt_box_t));
    }
    g->boxes[g->nboxes++] = *b;
    if (b->frame + 1 > g->num_frames)
        g->num_frames = b->frame + 1;
    return AVP_OK;
}

int gt_set_box(gt_t *g, size_t i, const gt_box_t *b, avp_error_t *err)
{
    if (i >= g->nboxes)
        return avp_error_set(err, AVP_EINVAL, "box %zu of %zu", i, g->nboxes);
    int rc = check_box(g, b, err);
    if (rc < 0)
        return rc;
    g->boxes[i] = *b;
    if (b->frame + 1 > g->num_frames)
        g->num_frames = b->frame + 1;
    return AVP_OK;
}

size_t gt_num_boxes(const gt_t *g) { return g->nboxes; }
const gt_box_t *gt_boxes(const gt_t *g) { return g->boxes; }

/* qsort is not stable, so the sort key ends with the input position, kept
 * in a side array of indices. */
typedef struct keyed {
    const gt_box_t *b;
    size_t pos;
} keyed_t;

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed_t *ka = pa, *kb = pb;
    const gt_box_t *a = ka->b, *b = kb->b;
    int c = CMP(a->frame, b->frame);
    if (!c) c = CMP(a->track_id, b->track_id);
    if (!c) c = CMP(a->label, b->label);
    if (!c) c = CMP(a->x, b->x);
    if (!c) c = CMP(a->y, b->y);
    return c ? c : CMP(ka->pos, kb->pos);
}

void gt_sort(gt_t *g)
{
    if (g->nboxes < 2)
        return;
    keyed_t *k = avp_malloc(g->nboxes * sizeof(keyed_t));
    gt_box_t *sorted = avp_malloc(g->cap_boxes * sizeof(gt_box_t));
    for (size_t i = 0; i < g->nboxes; i++)
        k[i] = (keyed_t){&g->boxes[i], i};
    qsort(k, g->nboxes, sizeof(keyed_t), cmp_keyed);
    for (size_t i = 0; i < g->nboxes; i++)
        sorted[i] = *k[i].b;
    avp_free(k);
    avp_free(g->boxes);
    g->boxes = sorted;
}

static int cmp_track_id(const void *pa, const void *pb)
{
    const gt_box_t *a = *(const gt_box_t *const *)pa;
    const gt_box_t *b = *(const gt_box_t *const *)pb;
    int c = CMP(a->track_id, b->track_id);
    if (!c) c = CMP(a->frame, b->frame);
    return c ? c : CMP(a, b);
}

void gt_tracks(const gt_t *g, gt_track_t **out, size_t *n)
{
    const gt_box_t **v = avp_malloc((g->nboxes + 1) * sizeof(*v));
    size_t m = 0, nt = 0;
    for (size_t i = 0; i < g->nboxes; i++)
        if (g->boxes[i].track_id >= 0)
            v[m++] = &g->boxes[i];
    qsort(v, m, sizeof(*v), cmp_track_id);
    gt_track_t *t = m ? avp_malloc(m * sizeof(gt_track_t)) : NULL;
    for (size_t i = 0; i < m; i++) {
        const gt_box_t *b = v[i];
        if (!nt || t[nt - 1].id != b->track_id)
            t[nt++] = (gt_track_t){b->track_id, b->label, b->frame, b->frame,
                                   b->t, b->t, 0};
        gt_track_t *cur = &t[nt - 1];
        cur->last_frame = b->frame;
        cur->last_t = b->t;
        cur->num_boxes++;
    }
    avp_free(v);
    *out = t;
    *n = nt;
}
