/* tide_fix.c - eval_tide(): TIDE's AP50 and what each error type costs,
 * as tidecv's fix_errors / fix_main_errors / fix_special_errors compute
 * it: the AP recomputed with every error of one type fixed, minus the
 * AP as it is. Fixing a Loc or Cls error turns the best-scored such error
 * on a ground-truth box into a true positive (in the ground truth's class
 * for Cls) and drops the others; fixing Dupe, Bkg or Both drops those
 * detections; fixing Miss removes the missed boxes from the ground truth.
 * FalsePos scores every true positive 1 and every false positive 0;
 * FalseNeg removes every unmatched ground-truth box. The main types'
 * dAPs are clamped at 0, as TIDE clamps them (binning effects).
 *
 * The AP is TIDE's, not COCO's: per class, points sorted by score,
 * precision made non-increasing, then the mean of the precision at the
 * first point reaching each recall 0, 0.01 .. 1 (np.searchsorted, left);
 * 0 for a class with no ground truth; the mean over the classes with
 * ground truth or detections. Score ties are broken by the records'
 * order (image, then score rank); tidecv's order among ties differs
 * between its fixed and unfixed lists, so with tied scores the two may
 * differ slightly. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define BASE (-1)

const char *const eval_tide_names[EVAL_TIDE_NUM] = {
    "Cls", "Loc", "Both", "Dupe", "Bkg", "Miss", "FalsePos", "FalseNeg"};

typedef struct pt {
    double score;
    uint32_t order;
    uint8_t tp;
} pt_t;

typedef struct tide_scratch {
    pt_t *pts;        /* the points of all classes, grouped by class */
    size_t *first;    /* per class: start in pts (ncats + 1) */
    double *prec;     /* one class's precisions */
} tide_scratch_t;

