/* cmd_eval.c - `avp eval`: COCO ground truth x COCO results -> the COCO
 * numbers (pycocotools' COCOeval, bbox) and the operating-point extras. */
#include "cli.h"
#include "eval/eval.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: avp eval --gt GT.json --pred PRED.json [--iou-type bbox]\n"
    "                [--score-thr " AVP_STR(EVAL_DEFAULT_SCORE_THR) "]"
    " [--cm-iou 0.5] [--threads N] "
    "[--json]\n"
    "                [--rules RULES.json]\n"
    "Evaluates COCO results against COCO ground truth: the 12 COCO numbers\n"
    "(same as pycocotools COCOeval), then per class AP, AP50 and\n"
    "precision/recall/F1 at the score threshold, and TIDE's error types with\n"
    "the AP50 each costs. --rules: ignore regions, min box size, max\n"
    "detections per frame, applied first. docs/METRICS.md has the\n"
    "protocol. avp eval track GT RESULTS scores tracks (HOTA, MOTA, IDF1).\n";

typedef struct eval_args {
    const char *gt, *pred, *rules;
    int as_json;
    eval_options_t opt;
} eval_args_t;

/* Returns 0, -1 after --help, or 2 after printing a usage error. */
static int parse_args(int argc, char **argv, eval_args_t *a)
{
    static const struct option longopts[] = {
        {"gt", required_argument, 0, 'g'}, {"pred", required_argument, 0, 'p'},
        {"iou-type", required_argument, 0, 'i'},
        {"score-thr", required_argument, 0, 's'},
        {"cm-iou", required_argument, 0, 'c'},
        {"threads", required_argument, 0, 't'}, {"json", no_argument, 0, 'j'},
        {"rules", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    eval_options_default(&a->opt);
    a->opt.threads = cli_default_threads();
    int opt, bad = 0;
    long n;
    optind = 0;
    while (!bad &&
           (opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'g': a->gt = optarg; break;
        case 'p': a->pred = optarg; break;
        case 'j': a->as_json = 1; break;
        case 'r': a->rules = optarg; break;
        case 'i': bad = strcmp(optarg, "bbox") != 0; break;
        case 's':
            bad = cli_parse_float(optarg, -1e30, 1e30, &a->opt.score_thr);
            break;
        case 'c': bad = cli_parse_float(optarg, 1e-6, 1, &a->opt.cm_iou); break;
        case 't':
            bad = cli_parse_int(optarg, 1, 256, &n);
            a->opt.threads = bad ? a->opt.threads : (int)n;
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option("eval", opt, argv, usage);
        }
    }
    if (bad)
        return cli_bad_value("eval", longopts, opt, optarg);
    if (optind != argc)
        return cli_bad_argument("eval", argv[optind], usage);
    if (!a->gt || !a->pred) {
        fprintf(stderr, "avp eval: --gt and --pred are required\n%s", usage);
        return 2;
    }
    return 0;
}

/* pycocotools' summarize() lines, with its labels and format. */
static void print_coco(const eval_result_t *r)
{
    static const char *const iou[] = {"0.50:0.95", "0.50", "0.75"};
    static const struct { int ap, iou; const char *area; int maxdet; }
    rows[EVAL_NUM_STATS] = {
        {1, 0, "all", 100},    {1, 1, "all", 100},   {1, 2, "all", 100},
        {1, 0, "small", 100},  {1, 0, "medium", 100}, {1, 0, "large", 100},
        {0, 0, "all", 1},      {0, 0, "all", 10},    {0, 0, "all", 100},
        {0, 0, "small", 100},  {0, 0, "medium", 100}, {0, 0, "large", 100},
    };
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        printf(" %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
               rows[i].ap ? "Average Precision" : "Average Recall",
               rows[i].ap ? "(AP)" : "(AR)", iou[rows[i].iou], rows[i].area,
               rows[i].maxdet, r->coco_stats[i]);
}

static void print_ratio(double v)
{
    if (v < 0)
        printf(" %7s", "-");
    else
        printf(" %7.3f", v);
}

static void print_class_row(const char *name, const double *stats,
                            const eval_counts_t *c)
{
    printf("%-20.20s", name);
    print_ratio(stats ? stats[EVAL_AP] : -1);
    print_ratio(stats ? stats[EVAL_AP50] : -1);
    printf(" %8lld %8lld %8lld", (long long)c->tp, (long long)c->fp,
           (long long)c->fn);
    print_ratio(c->precision);
    print_ratio(c->recall);
    print_ratio(c->f1);
    printf("\n");
}

static void print_text(const eval_result_t *r, double load_seconds)
{
    print_coco(r);
    printf("\nper class at score >= %g, IoU 0.50 (AP over .50:.95 and at "
           ".50):\n", r->score_thr);
    printf("%-20s %7s %7s %8s %8s %8s %7s %7s %7s\n", "class", "AP", "AP50",
           "TP", "FP", "FN", "P", "R", "F1");
    for (int k = 0; k < r->num_classes; k++)
        print_class_row(r->classes[k].name, r->classes[k].stats,
                        &r->classes[k].at_thr);
    print_class_row("all", r->coco_stats, &r->overall);
    printf("\nbest overall F1 %.3f at score %.2f; %lld images, %lld ground "
           "truth, %lld detections; read in %.2f s, evaluated in %.2f s\n",
           r->best_f1, r->best_thr, (long long)r->num_images,
           (long long)r->num_gt, (long long)r->num_det, load_seconds,
           r->seconds);
}

static json_t *counts_json(const eval_counts_t *c, const double *f1_curve,
                           double best_thr, double best_f1)
{
    return json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:o, s:f, s:f}", "tp",
                     (json_int_t)c->tp, "fp", (json_int_t)c->fp, "fn",
                     (json_int_t)c->fn, "precision", c->precision, "recall",
                     c->recall, "f1", c->f1, "f1_curve",
                     eval_json_reals(f1_curve, EVAL_NUM_F1), "best_thr", best_thr,
                     "best_f1", best_f1);
}

