/*
 * count.c - the exact number of frames of a video, for the probe. A
 * container's own count is missing (Matroska, MPEG-TS: the probe used to
 * estimate duration x frame rate, wrong for variable frame rates) or counts
 * samples an edit list drops (MP4 cut by stream copy), and a frame-range
 * check built on it refuses real frames or accepts missing ones. A
 * demux-only pass (no decoding) counts the packets of the stream less the
 * ones the container marks to be dropped: the frames a decode from the
 * start returns, on an undamaged file.
 */
#include "media/internal.h"

#include <string.h>

int64_t media__count_frames(const char *path, int which, double seconds)
{
    media_decoder_t d;
    if (media__demuxer_open(&d, path, which, NULL) != AVP_OK)
        return -1;
    double give_up = avp_now() + seconds;
    int64_t n = 0;
    int ret;
    d.deadline = give_up;
    while ((ret = av_read_frame(d.fmt, d.pkt)) >= 0) {
        if (d.pkt->stream_index == d.stream &&
            !(d.pkt->flags & AV_PKT_FLAG_DISCARD))
            n++;
        av_packet_unref(d.pkt);
    }
    media__decoder_close(&d);
    /* Out of time (the interrupt) or a read error: no exact count. */
    return ret == AVERROR_EOF ? n : -1;
}
