/* cmd_device.c - `avp device`: simulate a device under test from ground
 * truth, and score a device's events offline (the protocol of test
 * sessions, docs/METRICS.md). */
#include "cli.h"
#include "device_post.h"
#include "eval/eval.h"
#include "gt/gt.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: avp device simulate --gt GT.json [--latency 120ms]\n"
    "                  [--jitter 30ms] [--miss 5%] [--fp-rate 0.1/s]\n"
    "                  [--seed 1] [--epoch START] [-o EVENTS.jsonl]\n"
    "       avp device simulate --session ID [--server URL] [--api-key K]\n"
    "                  [--latency ...] [--clock video|epoch]\n"
    "                  [--realtime | --speed X] [--batch 100] [--json]\n"
    "       avp device score --gt GT.json --events EVENTS.jsonl\n"
    "                  [--tolerance 500ms] [--epoch-zero E |\n"
    "                  --playback-start E [--start-pos S]]\n"
    "                  [--map person=pedestrian,...]\n"
    "                  [--min-precision P] [--min-recall R]\n"
    "                  [--max-median-latency 300ms] [--resamples 2000]\n"
    "                  [--seed 1] [--json]\n"
    "GT.json is AVP ground-truth JSON (avp gt track, avp gt convert --to\n"
    "avp); each track's onset is a target. simulate writes one event per\n"
    "line: {\"class\", \"confidence\", \"t\"} in video seconds, or\n"
    "{\"class\", \"confidence\", \"epoch\"} with --epoch START (the device\n"
    "clock when the video started). score exits 1 when a criterion fails.\n"
    "--map FROM=TO,... counts targets and events of class FROM as TO, as a\n"
    "project's class map does: with a map, classes that are neither a FROM\n"
    "nor a TO are ignored; a chain (a=b,b=c) is refused (exit 2).\n"
    "With --session, simulate reads the session's targets from the server\n"
    "(--server, or AVP_URL, or http://127.0.0.1:AVP_PORT: `avp up`'s)\n"
    "(API key from --api-key or AVP_API_KEY), posts the events (in device\n"
    "epoch time after a sync with --clock epoch), paced by their video\n"
    "time with --realtime or --speed X, and prints the server's results.\n";

typedef struct dev_cmd {
    const char *gt, *events, *out, *map;
    device_post_t post; /* --session: its sim is the one below */
    device_sim_options_t sim;
    device_options_t opt;
    double epoch, playback_start, start_pos;
    int has_epoch, has_start, as_json;
    char local_server[64]; /* the default --server */
} dev_cmd_t;

/* The server of `avp up` on this machine, as the other commands find it:
 * AVP_URL, else loopback at AVP_PORT (8080). */
static const char *default_server(dev_cmd_t *c)
{
    const char *url = getenv("AVP_URL"), *port = getenv("AVP_PORT");
    if (url && *url)
        return url;
    snprintf(c->local_server, sizeof c->local_server, "http://127.0.0.1:%.5s",
             port && *port ? port : "8080");
    return c->local_server;
}

/* "120ms", "0.12s" or "0.12" (seconds); "5%" or "0.05"; "0.1/s". */
static int parse_unit(const char *s, double min, double max, double *out)
{
    char buf[64];
    size_t n = strlen(s);
    double scale = 1;
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    if (n > 2 && !strcmp(buf + n - 2, "ms"))
        buf[n - 2] = 0, scale = 1e-3;
    else if (n > 2 && !strcmp(buf + n - 2, "/s"))
        buf[n - 2] = 0;
    else if (n > 1 && (buf[n - 1] == 's' || buf[n - 1] == '%'))
        scale = buf[n - 1] == '%' ? 1e-2 : 1, buf[n - 1] = 0;
    if (cli_parse_float(buf, -1e300, 1e300, out))
        return -1;
    *out *= scale;
    return *out < min || *out > max ? -1 : 0;
}

/* Option codes past the characters: every option is long only, but -o. */
enum {
    /* the options with units, in the order of units[] */
    OPT_LATENCY = 256, OPT_JITTER, OPT_MISS, OPT_FP_RATE, OPT_TOLERANCE,
    OPT_MIN_PRECISION, OPT_MIN_RECALL, OPT_MAX_MEDIAN_LATENCY, OPT_EPOCH,
    OPT_EPOCH_ZERO, OPT_PLAYBACK_START, OPT_START_POS,
    OPT_SEED, OPT_RESAMPLES, OPT_GT, OPT_EVENTS, OPT_MAP, OPT_SESSION,
    OPT_SERVER, OPT_API_KEY, OPT_SPEED, OPT_BATCH, OPT_CLOCK, OPT_JSON,
    OPT_REALTIME
};