static json_t *class_json(const eval_class_t *c)
{
    json_t *o = counts_json(&c->at_thr, c->f1_curve, c->best_thr, c->best_f1);
    json_object_set_new(o, "category_id", json_integer(c->category_id));
    json_object_set_new(o, "name", json_string(c->name));
    json_object_set_new(o, "num_gt", json_integer(c->num_gt));
    json_object_set_new(o, "num_det", json_integer(c->num_det));
    json_object_set_new(o, "coco_stats", eval_json_reals(c->stats, EVAL_NUM_STATS));
    json_object_set_new(o, "AP", json_real(c->stats[EVAL_AP]));
    json_object_set_new(o, "AP50", json_real(c->stats[EVAL_AP50]));
    json_object_set_new(o, "pr_curve",
                        json_pack("{s:o, s:o}", "precision",
                                  eval_json_reals(c->pr_precision, EVAL_NUM_REC),
                                  "score", eval_json_reals(c->pr_score, EVAL_NUM_REC)));
    return o;
}

/* TIDE's error types: count and dAP (in AP points, as TIDE prints). */
static void print_tide(const eval_tide_result_t *t)
{
    printf("\nerrors (TIDE, AP50 %.2f):", 100 * t->ap);
    for (int e = 0; e < EVAL_TIDE_NUM; e++)
        printf(" %s %.2f", eval_tide_names[e], 100 * t->dap[e]);
    printf("\ncounts:");
    for (int e = 0; e < EVAL_TIDE_NUM_MAIN; e++)
        printf(" %s %lld", eval_tide_names[e], (long long)t->count[e]);
    printf("\n");
}

/* --rules: parsed and applied to d; *report is its JSON (NULL without
 * rules). */
static int apply_rules(const char *path, eval_data_t *d, json_t **report,
                       avp_error_t *err)
{
    *report = NULL;
    if (!path)
        return AVP_OK;
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        return avp_error_set(err, AVP_EFORMAT, "%s:%d: %s", path, je.line,
                             je.text);
    eval_rules_t *rules = NULL;
    eval_rules_report_t rep;
    int rc = eval_rules_parse(j, &rules, err);
    json_decref(j);
    if (rc < 0)
        return avp_error_prefix(err, "%s", path);
    eval_rules_apply(d, rules, &rep);
    *report = eval_rules_report_json(rules, &rep);
    eval_rules_destroy(rules);
    return AVP_OK;
}

static void print_rules(const json_t *rules)
{
    if (!rules)
        return;
    char *text = json_dumps(rules, JSON_COMPACT);
    printf("rules applied first: %s\n", text);
    free(text);
}

static void print_json(const eval_result_t *r, const eval_tide_result_t *t,
                       json_t *rules, double load_seconds)
{
    json_t *names = json_array(), *classes = json_array();
    for (int i = 0; i < EVAL_NUM_STATS; i++)
        json_array_append_new(names, json_string(eval_stat_names[i]));
    for (int k = 0; k < r->num_classes; k++)
        json_array_append_new(classes, class_json(&r->classes[k]));
    json_t *root = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:I, s:I, s:I, s:f, s:s}",
        "coco_stats", eval_json_reals(r->coco_stats, EVAL_NUM_STATS),
        "coco_stat_names", names, "per_class", classes, "overall",
        counts_json(&r->overall, r->f1_curve, r->best_thr, r->best_f1),
        "confusion_matrix", eval_confusion_json(r, "rows"), "recall_thresholds",
        eval_json_reals(r->rec_thrs, EVAL_NUM_REC), "score_thr", r->score_thr,
        "num_images", (json_int_t)r->num_images, "num_gt",
        (json_int_t)r->num_gt, "num_det", (json_int_t)r->num_det, "seconds",
        r->seconds, "avp_version", AVP_VERSION);
    json_object_set_new(root, "load_seconds", json_real(load_seconds));
    json_object_set_new(root, "tide", eval_tide_json(t));
    if (rules)
        json_object_set(root, "rules", rules);
    json_dumpf(root, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(root);
}

int cli_eval(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "track"))
        return cli_eval_track(argc - 1, argv + 1);
    eval_args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    avp_error_t err = {0};
    eval_result_t *r = NULL;
    eval_tide_result_t *t = NULL;
    eval_data_t *d = eval_data_create();
    double t0 = avp_now();
    json_t *rules = NULL;
    rc = eval_load_coco_pair(d, a.gt, a.pred, &err);
    if (!rc)
        rc = apply_rules(a.rules, d, &rules, &err);
    double load_seconds = avp_now() - t0;
    if (!rc && !eval_run(d, &a.opt, &r, &err) && !eval_tide(d, &t, &err)) {
        if (a.as_json) {
            print_json(r, t, rules, load_seconds);
        } else {
            print_text(r, load_seconds);
            print_tide(t);
            print_rules(rules);
        }
    } else {
        fprintf(stderr, "avp eval: %s\n", err.msg);
    }
    json_decref(rules);
    eval_tide_result_destroy(t);
    eval_result_destroy(r);
    eval_data_destroy(d);
    return t ? 0 : 1;
}
