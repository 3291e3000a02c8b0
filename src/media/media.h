/*
 * media.h - frames in: video files (anything FFmpeg's libavformat and
 * libavcodec read), single images (JPEG/PNG) and folders of images, decoded
 * and letterboxed into a model's input tensor (resize, padding, channel
 * order, scaling): by default exactly as the OpenCV reference pipelines do
 * (media_preprocess_t). This header is the whole public API of
 * src/media/.
 *
 * Memory: a source owns its decoder state and one set of conversion buffers
 * sized on the first frame; media_source_read() writes into the caller's
 * tensor and allocates nothing per frame in steady state (libavformat's own
 * packet buffers aside).
 *
 * Orientation: frames come out as a player shows them. A container's
 * display matrix (phones store portrait video as landscape pictures plus
 * "rotate 90°") is applied at decode, so frame sizes, media_frame_t and
 * every box mapped through it are in display coordinates; media_info_t
 * also says the stored size and the turn.
 *
 * Timestamps: t is the frame's PTS in seconds (stream time base), relative
 * to the stream's start time, as a player's clock shows it: edit lists
 * applied by libav, and where MPEG-TS's clock jumps (joined recordings)
 * by more than 10 s, the frames after follow on by one frame duration, as
 * ffmpeg's command line re-bases them; the frame index counts decoded frames from 0,
 * including the ones skipped by sampling. Images have t = 0 and folders
 * number their images 0.. in name order.
 *
 * Thread model: a source is used by one thread at a time; different
 * sources, media_probe() and media_thumbnail() may run on any threads at
 * once. Decoding itself uses FFmpeg's frame/slice threads
 * (options->threads).
 *
 * Logging: libav's own log is kept off stderr; its last error line goes
 * into the avp_error_t of the call that failed. AVP_FFMPEG_LOG=info (or
 * debug, warning ...) in the environment restores libav's stderr log.
 */
#ifndef AVP_MEDIA_MEDIA_H
#define AVP_MEDIA_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"

typedef struct media_source media_source_t;

/* How a decoded frame becomes the model's pixels. */
typedef enum media_preprocess {
    /* The reference pipelines' pixels, bit for bit: the BGR frame OpenCV's
     * VideoCapture (FFmpeg backend) produces, cv::resize(INTER_LINEAR),
     * then the family's padding and scaling (letterbox_exact.c). */
    MEDIA_PREPROCESS_EXACT = 0,
    /* One swscale pass (bilinear, averaging on downscales) straight to the
     * model size: faster, within a few levels of the reference. */
    MEDIA_PREPROCESS_FAST,
} media_preprocess_t;

/* "exact" / "fast"; "?" for anything else. */
const char *media_preprocess_name(media_preprocess_t p);
/* Parses "exact" or "fast"; AVP_EINVAL otherwise. */
int media_preprocess_parse(const char *s, media_preprocess_t *out);

/* Zero-initialised options mean every frame, FFmpeg's thread count, exact
 * preprocessing. */
typedef struct media_options {
    int every;          /* keep every Nth frame (0 or 1 = all) */
    double fps;         /* or keep the first frame at or past each k/fps
                         * seconds (0 = off); not with every > 1, not for
                         * folders */
    int threads;        /* decoder threads (0 = FFmpeg's choice) */
    int64_t start_frame;/* skip frames with index < start_frame (resume):
                         * the frames, indices and times from start_frame
                         * on are exactly an uninterrupted source's, also
                         * with every/fps sampling (which counts the
                         * skipped frames). A video seeks to the last
                         * keyframe at or before it after indexing the
                         * file's packets (one read of the file, no
                         * decoding) and checks every frame against that
                         * index; when the file gives any doubt (no
                         * timestamps, as raw H.264; damaged packets; a
                         * container that cannot seek) it decodes from
                         * frame 0 instead, not converting the skipped
                         * frames. Folders skip the images unread. */
    int stream;         /* which video stream of a file with several: k =
                         * the k-th (1-based; cover pictures do not count),
                         * 0 = the one the file marks as default, else
                         * the first. No such stream: AVP_EINVAL. */
    media_preprocess_t preprocess;
} media_options_t;

typedef enum media_kind { MEDIA_VIDEO, MEDIA_IMAGE, MEDIA_FOLDER } media_kind_t;

typedef struct media_info {
    media_kind_t kind;
    int width, height;   /* of the first frame, as displayed: every frame
                          * comes out turned by the display matrix */
    int stored_width, stored_height; /* as encoded, before turning */
    int rotation;        /* clockwise degrees turned for display: 0, 90,
                          * 180 or 270 (from the container's display
                          * matrix; other angles are not applied) */
    int mirrored;        /* 1: then mirrored left-right */
    int video_streams;   /* video streams in the file (cover pictures not
                          * counted) */
    int stream;          /* the decoded one's index among all streams */
    double fps;          /* average frame rate (0 for images) */
    double duration;     /* seconds (0 for images) */
    int64_t frame_count; /* media_probe(): counted (frame_count_exact),
                          * unless that took too long; an open source:
                          * the container's count, else an estimate;
                          * images: count */
    int frame_count_exact; /* 1: counted, the frames a decode returns */
    char codec[32];      /* "h264", "mjpeg", "png" ... */
    char format[32];     /* container: "mov,mp4,m4a,3gp,3g2,mj2", "image2",
                          * "folder" ... */
} media_info_t;

