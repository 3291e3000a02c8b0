/*
 * resume.c - the frame index that lets a video source resume at frame N by
 * seeking instead of decoding frames 0..N-1.
 *
 * DESIGN. Frame N is the N-th frame the decoder produces, in presentation
 * order from 0 (media.h). A demux-only pass (av_read_frame, no decoding:
 * bound by I/O, not by the codec) records every packet of the stream: its
 * pts, size, place in the file and keyframe flag. If every packet is one
 * frame, sorting the packets by pts numbers the frames, so frame N's pts
 * and the last keyframe at or before it are known without decoding. The
 * source (source.c) then seeks to that keyframe, numbers the frames from
 * its index and compares each decoded frame's timestamp with the index.
 *
 * "Every packet is one frame" is an assumption, not a fact libav promises
 * (fields in separate packets, packed B-frames, timestamps guessed by the
 * demuxer, edit lists that discard frames, damaged data). So everything
 * here answers with a reason for doubt instead of an error, and on any
 * doubt the source decodes from frame 0 as it did before seeking existed:
 * exactness never depends on the seek working, only speed does.
 */
#include "media/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A container that does not state its frame count is indexed into a buffer
 * sized from its estimate, doubled when that was short. The stated count
 * is believed up to MEDIA_INDEX_TRUST entries (24 MB, 9 hours at 30 fps):
 * a forged header must not reserve gigabytes, only real packets may. */
#define MEDIA_INDEX_SLACK 64
#define MEDIA_INDEX_TRUST (1 << 20)

/* Grows the buffer to hold at least one more entry; one copy per doubling,
 * only while building. */
static int grow(media_frame_index_t *ix)
{
    if (ix->n < ix->cap)
        return 1;
    size_t cap = ix->cap ? ix->cap * 2 : MEDIA_INDEX_SLACK;
    media_index_entry_t *e = avp_try_malloc_aligned(cap * sizeof(*e));
    if (!e)
        return 0;
    if (ix->n)
        memcpy(e, ix->e, ix->n * sizeof(*e));
    avp_free_aligned(ix->e);
    ix->e = e;
    ix->cap = cap;
    return 1;
}

/* Records one packet of the stream; NULL, or why it cannot stand for one
 * frame of known timestamp. */
static const char *add_packet(media_frame_index_t *ix, const AVPacket *p)
{
    if (p->pts == AV_NOPTS_VALUE)
        return "a packet without a timestamp";
    if (p->flags & (AV_PKT_FLAG_CORRUPT | AV_PKT_FLAG_DISCARD))
        return "a damaged or discarded packet";
    if (ix->n >= (size_t)INT32_MAX || !grow(ix))
        return "no memory for the frame index";
    ix->e[ix->n] = (media_index_entry_t){
        .pts = p->pts, .dts = p->dts, .size = p->size, .order = (uint32_t)ix->n,
        .key = (p->flags & AV_PKT_FLAG_KEY) != 0};
    ix->n++;
    return NULL;
}

/* A jump of the clock (MPEG-TS joined recordings; source.c re-bases t
 * there) makes pts order another order than the frames': more than this
 * many seconds between packets is a doubt. */
#define MEDIA_INDEX_JUMP 10.0

static int clock_jumps(const media_decoder_t *d, const AVPacket *p, int64_t *prev)
{
    double tb = av_q2d(d->fmt->streams[d->stream]->time_base);
    int jump = *prev != AV_NOPTS_VALUE && p->dts != AV_NOPTS_VALUE &&
               fabs((double)(p->dts - *prev) * tb) > MEDIA_INDEX_JUMP;
    if (p->dts != AV_NOPTS_VALUE)
        *prev = p->dts;
    return jump;
}

int media__clock_jumps(const char *path, int which)
{
    media_decoder_t d;
    if (media__demuxer_open(&d, path, which, NULL) != AVP_OK)
        return 0;
    int64_t prev = AV_NOPTS_VALUE;
    int jump = 0;
    while (!jump) {
        d.deadline = avp_now() + MEDIA_READ_SECONDS;
        if (av_read_frame(d.fmt, d.pkt) < 0)
            break;
        jump = d.pkt->stream_index == d.stream && clock_jumps(&d, d.pkt, &prev);
        av_packet_unref(d.pkt);
    }
    media__decoder_close(&d);
    return jump;
}

