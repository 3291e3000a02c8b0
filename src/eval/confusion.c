/* confusion.c - the confusion matrix with background. Per image, all
 * classes together: the ground truth that is neither crowd nor ignored,
 * and the kept detections (the 100 best per image and class, as COCO)
 * scoring at least the operating threshold. Every (ground truth,
 * detection) pair with IoU >= cm_iou is a candidate; candidates are taken
 * greedily by descending IoU (ties: ground truth, then detection in index
 * order), each box at most once. A taken pair counts at [gt class]
 * [detected class]; a ground truth left over at [gt class][background]
 * (missed); a detection left over at [background][detected class] (false
 * alarm) unless it lies on a crowd region (crowd IoU >= cm_iou) or an
 * ignored box (IoU >= cm_iou) of its own class, which COCO ignores too. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct pair {
    double iou;
    uint32_t g, t;
} pair_t;

static int cmp_pair(const void *pa, const void *pb)
{
    const pair_t *a = pa, *b = pb;
    if (a->iou != b->iou)
        return a->iou > b->iou ? -1 : 1;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

typedef struct cm_ctx {
    const eval_data_t *d;
    const eval__matches_t *m;
    eval_result_t *r;
    uint32_t *img_cells; /* cells grouped by image */
    uint32_t *img_first; /* image i: img_cells[img_first[i] .. [i+1]) */
    int ntasks;
} cm_ctx_t;

typedef struct cm_scratch {
    uint32_t *gt, *det;   /* box indices */
    int32_t *gcls, *dcls;
    uint8_t *gused, *dused;
    pair_t *pairs;
    size_t cap_gt, cap_det, cap_used, cap_pairs;
} cm_scratch_t;

static void fit(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need > *cap) {
        *cap = need * 2;
        *p = avp_realloc(*p, *cap * elem);
    }
}

static void cm_add(const cm_ctx_t *c, int32_t row, int32_t col)
{
    size_t w = (size_t)c->r->num_classes + 1;
    __atomic_fetch_add(&c->r->confusion[(size_t)row * w + (size_t)col], 1,
                       __ATOMIC_RELAXED);
}

/* Grows a box array and its class array together. */
static void fit_boxes(uint32_t **box, int32_t **cls, size_t *cap, size_t need)
{
    if (need > *cap) {
        *cap = need * 2;
        *box = avp_realloc(*box, *cap * sizeof(uint32_t));
        *cls = avp_realloc(*cls, *cap * sizeof(int32_t));
    }
}

/* Collects the image's ground truth (not crowd) and detections. */
static void gather(const cm_ctx_t *c, cm_scratch_t *s, uint32_t img,
                   size_t *ng, size_t *nd)
{
    const eval_data_t *d = c->d;
    *ng = *nd = 0;
    for (uint32_t j = c->img_first[img]; j < c->img_first[img + 1]; j++) {
        const eval__cell_t *cell = &d->cells[c->img_cells[j]];
        fit_boxes(&s->gt, &s->gcls, &s->cap_gt, *ng + cell->ngt);
        fit_boxes(&s->det, &s->dcls, &s->cap_det, *nd + cell->nkept);
        for (uint32_t g = 0; g < cell->ngt; g++) {
            uint32_t box = d->gt.order[cell->gt0 + g];
            if (!d->gt.v[box].iscrowd && !d->gt.v[box].ignore) {
                s->gcls[*ng] = cell->cat;
                s->gt[(*ng)++] = box;
            }
        }
        for (uint32_t k = 0; k < cell->nkept; k++) {
            uint32_t box = c->m->det[cell->kept0 + k];
            if (d->det.v[box].score >= c->r->score_thr) {
                s->dcls[*nd] = cell->cat;
                s->det[(*nd)++] = box;
            }
        }
    }
}

/* True if detection box lies on a crowd region or an ignored box of its
 * class. */
static int on_ignored(const cm_ctx_t *c, uint32_t img, uint32_t box,
                    int32_t cls)
{
    const eval_data_t *d = c->d;
    for (uint32_t j = c->img_first[img]; j < c->img_first[img + 1]; j++) {
        const eval__cell_t *cell = &d->cells[c->img_cells[j]];
        if (cell->cat != cls)
            continue;
        for (uint32_t g = 0; g < cell->ngt; g++) {
            const eval_box_t *gb = &d->gt.v[d->gt.order[cell->gt0 + g]];
            if ((gb->iscrowd || gb->ignore) &&
                eval__iou(&d->det.v[box], gb, gb->iscrowd) >= c->r->cm_iou)
                return 1;
        }
    }
    return 0;
}