static const struct option longopts[] = {
    {"latency", required_argument, 0, OPT_LATENCY},
    {"jitter", required_argument, 0, OPT_JITTER},
    {"miss", required_argument, 0, OPT_MISS},
    {"fp-rate", required_argument, 0, OPT_FP_RATE},
    {"tolerance", required_argument, 0, OPT_TOLERANCE},
    {"min-precision", required_argument, 0, OPT_MIN_PRECISION},
    {"min-recall", required_argument, 0, OPT_MIN_RECALL},
    {"max-median-latency", required_argument, 0, OPT_MAX_MEDIAN_LATENCY},
    {"epoch", required_argument, 0, OPT_EPOCH},
    {"epoch-zero", required_argument, 0, OPT_EPOCH_ZERO},
    {"playback-start", required_argument, 0, OPT_PLAYBACK_START},
    {"start-pos", required_argument, 0, OPT_START_POS},
    {"seed", required_argument, 0, OPT_SEED},
    {"resamples", required_argument, 0, OPT_RESAMPLES},
    {"gt", required_argument, 0, OPT_GT},
    {"events", required_argument, 0, OPT_EVENTS},
    {"map", required_argument, 0, OPT_MAP},
    {"session", required_argument, 0, OPT_SESSION},
    {"server", required_argument, 0, OPT_SERVER},
    {"api-key", required_argument, 0, OPT_API_KEY},
    {"speed", required_argument, 0, OPT_SPEED},
    {"batch", required_argument, 0, OPT_BATCH},
    {"clock", required_argument, 0, OPT_CLOCK},
    {"json", no_argument, 0, OPT_JSON},
    {"realtime", no_argument, 0, OPT_REALTIME},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* An option with a unit (parse_unit), into the double at its offset. */
static int unit_option(dev_cmd_t *c, int opt, const char *val)
{
    static const struct {
        size_t off;
        double lo, hi;
    } units[] = {
        {offsetof(dev_cmd_t, sim.latency), -60, 60},
        {offsetof(dev_cmd_t, sim.jitter), 0, 60},
        {offsetof(dev_cmd_t, sim.miss), 0, 1},
        {offsetof(dev_cmd_t, sim.fp_rate), 0, 1000},
        {offsetof(dev_cmd_t, opt.tolerance), 1e-6, 3600},
        {offsetof(dev_cmd_t, opt.min_precision), 0, 1},
        {offsetof(dev_cmd_t, opt.min_recall), 0, 1},
        {offsetof(dev_cmd_t, opt.max_median_latency), 0, 3600},
        {offsetof(dev_cmd_t, epoch), -1e12, 1e12},
        {offsetof(dev_cmd_t, opt.epoch_zero), -1e12, 1e12},
        {offsetof(dev_cmd_t, playback_start), -1e12, 1e12},
        {offsetof(dev_cmd_t, start_pos), 0, 1e9}};
    size_t i = (size_t)(opt - OPT_LATENCY);
    c->has_epoch |= opt == OPT_EPOCH;
    c->opt.has_sync |= opt == OPT_EPOCH_ZERO;
    c->has_start |= opt == OPT_PLAYBACK_START;
    return parse_unit(val, units[i].lo, units[i].hi,
                      (double *)((char *)c + units[i].off));
}

/* One option and its value; 0, or -1 for a bad value. */
static int option(dev_cmd_t *c, int opt, const char *val)
{
    long n;
    if (opt >= OPT_LATENCY && opt <= OPT_START_POS)
        return unit_option(c, opt, val);
    switch (opt) {
    case OPT_SEED:
        if (cli_parse_int(val, 0, LONG_MAX, &n)) return -1;
        c->sim.seed = c->opt.seed = (uint64_t)n; return 0;
    case OPT_RESAMPLES:
        if (cli_parse_int(val, 0, 1000000, &n)) return -1;
        c->opt.resamples = (int)n; return 0;
    case OPT_SESSION:
        if (cli_parse_int(val, 1, LONG_MAX, &n)) return -1;
        c->post.session = n; return 0;
    case OPT_BATCH:
        if (cli_parse_int(val, 1, 10000, &n)) return -1;
        c->post.batch = (int)n; return 0;
    case OPT_SPEED: return cli_parse_float(val, 1e-3, 1e3, &c->post.speed);
    case OPT_CLOCK:
        if (strcmp(val, "video") && strcmp(val, "epoch")) return -1;
        c->post.epoch = !strcmp(val, "epoch"); return 0;
    case OPT_GT: c->gt = val; return 0;
    case OPT_EVENTS: c->events = val; return 0;
    case 'o': c->out = val; return 0;
    case OPT_MAP: c->map = val; return 0;
    case OPT_SERVER: c->post.server = val; return 0;
    case OPT_API_KEY: c->post.api_key = val; return 0;
    case OPT_JSON: c->as_json = 1; return 0;
    case OPT_REALTIME: c->post.speed = 1; return 0;
    default: return -1;
    }
}

/* Returns 0, -1 after --help, or 2 after a usage error. */
static int parse_args(dev_cmd_t *c, int argc, char **argv)
{
    device_options_default(&c->opt);
    c->sim = (device_sim_options_t){.latency = 0.12, .jitter = 0.03,
                                    .miss = 0.05, .fp_rate = 0.1, .seed = 1};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage, stdout); /* avp device score -h */
            return -1;
        }
        if (opt == '?' || opt == ':')
            return cli_bad_option("device", opt, argv, usage);
        if (option(c, opt, optarg) < 0)
            return cli_bad_value("device", longopts, opt, optarg);
    }
    if (optind != argc)
        return cli_bad_argument("device", argv[optind], usage);
    if (!c->gt == !c->post.session) {
        fprintf(stderr, "avp device: --gt or --session is required\n%s",
                usage);
        return 2;
    }
    if (c->post.session && !c->post.server)
        c->post.server = default_server(c);
    if (c->has_start) {
        c->opt.has_sync = 1;
        c->opt.epoch_zero = device_epoch_zero(c->playback_start,
                                              c->start_pos);
    }
    return 0;
}