/* Every packet of d's stream into ix; NULL or why not. */
static const char *read_packets(media_decoder_t *d, media_frame_index_t *ix)
{
    int64_t prev = AV_NOPTS_VALUE;
    for (;;) {
        /* Per packet, as media__decoder_next() does per frame: a long file
         * may take a while, one packet may not. */
        d->deadline = avp_now() + MEDIA_READ_SECONDS;
        int ret = av_read_frame(d->fmt, d->pkt);
        if (ret == AVERROR_EOF)
            return ix->n ? NULL : "no packets";
        if (ret < 0)
            return "the file cannot be read to the end";
        const char *doubt = NULL;
        if (d->pkt->stream_index == d->stream)
            doubt = clock_jumps(d, d->pkt, &prev)
                        ? "the clock jumps (joined recordings)"
                        : add_packet(ix, d->pkt);
        av_packet_unref(d->pkt);
        if (doubt)
            return doubt;
    }
}

const char *media__frame_index_build(const char *path, int which,
                                     media_frame_index_t *ix, int64_t expect)
{
    memset(ix, 0, sizeof(*ix));
    if (expect > 0) {
        size_t cap = (size_t)(expect < MEDIA_INDEX_TRUST ? expect : MEDIA_INDEX_TRUST) +
                     MEDIA_INDEX_SLACK;
        if (!(ix->e = avp_try_malloc_aligned(cap * sizeof(*ix->e))))
            return "no memory for the frame index";
        ix->cap = cap;
    }
    media_decoder_t d;
    if (media__demuxer_open(&d, path, which, NULL) != AVP_OK)
        return "the file cannot be opened again";
    /* A packet the decoder will reject yields no frame, and would shift
     * every later frame's index; libav's parsers (run by the demuxer for
     * some codecs) log such damage as errors, which is the one sign of it
     * short of decoding. */
    media__avlog_clear();
    const char *doubt = read_packets(&d, ix);
    if (!doubt && media__avlog_last()[0])
        doubt = "libav reported damage while indexing";
    media__decoder_close(&d);
    return doubt;
}

static int by_pts(const void *a, const void *b)
{
    int64_t x = ((const media_index_entry_t *)a)->pts;
    int64_t y = ((const media_index_entry_t *)b)->pts;
    return (x > y) - (x < y);
}

/* A keyframe is a place to start only if no packet stored before it is
 * shown after it: such a frame would come out of a decode from frame 0
 * between the keyframe's successors but never out of one that starts at
 * the keyframe. (Packets stored after it but shown before it, an open
 * GOP's leading frames, are fine: they precede start_frame and are
 * dropped.) */
static int starts_cleanly(const media_frame_index_t *ix, size_t key)
{
    for (size_t i = key + 1; i < ix->n; i++)
        if (ix->e[i].order < ix->e[key].order)
            return 0;
    return 1;
}

const char *media__frame_index_plan(media_frame_index_t *ix, int64_t start_frame,
                                    int64_t *key)
{
    if (ix->n == 0)
        return "no packets";
    /* A decoder drops what precedes the first keyframe, so packets would
     * outnumber frames. */
    if (!ix->e[0].key)
        return "the file does not start with a keyframe";
    qsort(ix->e, ix->n, sizeof(*ix->e), by_pts);
    for (size_t i = 1; i < ix->n; i++)
        if (ix->e[i].pts == ix->e[i - 1].pts)
            return "two packets share a timestamp";
    size_t k = start_frame < (int64_t)ix->n ? (size_t)start_frame : ix->n - 1;
    while (k > 0 && !ix->e[k].key)
        k--;
    if (k == 0)
        return "the last keyframe at or before start_frame is frame 0";
    if (!starts_cleanly(ix, k))
        return "a frame stored before the keyframe is shown after it";
    *key = (int64_t)k;
    return NULL;
}

void media__frame_index_fini(media_frame_index_t *ix)
{
    avp_free_aligned(ix->e);
    memset(ix, 0, sizeof(*ix));
}
