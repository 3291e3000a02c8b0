/*
 * thumbnail.c - a JPEG of the frame nearest to a time, for the web UI:
 * seek to the key frame before t, decode forward to the frame closest to t,
 * scale it down with swscale (area averaging: sharp, no aliasing) and
 * encode it with libavcodec's mjpeg encoder; or a crop of that frame
 * around a box (the failure gallery's). The file appears atomically
 * (written beside out_path, then renamed), so a server never serves half a
 * thumbnail.
 */
#include "media/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libswscale/swscale.h>

/* mjpeg quantiser scale: 2..31, lower is better; 3 is visually clean. */
#define MEDIA_JPEG_QSCALE 3
/* A crop's margin on each side: a fifth of the box, at least 8 px. */
#define MEDIA_CROP_MARGIN 0.2
#define MEDIA_CROP_MIN_PX 8.0

/* Whether a seek by time can find t: not in a file whose clock jumps
 * (MPEG-TS recordings joined), where the same timestamps come again and
 * t is AVP's continuous clock, not the stream's; one read of the packets
 * (no decoding) tells. */
static int seekable_by_time(const media_decoder_t *d, const char *path)
{
    if (d->image || !(d->fmt->iformat->flags & AVFMT_TS_DISCONT))
        return 1;
    return !media__clock_jumps(path, 0); /* the stream media_thumbnail() opens */
}

/* Leaves in best the decoded frame whose time is closest to t. Frames come
 * out of the decoder in presentation order, so the first frame past t ends
 * the search. A file that cannot seek (or whose clock jumps) is decoded
 * from its start, on the continuous clock media_source_read() gives. */
static int nearest_frame(media_decoder_t *d, const char *path, double t,
                         AVFrame *best, avp_error_t *err)
{
    int from_start = t <= 0 || !seekable_by_time(d, path) ||
                     media__decoder_seek(d, t, NULL) != AVP_OK;
    media__avlog_clear();
    media_info_t info;
    media__decoder_info(d, &info);
    media_clock_t clock = {0};
    double best_dt = INFINITY;
    for (;;) {
        int ret = media__decoder_next(d, err);
        if (ret < 0)
            return ret;
        if (ret == 0)
            break;
        double ft = from_start ? media__clock_time(&clock, d, info.fps)
                               : media__decoder_frame_time(d);
        double dt = isnan(ft) ? 0 : fabs(ft - t);
        if (dt > best_dt)
            break;
        av_frame_unref(best);
        av_frame_move_ref(best, d->frame);
        best_dt = dt;
        if (isnan(ft) || ft >= t)
            break;
    }
    if (isinf(best_dt))
        return avp_error_set(err, AVP_EFORMAT,
                             "%s: not a video or image (no decodable frame)", d->path);
    return AVP_OK;
}

/* Scales src to fit max_width (never up; a crop, which is small, to
 * exactly that width) into a new full-range YUV 4:2:0 frame, the mjpeg
 * encoder's input. */
static int scale_frame(const AVFrame *src, int max_width, int exact,
                       AVFrame *dst, avp_error_t *err)
{
    int w = src->width < max_width && !exact ? src->width : max_width;
    int h = (int)lround((double)src->height * w / src->width);
    dst->width = w;
    dst->height = h < 1 ? 1 : h;
    dst->format = AV_PIX_FMT_YUVJ420P;
    dst->color_range = AVCOL_RANGE_JPEG;
    if (av_frame_get_buffer(dst, 0) < 0)
        return avp_error_set(err, AVP_ENOMEM, "thumbnail: out of memory");
    int full;
    int fmt = media__sws_source_format(src, &full);
    struct SwsContext *sws = sws_getContext(src->width, src->height, fmt,
                                            dst->width, dst->height,
                                            AV_PIX_FMT_YUV420P, SWS_AREA,
                                            NULL, NULL, NULL);
    if (!sws)
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "thumbnail: cannot convert this pixel format");
    media__sws_set_colors(sws, src->colorspace, full, 1);
    sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0,
              src->height, dst->data, dst->linesize);
    sws_freeContext(sws);
    return AVP_OK;
}

static int encode_jpeg(AVFrame *img, AVPacket *pkt, avp_error_t *err)
{
    const AVCodec *enc = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *c = enc ? avcodec_alloc_context3(enc) : NULL;
    if (!c)
        return avp_error_set(err, AVP_EUNSUPPORTED, "thumbnail: no mjpeg encoder");
    c->width = img->width;
    c->height = img->height;
    c->pix_fmt = AV_PIX_FMT_YUVJ420P;
    c->color_range = AVCOL_RANGE_JPEG;
    c->time_base = (AVRational){1, 1};
    c->flags |= AV_CODEC_FLAG_QSCALE;
    img->quality = c->global_quality = FF_QP2LAMBDA * MEDIA_JPEG_QSCALE;
    img->pts = 0;
    int ret = avcodec_open2(c, enc, NULL);
    if (ret >= 0)
        ret = avcodec_send_frame(c, img);
    if (ret >= 0)
        ret = avcodec_send_frame(c, NULL);
    if (ret >= 0)
        ret = avcodec_receive_packet(c, pkt);
    avcodec_free_context(&c);
    if (ret < 0)
        return media__av_error(err, AVP_EINTERNAL, "thumbnail", "jpeg encoding failed", ret);
    return AVP_OK;
}

