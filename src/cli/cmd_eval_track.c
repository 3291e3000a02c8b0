/* cmd_eval_track.c - `avp eval track`: a tracker's output against ground
 * truth with track ids -> HOTA, CLEAR MOT and Identity (eval_track). */
#include "cli.h"
#include "eval/eval.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: avp eval track GT RESULTS [--gt-format FMT] [--res-format FMT]\n"
    "                [--gt-class NAME] [--res-class NAME] [--link] [--json]\n"
    "Scores tracks as TrackEval does: HOTA (DetA, AssA...), CLEAR MOT\n"
    "(MOTA, MOTP, IDSW, Frag, MT/PT/ML) and Identity (IDF1, IDR, IDP).\n"
    "FMT: a ground-truth format of avp gt convert; by default from the\n"
    "file name (.txt mot, .xml cvat, .json avp). --gt-class / --res-class\n"
    "keep one label (MOT classes are numbers: --gt-class 1 for\n"
    "pedestrians). --link ignores the results' track ids and links their\n"
    "boxes with AVP's tracker (avp gt track) first. Text output is in\n"
    "percent as TrackEval prints it; --json gives fractions.\n";

typedef struct track_args {
    const char *gt, *res, *gt_format, *res_format;
    eval_track_options_t opt;
    int link, as_json;
} track_args_t;

static int parse_args(int argc, char **argv, track_args_t *a)
{
    static const struct option longopts[] = {
        {"gt-format", required_argument, 0, 'g'},
        {"res-format", required_argument, 0, 'r'},
        {"gt-class", required_argument, 0, 'c'},
        {"res-class", required_argument, 0, 'C'},
        {"link", no_argument, 0, 'l'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'g': a->gt_format = optarg; break;
        case 'r': a->res_format = optarg; break;
        case 'c': a->opt.gt_label = optarg; break;
        case 'C': a->opt.res_label = optarg; break;
        case 'l': a->link = 1; break;
        case 'j': a->as_json = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option("eval track", opt, argv, usage);
        }
    }
    if (argc - optind > 2)
        return cli_bad_argument("eval track", argv[optind + 2], usage);
    if (argc - optind < 2) {
        fprintf(stderr, "avp eval track: expected GT and RESULTS\n%s", usage);
        return 2;
    }
    a->gt = argv[optind];
    a->res = argv[optind + 1];
    return 0;
}

/* The format named, or the one the file name suggests. */
static int pick_format(const char *name, const char *path, gt_format_t *f)
{
    static const struct { const char *ext; gt_format_t f; } by_ext[] = {
        {".txt", GT_FORMAT_MOT}, {".xml", GT_FORMAT_CVAT},
        {".json", GT_FORMAT_AVP}};
    if (name)
        return gt_format_parse(name, f) < 0 ? -1 : 0;
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof by_ext / sizeof *by_ext; i++) {
        size_t k = strlen(by_ext[i].ext);
        if (n >= k && !strcmp(path + n - k, by_ext[i].ext))
            return *f = by_ext[i].f, 0;
    }
    return -1;
}

static int load(const char *name, const char *path, const char *what,
                gt_t **out, avp_error_t *err)
{
    gt_format_t f;
    if (pick_format(name, path, &f) < 0)
        return avp_error_set(err, AVP_EINVAL, "%s: %s (give --%s-format)",
                             path, name ? "unknown format" : "which format?",
                             what);
    gt_io_options_t io = {0};
    return gt_import(f, path, &io, out, err);
}

/* --link: the results' boxes re-linked by AVP's tracker. */
static int link_tracks(gt_t **res, avp_error_t *err)
{
    gt_t *linked = NULL;
    int rc = eval_track_link(*res, &linked, err);
    gt_destroy(*res);
    *res = linked;
    return rc;
}

static void print_text(const eval_track_result_t *r)
{
    printf("HOTA   ");
    for (int k = 0; k < EVAL_HOTA_NUM_FIELDS; k++)
        printf(" %8s", eval_hota_names[k]);
    printf("\n       ");
    for (int k = 0; k < EVAL_HOTA_NUM_FIELDS; k++)
        printf(" %8.3f", 100 * r->hota_mean[k]);
    printf("\nCLEAR   %8s %8s %8s %6s %6s %6s %6s %6s %8s %8s %8s\n        "
           "%8.3f %8.3f %8.3f %6lld %6lld %6lld %6lld %6lld %8lld %8lld "
           "%8lld\n", "MOTA", "MOTP", "MODA", "IDSW", "Frag", "MT", "PT",
           "ML", "TP", "FN", "FP", 100 * r->mota, 100 * r->motp,
           100 * r->moda, (long long)r->idsw, (long long)r->frag,
           (long long)r->mt, (long long)r->pt, (long long)r->ml,
           (long long)r->clr_tp, (long long)r->clr_fn, (long long)r->clr_fp);
    printf("Identity %7s %8s %8s %8s %8s %8s\n         %7.3f %8.3f %8.3f "
           "%8lld %8lld %8lld\n", "IDF1", "IDR", "IDP", "IDTP", "IDFN",
           "IDFP", 100 * r->idf1, 100 * r->idr, 100 * r->idp,
           (long long)r->idtp, (long long)r->idfn, (long long)r->idfp);
    printf("%lld frames; ground truth %lld boxes in %lld tracks (%lld "
           "difficult left out); results %lld boxes in %lld tracks (%lld off "
           "the annotated frames left out)\n", (long long)r->num_frames,
           (long long)r->gt_dets, (long long)r->gt_ids,
           (long long)r->gt_difficult, (long long)r->tr_dets,
           (long long)r->tr_ids, (long long)r->tr_off_frames);
}

int cli_eval_track(int argc, char **argv)
{
    track_args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    avp_error_t err = {0};
    gt_t *gt = NULL, *res = NULL;
    eval_track_result_t r;
    rc = load(a.gt_format, a.gt, "gt", &gt, &err);
    if (rc == AVP_OK)
        rc = load(a.res_format, a.res, "res", &res, &err);
    if (rc == AVP_OK && a.link)
        rc = link_tracks(&res, &err);
    if (rc == AVP_OK)
        rc = eval_track(gt, res, &a.opt, &r, &err);
    if (rc == AVP_OK && a.as_json) {
        json_t *j = eval_track_json(&r);
        json_dumpf(j, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(j);
    } else if (rc == AVP_OK) {
        print_text(&r);
    } else {
        fprintf(stderr, "avp eval track: %s\n", err.msg);
    }
    gt_destroy(gt);
    gt_destroy(res);
    return rc == AVP_OK ? 0 : 1;
}
