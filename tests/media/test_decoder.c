/*
 * test_decoder.c - decoding through media_source_t matches ffprobe: every
 * frame comes out (the decoder is flushed at the end), in order, with
 * ffprobe's best-effort timestamps relative to the stream start, for
 * H.264 with B-frames in MP4 and MPEG-TS (non-zero start, 1/90000 time
 * base, 30000/1001 fps), MJPEG in AVI and a variable-frame-rate MKV.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define MAX_FRAMES 512

static const media_letterbox_t small_lb = {64, 64, MEDIA_ORDER_BGR, 1.0f, 0, 114};

/* Reads every frame of path (threads as given) and compares count and
 * timestamps with the oracle's n times. */
static int matches_times(const char *path, int threads, const double *want, int n)
{
    media_options_t opt = {.every = 1, .threads = threads};
    media_source_t *s;
    avp_error_t err = {0};
    if (media_source_open(path, &opt, &s, &err) != AVP_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return 0;
    }
    static float tensor[3 * 64 * 64];
    media_frame_t f;
    int got = 0, ok = 1, ret;
    while ((ret = media_source_read(s, &small_lb, tensor, &f, &err)) == 1) {
        if (got >= n || f.index != got || fabs(f.t - want[got]) > 2e-6) {
            fprintf(stderr, "%s: frame %d: index %lld t %.6f, oracle t %.6f\n",
                    path, got, (long long)f.index, f.t, got < n ? want[got] : -1);
            ok = 0;
        }
        got++;
    }
    if (ret != 0 || got != n) {
        fprintf(stderr, "%s: read %d of %d frames, ret %d %s\n", path, got, n,
                ret, err.msg);
        ok = 0;
    }
    media_source_close(s);
    return ok;
}

/* ... with ffprobe's best-effort timestamps as the oracle. */
static int matches_ffprobe(const char *path, int threads, int expect_frames)
{
    static double want[MAX_FRAMES];
    int n = fx_probe_times(path, want, MAX_FRAMES);
    if (n <= 0 || (expect_frames && n != expect_frames)) {
        fprintf(stderr, "%s: ffprobe saw %d frames, expected %d\n", path, n,
                expect_frames);
        return 0;
    }
    return matches_times(path, threads, want, n);
}

static void test_decoder_h264_mp4_bframes(void)
{
    const char *p = fx_clip("bf.mp4", "dog", 640, 480, 20, "10",
                            "-c:v libx264 -preset veryfast -bf 3");
    CHECK(p);
    CHECK(matches_ffprobe(p, 1, 20));
    CHECK(matches_ffprobe(p, 0, 20)); /* frame threads: same frames */
}

static void test_decoder_mjpeg_avi(void)
{
    const char *p = fx_clip("mj.avi", "horses", 640, 480, 20, "10",
                            "-c:v mjpeg -q:v 3");
    CHECK(p);
    CHECK(matches_ffprobe(p, 0, 20));
}

static void test_decoder_mpegts_odd_timebase(void)
{
    /* MPEG-TS starts near 1.4 s in a 1/90000 time base; 30000/1001 fps
     * makes every timestamp a non-round number. */
    const char *p = fx_clip("odd.ts", "giraffe", 320, 240, 30, "30000/1001",
                            "-c:v libx264 -preset veryfast -bf 2 -f mpegts");
    CHECK(p);
    CHECK(matches_ffprobe(p, 0, 30));
}

static void test_decoder_vfr_mkv(void)
{
    const char *src = fx_clip("cfr.mp4", "person", 320, 240, 25, "10",
                              "-c:v libx264 -preset ultrafast");
    CHECK(src);
    /* Irregular gaps: every third frame 40 ms late, every fifth 130 ms. */
    const char *p = fx_path("vfr.mkv");
    CHECK(fx_sh("ffmpeg -v error -y -i '%s' -vf \"setpts='(N*0.1+0.04*eq(mod(N,3),1)"
                "+0.13*eq(mod(N,5),4))/TB'\" -fps_mode passthrough -enc_time_base 1/1000 "
                "-c:v libx264 -preset veryfast '%s'", src, p) == 0);
    double t[64];
    CHECK(fx_probe_times(p, t, 64) == 25);
    CHECK_NEAR(t[1], 0.14, 1e-6); /* it really is variable */
    CHECK(matches_ffprobe(p, 0, 25));
}

/* A cut made by stream copy starts inside a GOP: MP4's edit list makes
 * the decoder drop the frames before the cut, which ffprobe drops too,
 * and the times start at the cut. */
static void test_decoder_edit_list(void)
{
    const char *src = fx_clip("el_src.mp4", "dog", 320, 240, 40, "10",
                              "-c:v libx264 -preset ultrafast -bf 2 -g 20");
    CHECK(src);
    const char *p = fx_path("el.mp4");
    CHECK(fx_sh("ffmpeg -v error -y -ss 0.75 -i '%s' -c copy '%s'", src, p) == 0);
    double t[64];
    int n = fx_probe_times(p, t, 64);
    CHECK(n > 0 && n < 40);
    CHECK(matches_ffprobe(p, 0, n));
}

/* A stream whose timestamps start below zero (-output_ts_offset, as
 * cameras' B-frame delays do): t still counts from its first frame. */
