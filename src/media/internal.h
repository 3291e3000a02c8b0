/*
 * internal.h - what the files of src/media/ share: the libav decoder
 * wrapper (decoder.c), the frame index that lets a resumed video seek
 * (resume.c), the letterbox converter (letterbox.c), the image folder
 * listing (folder.c) and libav log capture (avlog.c). Not API.
 */
#ifndef AVP_MEDIA_INTERNAL_H
#define AVP_MEDIA_INTERNAL_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media/media.h"

/* ---- libav logging (avlog.c) ------------------------------------------ */

/* Routes libav's log into a per-thread "last message" instead of stderr.
 * Idempotent; every entry point calls it. AVP_FFMPEG_LOG=<level name>
 * ("info", "debug") restores libav's own stderr logging for debugging. */
void media__avlog_init(void);

/* Clears the last captured libav message of this thread. */
void media__avlog_clear(void);

/* The last libav error message of this thread since the last clear, or "". */
const char *media__avlog_last(void);

/* Sets err to "<path>: <what>: <av_strerror(averr)> (<last libav message>)"
 * and returns code. averr 0 leaves out the libav error text. */
int media__av_error(avp_error_t *err, int code, const char *path,
                    const char *what, int averr);

/* ---- Paths (source.c) ------------------------------------------------- */

/* AVP_ENOTFOUND for a missing path, AVP_EUNSUPPORTED for anything but a
 * regular file or a folder; *is_dir says which. */
int media__stat_path(const char *path, int *is_dir, avp_error_t *err);

/* ---- Display orientation (orient.c) ----------------------------------- */

/* One of the eight right-angle display transforms, as the inverse map the
 * copy wants: displayed (X, Y) shows stored (x, y) = transpose ? (Y, X) :
 * (X, Y), a coordinate counted from its far end when flip_x / flip_y. All
 * zero: shown as stored. */
typedef struct media_orient {
    int transpose, flip_x, flip_y;
} media_orient_t;

/* The stream's display matrix (AV_PKT_DATA_DISPLAYMATRIX) as an orient;
 * identity (and 0 returned) when there is none or it is not a right-angle
 * case. */
int media__orient_from_stream(const AVStream *st, media_orient_t *o);

/* For a stream without one: the frame's own turn, which o takes when the
 * frame has one: an H.264 display orientation SEI (libavcodec exports it
 * as AV_FRAME_DATA_DISPLAYMATRIX; it holds until the next SEI, so o is
 * left as it is on frames without) or, for a still image (image = 1), the
 * JPEG's EXIF Orientation (mjpeg's frame metadata), as OpenCV's imread. */
void media__orient_from_frame(const AVFrame *f, int image, media_orient_t *o);

int media__orient_is_identity(const media_orient_t *o);

/* As clockwise degrees (0, 90, 180, 270) then a left-right mirror. */
void media__orient_describe(const media_orient_t *o, int *rotation, int *mirrored);

/* Rotates decoded frames for display into pooled buffers. Zero-initialise,
 * set o; media__orienter_fini() frees it (the pool lives on until the last
 * frame holding one of its buffers is freed). */
typedef struct media_orienter {
    media_orient_t o;
    AVFrame *raw;           /* the decoded frame while it is copied */
    AVBufferPool *pool;
    size_t pool_size;
} media_orienter_t;

/* Replaces frame by its displayed picture (timestamps and colour tags
 * kept); a no-op for the identity. AVP_EUNSUPPORTED for a pixel format
 * that cannot be copied so (hardware, bitstream, 4:2:2 transposed). */
int media__orient_frame(media_orienter_t *r, AVFrame *frame, avp_error_t *err);
void media__orienter_fini(media_orienter_t *r);

/* ---- Decoder (decoder.c) ---------------------------------------------- */

/* One video (or image) stream of one file, decoded in order. Caller-owned
 * struct: media__decoder_open() fills it, media__decoder_close() empties
 * it (a zeroed or closed decoder may be closed again). */
