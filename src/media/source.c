/*
 * source.c - media_source_t: a video, an image or a folder of images as one
 * stream of frames, with sampling (every Nth frame or a target rate) and
 * resuming (start_frame), each kept frame letterboxed into the caller's
 * tensor. The first frame is decoded at open, so a source that opens is
 * known to be decodable and its info holds real frame dimensions.
 *
 * Sampling is decided for every frame, also those before start_frame, so
 * a resumed run keeps exactly the frames the first run would have kept
 * after that point. A video resumed at start_frame > 0 seeks to the last
 * keyframe at or before it (resume.c builds the frame index that says
 * where that is), replays sampling over the skipped frames' timestamps
 * from the index, and checks every decoded frame against the index. On
 * any doubt it decodes from frame 0 instead, dropping the frames below
 * start_frame (or, after the seek, below the frame where the doubt came
 * up: restart()), which is the path every resume took before seeking
 * existed.
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
    int64_t decoded;        /* video: index of the next decoded frame */
    int64_t skip_below;     /* frames below this index are not returned:
                             * start_frame, or where a restart resumes */
    double fps_next;        /* fps sampling: the next k/fps boundary, as k */
    media_clock_t clock;    /* t of the frames decoded since open */
    media_frame_index_t index; /* seeked video: the frames by index, each
                                * decoded frame checked against it; else empty */
    int leading;            /* seeked, the keyframe not yet out */
    int seeked;
    const char *fallback;   /* why a resume decoded from frame 0 (stats) */
    int64_t frames_earlier; /* decoded by decoders a restart closed (stats) */
};

enum { SEEK_KEEP, SEEK_DROP, SEEK_RESTART };

/* For a single image, and for a probe that decodes one frame, decoder
 * threads only add start-up time. */
#define MEDIA_ONE_THREAD 1

