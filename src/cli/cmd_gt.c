/* cmd_gt.c - `avp gt`: convert ground truth between formats, and make auto
 * ground truth offline by tracking `avp detect` output. */
#include "cli.h"
#include "gt/gt.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: avp gt convert --from FMT --to FMT IN OUT [--names FILE]\n"
    "                      [--fps F] [--width W] [--height H] [--split S]\n"
    "       avp gt track --in DETECTIONS.jsonl --out GT.json [--iou 0.3]\n"
    "                      [--max-age 30] [--high 0.5] [--low 0.1]\n"
    "                      [--min-length 3] [--no-predict] [--fps F]\n"
    "                      [--width W] [--height H]\n"
    "FMT: avp, coco, yolo (a folder of frame_NNNNNN.txt), voc (a folder of\n"
    "frame_NNNNNN.xml), cvat (CVAT for video 1.1), mot (MOTChallenge CSV),\n"
    "datumaro (Datumaro JSON).\n"
    "IN may also be a .zip, .tar or .tar.gz as CVAT, Roboflow or\n"
    "ultralytics export it (the format's file is found inside).\n"
    "--split: of a YOLO or VOC dataset with splits (Roboflow's train/,\n"
    "valid/, test/; data.yaml's train/val/test, a folder or a .txt list of\n"
    "images), the one to read.\n"
    "--names: class names one per line (YOLO's class indices, MOT's 1-based\n"
    "classes; YOLO defaults to COCO-80). YOLO import needs --width and\n"
    "--height; formats without time stamps take t = frame / --fps.\n"
    "track links detections (avp detect -o JSONL) into tracks and writes\n"
    "AVP ground-truth JSON.\n";

typedef struct gt_cmd {
    const char *from, *to, *in, *out, *names_path;
    gt_io_options_t io;
    gt_track_options_t track;
    detect_names_t *names;
    const char **name_list;
} gt_cmd_t;

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "avp gt: %s '%s'\n%s", what, arg, usage);
    return 2;
}

/* The options of both subcommands: each takes what it needs. */
static const struct option longopts[] = {
    {"from", required_argument, 0, 'F'}, {"to", required_argument, 0, 'T'},
    {"in", required_argument, 0, 'i'}, {"out", required_argument, 0, 'o'},
    {"names", required_argument, 0, 'n'}, {"fps", required_argument, 0, 'f'},
    {"width", required_argument, 0, 'w'}, {"height", required_argument, 0, 'H'},
    {"iou", required_argument, 0, 'u'}, {"high", required_argument, 0, 'g'},
    {"low", required_argument, 0, 'l'}, {"max-age", required_argument, 0, 'a'},
    {"min-length", required_argument, 0, 'm'},
    {"no-predict", no_argument, 0, 'P'}, {"split", required_argument, 0, 's'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* One option with a number; 0, or -1 for a bad value. */
static int number_option(gt_cmd_t *c, int opt, const char *val)
{
    long n;
    double x;
    switch (opt) {
    case 'f': return cli_parse_float(val, 1e-3, 1e6, &c->io.fps);
    case 'w': case 'H':
        if (cli_parse_int(val, 1, 100000, &n))
            return -1;
        *(opt == 'w' ? &c->io.width : &c->io.height) = (int)n;
        return 0;
    case 'u': case 'g': case 'l':
        if (cli_parse_float(val, 0, 1, &x))
            return -1;
        *(opt == 'u' ? &c->track.iou : opt == 'g' ? &c->track.high_score
                                                  : &c->track.low_score) = x;
        return 0;
    default: /* 'a', 'm' */
        if (cli_parse_int(val, 0, 1000000, &n))
            return -1;
        *(opt == 'a' ? &c->track.max_age : &c->track.min_length) = (int)n;
        return 0;
    }
}

/* Returns 0, -1 after --help, or 2 after a usage error. */
static int parse_args(gt_cmd_t *c, int argc, char **argv)
{
    gt_track_options_default(&c->track);
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'F': c->from = optarg; break;
        case 'T': c->to = optarg; break;
        case 'i': c->in = optarg; break;
        case 'o': c->out = optarg; break;
        case 'n': c->names_path = optarg; break;
        case 's': c->io.split = optarg; break;
        case 'P': c->track.predict = 0; break;
        case 'h': fputs(usage, stdout); return -1;
        case '?': case ':': return cli_bad_option("gt", opt, argv, usage);
        default:
            if (number_option(c, opt, optarg) < 0)
                return cli_bad_value("gt", longopts, opt, optarg);
        }
    }
    if (argc - optind > 2)
        return cli_bad_argument("gt", argv[optind + 2], usage);
    if (argc - optind == 2)
        c->in = argv[optind], c->out = argv[optind + 1];
    else if (argc - optind == 1)
        return usage_error("expected IN and OUT, got only", argv[optind]);
    return 0;
}

/* --names, or COCO-80 for YOLO, into c->io.names. */
static int load_names(gt_cmd_t *c, int need_default)
{
    avp_error_t err = {0};
    if (c->names_path) {
        if (detect_names_load(c->names_path, &c->names, &err) < 0) {
            fprintf(stderr, "avp gt: %s\n", err.msg);
            return 1;
        }
    } else if (need_default) {
        c->names = detect_names_coco();
    } else {
        return 0;
    }
    int n = detect_names_count(c->names);
    c->name_list = avp_malloc((size_t)n * sizeof(char *));
    for (int i = 0; i < n; i++)
        c->name_list[i] = detect_names_get(c->names, i);
    c->io.names = c->name_list;
    c->io.num_names = n;
    return 0;
}