typedef struct media_decoder {
    AVFormatContext *fmt;
    AVCodecContext *codec;
    AVPacket *pkt;
    AVFrame *frame;         /* the last decoded frame */
    int stream;             /* index of the video stream in fmt */
    int video_streams;      /* how many the file has */
    int flushing;           /* EOF reached, draining the decoder */
    int image;              /* the container is a single image */
    double time_base;       /* seconds per PTS tick */
    int64_t start_pts;      /* stream start time (PTS ticks) */
    double deadline;        /* avp_now() after which libav is interrupted; 0 = none */
    const char *path;       /* for messages; not owned */
    int64_t frames_out;     /* frames decoded since open (tests, stats) */
    media_orienter_t orient;/* turns each frame the way it is displayed */
    int container_orient;   /* the stream has a display matrix: it wins */
    /* Damage (media_source_damage()): packets of the stream read, those
     * the container marks to be dropped (edit lists), frames that came out
     * concealed, frames missing from the timestamps (gaps of whole frame
     * durations), and libav's words about the first damage ("" = none). */
    int64_t packets_in, packets_discarded, frames_concealed, gap_frames;
    int64_t prev_pts;       /* of the last frame out, for gap_frames */
    char damage[160];
} media_decoder_t;

/* How long one libav call may block before the interrupt callback stops
 * it: generous for local files, short enough that garbage cannot hang us. */
#define MEDIA_OPEN_SECONDS 20.0
#define MEDIA_READ_SECONDS 20.0

/* Opens path and a video stream of it (attached cover pictures are not
 * video): number which (1-based) among them, or with 0 the default one
 * (media_options_t.stream). threads: decoder threads, 0 = libav's choice.
 * Errors: AVP_EFORMAT (not a video or image), AVP_EINVAL (no such stream),
 * AVP_EUNSUPPORTED (no decoder), AVP_EIO. */
int media__decoder_open(media_decoder_t *d, const char *path, int which,
                        int threads, avp_error_t *err);
void media__decoder_close(media_decoder_t *d);

/* Opens path and picks its stream as media__decoder_open() does, without a
 * decoder: for reading packets only (d->codec and d->frame stay NULL). */
int media__demuxer_open(media_decoder_t *d, const char *path, int which,
                        avp_error_t *err);

/* Decodes the next frame into d->frame: 1, 0 at the end (the decoder has
 * been flushed), or a negative AVP_E*. */
int media__decoder_next(media_decoder_t *d, avp_error_t *err);

/* Frames lost to damage since open, once the decoder has reached the end:
 * the frames the container lists (whole_file: it was decoded from its
 * start) or the packets read, whichever is more, less those decoded. 0
 * when libav reported no damage: a stream may legitimately carry packets
 * that show nothing (VP8's hidden frames). */
int64_t media__decoder_frames_lost(media_decoder_t *d, int whole_file);

/* Seconds of d->frame from the stream start; NAN when it has no timestamp. */
double media__decoder_frame_time(const media_decoder_t *d);

/* Seconds of a PTS of the stream from the stream start (the same arithmetic
 * as media__decoder_frame_time()); NAN when pts or the start is unknown. */
double media__decoder_pts_time(const media_decoder_t *d, int64_t pts);

/* t as a player's clock shows it, frame after frame of one decode from
 * the start (source.c's frames, thumbnail.c's search): a frame without a
 * timestamp follows the previous one by one nominal frame duration, and
 * so does the first frame after a clock jump of more than 10 s either way
 * in a format that allows them (MPEG-TS: joined recordings, a camera that
 * restarted its clock), shifting every later t, as ffmpeg's command line
 * re-bases them. Zero-initialise for a new decode. */
typedef struct media_clock {
    double last_t, shift;
    int64_t frames;
} media_clock_t;

/* d->frame's t (see media_clock_t); fps: the stream's nominal rate. */
double media__clock_time(media_clock_t *c, const media_decoder_t *d, double fps);

/* Fills info from the stream headers and the frame in d->frame. */
void media__decoder_info(const media_decoder_t *d, media_info_t *info);

/* Seeks to the key frame at or before t seconds; the next frames decoded
 * start there. */
int media__decoder_seek(media_decoder_t *d, double t, avp_error_t *err);

