/*
 * fixtures.h - what the media tests share: a scratch folder per test
 * process, clips made at test time with the ffmpeg command line from
 * Debian's darknet photos, and ffprobe's view of a file as the oracle for
 * frame counts and timestamps.
 */
#ifndef AVP_TESTS_MEDIA_FIXTURES_H
#define AVP_TESTS_MEDIA_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#define FX_PHOTOS "/usr/share/darknet/data"

/* Creates the scratch folder (removed at exit) and skips the test (exit
 * 77) when ffmpeg, ffprobe or the photos are missing. */
void fx_setup(void);

/* "<scratch>/<name>", the same stable string for the same name. */
const char *fx_path(const char *name);

/* AVP_PYTHON when it imports cv2 (python3-opencv); otherwise skips the
 * test (exit 77). */
const char *fx_python_cv2(void);

/* Runs a shell command built like printf; returns its exit status. */
int fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Makes <scratch>/<name> from a photo with a moving zoom: frames frames of
 * w x h at fps, encoded with the given ffmpeg output arguments ("-c:v
 * libx264 ..."). Returns the path or NULL. */
const char *fx_clip(const char *name, const char *photo, int w, int h,
                    int frames, const char *fps, const char *out_args);

/* ffprobe's best-effort timestamps of the video frames, relative to the
 * stream's start time, into t (cap entries). Returns the frame count or -1. */
int fx_probe_times(const char *path, double *t, int cap);

/* The frame times ffmpeg's command line decodes path with (its showinfo
 * filter's pts_time: after ffmpeg has re-based clock jumps and subtracted
 * the start), into t (cap entries). Returns the frame count or -1. */
int fx_ffmpeg_times(const char *path, double *t, int cap);

/* ffprobe's keyframe flags of the video frames in presentation order into
 * key (cap entries). Returns the frame count or -1. */
int fx_probe_keys(const char *path, int *key, int cap);

/* <scratch>/<name>: a stream copy of in with ffmpeg 5.1's display matrix
 * option, -metadata:s:v rotate=degrees (which means counterclockwise for
 * display). Returns the path or NULL. */
const char *fx_rotate_tag(const char *in, const char *name, int degrees);

/* Writes matrix m (a b u c d v x y w: 16.16 fixed point, u v w 2.30) into
 * the 'tkhd' box of an MP4 with one track, in place: the display matrix
 * as ISO/IEC 14496-12 8.3.2 lays it out, for the transforms ffmpeg's
 * command line cannot write (mirrors). Returns 0 or -1. */
int fx_set_mp4_matrix(const char *path, const int32_t m[9]);

/* Decodes frame 0 of a file with the ffmpeg command line (which applies
 * the display matrix's rotation) into w x h rgb24 (caller frees), with
 * swscale's flags as given (NULL: ffmpeg's default). NULL on failure or
 * another size. */
uint8_t *fx_ffmpeg_rgb(const char *path, int w, int h, const char *sws_flags);

/* Decodes frame 0 of a file with the ffmpeg command line into rgb24
 * (w x h x 3, caller frees). Returns NULL on failure. */
uint8_t *fx_decode_rgb(const char *path, int *w, int *h);

#endif
