/* device.c - scoring a device under test: the onsets of ground-truth
 * tracks are targets, the device's detection events are matched to them
 * (docs/METRICS.md, "Device sessions"), and the result is counts,
 * latencies, bootstrap intervals and pass/fail. Also the simulator that
 * plays such a device. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void device_options_default(device_options_t *o)
{
    *o = (device_options_t){.tolerance = 0.5, .min_precision = -1,
                            .min_recall = -1, .max_median_latency = -1,
                            .resamples = 2000, .seed = 1};
}

double device_epoch_zero(double start_epoch, double start_pos)
{
    return start_epoch - start_pos;
}

/* Video times of the events; one clock for all, converted with the sync. */
static int event_times(const device_event_t *ev, size_t n,
                       const device_options_t *o, double *t, avp_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (ev[i].clock != ev[0].clock)
            return avp_error_set(err, AVP_EINVAL, "events[%zu]: %s clock "
                                 "after %s clock events; a session uses one "
                                 "clock", i, ev[i].clock ? "epoch" : "video",
                                 ev[0].clock ? "epoch" : "video");
        if (!isfinite(ev[i].ts) || !ev[i].label)
            return avp_error_set(err, AVP_EINVAL, "events[%zu]: needs a label "
                                 "and a finite time", i);
        if (ev[i].clock == DEVICE_CLOCK_EPOCH && !o->has_sync)
            return avp_error_set(err, AVP_EINVAL, "events[%zu]: epoch time "
                                 "without a sync (playback start or offset)",
                                 i);
        t[i] = ev[i].clock == DEVICE_CLOCK_EPOCH ? ev[i].ts - o->epoch_zero
                                                 : ev[i].ts;
    }
    return AVP_OK;
}

static int check_inputs(const device_target_t *tg, size_t nt,
                        const device_options_t *o, avp_error_t *err)
{
    if (!(o->tolerance > 0 && isfinite(o->tolerance)) || o->resamples < 0)
        return avp_error_set(err, AVP_EINVAL, "tolerance must be > 0 and "
                             "resamples >= 0");
    for (size_t i = 0; i < nt; i++)
        if (!tg[i].label || !isfinite(tg[i].onset) || !isfinite(tg[i].end) ||
            tg[i].end < tg[i].onset)
            return avp_error_set(err, AVP_EINVAL, "targets[%zu]: needs a "
                                 "label and finite onset <= end", i);
    return AVP_OK;
}

/* Per-run scratch: mapped class index (-1 ignored) per target and event,
 * sort orders, event times, which event each target took. */
typedef struct session {
    const device_target_t *tg;
    size_t nt, ne;
    double *et;
    int *tcls, *ecls;
    size_t *torder, *eorder;
    long *t_event;   /* event index matched to target, -1 none */
    uint8_t *e_used;
    const char **classes;
    int nclasses;
} session_t;

static int class_index(session_t *s, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < s->nclasses; i++)
        if (!strcmp(s->classes[i], name))
            return i;
    s->classes[s->nclasses] = name;
    return s->nclasses++;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of the class label counts as, or -1 when the map ignores it. */
static int class_of(const session_t *s, const eval_class_map_t *map,
                    const char *label)
{
    const char *m = eval_class_map_apply(map, label);
    const char **hit = m ? bsearch(&m, s->classes, (size_t)s->nclasses,
                                   sizeof(char *), cmp_name) : NULL;
    return hit ? (int)(hit - s->classes) : -1;
}

/* Assigns class indices in name order, so results list classes sorted. */
static void classify(session_t *s, const device_target_t *tg,
                     const device_event_t *ev, const eval_class_map_t *map)
{
    for (size_t i = 0; i < s->nt; i++)
        class_index(s, eval_class_map_apply(map, tg[i].label));
    for (size_t i = 0; i < s->ne; i++)
        class_index(s, eval_class_map_apply(map, ev[i].label));
    qsort(s->classes, (size_t)s->nclasses, sizeof(char *), cmp_name);
    for (size_t i = 0; i < s->nt; i++)
        s->tcls[i] = class_of(s, map, tg[i].label);
    for (size_t i = 0; i < s->ne; i++)
        s->ecls[i] = class_of(s, map, ev[i].label);
}