typedef struct session {
    gt_t *gt;
    device_target_t *targets;
    size_t num_targets;
    device_event_t *events;
    size_t num_events;
    eval_class_map_t *map; /* the results' labels may point into it */
} session_t;

static void session_fini(session_t *s)
{
    for (size_t i = 0; i < s->num_events; i++)
        avp_free((char *)s->events[i].label);
    avp_free(s->events);
    avp_free(s->targets);
    eval_class_map_destroy(s->map);
    gt_destroy(s->gt);
}

static int load_gt(session_t *s, const char *path)
{
    avp_error_t err = {0};
    if (gt_import(GT_FORMAT_AVP, path, NULL, &s->gt, &err) < 0) {
        fprintf(stderr, "avp device: %s\n", err.msg);
        return 1;
    }
    device_targets_from_gt(s->gt, &s->targets, &s->num_targets);
    return 0;
}

/* A device posting to a live session of a server. */
static int simulate_online(dev_cmd_t *c)
{
    device_post_t p = c->post;
    p.sim = c->sim;
    p.as_json = c->as_json;
    p.batch = p.batch ? p.batch : 100;
    if (!p.api_key)
        p.api_key = getenv("AVP_API_KEY");
    return device_post_run(&p);
}

static int simulate(dev_cmd_t *c, session_t *s)
{
    if (c->post.session)
        return simulate_online(c);
    if (load_gt(s, c->gt))
        return 1;
    c->sim.duration = gt_fps(s->gt) > 0
        ? (double)gt_num_frames(s->gt) / gt_fps(s->gt) : 0;
    for (size_t i = 0; i < s->num_targets; i++)
        if (s->targets[i].end > c->sim.duration)
            c->sim.duration = s->targets[i].end;
    device_event_t *ev;
    size_t n;
    device_simulate(s->targets, s->num_targets, &c->sim, &ev, &n);
    FILE *f = c->out ? fopen(c->out, "w") : stdout;
    if (!f) {
        avp_free(ev);
        fprintf(stderr, "avp device: cannot write %s\n", c->out);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "{\"class\": \"%s\", \"confidence\": %.4f, \"%s\": "
                "%.6f}\n", ev[i].label, ev[i].confidence,
                c->has_epoch ? "epoch" : "t",
                ev[i].ts + (c->has_epoch ? c->epoch : 0));
    int bad = c->out ? fclose(f) != 0 : fflush(f) != 0;
    fprintf(stderr, "avp device: %zu targets -> %zu events\n",
            s->num_targets, n);
    avp_free(ev);
    return bad;
}

