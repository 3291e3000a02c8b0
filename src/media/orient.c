/*
 * orient.c - a decoded frame turned the way the player shows it. Phones
 * store portrait video as landscape pictures plus a display matrix (the
 * MP4 'tkhd' matrix, ISO/IEC 14496-12 8.3.2; libav's
 * AV_PKT_DATA_DISPLAYMATRIX) that says "rotate 90° for display", and a
 * browser applies it. So every frame is rotated (and mirrored) here, right
 * after decoding, and everything downstream - letterbox, boxes, ground
 * truth, thumbnails - sees display coordinates only.
 *
 * DESIGN. The matrix maps a stored pixel (x, y) to the displayed
 * (a*x + c*y, b*x + d*y) plus a translation (a, b, c, d = m[0], m[1],
 * m[3], m[4]). AVP takes the eight right-angle cases (rotations by 0, 90,
 * 180, 270 degrees, each with or without a mirror), the ones cameras and
 * ffmpeg write; any other matrix (an odd angle, a scale) is ignored and
 * the frame shown as stored, as OpenCV does. A case is kept as the inverse
 * map, which the copy loops want: displayed (X, Y) reads stored
 * (x, y) = transpose ? (Y, X) : (X, Y), each coordinate reversed when
 * flip_x / flip_y say so.
 *
 * The rotated picture goes into one buffer from a pool (all planes in one
 * allocation), so steady state reuses the same few buffers; the planes are
 * copied pixel by pixel, in tiles when transposing so both sides stay in
 * cache. Planar and packed formats of whole-byte pixels are handled as
 * they are (8- and 10-bit YUV, NV12, RGB); a transpose of a format whose
 * chroma is subsampled in one direction only turns 4:2:2 into 4:4:0 and
 * back (the same samples, moved); packed 4:2:2 is refused with a
 * message.
 */
#include "media/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#define ORIENT_ALIGN 64
#define ORIENT_TILE 32

static int sign(int32_t v) { return (v > 0) - (v < 0); }

/* A display matrix (container's or frame's, same layout) as an orient;
 * 0 when it is not one of the eight right-angle cases. */
static int from_matrix(const int32_t *m, media_orient_t *o)
{
    int a = sign(m[0]), b = sign(m[1]), c = sign(m[3]), d = sign(m[4]);
    memset(o, 0, sizeof(*o));
    if (a && d && !b && !c) {
        o->flip_x = a < 0;
        o->flip_y = d < 0;
    } else if (b && c && !a && !d) {
        /* displayed X = c*y, Y = b*x: X comes from stored y, Y from x. */
        o->transpose = 1;
        o->flip_x = b < 0;
        o->flip_y = c < 0;
    } else
        return 0;
    return 1;
}

