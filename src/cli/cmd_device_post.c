/* cmd_device_post.c - a simulated device under test posting to a live
 * test session: the targets come from the server (GET .../targets, the
 * onsets it scores against), device_simulate() makes the events, and
 * they go out in batches, either at once or paced by their video time
 * (--realtime, --speed), in video seconds or, with --clock epoch, in the
 * device's epoch clock after a sync. The final results are the server's. */
#include "device_post.h"
#include "http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The message of an error reply, or fallback. */
static const char *message(json_t *reply, const char *fallback)
{
    const char *m = json_string_value(
        json_object_get(json_object_get(reply, "error"), "message"));
    return m ? m : fallback;
}

/* GET path into *out (200 only); prints the server's error otherwise. */
static int get_or_say(cli_http_t *h, const char *path, json_t **out)
{
    avp_error_t err;
    int st = cli_http_json(h, "GET", path, NULL, out, &err);
    if (st == 200 && *out)
        return 0;
    if (st < 0)
        fprintf(stderr, "avp device: %s\n", err.msg);
    else
        fprintf(stderr, "avp device: GET %s: %d %s\n", path, st,
                message(*out, ""));
    json_decref(*out);
    *out = NULL;
    return 1;
}

static int post_or_say(cli_http_t *h, const char *path, json_t *body)
{
    json_t *out;
    avp_error_t err;
    int st = cli_http_json(h, "POST", path, body, &out, &err);
    int ok = st >= 200 && st < 300;
    if (!ok)
        fprintf(stderr, "avp device: POST %s: %s\n", path,
                st < 0 ? err.msg : message(out, "failed"));
    json_decref(out);
    return !ok;
}

/* The session's targets (labels point into *keep) and video duration. */
static int load_targets(cli_http_t *h, int64_t id, json_t **keep,
                        device_target_t **tg, size_t *n, double *duration)
{
    char path[128];
    json_t *s, *v;
    snprintf(path, sizeof path, "/api/test-sessions/%" PRId64, id);
    if (get_or_say(h, path, &s))
        return 1;
    snprintf(path, sizeof path, "/api/videos/%" PRId64,
             (int64_t)json_integer_value(json_object_get(s, "video_id")));
    json_decref(s);
    if (get_or_say(h, path, &v))
        return 1;
    *duration = json_number_value(json_object_get(v, "duration"));
    json_decref(v);
    snprintf(path, sizeof path, "/api/test-sessions/%" PRId64 "/targets", id);
    if (get_or_say(h, path, keep))
        return 1;
    json_t *items = json_object_get(*keep, "items"), *t;
    size_t i;
    *n = json_array_size(items);
    *tg = avp_malloc((*n + 1) * sizeof(**tg));
    json_array_foreach(items, i, t) (*tg)[i] = (device_target_t){
        json_string_value(json_object_get(t, "class")),
        json_number_value(json_object_get(t, "onset")),
        json_number_value(json_object_get(t, "end")),
        json_integer_value(json_object_get(t, "track_id"))};
    return 0;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleeps until avp_now() reaches t. */
static void sleep_until(double t)
{
    double left = t - avp_now();
    if (left <= 0)
        return;
    struct timespec ts = {(time_t)left,
                          (long)((left - (double)(time_t)left) * 1e9)};
    nanosleep(&ts, NULL);
}

static json_t *event_json(const device_event_t *e, int epoch, double start)
{
    return json_pack("{s:s, s:f, s:f}", "class", e->label, "confidence",
                     e->confidence, epoch ? "device_time" : "t",
                     epoch ? start + e->ts : e->ts);
}

/* Posts ev in batches; with a speed, each event once its time has come
 * (video time / speed after the start), whatever is due together. */
static int post_events(cli_http_t *h, const device_post_t *p,
                       const device_event_t *ev, size_t n, double start)
{
    char path[128];
    snprintf(path, sizeof path, "/api/test-sessions/%" PRId64 "/events",
             p->session);
    double t0 = avp_now();
    for (size_t i = 0; i < n;) {
        if (p->speed > 0)
            sleep_until(t0 + (ev[i].ts > 0 ? ev[i].ts : 0) / p->speed);
        json_t *list = json_array();
        for (; i < n && json_array_size(list) < (size_t)p->batch &&
               (p->speed <= 0 || t0 + ev[i].ts / p->speed <= avp_now());
             i++)
            json_array_append_new(list, event_json(&ev[i], p->epoch, start));
        json_t *body = json_pack("{s:o}", "events", list);
        int bad = post_or_say(h, path, body);
        json_decref(body);
        if (bad)
            return 1;
    }
    return 0;
}

static void print_results(json_t *r, int as_json)
{
    if (as_json) {
        json_dumpf(r, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
        putchar('\n');
        return;
    }
    json_t *lat = json_object_get(r, "latency_ms"), *pass;
    pass = json_object_get(r, "pass");
    printf("targets %lld  events %lld  TP %lld  FP %lld  FN %lld\n"
           "precision %.3f  recall %.3f  F1 %.3f  median latency %.0f ms\n%s\n",
           (long long)json_integer_value(json_object_get(r, "targets")),
           (long long)json_integer_value(json_object_get(r, "events")),
           (long long)json_integer_value(json_object_get(r, "tp")),
           (long long)json_integer_value(json_object_get(r, "fp")),
           (long long)json_integer_value(json_object_get(r, "fn")),
           json_number_value(json_object_get(r, "precision")),
           json_number_value(json_object_get(r, "recall")),
           json_number_value(json_object_get(r, "f1")),
           json_number_value(json_object_get(lat, "median")),
           json_is_null(pass) ? "no criteria" : json_is_true(pass) ? "PASS"
           : json_string_value(json_object_get(r, "fail_reason")));
}

int device_post_run(const device_post_t *p)
{
    cli_http_t *h = cli_http_create(p->server, p->api_key);
    json_t *keep = NULL, *res = NULL;
    device_target_t *tg = NULL;
    device_event_t *ev = NULL;
    size_t nt = 0, ne = 0;
    device_sim_options_t sim = p->sim;
    char path[128];
    int rc = load_targets(h, p->session, &keep, &tg, &nt, &sim.duration);
    for (size_t i = 0; !rc && i < nt; i++)
        if (tg[i].end > sim.duration)
            sim.duration = tg[i].end;
    if (!rc)
        device_simulate(tg, nt, &sim, &ev, &ne);
    /* The device's clock showed `start` when the video began. */
    double start = wall_now();
    json_t *sync = json_pack("{s:f, s:f}", "device_time", start, "video_time",
                             0.0);
    snprintf(path, sizeof path, "/api/test-sessions/%" PRId64 "/sync",
             p->session);
    if (!rc && p->epoch)
        rc = post_or_say(h, path, sync);
    if (!rc)
        rc = post_events(h, p, ev, ne, start);
    snprintf(path, sizeof path, "/api/test-sessions/%" PRId64 "/results",
             p->session);
    if (!rc)
        rc = get_or_say(h, path, &res);
    if (!rc) {
        fprintf(stderr, "avp device: %zu targets -> %zu events posted\n", nt,
                ne);
        print_results(res, p->as_json);
    }
    json_decref(sync);
    json_decref(res);
    json_decref(keep);
    avp_free(ev);
    avp_free(tg);
    cli_http_destroy(h);
    return rc;
}
