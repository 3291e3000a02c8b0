/* test_device.c - device sessions: matching rules on a hand-made session
 * (exact numbers), clocks, criteria, bootstrap intervals, the simulator. */
#include "check.h"
#include "eval/eval.h"

#include <string.h>

/* The project-style class map of eval.h (classmap.c), made in main(). */
static eval_class_map_t *map;

static eval_class_map_t *make_map(void)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "person", "pedestrian", "car",
                          "vehicle", "bicycle", "cyclist");
    eval_class_map_t *m = NULL;
    eval_class_map_create(j, &m, NULL);
    json_decref(j);
    return m;
}

static const device_target_t targets[] = {
    {"person", 1.0, 3.0, 1}, {"person", 2.0, 2.2, 2}, {"car", 5.0, 8.0, 3},
    {"bicycle", 6.0, 7.0, 4}, {"dog", 6.0, 9.0, 5},
    {"pedestrian", 10.0, 12.0, 6}};

/* E1 repeats an already matched person; E2 is in T1's window before it
 * leaves; E3 is too late for the car; E5 is unmapped; E7 beats E6 as the
 * earliest valid event for the bicycle. */
static const struct { const char *label; double t; } ev[] = {
    {"person", 1.12}, {"person", 1.2}, {"pedestrian", 2.17}, {"car", 5.6},
    {"car", 5.32}, {"dog", 6.0}, {"cyclist", 6.45}, {"cyclist", 6.4}};

static device_event_t *events(int epoch, double offset)
{
    device_event_t *e = calloc(AVP_ARRAY_LEN(ev), sizeof(*e));
    for (size_t i = 0; i < AVP_ARRAY_LEN(ev); i++)
        e[i] = (device_event_t){ev[i].label, 0.9, 0, {0}, ev[i].t + offset,
                                epoch ? DEVICE_CLOCK_EPOCH
                                      : DEVICE_CLOCK_VIDEO};
    return e;
}

static device_options_t options(void)
{
    device_options_t o;
    device_options_default(&o);
    o.map = map;
    return o;
}

/* tol: epoch seconds as doubles resolve ~0.2 us, video seconds far finer. */
static int check_session(const device_result_t *r, double tol)
{
    const device_stats_t *a = &r->overall, *c = r->classes;
    int ok = r->num_classes == 3 && !strcmp(c[0].label, "cyclist") &&
             !strcmp(c[1].label, "pedestrian") &&
             !strcmp(c[2].label, "vehicle");
    ok &= c[1].targets == 3 && c[1].events == 3 && c[1].tp == 2 &&
          c[1].fp == 1 && c[1].fn == 1;
    ok &= c[0].tp == 1 && c[0].fp == 1 && c[2].tp == 1 && c[2].fp == 1;
    ok &= a->targets == 5 && a->events == 7 && a->tp == 4 && a->fp == 3 &&
          a->fn == 1;
    ok &= fabs(a->precision - 4.0 / 7) < 1e-12 && fabs(a->recall - 0.8) <
          1e-12 && fabs(a->f1 - 2 * (4.0 / 7) * 0.8 / (4.0 / 7 + 0.8)) < 1e-12;
    /* Latencies 0.12, 0.17, 0.32, 0.4 (numpy percentiles); bins of 50 ms
     * from -0.5 s. */
    ok &= fabs(a->latency_median - 0.245) < tol &&
          fabs(a->latency_p90 - 0.376) < tol &&
          fabs(a->latency_p99 - 0.3976) < tol;
    ok &= a->latency_hist[12] == 1 && a->latency_hist[13] == 1 &&
          a->latency_hist[16] == 1 && a->latency_hist[18] == 1;
    int64_t sum = 0;
    for (int i = 0; i < DEVICE_HIST_BINS; i++)
        sum += a->latency_hist[i];
    ok &= sum == 4 && r->num_matches == 4 && r->matches[3].event == 7 &&
          r->target_ignored[4] && r->event_ignored[5] && !r->event_ignored[4];
    return ok;
}

static void test_device_hand_made_session(void)
{
    device_options_t o = options();
    device_event_t *e = events(0, 0);
    device_result_t *r = NULL;
    avp_error_t err = {0};
    CHECK(device_score(targets, 6, e, AVP_ARRAY_LEN(ev), &o, &r, &err) ==
          AVP_OK);
    int ok = check_session(r, 1e-9);
    device_result_destroy(r);
    free(e);
    CHECK(ok);
}

/* Without a map every class counts as itself and nothing is ignored. */
static void test_device_without_map_counts_every_class(void)
{
    device_options_t o;
    device_options_default(&o);
    device_event_t *e = events(0, 0);
    device_result_t *r = NULL;
    CHECK(device_score(targets, 6, e, AVP_ARRAY_LEN(ev), &o, &r, NULL) ==
          AVP_OK);
    static const char *const names[] = {"bicycle", "car", "cyclist", "dog",
                                        "pedestrian", "person"};
    int ok = r->num_classes == 6 && r->overall.targets == 6 &&
             r->overall.events == (int64_t)AVP_ARRAY_LEN(ev);
    for (int i = 0; ok && i < 6; i++)
        ok = !strcmp(r->classes[i].label, names[i]);
    /* The dog event at 6.0 s now finds the dog target (onset 6.0). */
    ok &= r->classes[3].tp == 1 && !r->target_ignored[4] &&
          !r->event_ignored[5];
    device_result_destroy(r);
    free(e);
    CHECK(ok);
}