static int pt_cmp(const void *a, const void *b)
{
    const pt_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The point record r gives with `fix` fixed, or 0 when it is dropped. */
static int point(const eval__tide_det_t *r, int fix, int32_t *cls, pt_t *p)
{
    *cls = r->cls;
    p->score = r->score;
    p->tp = r->kind < 0;
    if (fix == EVAL_TIDE_FALSE_POS)
        p->score = p->tp ? 1 : 0;
    if (r->kind < 0 || r->kind != fix)
        return 1;
    if (r->fix_cls < 0)
        return 0;
    *cls = r->fix_cls;
    p->tp = 1;
    return 1;
}

/* TIDE's APDataObject.get_ap, as a fraction. */
static double class_ap(pt_t *p, size_t n, int64_t npos, double *prec)
{
    if (npos <= 0)
        return 0;
    qsort(p, n, sizeof(*p), pt_cmp);
    int64_t tp = 0;
    for (size_t i = 0; i < n; i++) {
        tp += p[i].tp;
        prec[i] = (double)tp / (double)(i + 1);
        p[i].score = (double)tp / (double)npos; /* the recall from here */
    }
    for (size_t i = n; i-- > 1;)
        if (prec[i] > prec[i - 1])
            prec[i - 1] = prec[i];
    double sum = 0;
    size_t k = 0;
    for (int bar = 0; bar <= 100; bar++) {
        double x = bar / 100.0;
        while (k < n && p[k].score < x)
            k++;
        sum += k < n ? prec[k] : 0;
    }
    return sum / 101.0;
}

/* mAP with `fix` fixed (BASE: none); ap[c] per class (0 when empty). */
static double variant(const eval__tide_t *t, int ncats, int fix,
                      tide_scratch_t *s, double *ap)
{
    int32_t cls;
    pt_t p;
    memset(s->first, 0, ((size_t)ncats + 2) * sizeof(size_t));
    for (size_t i = 0; i < t->n; i++)
        if (point(&t->dets[i], fix, &cls, &p))
            s->first[cls + 2]++;
    for (int c = 0; c < ncats; c++)
        s->first[c + 2] += s->first[c + 1];
    for (size_t i = 0; i < t->n; i++)
        if (point(&t->dets[i], fix, &cls, &p)) {
            p.order = (uint32_t)i;
            s->pts[s->first[cls + 1]++] = p;
        }
    double sum = 0;
    int nonempty = 0;
    for (int c = 0; c < ncats; c++) {
        int64_t npos = t->npos[c];
        if (fix == EVAL_TIDE_MISS)
            npos -= t->count[(size_t)c * EVAL_TIDE_NUM_MAIN + EVAL_TIDE_MISS];
        else if (fix == EVAL_TIDE_FALSE_NEG)
            npos -= t->fn[c];
        size_t n = s->first[c + 1] - s->first[c];
        ap[c] = class_ap(s->pts + s->first[c], n, npos, s->prec);
        if (n || npos) {
            sum += ap[c];
            nonempty++;
        }
    }
    return nonempty ? sum / nonempty : 0;
}

static eval_tide_result_t *result_create(const eval_data_t *d,
                                         const eval__tide_t *t)
{
    eval_tide_result_t *r = avp_calloc(1, sizeof(*r));
    r->pos_thr = 0.5;
    r->bg_thr = 0.1;
    r->max_dets = EVAL__MAX_DETS;
    r->num_classes = (int)d->ncats;
    r->classes = avp_calloc(d->ncats + 1, sizeof(*r->classes));
    for (size_t k = 0; k < d->ncats; k++) {
        eval_tide_class_t *c = &r->classes[k];
        c->category_id = d->cats[k].id;
        c->name = avp_strdup(d->cats[k].name);
        for (int e = 0; e < EVAL_TIDE_NUM_MAIN; e++) {
            c->count[e] = t->count[k * EVAL_TIDE_NUM_MAIN + e];
            r->count[e] += c->count[e];
        }
    }
    return r;
}

/* Every variant's mAP and per class AP, against the unfixed ones. */
static void fix_all(const eval__tide_t *t, eval_tide_result_t *r,
                    tide_scratch_t *s)
{
    int nc = r->num_classes;
    double *base = avp_calloc((size_t)nc + 1, sizeof(double));
    double *ap = avp_calloc((size_t)nc + 1, sizeof(double));
    r->ap = variant(t, nc, BASE, s, base);
    for (int c = 0; c < nc; c++)
        r->classes[c].ap = base[c];
    for (int e = 0; e < EVAL_TIDE_NUM; e++) {
        int clamp = e < EVAL_TIDE_NUM_MAIN;
        double m = variant(t, nc, e, s, ap) - r->ap;
        r->dap[e] = clamp && m < 0 ? 0 : m;
        for (int c = 0; c < nc; c++) {
            double dc = ap[c] - base[c];
            r->classes[c].dap[e] = clamp && dc < 0 ? 0 : dc;
        }
    }
    avp_free(base);
    avp_free(ap);
}

/* The errors as boxes (the gallery's), false positives then misses. */
static void collect_failures(const eval_data_t *d, const eval__tide_t *t,
                             eval_tide_result_t *r)
{
    r->failures = avp_malloc((t->n + t->nmiss + 1) * sizeof(*r->failures));
    for (size_t k = 0; k < t->n; k++) {
        const eval__tide_det_t *x = &t->dets[k];
        if (x->kind < 0)
            continue;
        eval_tide_failure_t *f = &r->failures[r->num_failures++];
        *f = (eval_tide_failure_t){.type = (eval_tide_error_t)x->kind,
                                   .has_det = 1, .det = d->det.v[x->det],
                                   .has_gt = x->gt >= 0, .iou = x->iou};
        if (x->gt >= 0)
            f->gt = d->gt.v[x->gt];
    }
    for (size_t k = 0; k < t->nmiss; k++)
        r->failures[r->num_failures++] = (eval_tide_failure_t){
            .type = EVAL_TIDE_MISS, .has_gt = 1, .gt = d->gt.v[t->miss[k]]};
}

int eval_tide(eval_data_t *d, eval_tide_result_t **out, avp_error_t *err)
{
    *out = NULL;
    int rc = eval__index(d, err);
    if (rc)
        return rc;
    size_t nc = d->ncats;
    eval__tide_t t = {
        .dets = avp_malloc((d->det.n + 1) * sizeof(eval__tide_det_t)),
        .npos = avp_calloc(nc + 1, sizeof(int64_t)),
        .fn = avp_calloc(nc + 1, sizeof(int64_t)),
        .count = avp_calloc((nc + 1) * EVAL_TIDE_NUM_MAIN, sizeof(int64_t)),
        .miss = avp_malloc((d->gt.n + 1) * sizeof(uint32_t))};
    eval__tide_collect(d, &t);
    tide_scratch_t s = {.pts = avp_malloc((t.n + 1) * sizeof(pt_t)),
                        .first = avp_malloc((nc + 2) * sizeof(size_t)),
                        .prec = avp_malloc((t.n + 1) * sizeof(double))};
    *out = result_create(d, &t);
    fix_all(&t, *out, &s);
    collect_failures(d, &t, *out);
    avp_free(s.pts), avp_free(s.first), avp_free(s.prec);
    avp_free(t.dets), avp_free(t.npos), avp_free(t.fn), avp_free(t.count);
    avp_free(t.miss);
    return AVP_OK;
}

void eval_tide_result_destroy(eval_tide_result_t *r)
{
    if (!r)
        return;
    for (int k = 0; k < r->num_classes; k++)
        avp_free(r->classes[k].name);
    avp_free(r->classes);
    avp_free(r->failures);
    avp_free(r);
}

static json_t *errors_json(const int64_t *count, const double *dap)
{
    json_t *o = json_object();
    for (int e = 0; e < EVAL_TIDE_NUM; e++)
        json_object_set_new(
            o, eval_tide_names[e],
            e < EVAL_TIDE_NUM_MAIN
                ? json_pack("{s:I, s:f}", "count", (json_int_t)count[e],
                            "dAP", dap[e])
                : json_pack("{s:f}", "dAP", dap[e]));
    return o;
}

json_t *eval_tide_json(const eval_tide_result_t *r)
{
    json_t *classes = json_array();
    for (int k = 0; k < r->num_classes; k++) {
        const eval_tide_class_t *c = &r->classes[k];
        json_array_append_new(
            classes, json_pack("{s:I, s:s, s:f, s:o}", "category_id",
                               (json_int_t)c->category_id, "name", c->name,
                               "AP50", c->ap, "errors",
                               errors_json(c->count, c->dap)));
    }
    return json_pack("{s:f, s:f, s:i, s:f, s:o, s:o}", "pos_thr", r->pos_thr,
                     "bg_thr", r->bg_thr, "max_dets", r->max_dets, "AP50",
                     r->ap, "errors", errors_json(r->count, r->dap),
                     "per_class", classes);
}