/* What the import read: frames (annotated ones, empty ones included),
 * boxes, tracks, and what it did not take as a box, by kind. */
static void print_report(const gt_t *g, const gt_cmd_t *c)
{
    gt_track_t *tracks;
    size_t ntracks;
    gt_tracks(g, &tracks, &ntracks);
    avp_free(tracks);
    fprintf(stderr, "avp gt: %zu boxes, %d labels, %lld frames, %zu tracks: "
            "%s -> %s\n", gt_num_boxes(g), gt_num_labels(g),
            (long long)gt_num_annotated_frames(g), ntracks, c->in, c->out);
    for (size_t i = 0; i < gt_num_notes(g); i++) {
        int64_t n;
        const char *kind = gt_note_kind(g, i, &n);
        fprintf(stderr, "avp gt:   %lld %s\n", (long long)n, kind);
    }
}

static int convert(gt_cmd_t *c)
{
    gt_format_t from, to;
    if (!c->from || gt_format_parse(c->from, &from) < 0)
        return usage_error("--from needs a format, got", c->from ? c->from
                                                                   : "");
    if (!c->to || gt_format_parse(c->to, &to) < 0)
        return usage_error("--to needs a format, got", c->to ? c->to : "");
    if (!c->in || !c->out)
        return usage_error("convert needs IN and OUT", "");
    if (load_names(c, from == GT_FORMAT_YOLO || to == GT_FORMAT_YOLO))
        return 1;
    gt_t *g = NULL;
    avp_error_t err = {0};
    c->io.yaml_levels_up = 2; /* the user's own dataset layout */
    int rc = gt_import(from, c->in, &c->io, &g, &err);
    if (rc == AVP_OK)
        rc = gt_export(to, g, c->out, &c->io, &err);
    if (rc == AVP_OK)
        print_report(g, c);
    else
        fprintf(stderr, "avp gt convert: %s\n", err.msg);
    gt_destroy(g);
    return rc < 0;
}

/* The frame rate `avp detect` used, from the frame and t of its last box
 * (t = frame / fps), rounded to 1/1000 frame per second. */
static double guess_fps(const gt_t *g)
{
    const gt_box_t *b = gt_boxes(g);
    for (size_t i = gt_num_boxes(g); i-- > 0;)
        if (b[i].frame > 0 && b[i].t > 0)
            return round(1000.0 * (double)b[i].frame / b[i].t) / 1000.0;
    return 0;
}

/* A box whose t goes back in time relative to an earlier frame has a
 * broken time stamp (decoders report 0 for a last frame without pts):
 * with a known frame rate it gets frame / fps. Returns the number fixed. */
static size_t repair_times(gt_t *g, double fps)
{
    gt_sort(g);
    size_t fixed = 0;
    double latest = 0;
    for (size_t i = 0; fps > 0 && i < gt_num_boxes(g); i++) {
        gt_box_t b = gt_boxes(g)[i];
        if (b.t < latest && b.frame > 0) {
            b.t = (double)b.frame / fps;
            fixed += gt_set_box(g, i, &b, NULL) == AVP_OK;
        }
        latest = b.t > latest ? b.t : latest;
    }
    return fixed;
}

/* Reads the whole JSONL file into *dets. */
static int read_detections(const char *path, gt_t **dets, avp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return avp_error_set(err, AVP_ENOTFOUND, "%s: cannot open", path);
    size_t cap = 1 << 20, len = 0, got;
    char *text = avp_malloc(cap);
    while ((got = fread(text + len, 1, cap - len, f)) > 0)
        if ((len += got) == cap)
            text = avp_realloc(text, cap *= 2);
    fclose(f);
    int rc = gt_parse_detect_jsonl(text, len, dets, err);
    avp_free(text);
    return rc;
}

static int track(gt_cmd_t *c)
{
    if (!c->in || !c->out)
        return usage_error("track needs --in and --out", "");
    gt_t *dets = NULL, *g = NULL;
    avp_error_t err = {0};
    int rc = read_detections(c->in, &dets, &err);
    if (rc == AVP_OK) {
        gt_set_video(dets, c->io.width, c->io.height,
                     c->io.fps > 0 ? c->io.fps : guess_fps(dets), 0);
        size_t fixed = repair_times(dets, gt_fps(dets));
        if (fixed)
            fprintf(stderr, "avp gt: %zu boxes had a time stamp before an "
                    "earlier frame's; set to frame / %g fps\n", fixed,
                    gt_fps(dets));
        rc = gt_autotrack(dets, &c->track, &g, &err);
    }
    if (rc == AVP_OK)
        rc = gt_export(GT_FORMAT_AVP, g, c->out, NULL, &err);
    if (rc == AVP_OK) {
        gt_track_t *t;
        size_t n;
        gt_tracks(g, &t, &n);
        fprintf(stderr, "avp gt: %zu detections -> %zu tracks, %zu boxes: "
                "%s\n", gt_num_boxes(dets), n, gt_num_boxes(g), c->out);
        avp_free(t);
    } else {
        fprintf(stderr, "avp gt track: %s\n", err.msg);
    }
    gt_destroy(dets);
    gt_destroy(g);
    return rc < 0;
}

int cli_gt(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    gt_cmd_t c = {0};
    int rc = parse_args(&c, argc - 1, argv + 1);
    if (rc == 0 && !strcmp(argv[1], "convert"))
        rc = convert(&c);
    else if (rc == 0 && !strcmp(argv[1], "track"))
        rc = track(&c);
    else if (rc == 0)
        rc = usage_error("unknown subcommand", argv[1]);
    detect_names_destroy(c.names);
    avp_free(c.name_list);
    return rc < 0 ? 0 : rc;
}
