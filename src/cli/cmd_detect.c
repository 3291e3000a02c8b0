/* cmd_detect.c - `avp detect`: run a model over a video, image or folder and
 * write detections as JSONL and/or COCO results. */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: avp detect --model M.onnx [options] INPUT -o out.jsonl [--coco out.json]\n"
    "\n"
    "INPUT is a video file (anything FFmpeg reads), an image, or a folder of images.\n"
    "  --model FILE     ONNX model (YOLOX, YOLOv5, YOLOv8, YOLO11 exports)\n"
    "  --arch A         auto (default), yolox, yolov5, yolov8, yolo11\n"
    "  --conf X         score threshold (default "
    AVP_STR(DETECT_DEFAULT_CONF) ")\n"
    "  --iou X          NMS IoU threshold (default "
    AVP_STR(DETECT_DEFAULT_IOU) ")\n"
    "  --max-det N      detections kept per frame (default "
    AVP_STR(DETECT_DEFAULT_MAX_DET) ")\n"
    "  --classes LIST   keep only these classes: names or indices, comma-separated\n"
    "  --names FILE     class names, one per line (default: the model's, else COCO-80)\n"
    "  --batch N        frames per inference call (default 8)\n"
    "  --threads N      compute threads (default: number of cores)\n"
    "  --every N        process every Nth frame\n"
    "  --fps F          process frames at F per second\n"
    "  --stream K       the K-th video stream of a file with several (default:\n"
    "                   the one it marks as default)\n"
    "  --preprocess P   exact (default: the OpenCV reference pipeline's pixels,\n"
    "                   bit for bit) or fast (one swscale pass, a little faster)\n"
    "  -o FILE          write JSONL, one detection per line\n"
    "  --coco FILE      write COCO results JSON (image_id = frame index)\n";

typedef struct detect_cmd {
    const char *model_path, *input, *out_path, *coco_path;
    const char *names_path, *classes;
    infer_family_t family;
    detect_params_t params;
    media_options_t media;
    int batch, threads;
} detect_cmd_t;

typedef struct detect_run {
    detect_writer_t *jsonl, *coco;
    int64_t detections, frames;
    int tty;
} detect_run_t;

static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static const struct option longopts[] = {
    {"model", required_argument, 0, 'm'}, {"arch", required_argument, 0, 'a'},
    {"conf", required_argument, 0, 'c'}, {"iou", required_argument, 0, 'i'},
    {"max-det", required_argument, 0, 'x'}, {"classes", required_argument, 0, 'k'},
    {"names", required_argument, 0, 'N'}, {"batch", required_argument, 0, 'b'},
    {"threads", required_argument, 0, 't'}, {"every", required_argument, 0, 'e'},
    {"fps", required_argument, 0, 'f'}, {"coco", required_argument, 0, 'C'},
    {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
    {"stream", required_argument, 0, 'S'},
    {"preprocess", required_argument, 0, 'P'},
    {0, 0, 0, 0}};

static int bad_value(int opt, const char *val)
{
    return cli_bad_value("detect", longopts, opt, val);
}

/* Parses one option; returns 0, the exit code for a bad value, or -1 for
 * what is no option. */
static int parse_option(detect_cmd_t *c, int opt, const char *arg)
{
    long l;
    double d;
    switch (opt) {
    case 'm': c->model_path = arg; return 0;
    case 'o': c->out_path = arg; return 0;
    case 'C': c->coco_path = arg; return 0;
    case 'N': c->names_path = arg; return 0;
    case 'k': c->classes = arg; return 0;
    case 'a':
        return detect_family_parse(arg, &c->family) ? bad_value(opt, arg) : 0;
    case 'P':
        return media_preprocess_parse(arg, &c->media.preprocess)
                   ? bad_value(opt, arg) : 0;
    case 'c':
        if (cli_parse_float(arg, 0, 1, &d)) return bad_value(opt, arg);
        c->params.conf = (float)d; return 0;
    case 'i':
        if (cli_parse_float(arg, 0, 1, &d)) return bad_value(opt, arg);
        c->params.iou = (float)d; return 0;
    case 'x':
        if (cli_parse_int(arg, 1, 100000, &l)) return bad_value(opt, arg);
        c->params.max_det = (int)l; return 0;
    case 'b':
        if (cli_parse_int(arg, 1, 64, &l)) return bad_value(opt, arg);
        c->batch = (int)l; return 0;
    case 't':
        if (cli_parse_int(arg, 1, 256, &l)) return bad_value(opt, arg);
        c->threads = (int)l; return 0;
    case 'e':
        if (cli_parse_int(arg, 1, 1000000, &l)) return bad_value(opt, arg);
        c->media.every = (int)l; return 0;
    case 'f':
        if (cli_parse_float(arg, 0.001, 1000, &d)) return bad_value(opt, arg);
        c->media.fps = d; return 0;
    case 'S':
        if (cli_parse_int(arg, 1, 1000, &l)) return bad_value(opt, arg);
        c->media.stream = (int)l; return 0;
    default:
        return -1;
    }
}

static int parse_args(detect_cmd_t *c, int argc, char **argv)
{
    int opt, rc;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if ((rc = parse_option(c, opt, optarg)) != 0)
            return rc < 0 ? cli_bad_option("detect", opt, argv, usage) : rc;
    }
    if (optind != argc - 1 || !c->model_path) {
        fprintf(stderr, "avp detect: %s\n%s", !c->model_path ?
                "--model is required" : "expected exactly one INPUT", usage);
        return 2;
    }
    if (!c->out_path && !c->coco_path) {
        fprintf(stderr, "avp detect: nothing to write: give -o FILE and/or --coco FILE\n");
        return 2;
    }
    if (c->media.every > 1 && c->media.fps > 0) {
        fprintf(stderr, "avp detect: --every and --fps exclude each other\n");
        return 2;
    }
    c->input = argv[optind];
    return 0;
}

