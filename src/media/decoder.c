/*
 * decoder.c - one video stream of one file through libavformat and
 * libavcodec: open with limits (probe size, analyse duration, an interrupt
 * deadline, local files only), decode in order, flush at the end so the
 * frames a frame-threaded or B-frame decoder still holds come out, turn
 * each frame the way the stream's display matrix says (orient.c), and
 * report libav's errors as AVP codes with libav's own words.
 */
#include "media/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/avutil.h>

/* libav gives up probing after this many bytes / this much media time, so
 * a large garbage file costs a bounded amount of work. */
#define MEDIA_PROBE_BYTES (5 << 20)
#define MEDIA_ANALYZE_US (5 * AV_TIME_BASE)
/* Largest frame we decode (8192 x 8192, beyond 8K video): a forged header
 * must not make the decoder allocate gigabytes. */
#define MEDIA_MAX_PIXELS (8192 * 8192)

/* Demuxers that turn text files into "video" (ANSI art, binary text): a
 * notes.txt is not something to run a detector on. */
static const char *const text_demuxers[] = {"tty", "bin", "xbin", "adf", "idf"};

static int interrupted(void *opaque)
{
    const media_decoder_t *d = opaque;
    return d->deadline > 0 && avp_now() > d->deadline;
}

static int is_text_demuxer(const char *name)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(text_demuxers); i++)
        if (strcmp(name, text_demuxers[i]) == 0)
            return 1;
    return 0;
}

static int is_image_demuxer(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "image2") == 0 ||
           (n > 5 && strcmp(name + n - 5, "_pipe") == 0);
}

static int open_format(media_decoder_t *d, avp_error_t *err)
{
    d->fmt = avformat_alloc_context();
    if (!d->fmt)
        return avp_error_set(err, AVP_ENOMEM, "%s: out of memory", d->path);
    d->fmt->interrupt_callback.callback = interrupted;
    d->fmt->interrupt_callback.opaque = d;
    d->fmt->probesize = MEDIA_PROBE_BYTES;
    d->fmt->max_analyze_duration = MEDIA_ANALYZE_US;
    /* Only local files, also for playlists that name other inputs; a
     * single image is that image, not the start of a numbered sequence. */
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    av_dict_set(&opts, "pattern_type", "none", 0);
    int ret = avformat_open_input(&d->fmt, d->path, NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0) /* avformat_open_input freed d->fmt */
        return media__av_error(err, AVP_EFORMAT, d->path,
                               "not a video or image", ret);
    if (is_text_demuxer(d->fmt->iformat->name))
        return avp_error_set(err, AVP_EFORMAT,
                             "%s: not a video or image (text)", d->path);
    ret = avformat_find_stream_info(d->fmt, NULL);
    if (ret < 0)
        return media__av_error(err, AVP_EFORMAT, d->path,
                               "cannot read stream information", ret);
    d->image = is_image_demuxer(d->fmt->iformat->name);
    return AVP_OK;
}

static int is_video(const AVStream *st)
{
    return st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
           !(st->disposition & AV_DISPOSITION_ATTACHED_PIC);
}