static void image_matrix(const cm_ctx_t *c, cm_scratch_t *s, uint32_t img)
{
    const eval_data_t *d = c->d;
    size_t ng, nd, np = 0;
    gather(c, s, img, &ng, &nd);
    fit((void **)&s->gused, &s->cap_used, ng + nd + 1, 1);
    s->dused = s->gused + ng;
    memset(s->gused, 0, ng + nd);
    for (size_t g = 0; g < ng; g++)
        for (size_t t = 0; t < nd; t++) {
            double v = eval__iou(&d->det.v[s->det[t]], &d->gt.v[s->gt[g]], 0);
            if (v < c->r->cm_iou)
                continue;
            fit((void **)&s->pairs, &s->cap_pairs, np + 1, sizeof(pair_t));
            s->pairs[np++] = (pair_t){v, (uint32_t)g, (uint32_t)t};
        }
    if (np > 1)
        qsort(s->pairs, np, sizeof(pair_t), cmp_pair);
    for (size_t p = 0; p < np; p++) {
        pair_t *q = &s->pairs[p];
        if (s->gused[q->g] || s->dused[q->t])
            continue;
        s->gused[q->g] = s->dused[q->t] = 1;
        cm_add(c, s->gcls[q->g], s->dcls[q->t]);
    }
    int32_t bg = c->r->num_classes;
    for (size_t g = 0; g < ng; g++)
        if (!s->gused[g])
            cm_add(c, s->gcls[g], bg);
    for (size_t t = 0; t < nd; t++)
        if (!s->dused[t] && !on_ignored(c, img, s->det[t], s->dcls[t]))
            cm_add(c, bg, s->dcls[t]);
}

static void cm_task(void *ctx, int task)
{
    cm_ctx_t *c = ctx;
    size_t n = c->d->nimages;
    uint32_t lo = (uint32_t)(n * (size_t)task / (size_t)c->ntasks);
    uint32_t hi = (uint32_t)(n * (size_t)(task + 1) / (size_t)c->ntasks);
    cm_scratch_t s = {0};
    for (uint32_t img = lo; img < hi; img++)
        image_matrix(c, &s, img);
    avp_free(s.gt);
    avp_free(s.det);
    avp_free(s.gcls);
    avp_free(s.dcls);
    avp_free(s.gused);
    avp_free(s.pairs);
}

/* Groups the cells by image with a counting sort. */
static void group_by_image(cm_ctx_t *c)
{
    const eval_data_t *d = c->d;
    c->img_first = avp_calloc(d->nimages + 2, sizeof(uint32_t));
    c->img_cells = avp_malloc((d->ncells + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < d->ncells; i++)
        c->img_first[d->cells[i].img + 2]++;
    for (size_t i = 0; i < d->nimages; i++)
        c->img_first[i + 2] += c->img_first[i + 1];
    for (size_t i = 0; i < d->ncells; i++)
        c->img_cells[c->img_first[d->cells[i].img + 1]++] = (uint32_t)i;
}

int eval__confusion(const eval_data_t *d, const eval__matches_t *m,
                    tpool_t *tp, eval_result_t *r)
{
    size_t w = (size_t)r->num_classes + 1;
    r->confusion = avp_calloc(w * w, sizeof(int64_t));
    cm_ctx_t c = {d, m, r, NULL, NULL, 1};
    group_by_image(&c);
    int threads = tpool_threads(tp);
    if (threads > 1)
        c.ntasks = threads * 16;
    if ((size_t)c.ntasks > d->nimages)
        c.ntasks = (int)d->nimages;
    tpool_run(tp, c.ntasks, cm_task, &c);
    avp_free(c.img_cells);
    avp_free(c.img_first);
    return AVP_OK;
}

json_t *eval_json_reals(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

json_t *eval_confusion_json(const eval_result_t *r, const char *rows_key)
{
    json_t *labels = json_array(), *rows = json_array();
    int w = r->num_classes + 1;
    for (int k = 0; k < w; k++) {
        json_array_append_new(labels, json_string(
            k < r->num_classes ? r->classes[k].name : "background"));
        json_t *row = json_array();
        for (int j = 0; j < w; j++)
            json_array_append_new(
                row, json_integer(r->confusion[(size_t)k * w + j]));
        json_array_append_new(rows, row);
    }
    return json_pack("{s:o, s:o, s:f}", "labels", labels, rows_key, rows,
                     "iou", r->cm_iou);
}