static int sink(void *user, const detect_frame_result_t *frames, int n)
{
    detect_run_t *r = user;
    for (int i = 0; i < n; i++) {
        if ((r->jsonl && detect_writer_add(r->jsonl, &frames[i])) ||
            (r->coco && detect_writer_add(r->coco, &frames[i])))
            return AVP_EIO;
        r->detections += frames[i].count;
    }
    r->frames += n;
    return 0;
}

static void progress(void *user, const detect_progress_t *p)
{
    detect_run_t *r = user;
    if (!r->tty)
        return;
    int width = 30, filled = 0;
    double frac = p->frames_total > 0 ? (double)p->frames_done / (double)p->frames_total : 0;
    if (frac > 1)
        frac = 1;
    filled = (int)(frac * width);
    char bar[64];
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, ' ', (size_t)(width - filled));
    bar[width] = 0;
    double eta = p->fps > 0 && p->frames_total > p->frames_done ?
        (double)(p->frames_total - p->frames_done) / p->fps : 0;
    fprintf(stderr, "\r[%s] %3.0f%% %lld/%lld frames %.1f fps ETA %.0fs ", bar,
            frac * 100, (long long)p->frames_done, (long long)p->frames_total,
            p->fps, eta);
}

static int open_writers(const detect_cmd_t *c, const detect_names_t *names,
                        detect_run_t *r, avp_error_t *err)
{
    if (c->out_path &&
        detect_writer_open(c->out_path, DETECT_FORMAT_JSONL, names, &r->jsonl, err))
        return err->code;
    if (c->coco_path &&
        detect_writer_open(c->coco_path, DETECT_FORMAT_COCO, names, &r->coco, err))
        return err->code;
    return AVP_OK;
}

/* The model and the names must agree on the class count, or labels lie. */
static int check_names(const detect_cmd_t *c, const infer_info_t *info,
                       const detect_names_t *names, avp_error_t *err)
{
    if (c->names_path && info->num_classes > 0 &&
        detect_names_count(names) != info->num_classes)
        return avp_error_set(err, AVP_EINVAL,
                             "%s has %d names but the model predicts %d classes",
                             c->names_path, detect_names_count(names),
                             info->num_classes);
    return AVP_OK;
}

