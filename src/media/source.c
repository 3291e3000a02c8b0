/*
 * source.c - media_source_t: a video, an image or a folder of images as one
 * stream of frames, with sampling (every Nth frame or a target rate) and
 * resuming (start_frame), each kept frame letterboxed into the caller's
 * tensor. The first frame is decoded at open, so a source that opens is
 * known to be decodable and its info holds real frame dimensions.
 *
 * Sampling is decided for every decoded frame, also those before
 * start_frame, so a resumed run keeps exactly the frames the first run
 * would have kept after that point.
 */
#include "media/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct media_source {
    media_info_t info;
    media_options_t opt;
    char *path;
    media_decoder_t dec;    /* the video, the image, or the current folder image */
    int pending;            /* dec.frame holds the frame decoded at open */
    media_folder_t folder;
    size_t next_image;      /* folder: position of the next image to open */
    char *image_path;       /* folder: "<dir>/<name>" of the current image */
    media_convert_t conv;
    int64_t decoded;        /* video: frames decoded so far */
    double fps_next;        /* fps sampling: the next k/fps boundary, as k */
    double last_t;          /* for frames without a timestamp */
};

/* For a single image, and for a probe that decodes one frame, decoder
 * threads only add start-up time. */
#define MEDIA_ONE_THREAD 1

static int check_options(const media_options_t *o, avp_error_t *err)
{
    if (o->every < 0 || o->threads < 0 || o->start_frame < 0 ||
        !(o->fps >= 0) || !isfinite(o->fps))
        return avp_error_set(err, AVP_EINVAL,
                             "media options: every, fps, threads and "
                             "start_frame must be >= 0");
    if (o->fps > 0 && o->every > 1)
        return avp_error_set(err, AVP_EINVAL,
                             "media options: use either every or fps, not both");
    return AVP_OK;
}

static int first_frame(media_source_t *s, const char *path, avp_error_t *err)
{
    int ret = media__decoder_next(&s->dec, err);
    if (ret == 0)
        return avp_error_set(err, AVP_EFORMAT,
                             "%s: not a video or image (no decodable frame)", path);
    return ret < 0 ? ret : AVP_OK;
}

static int open_file(media_source_t *s, avp_error_t *err)
{
    int ret = media__decoder_open(&s->dec, s->path, s->opt.threads, err);
    if (ret == AVP_OK)
        ret = first_frame(s, s->path, err);
    if (ret == AVP_OK)
        media__decoder_info(&s->dec, &s->info);
    s->pending = ret == AVP_OK;
    return ret;
}

/* Opens image number next_image of the folder and decodes it. */
static int open_image(media_source_t *s, avp_error_t *err)
{
    const char *name = s->folder.names[s->next_image++];
    sprintf(s->image_path, "%s/%s", s->path, name); /* sized at open */
    int ret = media__decoder_open(&s->dec, s->image_path, MEDIA_ONE_THREAD, err);
    if (ret == AVP_OK)
        ret = first_frame(s, s->image_path, err);
    return ret;
}

static int open_folder(media_source_t *s, avp_error_t *err)
{
    if (s->opt.fps > 0)
        return avp_error_set(err, AVP_EINVAL,
                             "%s: fps sampling needs a video, not a folder", s->path);
    int ret = media__folder_list(s->path, &s->folder, err);
    if (ret != AVP_OK)
        return ret;
    size_t longest = 0;
    for (size_t i = 0; i < s->folder.count; i++) {
        size_t n = strlen(s->folder.names[i]);
        longest = n > longest ? n : longest;
    }
    s->image_path = avp_malloc(strlen(s->path) + longest + 2);
    ret = open_image(s, err);
    if (ret != AVP_OK)
        return ret;
    media__decoder_info(&s->dec, &s->info);
    s->info.kind = MEDIA_FOLDER;
    s->info.frame_count = (int64_t)s->folder.count;
    snprintf(s->info.format, sizeof(s->info.format), "folder");
    s->pending = 1;
    return AVP_OK;
}

int media__stat_path(const char *path, int *is_dir, avp_error_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return avp_error_set(err, errno == ENOENT || errno == ENOTDIR
                                      ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "%s: not a file or folder", path);
    *is_dir = S_ISDIR(st.st_mode);
    return AVP_OK;
}

