/*
 * letterbox_exact.c - exact mode's pixels: the frame exactly as OpenCV's
 * VideoCapture (FFmpeg backend, OpenCV 4.6 as Debian ships it) hands it to
 * Python, then cv::resize(INTER_LINEAR) of it (resize.c).
 *
 * VideoCapture converts each decoded frame with one swscale call and does
 * nothing else to the pixels: a context from the codec's coded size (1920 x
 * 1088 for a 1080p H.264 stream) to the same size in BGR24, SWS_BICUBIC,
 * the frame's own pixel format and no sws_setColorspaceDetails(). So:
 * - the matrix is swscale's default, BT.601, whatever the stream is tagged
 *   (BT.709 HD streams included);
 * - the range is limited unless the pixel format is a full-range yuvj one
 *   (swscale reads the range from the deprecated format; a color_range tag
 *   on yuv420p is ignored);
 * - 8-bit 4:2:0 goes through swscale's unscaled converter (each chroma
 *   sample used for its 2 x 2 block, no interpolation); formats that
 *   converter lacks (10-bit, 4:4:4) go through the scaler with its bicubic
 *   filters, which at 1:1 are identity for luma but interpolate 4:2:0
 *   chroma vertically, over the coded rows below the picture too.
 * The picture is then cropped to width x height. Calling the same
 * libswscale the same way, into a buffer allocated as OpenCV allocates it
 * (av_frame_get_buffer, align 32), gives the same bytes; the colour
 * decisions above are swscale's, made from the same arguments.
 */
#include "media/internal.h"

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

/* OpenCV's flags and buffer alignment for the VideoCapture conversion. */
#define OPENCV_SWS_FLAGS SWS_BICUBIC
#define OPENCV_BUFFER_ALIGN 32

/* 1 when every plane of f holds h rows inside one of the frame's buffers:
 * the decoder's buffers are allocated for the coded size, but a frame that
 * does not say so is read no further than its own height. */
static int frame_holds_rows(const AVFrame *f, int h)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    if (!d || (d->flags & AV_PIX_FMT_FLAG_HWACCEL))
        return 0;
    for (int p = 0; p < 4 && f->data[p]; p++) {
        int rows = p == 1 || p == 2 ? AV_CEIL_RSHIFT(h, d->log2_chroma_h) : h;
        if (f->linesize[p] <= 0)
            return 0;
        const uint8_t *end = f->data[p] + (size_t)f->linesize[p] * (size_t)rows;
        int inside = 0;
        for (int i = 0; i < AV_NUM_DATA_POINTERS && f->buf[i]; i++) {
            const AVBufferRef *b = f->buf[i];
            if (f->data[p] >= b->data && end <= b->data + b->size)
                inside = 1;
        }
        if (!inside)
            return 0;
    }
    return 1;
}

/* The size VideoCapture converts: the codec's coded size when the frame's
 * buffers hold it, else the frame's. */
static void coded_size(const AVFrame *src, const AVCodecContext *codec,
                       int *w, int *h)
{
    *w = src->width;
    *h = src->height;
    if (!codec || codec->coded_width < src->width ||
        codec->coded_height < src->height)
        return;
    if (frame_holds_rows(src, codec->coded_height)) {
        *w = codec->coded_width;
        *h = codec->coded_height;
    }
}

static int prepare_bgr(media_convert_t *c, const AVFrame *src, int w, int h,
                       avp_error_t *err)
{
    if (c->bgr && c->bgr_w == w && c->bgr_h == h && c->bgr_fmt == src->format)
        return AVP_OK;
    c->bgr_sws = sws_getCachedContext(c->bgr_sws, w, h, src->format, w, h,
                                      AV_PIX_FMT_BGR24, OPENCV_SWS_FLAGS,
                                      NULL, NULL, NULL);
    if (!c->bgr_sws) {
        const char *name = av_get_pix_fmt_name(src->format);
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "cannot convert pixel format %s (%dx%d)",
                             name ? name : "?", w, h);
    }
    if (!c->bgr && !(c->bgr = av_frame_alloc()))
        return avp_error_set(err, AVP_ENOMEM, "out of memory (frame)");
    av_frame_unref(c->bgr);
    c->bgr_w = 0;
    c->bgr->format = AV_PIX_FMT_BGR24;
    c->bgr->width = w;
    c->bgr->height = h;
    if (av_frame_get_buffer(c->bgr, OPENCV_BUFFER_ALIGN) < 0)
        return avp_error_set(err, AVP_ENOMEM, "out of memory (%dx%d BGR frame)",
                             w, h);
    c->bgr_w = w;
    c->bgr_h = h;
    c->bgr_fmt = src->format;
    return AVP_OK;
}

int media__exact_resize(media_convert_t *c, const AVFrame *src,
                        const AVCodecContext *codec, const media_geometry_t *g,
                        int *stride, avp_error_t *err)
{
    int w, h;
    coded_size(src, codec, &w, &h);
    int ret = prepare_bgr(c, src, w, h, err);
    if (ret == AVP_OK)
        ret = media__resize_plan(&c->resize, src->width, src->height,
                                 g->new_w, g->new_h, err);
    *stride = (g->new_w * 3 + 63) & ~63;
    if (ret == AVP_OK)
        ret = media__packed_reserve(c, (size_t)*stride * (size_t)g->new_h, err);
    if (ret != AVP_OK)
        return ret;
    int rows = sws_scale(c->bgr_sws, (const uint8_t *const *)src->data,
                         src->linesize, 0, h, c->bgr->data, c->bgr->linesize);
    if (rows < src->height)
        return avp_error_set(err, AVP_EINTERNAL, "swscale wrote %d of %d rows",
                             rows, src->height);
    media__resize_run(&c->resize, c->bgr->data[0], (size_t)c->bgr->linesize[0],
                      c->packed, (size_t)*stride);
    return AVP_OK;
}

void media__exact_fini(media_convert_t *c)
{
    sws_freeContext(c->bgr_sws);
    av_frame_free(&c->bgr);
    media__resize_fini(&c->resize);
}
