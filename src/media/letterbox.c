/*
 * letterbox.c - a decoded frame into a model's planar float input. Two ways
 * to the resized packed pixels (media_preprocess_t): exact mode
 * (letterbox_exact.c) reproduces the OpenCV reference; fast mode has
 * swscale resize (bilinear) and convert to packed BGR24/RGB24 in one pass.
 * Both end in the same loop that de-interleaves into float planes through
 * a byte -> value table and fills the padding. The swscale context is
 * rebuilt only when the source size, pixel format or colour tags change,
 * so steady state allocates nothing.
 */
#include "media/internal.h"

#include <math.h>
#include <string.h>

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#define MEDIA_MAX_SIDE 16384
/* Bilinear like the reference resizers; accurate rounding and full chroma
 * interpolation keep colours within a level or two of OpenCV's. */
#define MEDIA_SWS_FLAGS (SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT)

int media__letterbox_check(const media_letterbox_t *lb, avp_error_t *err)
{
    if (!lb || lb->width <= 0 || lb->height <= 0 ||
        lb->width > MEDIA_MAX_SIDE || lb->height > MEDIA_MAX_SIDE)
        return avp_error_set(err, AVP_EINVAL, "letterbox size must be 1..%d",
                             MEDIA_MAX_SIDE);
    if (lb->order != MEDIA_ORDER_BGR && lb->order != MEDIA_ORDER_RGB)
        return avp_error_set(err, AVP_EINVAL, "bad channel order %d", (int)lb->order);
    if (!(lb->scale > 0) || !isfinite(lb->scale))
        return avp_error_set(err, AVP_EINVAL, "letterbox scale must be > 0");
    return AVP_OK;
}

/* The ratio and resized size follow the references exactly: r = min(W/w,
 * H/h); YOLOX's preproc truncates w * r, Ultralytics' LetterBox rounds it
 * with Python's round (half to even: rint in the default rounding mode);
 * centred padding is split like LetterBox's (round(d -/+ 0.1)). */
media_geometry_t media__letterbox_geometry(int w, int h,
                                           const media_letterbox_t *lb)
{
    media_geometry_t g = {0};
    g.r = fmin((double)lb->width / w, (double)lb->height / h);
    g.new_w = (int)(lb->centered ? nearbyint(w * g.r) : w * g.r);
    g.new_h = (int)(lb->centered ? nearbyint(h * g.r) : h * g.r);
    g.new_w = g.new_w < 1 ? 1 : g.new_w > lb->width ? lb->width : g.new_w;
    g.new_h = g.new_h < 1 ? 1 : g.new_h > lb->height ? lb->height : g.new_h;
    if (lb->centered) {
        g.pad_x = (int)lround((lb->width - g.new_w) / 2.0 - 0.1);
        g.pad_y = (int)lround((lb->height - g.new_h) / 2.0 - 0.1);
    }
    return g;
}

int media__sws_source_format(const AVFrame *f, int *full_range)
{
    *full_range = f->color_range == AVCOL_RANGE_JPEG;
    switch (f->format) {
    case AV_PIX_FMT_YUVJ420P: *full_range = 1; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full_range = 1; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full_range = 1; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full_range = 1; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full_range = 1; return AV_PIX_FMT_YUV411P;
    default: return f->format;
    }
}

void media__sws_set_colors(struct SwsContext *sws, int colorspace,
                           int src_full, int dst_full)
{
    int *inv, *table, src_range, dst_range, brightness, contrast, saturation;
    if (sws_getColorspaceDetails(sws, &inv, &src_range, &table, &dst_range,
                                 &brightness, &contrast, &saturation) < 0)
        return; /* not a YUV conversion: nothing to set */
    /* Untagged streams (most) get swscale's default, BT.601, as OpenCV
     * and ffmpeg do; sws_getCoefficients() maps unknown values there. */
    const int *coefs = sws_getCoefficients(colorspace);
    sws_setColorspaceDetails(sws, coefs, src_full, coefs, dst_full,
                             brightness, contrast, saturation);
}

static int prepare_sws(media_convert_t *c, const AVFrame *src,
                       const media_geometry_t *g, int dst_fmt, avp_error_t *err)
{
    int full;
    int fmt = media__sws_source_format(src, &full);
    if (c->sws && c->src_w == src->width && c->src_h == src->height &&
        c->src_fmt == fmt && c->dst_w == g->new_w && c->dst_h == g->new_h &&
        c->dst_fmt == dst_fmt && c->colorspace == (int)src->colorspace &&
        c->full_range == full)
        return AVP_OK;
    c->sws = sws_getCachedContext(c->sws, src->width, src->height, fmt,
                                  g->new_w, g->new_h, dst_fmt,
                                  MEDIA_SWS_FLAGS, NULL, NULL, NULL);
    if (!c->sws) {
        const char *name = av_get_pix_fmt_name(fmt);
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "cannot convert pixel format %s (%dx%d)",
                             name ? name : "?", src->width, src->height);
    }
    media__sws_set_colors(c->sws, src->colorspace, full, 1);
    c->src_w = src->width;
    c->src_h = src->height;
    c->src_fmt = fmt;
    c->dst_w = g->new_w;
    c->dst_h = g->new_h;
    c->dst_fmt = dst_fmt;
    c->colorspace = (int)src->colorspace;
    c->full_range = full;
    return AVP_OK;
}

/* Rows 64-byte aligned so swscale's SIMD writes stay on its fast path. */
static int packed_stride(int w) { return (w * 3 + 63) & ~63; }