/* Why a file without a video stream is refused, in its owner's words. */
static int no_video(media_decoder_t *d, avp_error_t *err)
{
    int audio = 0, pictures = 0;
    for (unsigned i = 0; i < d->fmt->nb_streams; i++) {
        const AVStream *st = d->fmt->streams[i];
        audio += st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
        pictures += (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
    }
    return avp_error_set(err, AVP_EFORMAT, "%s: not a video or image (no "
                         "video stream%s)", d->path,
                         pictures ? ": audio with a cover picture"
                         : audio ? ": audio only" : "");
}

/* The video stream to decode: number which (1-based, counting real video
 * streams only) when asked, else the one the file marks as its default,
 * else the first. Cover art in an audio file is a "video" stream with a
 * single attached picture and does not count. Other streams are discarded
 * so the demuxer does not hand us their packets. */
static int pick_stream(media_decoder_t *d, int which, avp_error_t *err)
{
    int first = -1, deflt = -1, chosen = -1, n = 0;
    for (unsigned i = 0; i < d->fmt->nb_streams; i++) {
        AVStream *st = d->fmt->streams[i];
        st->discard = AVDISCARD_ALL;
        if (!is_video(st))
            continue;
        n++;
        first = first < 0 ? (int)i : first;
        if (deflt < 0 && (st->disposition & AV_DISPOSITION_DEFAULT))
            deflt = (int)i;
        if (n == which)
            chosen = (int)i;
    }
    d->video_streams = n;
    if (n == 0)
        return no_video(d, err);
    if (which > 0 && chosen < 0)
        return avp_error_set(err, AVP_EINVAL, "%s: no video stream %d (it has "
                             "%d)", d->path, which, n);
    d->stream = which > 0 ? chosen : deflt >= 0 ? deflt : first;
    d->fmt->streams[d->stream]->discard = AVDISCARD_DEFAULT;
    return AVP_OK;
}

/* PQ and HLG pictures shown as if they were SDR come out washed out, not
 * as anyone sees them, and a detector scores something else: refused in
 * words until AVP tone-maps. */
static int refuse_hdr(const media_decoder_t *d, const AVCodecParameters *par,
                      avp_error_t *err)
{
    if (par->color_trc != AVCOL_TRC_SMPTE2084 &&
        par->color_trc != AVCOL_TRC_ARIB_STD_B67)
        return AVP_OK;
    return avp_error_set(err, AVP_EUNSUPPORTED, "%s: HDR video (%s transfer) "
                         "is not tone-mapped by AVP; convert it to SDR first "
                         "(e.g. ffmpeg's zscale and tonemap filters)", d->path,
                         par->color_trc == AVCOL_TRC_SMPTE2084 ? "PQ" : "HLG");
}

static int open_codec(media_decoder_t *d, int threads, avp_error_t *err)
{
    AVStream *st = d->fmt->streams[d->stream];
    if (refuse_hdr(d, st->codecpar, err) != AVP_OK)
        return err->code;
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return avp_error_set(err, AVP_EUNSUPPORTED, "%s: no decoder for %s",
                             d->path, avcodec_get_name(st->codecpar->codec_id));
    d->codec = avcodec_alloc_context3(codec);
    if (!d->codec)
        return avp_error_set(err, AVP_ENOMEM, "%s: out of memory", d->path);
    int ret = avcodec_parameters_to_context(d->codec, st->codecpar);
    if (ret < 0)
        return media__av_error(err, AVP_EFORMAT, d->path, "bad codec parameters", ret);
    d->codec->thread_count = threads;
    d->codec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    d->codec->pkt_timebase = st->time_base;
    d->codec->max_pixels = MEDIA_MAX_PIXELS;
    ret = avcodec_open2(d->codec, codec, NULL);
    if (ret < 0)
        return media__av_error(err, AVP_EUNSUPPORTED, d->path,
                               "cannot open the decoder", ret);
    d->time_base = av_q2d(st->time_base);
    d->start_pts = st->start_time;
    d->container_orient = media__orient_from_stream(st, &d->orient.o);
    return AVP_OK;
}

int media__demuxer_open(media_decoder_t *d, const char *path, int which,
                        avp_error_t *err)
{
    media__avlog_init();
    media__avlog_clear();
    memset(d, 0, sizeof(*d));
    d->path = path;
    d->prev_pts = AV_NOPTS_VALUE;
    d->deadline = avp_now() + MEDIA_OPEN_SECONDS;
    int ret = open_format(d, err);
    if (ret == AVP_OK)
        ret = pick_stream(d, which, err);
    if (ret == AVP_OK && !(d->pkt = av_packet_alloc()))
        ret = avp_error_set(err, AVP_ENOMEM, "%s: out of memory", path);
    if (ret != AVP_OK)
        media__decoder_close(d);
    return ret;
}

int media__decoder_open(media_decoder_t *d, const char *path, int which,
                        int threads, avp_error_t *err)
{
    int ret = media__demuxer_open(d, path, which, err);
    if (ret == AVP_OK)
        ret = open_codec(d, threads, err);
    if (ret == AVP_OK && !(d->frame = av_frame_alloc()))
        ret = avp_error_set(err, AVP_ENOMEM, "%s: out of memory", path);
    if (ret != AVP_OK)
        media__decoder_close(d);
    return ret;
}

void media__decoder_close(media_decoder_t *d)
{
    avcodec_free_context(&d->codec);
    avformat_close_input(&d->fmt);
    av_packet_free(&d->pkt);
    av_frame_free(&d->frame);
    media__orienter_fini(&d->orient);
}

/* Keeps libav's words about the first damage for media_source_damage(). */
static void note_damage(media_decoder_t *d, const char *what, int averr)
{
    if (d->damage[0])
        return;
    char reason[AV_ERROR_MAX_STRING_SIZE] = "";
    if (averr)
        av_strerror(averr, reason, sizeof(reason));
    const char *last = media__avlog_last();
    snprintf(d->damage, sizeof(d->damage), "%s%s%s%s%s%s", what,
             averr ? ": " : "", reason, last[0] ? " (" : "", last,
             last[0] ? ")" : "");
}

/* Sends the next packet of our stream to the decoder, or the flush packet
 * at the end. A corrupt packet is skipped, as ffmpeg does; a read error
 * ends the stream like EOF (so buffered frames still come out). Both are
 * noted as damage, not errors: the frames before and around them are
 * real, and media_source_damage() counts what was lost. */
static int feed(media_decoder_t *d, avp_error_t *err)
{
    for (;;) {
        int ret = av_read_frame(d->fmt, d->pkt);
        if (ret == AVERROR_EXIT)
            return avp_error_set(err, AVP_EIO, "%s: reading timed out", d->path);
        if (ret < 0) {
            /* On a local file a failed read means a truncated or corrupt
             * container far more often than a failing disk. */
            if (ret != AVERROR_EOF)
                note_damage(d, "truncated or corrupt", ret);
            d->flushing = 1;
            avcodec_send_packet(d->codec, NULL);
            return AVP_OK;
        }
        if (d->pkt->stream_index != d->stream) {
            av_packet_unref(d->pkt);
            continue;
        }
        d->packets_in++;
        d->packets_discarded += (d->pkt->flags & AV_PKT_FLAG_DISCARD) != 0;
        if (d->pkt->flags & AV_PKT_FLAG_CORRUPT)
            note_damage(d, "a packet the container marks as damaged", 0);
        ret = avcodec_send_packet(d->codec, d->pkt);
        av_packet_unref(d->pkt);
        /* With frame threads a damaged packet's frame comes out calls
         * later, after the log was cleared: note libav's word now. */
        if (media__avlog_last()[0])
            note_damage(d, "damaged data", 0);
        if (ret == AVERROR_INVALIDDATA) {
            note_damage(d, "a packet the decoder refused", ret);
            continue;
        }
        if (ret < 0)
            return media__av_error(err, AVP_EFORMAT, d->path, "decoding failed", ret);
        return AVP_OK;
    }
}

/* Frames missing between this frame and the one before, by the nominal
 * frame duration: damage that took whole packets with it (MPEG-TS losing
 * its sync) leaves no other trace. Counted always, believed only when
 * there was damage (VFR has gaps too). */
static void count_gap(media_decoder_t *d)
{
    int64_t pts = d->frame->best_effort_timestamp;
    const AVStream *st = d->fmt->streams[d->stream];
    double fps = st->avg_frame_rate.den ? av_q2d(st->avg_frame_rate) : 0;
    if (pts != AV_NOPTS_VALUE && d->prev_pts != AV_NOPTS_VALUE && fps > 0) {
        int64_t gap = llround((double)(pts - d->prev_pts) * d->time_base * fps) - 1;
        d->gap_frames += gap > 0 ? gap : 0;
    }
    d->prev_pts = pts;
}

/* A frame the decoder patched over damage still comes out (as ffmpeg and
 * players show it); it is counted, and libav's complaint kept. */
static int frame_out(media_decoder_t *d, avp_error_t *err)
{
    d->frames_out++;
    if (d->start_pts == AV_NOPTS_VALUE)
        d->start_pts = d->frame->best_effort_timestamp;
    count_gap(d);
    if ((d->frame->flags & AV_FRAME_FLAG_CORRUPT) ||
        d->frame->decode_error_flags || media__avlog_last()[0]) {
        d->frames_concealed++;
        note_damage(d, "damaged data", 0);
    }
    if (!d->container_orient)
        media__orient_from_frame(d->frame, d->image, &d->orient.o);
    int ret = media__orient_frame(&d->orient, d->frame, err);
    return ret == AVP_OK ? 1 : avp_error_prefix(err, "%s", d->path);
}

int media__decoder_next(media_decoder_t *d, avp_error_t *err)
{
    media__avlog_clear();
    d->deadline = avp_now() + MEDIA_READ_SECONDS;
    for (;;) {
        int ret = avcodec_receive_frame(d->codec, d->frame);
        if (ret == 0)
            return frame_out(d, err);
        if (ret == AVERROR_EOF)
            return 0;
        /* A frame-threaded decoder reports a refused packet here, not
         * when it was sent; ffmpeg goes on decoding, and so do we. */
        if (ret == AVERROR_INVALIDDATA) {
            note_damage(d, "a packet the decoder refused", ret);
            continue;
        }
        if (ret != AVERROR(EAGAIN))
            return media__av_error(err, AVP_EFORMAT, d->path, "decoding failed", ret);
        if (d->flushing) /* a decoder that wants input after the flush */
            return avp_error_set(err, AVP_EINTERNAL, "%s: decoder stalled", d->path);
        ret = feed(d, err);
        if (ret < 0)
            return ret;
    }
}

int64_t media__decoder_frames_lost(media_decoder_t *d, int whole_file)
{
    int64_t listed = whole_file ? d->fmt->streams[d->stream]->nb_frames : 0;
    int64_t expect = (listed > d->packets_in ? listed : d->packets_in) -
                     d->packets_discarded;
    if (listed > d->packets_in)
        note_damage(d, "the file ends before its last frames", 0);
    if (!d->damage[0])
        return 0;
    int64_t missing = expect > d->frames_out ? expect - d->frames_out : 0;
    return missing > d->gap_frames ? missing : d->gap_frames;
}

double media__decoder_pts_time(const media_decoder_t *d, int64_t pts)
{
    if (pts == AV_NOPTS_VALUE || d->start_pts == AV_NOPTS_VALUE)
        return NAN;
    return (double)(pts - d->start_pts) * d->time_base;
}

double media__decoder_frame_time(const media_decoder_t *d)
{
    return media__decoder_pts_time(d, d->frame->best_effort_timestamp);
}

/* Seconds of a timestamp step that is a clock jump, not a gap: ffmpeg's
 * own threshold. */
#define MEDIA_TS_JUMP 10.0

double media__clock_time(media_clock_t *c, const media_decoder_t *d, double fps)
{
    double step = fps > 0 ? 1 / fps : 0;
    double t = media__decoder_frame_time(d) + c->shift;
    int discont = (d->fmt->iformat->flags & AVFMT_TS_DISCONT) &&
                  c->frames > 0 && fabs(t - c->last_t) > MEDIA_TS_JUMP;
    if (isnan(t))
        t = c->frames == 0 ? 0 : c->last_t + step;
    else if (discont) {
        c->shift += c->last_t + step - t;
        t = c->last_t + step;
    }
    c->last_t = t;
    c->frames++;
    return t;
}

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

void media__decoder_info(const media_decoder_t *d, media_info_t *info)
{
    const AVStream *st = d->fmt->streams[d->stream];
    memset(info, 0, sizeof(*info));
    info->kind = d->image ? MEDIA_IMAGE : MEDIA_VIDEO;
    info->width = d->frame->width;
    info->height = d->frame->height;
    info->video_streams = d->video_streams;
    info->stream = d->stream;
    info->stored_width = d->orient.o.transpose ? info->height : info->width;
    info->stored_height = d->orient.o.transpose ? info->width : info->height;
    media__orient_describe(&d->orient.o, &info->rotation, &info->mirrored);
    copy_name(info->codec, sizeof(info->codec), avcodec_get_name(st->codecpar->codec_id));
    copy_name(info->format, sizeof(info->format), d->fmt->iformat->name);
    if (d->image) {
        info->frame_count = 1;
        return;
    }
    AVRational rate = st->avg_frame_rate;
    if (!rate.num || !rate.den)
        rate = st->r_frame_rate;
    info->fps = rate.num && rate.den ? av_q2d(rate) : 0;
    if (st->duration != AV_NOPTS_VALUE)
        info->duration = (double)st->duration * d->time_base;
    else if (d->fmt->duration != AV_NOPTS_VALUE)
        info->duration = (double)d->fmt->duration / AV_TIME_BASE;
    info->frame_count = st->nb_frames > 0 ? st->nb_frames
                                          : llround(info->duration * info->fps);
}

/* After a seek the decoder must forget the frames it holds and the end it
 * may have reached. */
static void flush(media_decoder_t *d)
{
    avcodec_flush_buffers(d->codec);
    d->flushing = 0;
}

int media__decoder_seek(media_decoder_t *d, double t, avp_error_t *err)
{
    int64_t start = d->start_pts == AV_NOPTS_VALUE ? 0 : d->start_pts;
    int64_t ts = start + llround(t / d->time_base);
    d->deadline = avp_now() + MEDIA_READ_SECONDS;
    int ret = avformat_seek_file(d->fmt, d->stream, INT64_MIN, ts, ts, 0);
    if (ret < 0)
        return media__av_error(err, AVP_EIO, d->path, "seek failed", ret);
    flush(d);
    return AVP_OK;
}

/* One seek to ts and a look at the packet the demuxer lands on. NULL when
 * it is the keyframe with this pts and size (then sent to the decoder),
 * else why not. */
static const char *land_on(media_decoder_t *d, int64_t ts, int64_t pts, int size)
{
    d->deadline = avp_now() + MEDIA_READ_SECONDS;
    if (avformat_seek_file(d->fmt, d->stream, INT64_MIN, ts, ts, 0) < 0)
        return "the container cannot seek to the keyframe";
    flush(d);
    for (;;) {
        if (av_read_frame(d->fmt, d->pkt) < 0)
            return "nothing to read after the seek";
        if (d->pkt->stream_index == d->stream)
            break;
        av_packet_unref(d->pkt);
    }
    int landed = d->pkt->pts == pts && d->pkt->size == size &&
                 (d->pkt->flags & AV_PKT_FLAG_KEY);
    int ret = landed ? avcodec_send_packet(d->codec, d->pkt) : 0;
    av_packet_unref(d->pkt);
    if (!landed)
        return "the seek landed on another packet than the keyframe";
    return ret < 0 ? "the decoder refused the keyframe" : NULL;
}

/* Demuxers disagree on what a seek timestamp means: MP4 and Matroska land
 * on the keyframe by its pts, MPEG-TS by its dts (with B-frames the two
 * differ, and the wrong one lands a keyframe early or late). So the pts
 * first, then the dts. A landing on a part of a packet (byte-position
 * seeking) differs in size and is refused too. */
const char *media__decoder_seek_packet(media_decoder_t *d, int64_t pts,
                                       int64_t dts, int size)
{
    const char *why = land_on(d, pts, pts, size);
    if (why && dts != AV_NOPTS_VALUE && dts != pts)
        why = land_on(d, dts, pts, size);
    return why;
}
