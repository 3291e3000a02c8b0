/*
 * test_damage.c - files as they arrive from the field: cut short, with
 * bytes overwritten, without video, with several video streams. A damaged
 * file gives every frame ffmpeg's own decoder makes of it (ffprobe counts
 * them: the oracle), then the end, and media_source_damage() says what was
 * lost; nothing may hang, so the whole file runs under an alarm.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define FRAMES 60
#define MAX_FRAMES 512

static const media_letterbox_t lb = {64, 64, MEDIA_ORDER_BGR, 1.0f, 0, 114};
static float tensor[3 * 64 * 64];

/* Reads path to the end with the given stream choice: the frame count,
 * or -1 when a read failed (err says why). */
static int read_all(const char *path, int stream, media_damage_t *dmg,
                    avp_error_t *err)
{
    media_options_t o = {.every = 1, .stream = stream};
    media_source_t *s;
    if (media_source_open(path, &o, &s, err) != AVP_OK)
        return -1;
    media_frame_t f;
    int n = 0, ret;
    while ((ret = media_source_read(s, &lb, tensor, &f, err)) == 1)
        n++;
    media_source_damage(s, dmg);
    media_source_close(s);
    return ret == 0 ? n : -1;
}

static int ffprobe_count(const char *path)
{
    static double t[MAX_FRAMES];
    return fx_probe_times(path, t, MAX_FRAMES);
}

/* The damaged file gives ffprobe's frames and names its damage. */
static int decoded_like_ffprobe(const char *path, int intact)
{
    media_damage_t d;
    avp_error_t err = {0};
    int n = read_all(path, 0, &d, &err), want = ffprobe_count(path);
    fprintf(stderr, "%s: %d frames (ffprobe %d), lost %lld, concealed %lld: %s\n",
            path, n, want, (long long)d.frames_lost,
            (long long)d.frames_concealed, n < 0 ? err.msg : d.what);
    return n == want && n > 0 && n < intact + 1 && d.what[0] &&
           (d.frames_lost > 0 || d.frames_concealed > 0);
}

static void test_damage_truncated_mp4(void)
{
    const char *full = fx_clip("full.mp4", "kite", 320, 240, FRAMES, "10",
                               "-c:v libx264 -preset ultrafast -g 10 "
                               "-movflags +faststart");
    CHECK(full);
    const char *cut = fx_path("cut.mp4");
    CHECK(fx_sh("head -c $(( $(stat -c %%s '%s') * 2 / 3 )) '%s' > '%s'", full,
                full, cut) == 0);
    CHECK(decoded_like_ffprobe(cut, FRAMES));
    /* The index lists every frame: the lost ones are the rest. */
    media_damage_t d;
    avp_error_t err = {0};
    int n = read_all(cut, 0, &d, &err);
    CHECK(n + d.frames_lost == FRAMES);
}

/* 0xff over a stretch of the middle: MPEG-TS loses its sync there. */
static int overwrite_middle(const char *from, const char *to, int bytes)
{
    return fx_sh("cp '%s' '%s' && head -c %d /dev/zero | tr '\\0' '\\377' | "
                 "dd of='%s' bs=1 seek=$(( $(stat -c %%s '%s') / 2 )) "
                 "conv=notrunc status=none", from, to, bytes, to, from);
}

/* A clip with a stretch of its middle overwritten decodes as ffmpeg's
 * does. */
static int overwritten_like_ffprobe(const char *name, const char *photo,
                                    const char *args, int bytes)
{
    char bad[64];
    snprintf(bad, sizeof(bad), "bad_%s", name);
    const char *full = fx_clip(name, photo, 320, 240, FRAMES, "10", args);
    return full && overwrite_middle(full, fx_path(bad), bytes) == 0 &&
           decoded_like_ffprobe(fx_path(bad), FRAMES);
}

static void test_damage_corrupt_mpegts(void)
{
    CHECK(overwritten_like_ffprobe("full.ts", "dog", "-c:v libx264 -preset "
                                   "ultrafast -g 10 -f mpegts", 30000));
}