int media__orient_from_stream(const AVStream *st, media_orient_t *o)
{
    memset(o, 0, sizeof(*o));
    size_t size = 0;
    const int32_t *m = (const int32_t *)av_stream_get_side_data(
        st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return m && size >= 9 * sizeof(*m) && from_matrix(m, o);
}

/* EXIF Orientation 1-8 (EXIF 2.32, 4.6.4 A, tag 0x0112: where the stored
 * rows and columns go) as the same inverse maps, the turn OpenCV's imread
 * applies by default; 0 for any other value. */
static int from_exif(const AVDictionaryEntry *e, media_orient_t *o)
{
    static const media_orient_t exif[9] = {
        [1] = {0, 0, 0}, [2] = {0, 1, 0}, [3] = {0, 1, 1}, [4] = {0, 0, 1},
        [5] = {1, 0, 0}, [6] = {1, 0, 1}, [7] = {1, 1, 1}, [8] = {1, 1, 0}};
    char *end;
    long v = e ? strtol(e->value, &end, 10) : 0; /* mjpeg pads it: "    6" */
    if (v < 1 || v > 8 || *end)
        return 0;
    *o = exif[v];
    return 1;
}

void media__orient_from_frame(const AVFrame *f, int image, media_orient_t *o)
{
    const AVFrameSideData *sd = av_frame_get_side_data(f, AV_FRAME_DATA_DISPLAYMATRIX);
    media_orient_t got;
    if (sd && sd->size >= 9 * sizeof(int32_t) &&
        from_matrix((const int32_t *)sd->data, &got))
        *o = got;
    else if (image && from_exif(av_dict_get(f->metadata, "Orientation", NULL, 0), &got))
        *o = got;
}

int media__orient_is_identity(const media_orient_t *o)
{
    return !o->transpose && !o->flip_x && !o->flip_y;
}

/* The same eight cases as "rotate clockwise by rotation degrees, then
 * mirror left-right when mirrored", the way people and the probe say it. */
void media__orient_describe(const media_orient_t *o, int *rotation, int *mirrored)
{
    static const int rot[2][2][2] = {{{0, 180}, {0, 180}},
                                     {{90, 90}, {270, 270}}};
    static const int mir[2][2][2] = {{{0, 1}, {1, 0}}, {{1, 0}, {0, 1}}};
    *rotation = rot[o->transpose][o->flip_x][o->flip_y];
    *mirrored = mir[o->transpose][o->flip_x][o->flip_y];
}

void media__orienter_fini(media_orienter_t *r)
{
    av_frame_free(&r->raw);
    av_buffer_pool_uninit(&r->pool);
    memset(r, 0, sizeof(*r));
}

/* The layout of one plane: pixel size in bytes and the subsampling shift
 * of its width and height. */
typedef struct plane_shape {
    int bytes, shift_w, shift_h;
} plane_shape_t;

/* Fills shape[0..planes) for a format this file can copy pixel by pixel;
 * returns the plane count, or 0 when it cannot. */
/* The format of a transposed picture: chroma subsampled across only (4:2:2,
 * most camera JPEGs) comes out subsampled down only (4:4:0) and back, the
 * same chroma samples moved, never resampled. Others stay as they are. */
static enum AVPixelFormat transposed_format(enum AVPixelFormat f)
{
    static const enum AVPixelFormat pairs[][2] = {
        {AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV440P},
        {AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ440P},
        {AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV440P10LE},
        {AV_PIX_FMT_YUV422P12LE, AV_PIX_FMT_YUV440P12LE},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        for (int k = 0; k < 2; k++)
            if (pairs[i][k] == f)
                return pairs[i][!k];
    return f;
}

/* The planes of desc, the (turned) picture's format. */
static int plane_shapes(const AVPixFmtDescriptor *desc, int transpose,
                        plane_shape_t shape[4])
{
    const int bad = AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM |
                    AV_PIX_FMT_FLAG_PAL;
    if (!desc || (desc->flags & bad))
        return 0;
    int sub = desc->log2_chroma_w || desc->log2_chroma_h;
    enum AVPixelFormat id = av_pix_fmt_desc_get_id(desc);
    if (transpose && desc->log2_chroma_w != desc->log2_chroma_h &&
        transposed_format(id) == id)
        return 0; /* no twin format to move the samples into */
    int planes = 0;
    memset(shape, 0, 4 * sizeof(*shape));
    for (int i = 0; i < desc->nb_components; i++) {
        const AVComponentDescriptor *c = &desc->comp[i];
        if (sub && c->plane == 0 && (i == 1 || i == 2))
            return 0; /* packed 4:2:2 (YUYV): pixels share chroma */
        shape[c->plane].bytes = c->step > shape[c->plane].bytes
                                    ? c->step : shape[c->plane].bytes;
        planes = c->plane + 1 > planes ? c->plane + 1 : planes;
    }
    for (int p = 1; p < 3 && p < planes; p++) {
        shape[p].shift_w = desc->log2_chroma_w;
        shape[p].shift_h = desc->log2_chroma_h;
    }
    return planes;
}

/* Points out's planes into one pooled buffer; the pool is made again
 * only when the picture size or format changes. */
static int pooled_frame(media_orienter_t *r, AVFrame *out, int fmt, int w,
                        int h, int planes, const plane_shape_t *shape)
{
    size_t offset[4], total = 0;
    for (int p = 0; p < planes; p++) {
        int pw = AV_CEIL_RSHIFT(w, shape[p].shift_w);
        int ph = AV_CEIL_RSHIFT(h, shape[p].shift_h);
        out->linesize[p] = FFALIGN(pw * shape[p].bytes, ORIENT_ALIGN);
        offset[p] = total;
        total += (size_t)out->linesize[p] * (size_t)ph;
    }
    total += ORIENT_ALIGN; /* SIMD readers may read a little past the end */
    if (!r->pool || r->pool_size != total) {
        av_buffer_pool_uninit(&r->pool);
        r->pool = av_buffer_pool_init(total, av_buffer_alloc);
        r->pool_size = total;
    }
    out->buf[0] = r->pool ? av_buffer_pool_get(r->pool) : NULL;
    if (!out->buf[0])
        return AVERROR(ENOMEM);
    for (int p = 0; p < planes; p++)
        out->data[p] = out->buf[0]->data + offset[p];
    out->format = fmt;
    out->width = w;
    out->height = h;
    return 0;
}

/* Copies one pixel of n bytes; the common sizes as typed loads. */
static inline void put(uint8_t *d, const uint8_t *s, int n)
{
    if (n == 1)
        *d = *s;
    else if (n == 2)
        memcpy(d, s, 2);
    else
        memcpy(d, s, (size_t)n);
}

/* Displayed rows of one plane that keep the stored rows' direction:
 * each row is a stored row, maybe reversed. */
static void copy_rows(const media_orient_t *o, const uint8_t *src, int sls,
                      uint8_t *dst, int dls, int w, int h, int n)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)(o->flip_y ? h - 1 - y : y) * (size_t)sls;
        uint8_t *d = dst + (size_t)y * (size_t)dls;
        if (!o->flip_x) {
            memcpy(d, s, (size_t)w * (size_t)n);
            continue;
        }
        for (int x = 0; x < w; x++)
            put(d + (size_t)x * n, s + (size_t)(w - 1 - x) * n, n);
    }
}