/* How a frame becomes a model input. */
typedef enum media_order { MEDIA_ORDER_BGR, MEDIA_ORDER_RGB } media_order_t;

typedef struct media_letterbox {
    int width, height;   /* model input size */
    media_order_t order;
    float scale;         /* pixel values times scale: 1.0 (YOLOX) or 1/255
                          * (Ultralytics); exact preprocessing divides by
                          * 1/scale instead, as the references do (x / 255) */
    int centered;        /* 0: YOLOX's preproc: image at top-left, resized
                          * size w * r truncated; 1: Ultralytics' LetterBox:
                          * centred, size rounded half to even (Python's
                          * round) */
    uint8_t pad;         /* pad value before scaling (114) */
} media_letterbox_t;

/* Where a frame came from and how it was placed in the tensor:
 * source_x = (tensor_x - pad_x) / scale. */
typedef struct media_frame {
    int64_t index;
    double t;
    int src_width, src_height;
    float scale, pad_x, pad_y;
} media_frame_t;

/* Opens a file (video or image) or a folder of images (.jpg, .jpeg, .png,
 * .bmp in name order; other files skipped) and decodes the first frame, so
 * an open source is decodable and its info is real. Fails with
 * AVP_ENOTFOUND, AVP_EFORMAT ("not a video or image", an empty folder, a
 * folder whose first image is bad), AVP_EINVAL (options) and a message;
 * *out is NULL then. Owned by the caller: media_source_close(). */
int media_source_open(const char *path, const media_options_t *opt,
                      media_source_t **out, avp_error_t *err);
void media_source_close(media_source_t *s); /* NULL is a no-op */

/* Valid until media_source_close(). */
const media_info_t *media_source_info(const media_source_t *s);

/* Decodes the next kept frame into dst, a planar float tensor of
 * 3 x lb->height x lb->width. Returns 1 for a frame, 0 at the end, or a
 * negative AVP_E* code (err says why). lb may differ from call to call.
 * A bad image in a folder fails its read (AVP_EFORMAT, naming the file)
 * and the next read goes on with the next image. A damaged video (cut
 * short, corrupt bytes) returns every frame the decoder makes of it, then
 * 0: media_source_damage() says what was lost. */
int media_source_read(media_source_t *s, const media_letterbox_t *lb,
                      float *dst, media_frame_t *frame, avp_error_t *err);

/* What damage cost a video, for a warning: complete once
 * media_source_read() has returned 0. */
typedef struct media_damage {
    int64_t frames_lost;      /* frames the file holds (its index, or the
                               * packets read) that never decoded */
    int64_t frames_concealed; /* frames decoded with errors patched over
                               * (returned, as players show them) */
    char what[160];           /* libav's words about the first damage;
                               * "" when there was none */
} media_damage_t;

void media_source_damage(media_source_t *s, media_damage_t *out);

/* Reads the stream headers (and decodes one frame to prove the file is a
 * decodable video or image) and counts a video's frames by reading its
 * packets (no decoding; given up after 30 s), without keeping anything
 * open. Also works on
 * folders (kind MEDIA_FOLDER, frame_count = number of images). Errors as
 * media_source_open(). */
int media_probe(const char *path, media_info_t *info, avp_error_t *err);
/* media_probe() counting for at most count_seconds (0: not at all, the
 * container's count or estimate): the upload replies at once and counts
 * later, with more time than a reply may wait. */
int media_probe_counted(const char *path, double count_seconds,
                        media_info_t *info, avp_error_t *err);
/* How long media_probe() may count: minutes of video at disk speed; hours
 * of it keep the container's own count (or estimate). */
#define MEDIA_PROBE_COUNT_SECONDS 30.0

/* Writes a JPEG thumbnail of the frame nearest to t seconds (media_frame_t's
 * t: after MPEG-TS clock jumps the continuous clock, found by decoding
 * from the start; the last frame past the end), scaled down to max_width keeping the aspect ratio (never
 * up). out_path appears atomically (temp file + rename). Used by the API
 * server. AVP_ENOTFOUND, AVP_EFORMAT, AVP_EIO (cannot write), AVP_EINVAL;
 * a folder is AVP_EUNSUPPORTED. */
int media_thumbnail(const char *path, double t, int max_width,
                    const char *out_path, avp_error_t *err);
/* The same frame cropped around box (x1, y1, x2, y2 in the displayed
 * picture's pixels) with a margin of a fifth of its size on each side
 * (at least 8 px), clamped to the frame, scaled to width (up or down).
 * AVP_EINVAL for a box not on the frame. */
int media_thumbnail_crop(const char *path, double t, const double box[4],
                         int width, const char *out_path, avp_error_t *err);

#endif