/* Over several samples, so that H.264's length prefixes break (bytes
 * inside one slice can decode to a wrong picture without a sign). */
static void test_damage_corrupt_mp4_payload(void)
{
    CHECK(overwritten_like_ffprobe("full2.mp4", "horses", "-c:v libx264 "
                                   "-preset ultrafast -g 10 -movflags "
                                   "+faststart", 40000));
}

/* Sound without pictures is refused in words that say so. */
static void test_damage_no_video(void)
{
    const char *tone = fx_path("tone.mp3"), *cover = fx_path("cover.mp3");
    CHECK(fx_sh("ffmpeg -v error -y -f lavfi -i sine=d=1 '%s'", tone) == 0);
    CHECK(fx_sh("ffmpeg -v error -y -i '%s' -i " FX_PHOTOS "/dog.jpg -map 0 "
                "-map 1 -c:a copy -c:v mjpeg -disposition:v attached_pic '%s'",
                tone, cover) == 0);
    media_info_t i;
    avp_error_t err = {0};
    CHECK(media_probe(tone, &i, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "no video stream: audio only"));
    CHECK(media_probe(cover, &i, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, "no video stream: audio with a cover picture"));
}

/* The first frame of stream k of path (0: the default) as a tensor. */
static int first_frame(const char *path, int k, float *t, avp_error_t *err)
{
    media_options_t o = {.stream = k};
    media_source_t *s;
    if (media_source_open(path, &o, &s, err) != AVP_OK)
        return 0;
    media_frame_t f;
    int ok = media_source_read(s, &lb, t, &f, err) == 1;
    media_source_close(s);
    return ok;
}

/* Two video streams, the second marked default: that one by default,
 * either one on request, a third refused. Each must be the very frames
 * of the clip it was copied from. */
static void test_damage_several_video_streams(void)
{
    const char *clip[2], *photo[2] = {"dog", "giraffe"}, *name[2] = {"a.mkv", "b.mkv"};
    for (int i = 0; i < 2; i++) {
        clip[i] = fx_clip(name[i], photo[i], 160, 120, 10, "10",
                          "-c:v libx264 -preset ultrafast");
        CHECK(clip[i]);
    }
    const char *a = clip[0], *b = clip[1];
    const char *two = fx_path("two.mkv");
    CHECK(fx_sh("ffmpeg -v error -y -i '%s' -i '%s' -map 0 -map 1 -c copy "
                "-disposition:v:0 0 -disposition:v:1 default '%s'", a, b,
                two) == 0);
    static float ta[3 * 64 * 64], tb[3 * 64 * 64], got[3 * 64 * 64];
    avp_error_t err = {0};
    CHECK(first_frame(a, 0, ta, &err) && first_frame(b, 0, tb, &err));
    CHECK(memcmp(ta, tb, sizeof(ta)) != 0);
    CHECK(first_frame(two, 0, got, &err) && memcmp(got, tb, sizeof(got)) == 0);
    CHECK(first_frame(two, 1, got, &err) && memcmp(got, ta, sizeof(got)) == 0);
    CHECK(first_frame(two, 2, got, &err) && memcmp(got, tb, sizeof(got)) == 0);
    CHECK(!first_frame(two, 3, got, &err) && err.code == AVP_EINVAL);
    CHECK(strstr(err.msg, "no video stream 3 (it has 2)"));
    media_info_t i;
    CHECK(media_probe(two, &i, &err) == AVP_OK && i.video_streams == 2 &&
          i.stream == 1);
    media_damage_t d;
    CHECK(read_all(two, 1, &d, &err) == 10 && d.frames_lost == 0 && !d.what[0]);
}

int main(void)
{
    alarm(240); /* a hang fails the test instead of stalling the suite */
    fx_setup();
    RUN(test_damage_truncated_mp4);
    RUN(test_damage_corrupt_mpegts);
    RUN(test_damage_corrupt_mp4_payload);
    RUN(test_damage_no_video);
    RUN(test_damage_several_video_streams);
    return CHECK_DONE();
}