static int check_options(const media_options_t *o, avp_error_t *err)
{
    if (o->every < 0 || o->threads < 0 || o->start_frame < 0 || o->stream < 0 ||
        !(o->fps >= 0) || !isfinite(o->fps))
        return avp_error_set(err, AVP_EINVAL,
                             "media options: every, fps, threads, "
                             "start_frame and stream must be >= 0");
    if (o->fps > 0 && o->every > 1)
        return avp_error_set(err, AVP_EINVAL,
                             "media options: use either every or fps, not both");
    if (o->preprocess != MEDIA_PREPROCESS_EXACT &&
        o->preprocess != MEDIA_PREPROCESS_FAST)
        return avp_error_set(err, AVP_EINVAL,
                             "media options: bad preprocessing %d",
                             (int)o->preprocess);
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

static int sampled(media_source_t *s, int64_t index, double t);

/* Decodes from frame 0 again, as an uninterrupted source does, not
 * returning frames below target: the answer to every doubt about a seek.
 * Sampling starts over as well, since decoding frames 0.. replays it. */
static int restart(media_source_t *s, int64_t target, const char *why,
                   avp_error_t *err)
{
    if (!s->fallback)
        s->fallback = why;
    s->frames_earlier += s->dec.frames_out;
    media__frame_index_fini(&s->index);
    media__decoder_close(&s->dec);
    s->pending = 0;
    s->decoded = 0;
    s->fps_next = 0;
    s->clock = (media_clock_t){0};
    s->skip_below = target;
    return media__decoder_open(&s->dec, s->path, s->opt.stream,
                               s->opt.threads, err);
}

/* Resumes a video at start_frame from the last keyframe at or before it.
 * The index is built on a demuxer of its own, so until the seek the
 * source's decoder still holds frame 0: a doubt found before it is met by
 * decoding on from there. The frames before the keyframe are never
 * decoded, but fps sampling must have seen them: their times come from the
 * index through the same arithmetic as a decoded frame's
 * (media__decoder_pts_time()). */
static int seek_to_start(media_source_t *s, avp_error_t *err)
{
    int64_t key = 0;
    const char *why = media__frame_index_build(s->path, s->opt.stream,
                                               &s->index, s->info.frame_count);
    if (!why)
        why = media__frame_index_plan(&s->index, s->opt.start_frame, &key);
    if (why) {
        s->fallback = why;
        media__frame_index_fini(&s->index);
        return AVP_OK;
    }
    const media_index_entry_t *k = &s->index.e[key];
    why = media__decoder_seek_packet(&s->dec, k->pts, k->dts, k->size);
    if (why)
        return restart(s, s->opt.start_frame, why, err);
    av_frame_unref(s->dec.frame); /* frame 0, decoded at open */
    s->pending = 0;
    for (int64_t i = 0; i < key && s->opt.fps > 0; i++)
        sampled(s, i, media__decoder_pts_time(&s->dec, s->index.e[i].pts));
    s->decoded = key;
    s->leading = 1;
    s->seeked = 1;
    return AVP_OK;
}

static int open_file(media_source_t *s, avp_error_t *err)
{
    int ret = media__decoder_open(&s->dec, s->path, s->opt.stream,
                                  s->opt.threads, err);
    if (ret == AVP_OK)
        ret = first_frame(s, s->path, err);
    if (ret == AVP_OK)
        media__decoder_info(&s->dec, &s->info);
    s->pending = ret == AVP_OK;
    if (ret == AVP_OK && s->info.kind == MEDIA_VIDEO && s->opt.start_frame > 0)
        ret = seek_to_start(s, err);
    return ret;
}

/* Opens image number next_image of the folder and decodes it. */
static int open_image(media_source_t *s, avp_error_t *err)
{
    const char *name = s->folder.names[s->next_image++];
    sprintf(s->image_path, "%s/%s", s->path, name); /* sized at open */
    int ret = media__decoder_open(&s->dec, s->image_path, 0, MEDIA_ONE_THREAD,
                                  err);
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
    s->conv.mode = o.preprocess;
    s->skip_below = o.start_frame;
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
    media__frame_index_fini(&s->index);
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
    if (s->info.kind != MEDIA_FOLDER && !s->dec.codec) /* restart() failed */
        return avp_error_set(err, AVP_EIO, "%s: cannot be reopened", s->path);
    if (s->info.kind != MEDIA_FOLDER)
        return media__decoder_next(&s->dec, err);
    media__decoder_close(&s->dec);
    skip_unwanted_images(s);
    if (s->next_image >= s->folder.count)
        return 0;
    int ret = open_image(s, err);
    return ret == AVP_OK ? 1 : ret;
}

/* What a seeked video makes of the decoder's answer ret (1 a frame, 0 the
 * end, < 0 an error): after the seek, frames shown before the keyframe (an
 * open GOP's leading frames, which need frames before it) are dropped;
 * from the keyframe on each frame must be the one the index expects, and
 * the end must come where the index ends. Anything else is a restart,
 * also an error, which a decode from frame 0 may not meet. */
static int seek_verdict(media_source_t *s, int ret, const char **why)
{
    int64_t n = (int64_t)s->index.n;
    if (n == 0)
        return SEEK_KEEP;
    *why = "decoding failed after the seek";
    if (ret < 0)
        return ret == AVP_EFORMAT ? SEEK_RESTART : SEEK_KEEP;
    *why = "the decoder ended before the frame index";
    if (ret == 0)
        return s->decoded == n ? SEEK_KEEP : SEEK_RESTART;
    int64_t pts = s->dec.frame->best_effort_timestamp;
    if (s->leading && pts != AV_NOPTS_VALUE && pts < s->index.e[s->decoded].pts)
        return SEEK_DROP;
    s->leading = 0;
    *why = "a decoded frame is not the one the frame index expects";
    return s->decoded < n && pts == s->index.e[s->decoded].pts ? SEEK_KEEP
                                                               : SEEK_RESTART;
}

/* The next frame in s->dec.frame and its index: 1, 0 at the end, or an
 * error. */
static int next_numbered(media_source_t *s, int64_t *index, avp_error_t *err)
{
    for (;;) {
        int ret = next_frame(s, err);
        const char *why = NULL;
        int verdict = seek_verdict(s, ret, &why);
        if (verdict == SEEK_DROP) {
            av_frame_unref(s->dec.frame);
            continue;
        }
        if (verdict == SEEK_RESTART) {
            ret = restart(s, s->decoded, why, err);
            if (ret < 0)
                return ret;
            continue;
        }
        if (ret == 1)
            *index = s->info.kind == MEDIA_FOLDER ? (int64_t)s->next_image - 1
                                                  : s->decoded++;
        return ret;
    }
}

/* Images have t = 0; a video's frames, its continuous clock's. */
static double frame_time(media_source_t *s)
{
    if (s->info.kind != MEDIA_VIDEO)
        return 0;
    return media__clock_time(&s->clock, &s->dec, s->info.fps);
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
        int64_t index = 0;
        ret = next_numbered(s, &index, err);
        if (ret <= 0)
            return ret;
        double t = frame_time(s);
        int keep = sampled(s, index, t); /* always: it updates fps state */
        if (!keep || index < s->skip_below) {
            av_frame_unref(s->dec.frame);
            continue;
        }
        ret = media__convert_frame(&s->conv, s->dec.frame, s->dec.codec, lb,
                                   dst, frame, err);
        av_frame_unref(s->dec.frame);
        if (ret != AVP_OK)
            return avp_error_prefix(err, "%s", s->dec.path);
        frame->index = index;
        frame->t = t;
        return 1;
    }
}

void media_source_damage(media_source_t *s, media_damage_t *out)
{
    memset(out, 0, sizeof(*out));
    if (s->info.kind != MEDIA_VIDEO || !s->dec.codec)
        return;
    /* A resume that seeked read only the file's tail. */
    int whole_file = !s->seeked || s->fallback;
    out->frames_lost = media__decoder_frames_lost(&s->dec, whole_file);
    out->frames_concealed = s->dec.frames_concealed;
    snprintf(out->what, sizeof(out->what), "%s", s->dec.damage);
}

void media__source_resume_stats(const media_source_t *s, media_resume_stats_t *out)
{
    out->seeked = s->seeked;
    out->fallback = s->fallback;
    out->frames_decoded = s->frames_earlier + s->dec.frames_out;
}

int media_probe_counted(const char *path, double count_seconds,
                        media_info_t *info, avp_error_t *err)
{
    media_options_t o = {.every = 1, .threads = MEDIA_ONE_THREAD};
    media_source_t *s;
    int ret = media_source_open(path, &o, &s, err);
    if (ret != AVP_OK)
        return ret;
    *info = s->info;
    media_source_close(s);
    int64_t n = info->kind == MEDIA_VIDEO && count_seconds > 0
                    ? media__count_frames(path, 0, count_seconds) : -1;
    if (n > 0) {
        info->frame_count = n;
        info->frame_count_exact = 1;
    }
    return AVP_OK;
}

int media_probe(const char *path, media_info_t *info, avp_error_t *err)
{
    return media_probe_counted(path, MEDIA_PROBE_COUNT_SECONDS, info, err);
}