/* A transposed plane of w x h displayed pixels (stored h x w), tile by
 * tile so that the column reads stay in cache. */
static void copy_transposed(const media_orient_t *o, const uint8_t *src,
                            int sls, uint8_t *dst, int dls, int w, int h, int n)
{
    for (int ty = 0; ty < h; ty += ORIENT_TILE)
        for (int tx = 0; tx < w; tx += ORIENT_TILE)
            for (int y = ty; y < h && y < ty + ORIENT_TILE; y++) {
                int sx = o->flip_x ? h - 1 - y : y; /* stored x from Y */
                uint8_t *d = dst + (size_t)y * (size_t)dls;
                for (int x = tx; x < w && x < tx + ORIENT_TILE; x++) {
                    int sy = o->flip_y ? w - 1 - x : x; /* stored y from X */
                    put(d + (size_t)x * n,
                        src + (size_t)sy * (size_t)sls + (size_t)sx * n, n);
                }
            }
}

/* What the rotated frame keeps of the decoded one: its time, its kind and
 * its colours. Side data and metadata are left behind (copying them would
 * allocate per frame, and nothing downstream reads them). */
static void copy_props(AVFrame *out, const AVFrame *in, int transpose)
{
    out->pts = in->pts;
    out->pkt_dts = in->pkt_dts;
    out->best_effort_timestamp = in->best_effort_timestamp;
    out->key_frame = in->key_frame;
    out->pict_type = in->pict_type;
    out->flags = in->flags;
    out->decode_error_flags = in->decode_error_flags;
    out->color_range = in->color_range;
    out->color_primaries = in->color_primaries;
    out->color_trc = in->color_trc;
    out->colorspace = in->colorspace;
    out->chroma_location = in->chroma_location;
    out->interlaced_frame = in->interlaced_frame;
    out->top_field_first = in->top_field_first;
    out->sample_aspect_ratio = in->sample_aspect_ratio;
    if (transpose)
        out->sample_aspect_ratio = av_inv_q(in->sample_aspect_ratio);
}

int media__orient_frame(media_orienter_t *r, AVFrame *frame, avp_error_t *err)
{
    if (media__orient_is_identity(&r->o))
        return AVP_OK;
    enum AVPixelFormat fmt = r->o.transpose ? transposed_format(frame->format)
                                            : frame->format;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    plane_shape_t shape[4];
    int planes = plane_shapes(desc, r->o.transpose, shape);
    if (!planes)
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "cannot rotate pixel format %s for display",
                             av_get_pix_fmt_name(frame->format));
    if (!r->raw && !(r->raw = av_frame_alloc()))
        return avp_error_set(err, AVP_ENOMEM, "out of memory");
    av_frame_move_ref(r->raw, frame);
    const AVFrame *in = r->raw;
    int w = r->o.transpose ? in->height : in->width;
    int h = r->o.transpose ? in->width : in->height;
    if (pooled_frame(r, frame, fmt, w, h, planes, shape) < 0) {
        av_frame_unref(r->raw);
        return avp_error_set(err, AVP_ENOMEM, "out of memory (rotated frame)");
    }
    for (int p = 0; p < planes; p++) {
        int pw = AV_CEIL_RSHIFT(w, shape[p].shift_w);
        int ph = AV_CEIL_RSHIFT(h, shape[p].shift_h);
        (r->o.transpose ? copy_transposed : copy_rows)(
            &r->o, in->data[p], in->linesize[p], frame->data[p],
            frame->linesize[p], pw, ph, shape[p].bytes);
    }
    copy_props(frame, in, r->o.transpose);
    av_frame_unref(r->raw);
    return AVP_OK;
}