/* One event line: class, optional confidence and box, and exactly one of
 * t (video seconds) or epoch (device clock). */
static int event_line(json_t *o, device_event_t *e, avp_error_t *err)
{
    json_t *cls = json_object_get(o, "class"), *t = json_object_get(o, "t");
    json_t *ep = json_object_get(o, "epoch"), *box = json_object_get(o, "box");
    json_t *conf = json_object_get(o, "confidence");
    if (!json_is_string(cls))
        return avp_error_set(err, AVP_EFORMAT, "class: expected a string");
    if (!!json_is_number(t) + !!json_is_number(ep) != 1 || (t && ep))
        return avp_error_set(err, AVP_EFORMAT, "needs one number t (video "
                             "seconds) or epoch (device clock)");
    if ((conf && !json_is_number(conf)) ||
        (box && (!json_is_array(box) || json_array_size(box) != 4)))
        return avp_error_set(err, AVP_EFORMAT, "confidence must be a number "
                             "and box 4 numbers");
    *e = (device_event_t){NULL, conf ? json_number_value(conf) : 1,
                          box != NULL, {0}, json_number_value(t ? t : ep),
                          t ? DEVICE_CLOCK_VIDEO : DEVICE_CLOCK_EPOCH};
    for (size_t k = 0; box && k < 4; k++) {
        if (!json_is_number(json_array_get(box, k)))
            return avp_error_set(err, AVP_EFORMAT, "box: expected 4 numbers");
        e->box[k] = json_number_value(json_array_get(box, k));
    }
    e->label = avp_strdup(json_string_value(cls));
    return AVP_OK;
}

static int load_events(session_t *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "avp device: cannot open %s\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, line_no = 0;
    int rc = AVP_OK;
    avp_error_t err = {0};
    while (rc == AVP_OK && getline(&line, &cap, f) > 0) {
        line_no++;
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        s->events = avp_realloc(s->events, (n + 1) * sizeof(device_event_t));
        rc = o ? event_line(o, &s->events[n], &err)
               : avp_error_set(&err, AVP_EFORMAT, "%s", je.text);
        n += rc == AVP_OK;
        s->num_events = n;
        json_decref(o);
    }
    free(line);
    fclose(f);
    if (rc < 0)
        fprintf(stderr, "avp device: %s:%zu: %s\n", path, line_no, err.msg);
    return rc < 0;
}

/* One FROM=TO of --map into obj; 0 or 2 (usage) after saying why. */
static int map_entry(json_t *obj, char *tok)
{
    char *eq = strchr(tok, '=');
    if (!eq || eq == tok || !eq[1]) {
        fprintf(stderr, "avp device score: --map entry '%s' is not FROM=TO\n",
                tok);
        return 2;
    }
    *eq = 0;
    const char *to = eq + 1;
    json_t *old = json_object_get(obj, tok);
    if (old && strcmp(json_string_value(old), to)) {
        fprintf(stderr, "avp device score: --map maps '%s' twice, to '%s' "
                "and to '%s'\n", tok, json_string_value(old), to);
        return 2;
    }
    json_t *v = json_string(to);
    if (!v || json_object_set_new(obj, tok, v) < 0) {
        fprintf(stderr, "avp device score: --map entry '%s=%s': class names "
                "must be UTF-8\n", tok, to);
        return 2;
    }
    return 0;
}

/* "person=pedestrian,bicycle=cyclist" -> the class map of eval.h, so that
 * the CLI refuses what the API refuses (chains such as a=b,b=c, whose
 * meaning is ambiguous, and over-long names). */
static int parse_map(session_t *s, const char *text, device_options_t *o)
{
    char *copy = avp_strdup(text);
    json_t *obj = json_object();
    int rc = 0;
    for (char *save, *tok = strtok_r(copy, ",", &save); tok && !rc;
         tok = strtok_r(NULL, ",", &save))
        rc = map_entry(obj, tok);
    avp_error_t err = {0};
    if (!rc && eval_class_map_create(obj, &s->map, &err) < 0) {
        fprintf(stderr, "avp device score: --map: %s\n", err.msg);
        rc = 2;
    }
    o->map = s->map;
    json_decref(obj);
    avp_free(copy);
    return rc;
}