static int write_all(int fd, const uint8_t *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0)
            return -1;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_atomic(const char *path, const uint8_t *data, size_t n,
                        avp_error_t *err)
{
    size_t len = strlen(path) + sizeof(".tmp-XXXXXX");
    char *tmp = avp_malloc(len);
    snprintf(tmp, len, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    int ok = fd >= 0 && write_all(fd, data, n) == 0;
    ok = (fd < 0 || close(fd) == 0) && ok;
    ok = ok && rename(tmp, path) == 0;
    int why = errno;
    if (!ok && fd >= 0)
        unlink(tmp);
    avp_free(tmp);
    if (!ok)
        return avp_error_set(err, AVP_EIO, "%s: cannot write: %s", path,
                             strerror(why));
    return AVP_OK;
}

/* Crops f to box (x1, y1, x2, y2 in its pixels) grown by the margin on
 * every side and clamped to the frame: a box seen with what is around it.
 * AVP_EINVAL for a box off the frame. */
static int crop_frame(AVFrame *f, const double *box, avp_error_t *err)
{
    double mx = fmax(MEDIA_CROP_MARGIN * (box[2] - box[0]), MEDIA_CROP_MIN_PX);
    double my = fmax(MEDIA_CROP_MARGIN * (box[3] - box[1]), MEDIA_CROP_MIN_PX);
    double x1 = fmax(floor(box[0] - mx), 0), y1 = fmax(floor(box[1] - my), 0);
    double x2 = fmin(ceil(box[2] + mx), f->width);
    double y2 = fmin(ceil(box[3] + my), f->height);
    if (!(x2 - x1 >= 2 && y2 - y1 >= 2))
        return avp_error_set(err, AVP_EINVAL, "thumbnail: the box %.1f,%.1f,"
                             "%.1f,%.1f is not on the %dx%d frame", box[0],
                             box[1], box[2], box[3], f->width, f->height);
    f->crop_left = (size_t)x1;
    f->crop_top = (size_t)y1;
    f->crop_right = (size_t)(f->width - x2);
    f->crop_bottom = (size_t)(f->height - y2);
    if (av_frame_apply_cropping(f, AV_FRAME_CROP_UNALIGNED) < 0)
        return avp_error_set(err, AVP_EINTERNAL, "thumbnail: cannot crop");
    return AVP_OK;
}

static int thumbnail(const char *path, double t, const double *box,
                     int max_width, const char *out_path, avp_error_t *err)
{
    if (max_width <= 0 || !isfinite(t))
        return avp_error_set(err, AVP_EINVAL, "thumbnail: bad width or time");
    if (box && !(isfinite(box[0]) && isfinite(box[1]) && isfinite(box[2]) &&
                 isfinite(box[3]) && box[2] > box[0] && box[3] > box[1]))
        return avp_error_set(err, AVP_EINVAL, "thumbnail: the box needs "
                             "x1 < x2 and y1 < y2");
    int is_dir, ret = media__stat_path(path, &is_dir, err);
    if (ret == AVP_OK && is_dir)
        ret = avp_error_set(err, AVP_EUNSUPPORTED, "%s: thumbnail of a folder", path);
    if (ret != AVP_OK)
        return ret;
    media_decoder_t d;
    ret = media__decoder_open(&d, path, 0, 0, err);
    if (ret != AVP_OK)
        return ret;
    AVFrame *best = av_frame_alloc(), *small = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    if (!best || !small || !pkt)
        ret = avp_error_set(err, AVP_ENOMEM, "thumbnail: out of memory");
    if (ret == AVP_OK)
        ret = nearest_frame(&d, path, t, best, err);
    if (ret == AVP_OK && box)
        ret = crop_frame(best, box, err);
    if (ret == AVP_OK)
        ret = scale_frame(best, max_width, box != NULL, small, err);
    if (ret == AVP_OK)
        ret = encode_jpeg(small, pkt, err);
    if (ret == AVP_OK)
        ret = write_atomic(out_path, pkt->data, (size_t)pkt->size, err);
    av_packet_free(&pkt);
    av_frame_free(&small);
    av_frame_free(&best);
    media__decoder_close(&d);
    return ret;
}

int media_thumbnail(const char *path, double t, int max_width,
                    const char *out_path, avp_error_t *err)
{
    return thumbnail(path, t, NULL, max_width, out_path, err);
}

int media_thumbnail_crop(const char *path, double t, const double box[4],
                         int width, const char *out_path, avp_error_t *err)
{
    return thumbnail(path, t, box, width, out_path, err);
}
