/* cmd_media.c - `avp media probe` and `avp media thumbnail`: what a video
 * is, and a JPEG of one of its frames. The API server runs them as child
 * processes (api/child.c) with --json, whose output is its protocol:
 * the facts, or {"error": {"code": AVP_E*, "message": ...}} and exit 1. */
#include "cli.h"

#include "media/media.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: avp media probe [--json] [--count-seconds S] FILE\n"
    "       avp media thumbnail [--json] --at SECONDS [--width N]\n"
    "                           [--crop X1,Y1,X2,Y2] FILE OUT.jpg\n"
    "probe: kind, displayed and stored size, rotation, frame rate, duration,\n"
    "frame count, codec, container, number of video streams. The frames are\n"
    "counted by reading the packets for at most S seconds (default 30; 0: the\n"
    "container's count or estimate, frame_count_exact false).\n"
    "thumbnail: a JPEG of the frame nearest to SECONDS (the last one past the\n"
    "end), scaled down to N pixels wide (default 320), never up. --crop:\n"
    "only that box of the picture with a margin around it, N pixels wide.\n";

static const char *kind_name(media_kind_t k)
{
    return k == MEDIA_VIDEO ? "video" : k == MEDIA_IMAGE ? "image" : "folder";
}

/* The failure as the --json protocol says, or as a CLI error line. */
static int fail(int as_json, const avp_error_t *err)
{
    if (as_json) {
        json_t *e = json_pack("{s:{s:i, s:s}}", "error", "code", err->code,
                              "message", err->msg);
        json_dumpf(e, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(e);
    } else
        fprintf(stderr, "avp media: %s\n", err->msg);
    return 1;
}

static void print_info(int as_json, const media_info_t *i)
{
    if (!as_json) {
        printf("kind        %s\nsize        %dx%d\nstored      %dx%d\n"
               "rotation    %d%s\nfps         %.3f\nduration    %.3f s\n"
               "frames      %lld\ncodec       %s\ncontainer   %s\n"
               "streams     %d video\n",
               kind_name(i->kind), i->width, i->height, i->stored_width,
               i->stored_height, i->rotation, i->mirrored ? " mirrored" : "",
               i->fps, i->duration, (long long)i->frame_count, i->codec,
               i->format, i->video_streams);
        return;
    }
    json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:f, s:f, s:I, "
                          "s:s, s:s, s:i, s:b}", "kind", kind_name(i->kind), "width",
                          i->width, "height", i->height, "stored_width",
                          i->stored_width, "stored_height", i->stored_height,
                          "rotation", i->rotation, "mirrored", i->mirrored,
                          "fps", i->fps, "duration", i->duration,
                          "frame_count", (json_int_t)i->frame_count, "codec",
                          i->codec, "format", i->format, "video_streams",
                          i->video_streams, "frame_count_exact",
                          i->frame_count_exact);
    json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(17));
    fputc('\n', stdout);
    json_decref(o);
}

typedef struct media_cmd {
    int as_json;
    double at, count_seconds;
    long width;
    int have_at;
    double crop[4];
    int have_crop;
    char **files;
    int nfiles;
} media_cmd_t;

/* "x1,y1,x2,y2": four numbers, x1 < x2 and y1 < y2. */
static int parse_box(const char *s, double box[4])
{
    char tail;
    if (sscanf(s, "%lf,%lf,%lf,%lf%c", &box[0], &box[1], &box[2], &box[3],
               &tail) != 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (!isfinite(box[i]) || fabs(box[i]) > 1e6)
            return -1;
    return box[2] > box[0] && box[3] > box[1] ? 0 : -1;
}

static int parse(media_cmd_t *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"at", required_argument, 0, 'a'},
        {"width", required_argument, 0, 'w'}, {"crop", required_argument, 0, 'c'},
        {"count-seconds", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': c->as_json = 1; break;
        case 'a':
            if (cli_parse_float(optarg, 0, 1e9, &c->at))
                return cli_bad_value("media", longopts, opt, optarg);
            c->have_at = 1;
            break;
        case 's':
            if (cli_parse_float(optarg, 0, 86400, &c->count_seconds))
                return cli_bad_value("media", longopts, opt, optarg);
            break;
        case 'w':
            if (cli_parse_int(optarg, 16, 8192, &c->width))
                return cli_bad_value("media", longopts, opt, optarg);
            break;
        case 'c':
            if (parse_box(optarg, c->crop))
                return cli_bad_value("media", longopts, opt, optarg);
            c->have_crop = 1;
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option("media", opt, argv, usage);
        }
    }
    c->files = argv + optind;
    c->nfiles = argc - optind;
    return 0;
}

static int probe(const media_cmd_t *c)
{
    media_info_t info;
    avp_error_t err = {0};
    if (media_probe_counted(c->files[0], c->count_seconds, &info, &err) < 0)
        return fail(c->as_json, &err);
    print_info(c->as_json, &info);
    return 0;
}

static int thumbnail(const media_cmd_t *c)
{
    avp_error_t err = {0};
    int rc = c->have_crop
        ? media_thumbnail_crop(c->files[0], c->at, c->crop, (int)c->width,
                               c->files[1], &err)
        : media_thumbnail(c->files[0], c->at, (int)c->width, c->files[1],
                          &err);
    if (rc < 0)
        return fail(c->as_json, &err);
    if (c->as_json)
        puts("{}");
    return 0;
}

int cli_media(int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    media_cmd_t c = {.width = 320, .count_seconds = MEDIA_PROBE_COUNT_SECONDS};
    int is_probe = !strcmp(sub, "probe"), is_thumb = !strcmp(sub, "thumbnail");
    if (!is_probe && !is_thumb) {
        int help = !strcmp(sub, "--help") || !strcmp(sub, "-h");
        fputs(usage, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    int rc = parse(&c, argc - 1, argv + 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (c.nfiles != (is_probe ? 1 : 2) || (is_thumb && !c.have_at)) {
        fputs(usage, stderr);
        return 2;
    }
    return is_probe ? probe(&c) : thumbnail(&c);
}