/* The same events in device epoch time, playback started at epoch
 * 1.7e9 + 3 showing video second 2.5: identical numbers. */
static void test_device_epoch_clock(void)
{
    device_options_t o = options();
    o.has_sync = 1;
    o.epoch_zero = device_epoch_zero(1.7e9 + 3, 2.5);
    device_event_t *e = events(1, 1.7e9 + 0.5);
    device_result_t *r = NULL;
    avp_error_t err = {0};
    CHECK(device_score(targets, 6, e, AVP_ARRAY_LEN(ev), &o, &r, &err) ==
          AVP_OK);
    int ok = check_session(r, 1e-6);
    device_result_destroy(r);
    free(e);
    CHECK(ok);
}

static void test_device_rejects_mixed_clocks(void)
{
    device_options_t o = options();
    o.has_sync = 1;
    device_event_t *e = events(0, 0);
    e[3].clock = DEVICE_CLOCK_EPOCH;
    device_result_t *r = (device_result_t *)1;
    avp_error_t err = {0};
    CHECK(device_score(targets, 6, e, AVP_ARRAY_LEN(ev), &o, &r, &err) ==
          AVP_EINVAL);
    CHECK(r == NULL && strstr(err.msg, "events[3]: epoch clock after video"));
    for (size_t i = 0; i < AVP_ARRAY_LEN(ev); i++)
        e[i].clock = DEVICE_CLOCK_EPOCH;
    o.has_sync = 0;
    CHECK(device_score(targets, 6, e, AVP_ARRAY_LEN(ev), &o, &r, &err) ==
          AVP_EINVAL);
    free(e);
    CHECK(strstr(err.msg, "without a sync"));
}

static int passes(double min_p, double min_r, double max_lat, char *why)
{
    device_options_t o = options();
    o.min_precision = min_p, o.min_recall = min_r;
    o.max_median_latency = max_lat;
    device_event_t *e = events(0, 0);
    device_result_t *r = NULL;
    device_score(targets, 6, e, AVP_ARRAY_LEN(ev), &o, &r, NULL);
    int pass = r->pass;
    strcpy(why, r->fail_reason);
    device_result_destroy(r);
    free(e);
    return pass;
}

static void test_device_criteria(void)
{
    char why[256];
    CHECK(passes(-1, -1, -1, why) && !why[0]);
    CHECK(passes(0.57, 0.8, 0.25, why));
    CHECK(!passes(0.6, -1, -1, why) && strstr(why, "precision 0.5714"));
    CHECK(!passes(-1, 0.81, -1, why) && strstr(why, "recall 0.8000"));
    CHECK(!passes(-1, -1, 0.2, why) && strstr(why, "median latency 0.24"));
}

/* Simulated sessions: the intervals hold the point estimates and shrink
 * with 25x the targets; the simulator's latency shows in the median. */
static double ci_width(size_t n, double *median, int *contains)
{
    device_target_t *t = malloc(n * sizeof(*t));
    for (size_t i = 0; i < n; i++)
        t[i] = (device_target_t){i % 3 ? "person" : "car", 2.0 * (double)i,
                                 2.0 * (double)i + 1.5, (int64_t)i};
    device_sim_options_t s = {.latency = 0.12, .jitter = 0.03, .miss = 0.1,
                              .fp_rate = 0.1, .duration = 2.0 * (double)n,
                              .seed = 3};
    device_event_t *e;
    size_t ne;
    device_simulate(t, n, &s, &e, &ne);
    device_options_t o;
    device_options_default(&o);
    device_result_t *r = NULL;
    device_score(t, n, e, ne, &o, &r, NULL);
    const device_stats_t *a = &r->overall;
    *median = a->latency_median;
    *contains = a->precision_ci[0] <= a->precision &&
                a->precision <= a->precision_ci[1] &&
                a->recall_ci[0] <= a->recall && a->recall <= a->recall_ci[1] &&
                a->recall_ci[0] < a->recall_ci[1] &&
                fabs(a->recall - 0.9) < 0.1;
    double w = a->recall_ci[1] - a->recall_ci[0] +
               a->precision_ci[1] - a->precision_ci[0];
    device_result_destroy(r);
    avp_free(e);
    free(t);
    return w;
}

static void test_device_bootstrap_and_simulator(void)
{
    double m_small, m_big;
    int in_small, in_big;
    double w_small = ci_width(40, &m_small, &in_small);
    double w_big = ci_width(1000, &m_big, &in_big);
    CHECK(in_small && in_big);
    CHECK(w_big < w_small / 3);
    CHECK_NEAR(m_big, 0.12, 0.01);
    /* A device that misses everything sends nothing. */
    device_sim_options_t none = {.miss = 1, .duration = 10, .seed = 1};
    device_event_t *e = (device_event_t *)1;
    size_t ne = 9;
    device_simulate(targets, 6, &none, &e, &ne);
    CHECK(ne == 0);
    avp_free(e);
}

int main(void)
{
    map = make_map();
    RUN(test_device_hand_made_session);
    RUN(test_device_without_map_counts_every_class);
    RUN(test_device_epoch_clock);
    RUN(test_device_rejects_mixed_clocks);
    RUN(test_device_criteria);
    RUN(test_device_bootstrap_and_simulator);
    eval_class_map_destroy(map);
    return CHECK_DONE();
}