static void print_row(const device_stats_t *s)
{
    printf("%-14s %7lld %7lld %6lld %6lld %6lld  %.3f [%.3f, %.3f]  "
           "%.3f [%.3f, %.3f]  %.3f", s->label, (long long)s->targets,
           (long long)s->events, (long long)s->tp, (long long)s->fp,
           (long long)s->fn, s->precision, s->precision_ci[0],
           s->precision_ci[1], s->recall, s->recall_ci[0], s->recall_ci[1],
           s->f1);
    if (s->tp)
        printf("  %6.0f %6.0f %6.0f\n", 1e3 * s->latency_median,
               1e3 * s->latency_p90, 1e3 * s->latency_p99);
    else
        printf("       -      -      -\n");
}

static void print_table(const device_result_t *r)
{
    printf("%-14s %7s %7s %6s %6s %6s  %-21s  %-21s  %-5s  %6s %6s %6s\n",
           "class", "targets", "events", "TP", "FP", "FN",
           "precision [95% CI]", "recall [95% CI]", "F1", "med ms", "p90",
           "p99");
    for (int i = 0; i < r->num_classes; i++)
        print_row(&r->classes[i]);
    print_row(&r->overall);
    printf("%s%s\n", r->pass ? "PASS" : "FAIL: ", r->fail_reason);
}

static json_t *stats_json(const device_stats_t *s)
{
    json_t *hist = json_array();
    for (int i = 0; i < DEVICE_HIST_BINS; i++)
        json_array_append_new(hist, json_integer(s->latency_hist[i]));
    return json_pack(
        "{ss sI sI sI sI sI sf sf sf s[ff] s[ff] s{sf sf sf so}}", "class",
        s->label, "targets", (json_int_t)s->targets, "events",
        (json_int_t)s->events, "tp", (json_int_t)s->tp, "fp",
        (json_int_t)s->fp, "fn", (json_int_t)s->fn, "precision",
        s->precision, "recall", s->recall, "f1", s->f1, "precision_ci",
        s->precision_ci[0], s->precision_ci[1], "recall_ci", s->recall_ci[0],
        s->recall_ci[1], "latency", "median", s->latency_median, "p90",
        s->latency_p90, "p99", s->latency_p99, "histogram", hist);
}

static void print_json(const device_result_t *r, double tolerance)
{
    json_t *classes = json_array();
    for (int i = 0; i < r->num_classes; i++)
        json_array_append_new(classes, stats_json(&r->classes[i]));
    json_t *root = json_pack("{so so sb ss sf}", "classes", classes,
                             "overall", stats_json(&r->overall), "pass",
                             r->pass, "fail_reason", r->fail_reason,
                             "tolerance", tolerance);
    json_dumpf(root, stdout, JSON_INDENT(1));
    putchar('\n');
    json_decref(root);
}

static int score(dev_cmd_t *c, session_t *s)
{
    if (!c->events) {
        fprintf(stderr, "avp device score: --events is required\n");
        return 2;
    }
    if (c->map && parse_map(s, c->map, &c->opt))
        return 2;
    if (load_gt(s, c->gt) || load_events(s, c->events))
        return 1;
    device_result_t *r = NULL;
    avp_error_t err = {0};
    if (device_score(s->targets, s->num_targets, s->events, s->num_events,
                     &c->opt, &r, &err) < 0) {
        fprintf(stderr, "avp device score: %s\n", err.msg);
        return 1;
    }
    if (c->as_json)
        print_json(r, c->opt.tolerance);
    else
        print_table(r);
    int rc = !r->pass;
    device_result_destroy(r);
    return rc;
}

int cli_device(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    dev_cmd_t c = {0};
    session_t s = {0};
    int rc = parse_args(&c, argc - 1, argv + 1);
    if (rc < 0)
        return 0; /* avp device score --help */
    if (rc == 0 && !strcmp(argv[1], "simulate"))
        rc = simulate(&c, &s);
    else if (rc == 0 && !strcmp(argv[1], "score"))
        rc = score(&c, &s);
    else if (rc == 0) {
        fprintf(stderr, "avp device: unknown subcommand '%s'\n%s", argv[1],
                usage);
        rc = 2;
    }
    session_fini(&s);
    return rc;
}