int media__packed_reserve(media_convert_t *c, size_t need, avp_error_t *err)
{
    if (need <= c->packed_cap)
        return AVP_OK;
    avp_free_aligned(c->packed);
    c->packed_cap = 0;
    c->packed = avp_try_malloc_aligned(need);
    if (!c->packed)
        return avp_error_set(err, AVP_ENOMEM, "out of memory (%zu bytes)", need);
    c->packed_cap = need;
    return AVP_OK;
}

/* Fast mode: one swscale pass to the resized size, in the tensor's channel
 * order. The buffer is sized for the largest resized image this letterbox
 * allows, so a folder of differently sized images does not reallocate. */
static int fast_resize(media_convert_t *c, const AVFrame *src,
                       const media_letterbox_t *lb, const media_geometry_t *g,
                       int *stride, avp_error_t *err)
{
    int dst_fmt = lb->order == MEDIA_ORDER_BGR ? AV_PIX_FMT_BGR24 : AV_PIX_FMT_RGB24;
    int ret = prepare_sws(c, src, g, dst_fmt, err);
    if (ret == AVP_OK)
        ret = media__packed_reserve(
            c, (size_t)packed_stride(lb->width) * (size_t)lb->height, err);
    if (ret != AVP_OK)
        return ret;
    uint8_t *planes[4] = {c->packed, NULL, NULL, NULL};
    int strides[4] = {packed_stride(g->new_w), 0, 0, 0};
    int rows = sws_scale(c->sws, (const uint8_t *const *)src->data,
                         src->linesize, 0, src->height, planes, strides);
    if (rows != g->new_h)
        return avp_error_set(err, AVP_EINTERNAL, "swscale wrote %d of %d rows",
                             rows, g->new_h);
    *stride = strides[0];
    return AVP_OK;
}

/* The tensor value of each byte. Fast mode multiplies by scale as it always
 * has; exact mode divides by the integer 1 / scale stands for, as the
 * references do (numpy's and torch's x / 255 is not x * (1 / 255.0f) for
 * every byte, and 1 / (1 / 255.0f) is not 255 in float either). A scale
 * that is no integer's reciprocal is multiplied in both modes. */
static void prepare_lut(media_convert_t *c, float scale)
{
    if (c->lut_scale == scale)
        return;
    double inv = 1.0 / (double)scale, divisor = nearbyint(inv);
    int divide = c->mode == MEDIA_PREPROCESS_EXACT && divisor >= 1 &&
                 fabs(inv - divisor) < 1e-4 * divisor;
    for (int v = 0; v < 256; v++)
        c->lut[v] = divide ? (float)v / (float)divisor : (float)v * scale;
    c->lut_scale = scale;
}

static void fill(float *p, int n, float v)
{
    for (int i = 0; i < n; i++)
        p[i] = v;
}

/* De-interleaves channel ch of the packed image into its plane, with the
 * padding around it. */
static void write_plane(const media_convert_t *c, const uint8_t *packed,
                        int stride, int ch, const media_geometry_t *g,
                        const media_letterbox_t *lb, float *plane)
{
    const float pad = c->lut[lb->pad];
    const int right = lb->width - g->pad_x - g->new_w;
    for (int y = 0; y < lb->height; y++) {
        float *row = plane + (size_t)y * (size_t)lb->width;
        int iy = y - g->pad_y;
        if (iy < 0 || iy >= g->new_h) {
            fill(row, lb->width, pad);
            continue;
        }
        const uint8_t *s = packed + (size_t)iy * (size_t)stride + ch;
        fill(row, g->pad_x, pad);
        float *img = row + g->pad_x;
        for (int x = 0; x < g->new_w; x++)
            img[x] = c->lut[s[3 * x]];
        fill(img + g->new_w, right, pad);
    }
}

int media__convert_frame(media_convert_t *c, const AVFrame *src,
                         const AVCodecContext *codec,
                         const media_letterbox_t *lb, float *dst,
                         media_frame_t *out, avp_error_t *err)
{
    if (src->width <= 0 || src->height <= 0 || src->format < 0)
        return avp_error_set(err, AVP_EINTERNAL, "no frame to convert");
    media_geometry_t g = media__letterbox_geometry(src->width, src->height, lb);
    int stride = 0;
    int exact = c->mode == MEDIA_PREPROCESS_EXACT;
    int ret = exact ? media__exact_resize(c, src, codec, &g, &stride, err)
                    : fast_resize(c, src, lb, &g, &stride, err);
    if (ret != AVP_OK)
        return ret;
    prepare_lut(c, lb->scale);
    /* Exact mode resizes in BGR, as the references do before reversing
     * the channels; fast mode wrote the tensor's order already. */
    int swap = exact && lb->order == MEDIA_ORDER_RGB;
    size_t plane = (size_t)lb->width * (size_t)lb->height;
    for (int ch = 0; ch < 3; ch++)
        write_plane(c, c->packed, stride, swap ? 2 - ch : ch, &g, lb,
                    dst + (size_t)ch * plane);
    out->src_width = src->width;
    out->src_height = src->height;
    out->scale = (float)g.r;
    out->pad_x = (float)g.pad_x;
    out->pad_y = (float)g.pad_y;
    return AVP_OK;
}

void media__convert_fini(media_convert_t *c)
{
    sws_freeContext(c->sws);
    avp_free_aligned(c->packed);
    media__exact_fini(c);
    memset(c, 0, sizeof(*c));
}
