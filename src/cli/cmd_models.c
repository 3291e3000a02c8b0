/* cmd_models.c - `avp models inspect`: what is inside an ONNX file. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char usage[] =
    "usage: avp models inspect [--json] [--batch N] [--max-memory BYTES] "
    "MODEL.onnx\n"
    "Prints inputs, outputs, op histogram, parameter count, FLOPs per frame,\n"
    "the detected YOLO family, the preprocessing and class names detect will\n"
    "use (the model's metadata, else COCO-80) and ultralytics' metadata. --max-memory: loading may map at most\n"
    "BYTES beyond what the process has before (the server's loader child).\n";

static void print_dims(FILE *f, const infer_tensor_info_t *t)
{
    fprintf(f, "  %-24s [", t->name);
    for (int d = 0; d < t->ndim; d++)
        fprintf(f, "%s%lld", d ? ", " : "", (long long)t->dims[d]);
    fprintf(f, "]\n");
}

/* The letterbox detect will use, in words. */
static void preprocess_text(const infer_info_t *info, char *buf, size_t len)
{
    media_letterbox_t lb;
    const infer_tensor_info_t *in = &info->inputs[0];
    detect_letterbox_for(info->family, in->ndim == 4 ? (int)in->dims[3] : 0,
                         in->ndim == 4 ? (int)in->dims[2] : 0, &lb);
    snprintf(buf, len, "%dx%d %s %s, letterbox %s, pad %d", lb.width,
             lb.height, lb.order == MEDIA_ORDER_BGR ? "BGR" : "RGB",
             lb.scale == 1.0f ? "0-255" : "/255",
             lb.centered ? "centred" : "top-left", lb.pad);
}

static void print_names(const infer_info_t *info)
{
    detect_names_t *coco = info->num_names ? NULL : detect_names_coco();
    int n = info->num_names ? info->num_names : detect_names_count(coco);
    printf("names      %d, %s:", n, info->num_names ? "from the model"
                                                      : "COCO-80 (default)");
    for (int i = 0; i < n; i++)
        printf("%s %d %s", i ? "," : "", i, info->num_names ? info->names[i]
                                        : detect_names_get(coco, i));
    printf("\n");
    detect_names_destroy(coco);
}

static void print_text(const char *path, const infer_info_t *info)
{
    char pre[128];
    preprocess_text(info, pre, sizeof(pre));
    printf("model      %s\nopset      %d\nfamily     %s (%d classes)\n", path,
           info->opset, infer_family_name(info->family), info->num_classes);
    printf("preprocess %s\n", pre);
    print_names(info);
    if (info->task[0] || info->ultralytics)
        printf("metadata   task %s, imgsz %lldx%lld, stride %d, batch %d, "
               "half %s\n", info->task[0] ? info->task : "?",
               (long long)info->imgsz[0], (long long)info->imgsz[1],
               info->stride, info->export_batch, info->half ? "yes" : "no");
    if (info->batch_note[0])
        printf("batch      %s\n", info->batch_note);
    if (info->raw_scores)
        printf("scores     raw logits (the export lacks its final Sigmoid): "
               "detect applies it\n");
    printf("params     %lld\nGFLOPs     %.3f per frame\narena      %.1f MB\n",
           (long long)info->params, info->flops_per_frame / 1e9,
           (double)info->arena_bytes / (1024.0 * 1024.0));
    printf("inputs\n");
    for (int i = 0; i < info->num_inputs; i++)
        print_dims(stdout, &info->inputs[i]);
    printf("outputs\n");
    for (int i = 0; i < info->num_outputs; i++)
        print_dims(stdout, &info->outputs[i]);
    printf("ops\n");
    for (int i = 0; i < info->num_op_counts; i++)
        printf("  %-24s %d\n", info->op_counts[i].op, info->op_counts[i].count);
}

static json_t *tensors_json(const infer_tensor_info_t *t, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_t *dims = json_array();
        for (int d = 0; d < t[i].ndim; d++)
            json_array_append_new(dims, json_integer(t[i].dims[d]));
        json_array_append_new(arr, json_pack("{s:s, s:o}", "name", t[i].name,
                                             "shape", dims));
    }
    return arr;
}