int media_source_open(const char *path, const media_options_t *opt,
                      media_source_t **out, avp_error_t *err)
{
    *out = NULL;
    media_options_t o = {.every = 1};
    if (opt)
        o = *opt;
    o.every = o.every ? o.every : 1;
    int is_dir = 0;
    int ret = check_options(&o, err);
    if (ret == AVP_OK)
        ret = media__stat_path(path, &is_dir, err);
    if (ret != AVP_OK)
        return ret;
    media_source_t *s = avp_calloc(1, sizeof(*s));
    s->opt = o;
    s->path = avp_strdup(path);
    ret = is_dir ? open_folder(s, err) : open_file(s, err);
    if (ret != AVP_OK) {
        media_source_close(s);
        return ret;
    }
    *out = s;
    return AVP_OK;
}

void media_source_close(media_source_t *s)
{
    if (!s)
        return;
    media__decoder_close(&s->dec);
    media__convert_fini(&s->conv);
    media__folder_fini(&s->folder);
    avp_free(s->image_path);
    avp_free(s->path);
    avp_free(s);
}

const media_info_t *media_source_info(const media_source_t *s)
{
    return &s->info;
}

/* Images are independent, so unlike video frames the ones sampling would
 * drop (or a resume skips) need not be decoded at all. */
static void skip_unwanted_images(media_source_t *s)
{
    while (s->next_image < s->folder.count &&
           ((int64_t)s->next_image < s->opt.start_frame ||
            s->next_image % (size_t)s->opt.every != 0))
        s->next_image++;
}

/* Decodes the next frame of the source into s->dec.frame: 1, 0 at the end
 * or an error. A folder's images have one frame each; a bad image fails
 * this call and the next call goes on with the following image. */
static int next_frame(media_source_t *s, avp_error_t *err)
{
    if (s->pending) {
        s->pending = 0;
        return 1;
    }
    if (s->info.kind != MEDIA_FOLDER)
        return media__decoder_next(&s->dec, err);
    media__decoder_close(&s->dec);
    skip_unwanted_images(s);
    if (s->next_image >= s->folder.count)
        return 0;
    int ret = open_image(s, err);
    return ret == AVP_OK ? 1 : ret;
}

/* A frame without a timestamp (rare: raw streams) follows the previous one
 * by one nominal frame duration. */
static double frame_time(media_source_t *s, int64_t index)
{
    if (s->info.kind != MEDIA_VIDEO)
        return 0;
    double t = media__decoder_frame_time(&s->dec);
    if (isnan(t))
        t = index == 0 ? 0 : s->last_t + (s->info.fps > 0 ? 1 / s->info.fps : 0);
    s->last_t = t;
    return t;
}

/* fps sampling keeps the first frame at or past each k/fps boundary; the
 * epsilon stops t = 0.3 at 10 fps (2.9999999999999996) from missing k = 3. */
static int sampled(media_source_t *s, int64_t index, double t)
{
    if (s->opt.fps <= 0)
        return index % s->opt.every == 0;
    double k = t * s->opt.fps;
    if (k < s->fps_next - 1e-6)
        return 0;
    s->fps_next = floor(k + 1e-6) + 1;
    return 1;
}

int media_source_read(media_source_t *s, const media_letterbox_t *lb,
                      float *dst, media_frame_t *frame, avp_error_t *err)
{
    int ret = media__letterbox_check(lb, err);
    if (ret != AVP_OK)
        return ret;
    if (!dst || !frame)
        return avp_error_set(err, AVP_EINVAL, "media_source_read: no output");
    for (;;) {
        ret = next_frame(s, err);
        if (ret <= 0)
            return ret;
        int64_t index = s->info.kind == MEDIA_FOLDER ? (int64_t)s->next_image - 1
                                                     : s->decoded++;
        double t = frame_time(s, index);
        int keep = sampled(s, index, t); /* always: it updates fps state */
        if (!keep || index < s->opt.start_frame) {
            av_frame_unref(s->dec.frame);
            continue;
        }
        ret = media__convert_frame(&s->conv, s->dec.frame, lb, dst, frame, err);
        av_frame_unref(s->dec.frame);
        if (ret != AVP_OK)
            return avp_error_prefix(err, "%s", s->dec.path);
        frame->index = index;
        frame->t = t;
        return 1;
    }
}

int media_probe(const char *path, media_info_t *info, avp_error_t *err)
{
    media_options_t o = {.every = 1, .threads = MEDIA_ONE_THREAD};
    media_source_t *s;
    int ret = media_source_open(path, &o, &s, err);
    if (ret != AVP_OK)
        return ret;
    *info = s->info;
    media_source_close(s);
    return AVP_OK;
}