/* --names, else the model's own (ultralytics metadata), else COCO-80. */
static int load_names(const detect_cmd_t *c, const infer_info_t *info,
                      detect_names_t **names, avp_error_t *err)
{
    if (c->names_path)
        return detect_names_load(c->names_path, names, err);
    *names = info->num_names ? detect_names_copy(info->names, info->num_names)
                             : detect_names_coco();
    return AVP_OK;
}

static int run_pipeline(detect_cmd_t *c, infer_model_t *model,
                        const detect_names_t *names, detect_run_t *r,
                        avp_error_t *err)
{
    static bool keep[DETECT_MAX_CLASSES];
    if (c->classes) {
        if (cli_parse_classes(c->classes, names, keep, err))
            return avp_error_prefix(err, "--classes");
        c->params.keep = keep;
    }
    int rc = open_writers(c, names, r, err);
    if (rc)
        return rc;
    media_damage_t damage;
    detect_pipeline_opts_t opt = {
        .family = c->family, .params = c->params, .media = c->media,
        .sink = sink, .progress = progress, .user = r, .cancel = &interrupted,
        .damage = &damage};
    rc = detect_pipeline_run(model, c->input, &opt, err);
    if (r->tty)
        fputc('\n', stderr);
    if (rc == AVP_OK && damage.what[0])
        fprintf(stderr, "avp detect: warning: %s is damaged: %lld frames lost, "
                "%lld concealed: %s\n", c->input, (long long)damage.frames_lost,
                (long long)damage.frames_concealed, damage.what);
    if (rc == AVP_OK && r->jsonl)
        rc = detect_writer_commit(r->jsonl, err), r->jsonl = NULL;
    if (rc == AVP_OK && r->coco)
        rc = detect_writer_commit(r->coco, err), r->coco = NULL;
    return rc;
}

static int run(detect_cmd_t *c)
{
    avp_error_t err = {0};
    detect_names_t *names = NULL;
    infer_model_t *model = NULL;
    detect_run_t r = {.tty = isatty(STDERR_FILENO)};
    double start = avp_now();
    infer_options_t io = {.batch = c->batch, .threads = c->threads};

    int rc = infer_model_load(c->model_path, &io, &model, &err);
    if (rc == AVP_OK && infer_model_info(model)->batch_note[0])
        fprintf(stderr, "avp detect: %s\n", infer_model_info(model)->batch_note);
    if (rc == AVP_OK && infer_model_info(model)->raw_scores)
        fprintf(stderr, "avp detect: the model outputs raw logits (its export "
                "lacks the final Sigmoid on the scores); AVP applies it\n");
    if (rc == AVP_OK)
        rc = load_names(c, infer_model_info(model), &names, &err);
    if (rc == AVP_OK)
        rc = check_names(c, infer_model_info(model), names, &err);
    if (rc == AVP_OK)
        rc = run_pipeline(c, model, names, &r, &err);

    detect_writer_abort(r.jsonl);
    detect_writer_abort(r.coco);
    infer_model_destroy(model);
    detect_names_destroy(names);
    if (rc != AVP_OK) {
        fprintf(stderr, "avp detect: %s\n", rc == AVP_ECANCELLED ?
                "interrupted; no output written" : err.msg);
        return 1;
    }
    double secs = avp_now() - start;
    fprintf(stderr, "avp detect: %lld frames, %lld detections, %.1f fps, "
            "%s preprocessing, peak memory %.0f MB\n", (long long)r.frames,
            (long long)r.detections, secs > 0 ? (double)r.frames / secs : 0,
            media_preprocess_name(c->media.preprocess),
            (double)avp_peak_rss() / (1024.0 * 1024.0));
    return 0;
}

int cli_detect(int argc, char **argv)
{
    detect_cmd_t c = {.batch = 8, .threads = cli_default_threads(),
                      .family = INFER_FAMILY_UNKNOWN, .media = {.every = 1}};
    detect_params_default(&c.params);
    int rc = parse_args(&c, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    return run(&c);
}