/* Seeks so that the next packet of the stream is exactly the keyframe
 * with this pts, dts and size, and sends it to the decoder (flushed
 * first). Returns NULL when it did, else why not (the container cannot
 * seek, the demuxer landed on another packet): the caller then decodes
 * from the start, so this never fails for real. */
const char *media__decoder_seek_packet(media_decoder_t *d, int64_t pts,
                                       int64_t dts, int size);

/* ---- Frame count (count.c) -------------------------------------------- */

/* The frames of path's video stream (which, as media__decoder_open()) by a
 * demux-only pass: its packets less those the container drops. -1 when
 * the pass fails or takes more than seconds. */
int64_t media__count_frames(const char *path, int which, double seconds);

/* ---- Frame index for resuming (resume.c) ------------------------------ */

/* One packet of the video stream, which the index assumes is one frame. */
typedef struct media_index_entry {
    int64_t pts, dts;
    int32_t size;
    uint32_t order : 31;    /* position in the file (decode order) */
    uint32_t key : 1;
} media_index_entry_t;

/* Every packet of a video stream, in presentation order once planned:
 * entry i is frame index i. One buffer (avp_try_malloc_aligned), grown only
 * while building. Zero-initialise. */
typedef struct media_frame_index {
    media_index_entry_t *e;
    size_t n, cap;
} media_frame_index_t;

/* The demux-only pass: opens path's video stream (which, as
 * media__decoder_open()) once more (the source's
 * own demuxer is past the packets of frame 0) and reads every packet to
 * the end, decoding nothing. expect: the container's frame count (or an
 * estimate) to size the buffer. Returns NULL, or why the packets cannot be
 * trusted to be the frames (a packet without a timestamp, a damaged or
 * discarded packet, a read error, no memory). */
const char *media__frame_index_build(const char *path, int which,
                                     media_frame_index_t *ix, int64_t expect);
/* 1 when the timestamps of the file's video stream jump by more than 10 s
 * (MPEG-TS recordings joined), read from its packets without decoding. */
int media__clock_jumps(const char *path, int which);

/* Sorts the index into presentation order, checks that it can number the
 * frames (timestamps unique, the file starts with a keyframe, nothing
 * stored before the chosen keyframe is shown after it) and sets *key to the
 * last keyframe at or before start_frame (or the last frame). NULL, or why
 * not; a keyframe 0 is a "why not" too, since then seeking saves nothing. */
const char *media__frame_index_plan(media_frame_index_t *ix, int64_t start_frame,
                                    int64_t *key);

void media__frame_index_fini(media_frame_index_t *ix);

/* What a video source did about start_frame, for the tests. */
typedef struct media_resume_stats {
    int seeked;             /* 1: it seeked to a keyframe */
    const char *fallback;   /* why it decoded from frame 0 instead (the
                             * first reason), or NULL */
    int64_t frames_decoded; /* frames the decoder produced, all restarts
                             * and the first frame of open included */
} media_resume_stats_t;

void media__source_resume_stats(const media_source_t *s, media_resume_stats_t *out);

/* ---- OpenCV's INTER_LINEAR resize (resize.c) --------------------------- */

/* Tables and row buffers of one resize of 8-bit BGR (3 channels) from
 * src_w x src_h to dst_w x dst_h; zero-initialise. */
typedef struct media_resize {
    int src_w, src_h, dst_w, dst_h;
    int area2;              /* exact 2x downscale: OpenCV's INTER_AREA path */
    int avx2;               /* vertical pass in AVX2 (set by plan from the
                             * CPU; tests clear it to check the C path) */
    int xmax;               /* first output element with a single tap */
    int32_t *xofs;          /* per output element: byte of the left tap */
    int16_t *alpha;         /* per output element: two tap weights (x 2048) */
    int32_t *yofs;          /* per output row: the upper source row (unclipped) */
    int16_t *beta;          /* per output row: two row weights */
    int32_t *rows[2];       /* horizontal results of source rows row_y[] */
    int row_y[2];           /* -1: none */
    void *mem;              /* all of the above, one block */
    size_t cap;
} media_resize_t;