static void test_decoder_negative_start(void)
{
    const char *p = fx_clip("neg.mkv", "horses", 320, 240, 20, "10",
                            "-c:v libx264 -preset ultrafast -bf 2 "
                            "-output_ts_offset -0.5");
    CHECK(p);
    media_info_t info;
    avp_error_t err = {0};
    CHECK(media_probe(p, &info, &err) == AVP_OK);
    CHECK(matches_ffprobe(p, 0, 20));
}

/* Dashcam segments joined as they are (cat): the clock jumps back 50 s,
 * then forward 50 s. t runs on by one frame at each jump, as ffmpeg's
 * command line re-bases them (its showinfo times: the oracle). */
static void test_decoder_mpegts_clock_jumps(void)
{
    const char *a = fx_clip("seg_a.ts", "dog", 160, 120, 20, "10",
                            "-c:v libx264 -preset ultrafast -bf 2 "
                            "-output_ts_offset 100 -f mpegts");
    const char *b = fx_clip("seg_b.ts", "kite", 160, 120, 20, "10",
                            "-c:v libx264 -preset ultrafast -bf 2 "
                            "-output_ts_offset 50 -f mpegts");
    CHECK(a && b);
    const char *p = fx_path("joined.ts");
    CHECK(fx_sh("cat '%s' '%s' '%s' > '%s'", a, b, a, p) == 0);
    static double want[MAX_FRAMES];
    int n = fx_ffmpeg_times(p, want, MAX_FRAMES);
    CHECK(n == 60);
    CHECK_NEAR(want[59], 5.9, 1e-6); /* ffmpeg does re-base them */
    CHECK(matches_times(p, 0, want, n));
    /* A resume there must not trust a frame index sorted by time. */
    media_options_t o = {.start_frame = 45};
    media_source_t *s;
    avp_error_t err = {0};
    CHECK(media_source_open(p, &o, &s, &err) == AVP_OK);
    static float tensor[3 * 64 * 64];
    media_frame_t f;
    CHECK(media_source_read(s, &small_lb, tensor, &f, &err) == 1);
    media_source_close(s);
    CHECK(f.index == 45);
    CHECK_NEAR(f.t, want[45], 2e-6);
}

/* The probe counts the frames a decode returns, where the container has
 * no count (Matroska, MPEG-TS; an estimate from duration and rate is off
 * for variable rates) or counts more (an edit list's dropped samples). */
static void test_decoder_probe_counts_frames(void)
{
    const char *names[] = {"vfr.mkv", "el.mp4", "joined.ts", "odd.ts"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        static double t[MAX_FRAMES];
        const char *p = fx_path(names[i]);
        int n = fx_probe_times(p, t, MAX_FRAMES);
        media_info_t info;
        avp_error_t err = {0};
        CHECK(n > 0 && media_probe(p, &info, &err) == AVP_OK);
        fprintf(stderr, "%s: probe %lld, ffprobe %d\n", names[i],
                (long long)info.frame_count, n);
        CHECK(info.frame_count == n && info.frame_count_exact);
    }
}

static void test_decoder_shared_720p(void)
{
    char path[1024];
    const char *shared = getenv("AVP_SHARED_DIR");
    snprintf(path, sizeof(path), "%s/media/photos_720p.mp4", shared ? shared : "");
    if (!shared || access(path, R_OK) != 0) {
        fprintf(stderr, "(photos_720p.mp4 absent; skipped)\n");
        return;
    }
    CHECK(matches_ffprobe(path, 0, 240));
    media_info_t info;
    avp_error_t err = {0};
    CHECK(media_probe(path, &info, &err) == AVP_OK);
    CHECK(info.kind == MEDIA_VIDEO && info.width == 1280 && info.height == 720);
    CHECK(info.frame_count == 240);
    CHECK_NEAR(info.fps, 30, 1e-9);
    CHECK_NEAR(info.duration, 8, 1e-6);
}

static void test_decoder_probe_info(void)
{
    const char *mp4 = fx_clip("info.mp4", "dog", 640, 480, 20, "10",
                              "-c:v libx264 -preset ultrafast");
    const char *avi = fx_clip("info.avi", "dog", 320, 240, 15, "15",
                              "-c:v mjpeg");
    CHECK(mp4 && avi);
    media_info_t info;
    avp_error_t err = {0};
    CHECK(media_probe(mp4, &info, &err) == AVP_OK);
    CHECK(info.kind == MEDIA_VIDEO && info.width == 640 && info.height == 480);
    CHECK(info.frame_count == 20);
    CHECK_NEAR(info.fps, 10, 1e-9);
    CHECK_NEAR(info.duration, 2, 1e-6);
    CHECK(strcmp(info.codec, "h264") == 0);
    CHECK(strstr(info.format, "mp4") != NULL);
    CHECK(media_probe(avi, &info, &err) == AVP_OK);
    CHECK(info.width == 320 && info.height == 240 && info.frame_count == 15);
    CHECK_NEAR(info.fps, 15, 1e-9);
    CHECK(strcmp(info.codec, "mjpeg") == 0 && strcmp(info.format, "avi") == 0);
}

int main(void)
{
    fx_setup();
    RUN(test_decoder_h264_mp4_bframes);
    RUN(test_decoder_mjpeg_avi);
    RUN(test_decoder_mpegts_odd_timebase);
    RUN(test_decoder_vfr_mkv);
    RUN(test_decoder_edit_list);
    RUN(test_decoder_negative_start);
    RUN(test_decoder_mpegts_clock_jumps);
    RUN(test_decoder_probe_counts_frames);
    RUN(test_decoder_shared_720p);
    RUN(test_decoder_probe_info);
    return CHECK_DONE();
}