static json_t *names_json(const infer_info_t *info)
{
    json_t *arr = json_array();
    for (int i = 0; i < info->num_names; i++)
        json_array_append_new(arr, json_string(info->names[i]));
    return arr;
}

static void print_json(const char *path, const infer_info_t *info)
{
    char pre[128];
    preprocess_text(info, pre, sizeof(pre));
    json_t *ops = json_object();
    for (int i = 0; i < info->num_op_counts; i++)
        json_object_set_new(ops, info->op_counts[i].op,
                            json_integer(info->op_counts[i].count));
    json_t *root = json_pack(
        "{s:s, s:i, s:s, s:i, s:I, s:f, s:I, s:o, s:o, s:o}", "model", path,
        "opset", info->opset, "family", infer_family_name(info->family),
        "num_classes", info->num_classes, "params", (json_int_t)info->params,
        "flops_per_frame", info->flops_per_frame, "arena_bytes",
        (json_int_t)info->arena_bytes, "inputs",
        tensors_json(info->inputs, info->num_inputs), "outputs",
        tensors_json(info->outputs, info->num_outputs), "ops", ops);
    json_object_set_new(root, "preprocess", json_string(pre));
    json_object_set_new(root, "names", names_json(info));
    json_object_set_new(root, "task", json_string(info->task));
    json_object_set_new(root, "batch_note", json_string(info->batch_note));
    json_object_set_new(root, "raw_scores", json_boolean(info->raw_scores));
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(root);
}

/* Caps the address space at what is mapped now plus bytes, before the
 * file is read: the budget is relative because a sanitizer build maps
 * terabytes of shadow up front. An existing lower hard limit stays. */
static int limit_memory(long bytes, avp_error_t *err)
{
    unsigned long pages = 0;
    struct rlimit rl;
    FILE *f = fopen("/proc/self/statm", "r");
    int ok = f && fscanf(f, "%lu", &pages) == 1;
    if (f)
        fclose(f);
    if (!ok || getrlimit(RLIMIT_AS, &rl) < 0)
        return avp_error_set(err, AVP_EIO, "cannot read the address space");
    rlim_t want = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)bytes;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
        want = rl.rlim_max;
    rl.rlim_cur = rl.rlim_max = want;
    if (setrlimit(RLIMIT_AS, &rl) < 0)
        return avp_error_set(err, AVP_EIO, "cannot limit memory: %s",
                             strerror(errno));
    return AVP_OK;
}

/* Returns 0, -1 after --help, or 2 after a usage error. */
static int parse_inspect(int argc, char **argv, int *as_json, long *batch,
                         long *max_memory, const char **path)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"batch", required_argument, 0, 'b'},
        {"max-memory", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': *as_json = 1; break;
        case 'b':
            if (cli_parse_int(optarg, 1, 64, batch))
                return cli_bad_value("models", longopts, opt, optarg);
            break;
        case 'm':
            if (cli_parse_int(optarg, 1 << 20, 1L << 46, max_memory))
                return cli_bad_value("models", longopts, opt, optarg);
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option("models", opt, argv, usage);
        }
    }
    if (optind == argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (argc - optind > 1)
        return cli_bad_argument("models", argv[optind + 1], usage);
    *path = argv[optind];
    return 0;
}

static int inspect(int argc, char **argv)
{
    int as_json = 0;
    long batch = 1, max_memory = 0;
    const char *path = NULL;
    int rc = parse_inspect(argc, argv, &as_json, &batch, &max_memory, &path);
    if (rc)
        return rc < 0 ? 0 : rc;
    avp_error_t err = {0};
    infer_model_t *m = NULL;
    infer_options_t opt = {.batch = (int)batch, .threads = 1};
    if ((max_memory && limit_memory(max_memory, &err)) ||
        infer_model_load(path, &opt, &m, &err)) {
        fprintf(stderr, "avp models: %s\n", err.msg);
        return 1;
    }
    if (as_json)
        print_json(path, infer_model_info(m));
    else
        print_text(path, infer_model_info(m));
    infer_model_destroy(m);
    return 0;
}

int cli_models(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "inspect"))
        return inspect(argc - 1, argv + 1);
    fputs(usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
    return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