/* Plans the resize (no-op when the sizes are those planned); allocates only
 * when the tables outgrow the block. AVP_ENOMEM. */
int media__resize_plan(media_resize_t *r, int sw, int sh, int dw, int dh,
                       avp_error_t *err);

/* Resizes src (src_w x src_h BGR24 rows of sstride bytes) into dst. */
void media__resize_run(media_resize_t *r, const uint8_t *src, size_t sstride,
                       uint8_t *dst, size_t dstride);
void media__resize_fini(media_resize_t *r);

/* ---- Letterbox conversion (letterbox.c, letterbox_exact.c) ------------- */

/* Reusable conversion state and packed-pixel buffer; zero-initialise and
 * set mode. */
typedef struct media_convert {
    media_preprocess_t mode;
    struct SwsContext *sws;
    uint8_t *packed;        /* new_w x new_h packed BGR24 (exact mode) or
                             * BGR24/RGB24 (fast mode) */
    size_t packed_cap;
    /* What sws was set up for, so colour details are set only on change. */
    int src_w, src_h, src_fmt, dst_w, dst_h, dst_fmt;
    int colorspace, full_range;
    /* Exact mode: the frame as OpenCV's VideoCapture hands it over, then
     * its resize. */
    struct SwsContext *bgr_sws;
    AVFrame *bgr;           /* coded_w x coded_h BGR24 */
    int bgr_w, bgr_h, bgr_fmt;
    media_resize_t resize;
    /* Tensor value of each byte for the last letterbox seen. */
    float lut[256];
    float lut_scale;
} media_convert_t;

void media__convert_fini(media_convert_t *c);

/* The geometry of a w x h source in lb: ratio r, resized size and where
 * the resized image goes (see media_frame_t). */
typedef struct media_geometry {
    double r;
    int new_w, new_h, pad_x, pad_y;
} media_geometry_t;

media_geometry_t media__letterbox_geometry(int w, int h,
                                           const media_letterbox_t *lb);

int media__letterbox_check(const media_letterbox_t *lb, avp_error_t *err);

/* Resizes src into dst (3 x lb->height x lb->width floats) the way c->mode
 * says and fills the geometry fields of out. codec: the decoder of src, for
 * its coded size (exact mode converts what OpenCV converts); NULL for the
 * frame's own size. Allocates only when a buffer must grow or the frame
 * size changes. */
int media__convert_frame(media_convert_t *c, const AVFrame *src,
                         const AVCodecContext *codec,
                         const media_letterbox_t *lb, float *dst,
                         media_frame_t *out, avp_error_t *err);

/* Exact mode's first two steps: src as OpenCV's VideoCapture converts it
 * (BGR24), resized by cv::resize(INTER_LINEAR) to g's size into c->packed
 * (rows of *stride bytes). */
int media__exact_resize(media_convert_t *c, const AVFrame *src,
                        const AVCodecContext *codec, const media_geometry_t *g,
                        int *stride, avp_error_t *err);
void media__exact_fini(media_convert_t *c);

/* Grows c->packed to at least need bytes (64-byte aligned). */
int media__packed_reserve(media_convert_t *c, size_t need, avp_error_t *err);

/* Converts a frame's pixel format and colour details for swscale: the
 * deprecated full-range yuvj formats become yuv + full range. */
int media__sws_source_format(const AVFrame *f, int *full_range);

/* Sets swscale's YUV->RGB matrix and ranges from the frame's tags. */
void media__sws_set_colors(struct SwsContext *sws, int colorspace,
                           int src_full, int dst_full);

/* ---- Image folders (folder.c) ----------------------------------------- */

typedef struct media_folder {
    char **names;           /* image file names, sorted; owned */
    size_t count;
} media_folder_t;

/* Lists the .jpg/.jpeg/.png/.bmp files of dir (case-insensitive, hidden
 * files and sub-folders skipped). An empty folder is AVP_EFORMAT. */
int media__folder_list(const char *dir, media_folder_t *f, avp_error_t *err);
void media__folder_fini(media_folder_t *f);

#endif