static int cmp_by_key(const void *a, const void *b, void *keys)
{
    const double *k = keys;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (k[x] != k[y])
        return k[x] < k[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Targets in onset order each take the earliest free event of their class
 * in [onset - tolerance, min(onset + tolerance, end)]. */
static void match(session_t *s, double tol)
{
    double *onset = avp_malloc((s->nt + 1) * sizeof(double));
    for (size_t i = 0; i < s->nt; i++) {
        onset[i] = s->tg[i].onset;
        s->torder[i] = i;
        s->t_event[i] = -1;
    }
    for (size_t i = 0; i < s->ne; i++)
        s->eorder[i] = i;
    qsort_r(s->torder, s->nt, sizeof(size_t), cmp_by_key, onset);
    qsort_r(s->eorder, s->ne, sizeof(size_t), cmp_by_key, s->et);
    for (size_t k = 0; k < s->nt; k++) {
        size_t t = s->torder[k];
        if (s->tcls[t] < 0)
            continue;
        double lo = onset[t] - tol, hi = fmin(onset[t] + tol, s->tg[t].end);
        size_t a = 0, b = s->ne;
        while (a < b) { /* first event at or after lo */
            size_t mid = (a + b) / 2;
            if (s->et[s->eorder[mid]] < lo) a = mid + 1; else b = mid;
        }
        for (; a < s->ne && s->et[s->eorder[a]] <= hi; a++) {
            size_t e = s->eorder[a];
            if (!s->e_used[e] && s->ecls[e] == s->tcls[t]) {
                s->e_used[e] = 1;
                s->t_event[t] = (long)e;
                break;
            }
        }
    }
    avp_free(onset);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Ratios with eval_counts_t's conventions for the undefined cases. */
static void ratios(device_stats_t *st)
{
    st->precision = st->events ? (double)st->tp / (double)st->events : 0;
    st->recall = st->targets ? (double)st->tp / (double)st->targets : -1;
    double pr = st->precision + st->recall;
    st->f1 = st->recall < 0 ? -1 : pr > 0 ? 2 * st->precision * st->recall / pr
                                          : 0;
}

static void latency_stats(device_stats_t *st, double *lat, size_t n,
                          double tol)
{
    st->latency_median = st->latency_p90 = st->latency_p99 = -1;
    memset(st->latency_hist, 0, sizeof st->latency_hist);
    if (!n)
        return;
    qsort(lat, n, sizeof(double), cmp_double);
    st->latency_median = eval__percentile(lat, n, 0.5);
    st->latency_p90 = eval__percentile(lat, n, 0.9);
    st->latency_p99 = eval__percentile(lat, n, 0.99);
    for (size_t i = 0; i < n; i++) {
        double pos = (lat[i] + tol) / (2 * tol) * DEVICE_HIST_BINS;
        int bin = pos < 0 ? 0 : pos >= DEVICE_HIST_BINS ? DEVICE_HIST_BINS - 1
                                                        : (int)pos;
        st->latency_hist[bin]++;
    }
}

/* The numbers of class c, or of every class when c < 0. */
static void class_stats(const session_t *s, int c, const device_options_t *o,
                        device_stats_t *st)
{
    uint8_t *tout = avp_malloc(s->nt + 1), *eout = avp_malloc(s->ne + 1);
    double *lat = avp_malloc((s->nt + 1) * sizeof(double));
    size_t nt = 0, ne = 0, nl = 0;
    for (size_t i = 0; i < s->nt; i++)
        if (s->tcls[i] >= 0 && (c < 0 || s->tcls[i] == c)) {
            tout[nt++] = s->t_event[i] >= 0;
            if (s->t_event[i] >= 0)
                lat[nl++] = s->et[s->t_event[i]] - s->tg[i].onset;
        }
    for (size_t i = 0; i < s->ne; i++)
        if (s->ecls[i] >= 0 && (c < 0 || s->ecls[i] == c))
            eout[ne++] = s->e_used[i];
    st->label = c < 0 ? "all" : s->classes[c];
    st->targets = (int64_t)nt, st->events = (int64_t)ne;
    st->tp = (int64_t)nl;
    st->fp = st->events - st->tp, st->fn = st->targets - st->tp;
    ratios(st);
    latency_stats(st, lat, nl, o->tolerance);
    /* Distinct streams per class: the seed is mixed with the class. */
    uint64_t seed = o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)(c + 1);
    device_bootstrap_ci(eout, ne, o->resamples, seed, st->precision_ci);
    device_bootstrap_ci(tout, nt, o->resamples, seed ^ 0x5555, st->recall_ci);
    avp_free(tout);
    avp_free(eout);
    avp_free(lat);
}

static void judge(device_result_t *r, const device_options_t *o)
{
    const device_stats_t *a = &r->overall;
    r->pass = 1;
    r->fail_reason[0] = 0;
    if (o->min_precision >= 0 && a->precision < o->min_precision)
        snprintf(r->fail_reason, sizeof r->fail_reason,
                 "precision %.4f < %.4f", a->precision, o->min_precision);
    else if (o->min_recall >= 0 && a->recall < o->min_recall)
        snprintf(r->fail_reason, sizeof r->fail_reason, "recall %.4f < %.4f",
                 a->recall, o->min_recall);
    else if (o->max_median_latency >= 0 &&
             (a->latency_median < -o->tolerance || a->tp == 0 ||
              a->latency_median > o->max_median_latency))
        snprintf(r->fail_reason, sizeof r->fail_reason,
                 a->tp ? "median latency %.3f s > %.3f s"
                       : "no latency (no true positive), max %.3f s",
                 a->tp ? a->latency_median : o->max_median_latency,
                 o->max_median_latency);
    r->pass = !r->fail_reason[0];
}

static device_result_t *collect(session_t *s, const device_options_t *o)
{
    device_result_t *r = avp_calloc(1, sizeof(*r));
    r->num_classes = s->nclasses;
    r->classes = avp_calloc((size_t)s->nclasses + 1, sizeof(device_stats_t));
    for (int c = 0; c < s->nclasses; c++)
        class_stats(s, c, o, &r->classes[c]);
    class_stats(s, -1, o, &r->overall);
    r->matches = avp_malloc((s->nt + 1) * sizeof(device_match_t));
    r->target_ignored = avp_calloc(s->nt + 1, 1);
    r->event_ignored = avp_calloc(s->ne + 1, 1);
    for (size_t k = 0; k < s->nt; k++) {
        size_t t = s->torder[k];
        r->target_ignored[t] = s->tcls[t] < 0;
        if (s->t_event[t] >= 0)
            r->matches[r->num_matches++] = (device_match_t){
                t, (size_t)s->t_event[t],
                s->et[s->t_event[t]] - s->tg[t].onset};
    }
    for (size_t i = 0; i < s->ne; i++)
        r->event_ignored[i] = s->ecls[i] < 0;
    judge(r, o);
    return r;
}

int device_score(const device_target_t *targets, size_t num_targets,
                 const device_event_t *events, size_t num_events,
                 const device_options_t *o, device_result_t **out,
                 avp_error_t *err)
{
    device_options_t def;
    if (!o) {
        device_options_default(&def);
        o = &def;
    }
    *out = NULL;
    size_t nt = num_targets, ne = num_events;
    session_t s = {.tg = targets, .nt = nt, .ne = ne};
    s.et = avp_malloc((ne + 1) * sizeof(double));
    int rc = check_inputs(targets, nt, o, err);
    if (rc == AVP_OK)
        rc = event_times(events, ne, o, s.et, err);
    if (rc == AVP_OK) {
        s.tcls = avp_malloc((nt + 1) * sizeof(int));
        s.ecls = avp_malloc((ne + 1) * sizeof(int));
        s.torder = avp_malloc((nt + 1) * sizeof(size_t));
        s.eorder = avp_malloc((ne + 1) * sizeof(size_t));
        s.t_event = avp_malloc((nt + 1) * sizeof(long));
        s.e_used = avp_calloc(ne + 1, 1);
        s.classes = avp_malloc((nt + ne + 1) * sizeof(char *));
        classify(&s, targets, events, o->map);
        match(&s, o->tolerance);
        *out = collect(&s, o);
    }
    avp_free(s.et);
    avp_free(s.tcls);
    avp_free(s.ecls);
    avp_free(s.torder);
    avp_free(s.eorder);
    avp_free(s.t_event);
    avp_free(s.e_used);
    avp_free(s.classes);
    return rc;
}

void device_result_destroy(device_result_t *r)
{
    if (!r)
        return;
    avp_free(r->classes);
    avp_free(r->matches);
    avp_free(r->target_ignored);
    avp_free(r->event_ignored);
    avp_free(r);
}

void device_targets_from_gt(const gt_t *g, device_target_t **out, size_t *n)
{
    gt_track_t *t;
    gt_tracks(g, &t, n);
    double frame = gt_fps(g) > 0 ? 1.0 / gt_fps(g) : 0;
    *out = avp_malloc((*n + 1) * sizeof(device_target_t));
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (device_target_t){gt_label_name(g, t[i].label),
                                      t[i].first_t, t[i].last_t + frame,
                                      t[i].id};
    avp_free(t);
}

static void push(device_event_t **v, size_t *n, size_t *cap,
                 device_event_t e)
{
    if (*n == *cap)
        *v = avp_realloc(*v, (*cap = *cap ? 2 * *cap : 64) * sizeof(**v));
    (*v)[(*n)++] = e;
}

static int cmp_event(const void *a, const void *b)
{
    const device_event_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return strcmp(x->label, y->label);
}

void device_simulate(const device_target_t *targets, size_t n,
                     const device_sim_options_t *o, device_event_t **out,
                     size_t *num_out)
{
    device_rng_t rng;
    device_rng_seed(&rng, o->seed);
    device_event_t *v = NULL;
    size_t ne = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        double t = targets[i].onset + o->latency +
                   o->jitter * device_rng_normal(&rng);
        double conf = 0.5 + 0.5 * device_rng_uniform(&rng);
        if (device_rng_uniform(&rng) >= o->miss)
            push(&v, &ne, &cap, (device_event_t){targets[i].label, conf, 0,
                                                 {0}, t, DEVICE_CLOCK_VIDEO});
    }
    /* False positives: exponential gaps make a Poisson process. */
    for (double t = 0; n && o->fp_rate > 0;) {
        t += -log(1.0 - device_rng_uniform(&rng)) / o->fp_rate;
        if (t >= o->duration)
            break;
        size_t k = device_rng_next(&rng) % n;
        double conf = 0.3 + 0.4 * device_rng_uniform(&rng);
        push(&v, &ne, &cap, (device_event_t){targets[k].label, conf, 0, {0},
                                             t, DEVICE_CLOCK_VIDEO});
    }
    if (ne)
        qsort(v, ne, sizeof(device_event_t), cmp_event);
    *out = v;
    *num_out = ne;
}
