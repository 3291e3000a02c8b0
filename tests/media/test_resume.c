/*
 * test_resume.c - a source opened at start_frame yields exactly the frames
 * (index, t, tensor bytes) an uninterrupted source yields from start_frame
 * on, for every sampling mode and for clips that seek (H.264 with B-frames
 * and short or open GOPs, MPEG-4 with open GOPs, MJPEG, variable frame
 * rate) and clips that must fall back to decoding from frame 0 (raw Annex B
 * H.264 has no timestamps). The resume statistics prove which path ran, so
 * a silent fallback cannot pass for a seek.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/internal.h"

#define LB 48
#define PIXELS (3 * LB * LB)
#define MAX_FRAMES 320

static const media_letterbox_t lb = {LB, LB, MEDIA_ORDER_RGB, 1.0f, 0, 114};

/* What a source returned: frame indices, times and tensors. */
typedef struct shots {
    int n;
    int64_t index[MAX_FRAMES];
    double t[MAX_FRAMES];
    float *px; /* MAX_FRAMES x PIXELS */
    media_resume_stats_t stats;
} shots_t;

static shots_t ref, res;

static int read_shots(const char *path, const media_options_t *o, shots_t *out)
{
    media_source_t *s;
    avp_error_t err = {0};
    if (media_source_open(path, o, &s, &err) != AVP_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return 0;
    }
    media_frame_t f;
    int ret;
    out->n = 0;
    while (out->n < MAX_FRAMES &&
           (ret = media_source_read(s, &lb, out->px + (size_t)out->n * PIXELS, &f,
                                    &err)) == 1) {
        out->index[out->n] = f.index;
        out->t[out->n++] = f.t;
    }
    media__source_resume_stats(s, &out->stats);
    media_source_close(s);
    if (ret < 0)
        fprintf(stderr, "read: %s\n", err.msg);
    return ret == 0;
}

/* res must be ref from the first frame at or past start on. */
static int same_tail(int64_t start)
{
    int first = 0;
    while (first < ref.n && ref.index[first] < start)
        first++;
    if (res.n != ref.n - first) {
        fprintf(stderr, "start %lld: %d frames, want %d\n", (long long)start,
                res.n, ref.n - first);
        return 0;
    }
    for (int i = 0; i < res.n; i++) {
        int j = first + i;
        if (res.index[i] != ref.index[j] || res.t[i] != ref.t[j] ||
            memcmp(res.px + (size_t)i * PIXELS, ref.px + (size_t)j * PIXELS,
                   PIXELS * sizeof(float)) != 0) {
            fprintf(stderr, "start %lld: frame %lld (t %.6f) differs from "
                    "frame %lld (t %.6f)\n", (long long)start,
                    (long long)res.index[i], res.t[i], (long long)ref.index[j],
                    ref.t[j]);
            return 0;
        }
    }
    return 1;
}

/* 0, 1, around the first two keyframes after 0 and the last one, the last
 * frame and past the end. */
static int start_frames(const int *key, int n, int64_t *out)
{
    int c = 0, found = 0, last = n - 1;
    while (last > 0 && !key[last])
        last--;
    out[c++] = 0;
    out[c++] = 1;
    for (int i = 1; i < n; i++) {
        if (!key[i] || (found++ >= 2 && i != last))
            continue;
        out[c++] = i - 1;
        out[c++] = i;
        out[c++] = i + 1;
    }
    out[c++] = n - 1;
    out[c++] = n;
    out[c++] = n + 7;
    return c;
}

/* The last keyframe in the first half of the clip. */
static int middle_key(const int *key, int n)
{
    int k = n / 2;
    while (k > 0 && !key[k])
        k--;
    return k;
}

/* Every sampling mode, every start frame: resumed == uninterrupted. Then
 * for seek == 1 proves that a resume at a keyframe in the middle seeked
 * there, decoding only from there; for seek == 0 that it fell back and
 * decoded everything. */
static int resumes_exactly(const char *path, int seek)
{
    static int key[MAX_FRAMES];
    int n = fx_probe_keys(path, key, MAX_FRAMES);
    if (n < 30) {
        fprintf(stderr, "%s: ffprobe saw %d frames\n", path, n);
        return 0;
    }
    int64_t starts[40];
    int count = start_frames(key, n, starts);
    const media_options_t modes[] = {{.every = 1}, {.every = 3}, {.fps = 7}};
    for (size_t m = 0; m < AVP_ARRAY_LEN(modes); m++) {
        media_options_t o = modes[m];
        if (!read_shots(path, &o, &ref) || ref.n == 0)
            return 0;
        for (int i = 0; i < count; i++) {
            o.start_frame = starts[i];
            if (!read_shots(path, &o, &res) || !same_tail(o.start_frame)) {
                fprintf(stderr, "%s: mode %zu, start %lld (%s)\n", path, m,
                        (long long)o.start_frame,
                        res.stats.fallback ? res.stats.fallback : "seeked");
                return 0;
            }
        }
    }
    int k = middle_key(key, n);
    media_options_t o = {.start_frame = k};
    if (k == 0 || !read_shots(path, &o, &res))
        return 0;
    int64_t decoded = res.stats.frames_decoded;
    fprintf(stderr, "%s: %d frames, resumed at %d: %s, %lld frames decoded\n",
            path, n, k, res.stats.fallback ? res.stats.fallback : "seeked",
            (long long)decoded);
    if (!seek)
        return !res.stats.seeked && res.stats.fallback && decoded >= n;
    /* Frame 0 at open, then the frames from the keyframe on and at most
     * three leading frames of an open GOP (-bf 3), which are dropped. */
    return res.stats.seeked && !res.stats.fallback &&
           decoded >= 1 + (n - k) && decoded <= 1 + (n - k) + 3;
}

#define ZOOM "zoompan=z='1+0.004*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'" \
             ":d=1:s=160x120:fps=25"

static void test_resume_h264_bframes_short_gop(void)
{
    const char *p = fx_clip("bf.mp4", "dog", 160, 120, 120, "25",
                            "-c:v libx264 -preset veryfast -bf 3 -g 12");
    CHECK(p && resumes_exactly(p, 1));
}

static void test_resume_h264_open_gop(void)
{
    const char *p = fx_clip("open.mp4", "horses", 160, 120, 120, "25",
                            "-c:v libx264 -preset veryfast -bf 3 -g 20 "
                            "-x264-params open-gop=1:scenecut=0:b-adapt=0");
    CHECK(p && resumes_exactly(p, 1));
}

/* FFmpeg's MPEG-4 encoder makes open GOPs unless told +cgop: the B-frames
 * before each I-frame are stored after it and refer to the GOP before. */
static void test_resume_mpeg4_open_gop(void)
{
    const char *p = fx_clip("m4.mp4", "giraffe", 160, 120, 120, "25",
                            "-c:v mpeg4 -q:v 4 -bf 2 -g 15");
    CHECK(p && resumes_exactly(p, 1));
}

static void test_resume_mjpeg(void)
{
    const char *p = fx_clip("mj.mkv", "eagle", 160, 120, 60, "25",
                            "-c:v mjpeg -q:v 4");
    CHECK(p && resumes_exactly(p, 1));
}

/* Frames 5k..5k+4 are 40 ms apart, then a gap of 100 ms: the fps sampler's
 * state depends on every earlier frame. */
static void test_resume_variable_frame_rate(void)
{
    const char *p = fx_path("vfr.mkv");
    CHECK(fx_sh("ffmpeg -v error -y -loop 1 -i " FX_PHOTOS "/kite.jpg -vf \""
                ZOOM ",format=yuv420p,setpts='(N+floor(N/5)*1.5)/(25*TB)'\" "
                "-fps_mode passthrough -frames:v 100 -c:v libx264 -preset "
                "veryfast -bf 2 -g 16 '%s'", p) == 0);
    CHECK(resumes_exactly(p, 1));
}

/* MPEG-TS: seeking by byte position may land off the keyframe; whatever
 * the path, the frames must be the same. */
static void test_resume_mpegts(void)
{
    const char *p = fx_clip("ts.ts", "person", 160, 120, 100, "25",
                            "-c:v libx264 -preset veryfast -bf 3 -g 12");
    CHECK(p && resumes_exactly(p, 1));
}

/* VP8 with alternate reference frames, which the decoder does not show:
 * each must share a packet with a shown frame, or the index would count
 * more frames than come out (and the check after the seek would say so). */
static void test_resume_vp8_altref(void)
{
    const char *p = fx_clip("vp8.webm", "dog", 160, 120, 60, "25",
                            "-c:v libvpx -b:v 200k -g 15 -auto-alt-ref 1 "
                            "-lag-in-frames 16 -cpu-used 5");
    CHECK(p && resumes_exactly(p, 1));
}

/* Makes the first non-key packet from the nth on (file order) undecodable:
 * its first bytes (an H.264 NAL length, an MPEG-4 start code) become 0xff. */
static int damage(const char *clip, int nth)
{
    return fx_sh("pos=$(ffprobe -v error -select_streams v -show_entries "
                 "packet=pos,flags -of csv=p=0 '%s' | awk -F, 'NR >= %d && "
                 "$2 !~ /K/ { print $1; exit }') && head -c 8 /dev/zero | "
                 "tr '\\0' '\\377' | dd of='%s' bs=1 seek=$pos conv=notrunc "
                 "status=none", clip, nth, clip) == 0;
}

/* With frame threads a decoder reports a packet's damage when it likes, so
 * the damage tests decode on one thread, where what is lost is certain. */
static const media_options_t one_thread = {.every = 1, .threads = 1};

/* Reads the clip at start (every frame) into res; 1 if it matches ref. */
static int resumed_at(const char *path, int64_t start)
{
    media_options_t o = one_thread;
    o.start_frame = start;
    return read_shots(path, &o, &res) && same_tail(start);
}

/* A packet the decoder rejects yields no frame, so every later frame has a
 * lower index than the packet count says. In MPEG-4 Part 2 the index pass
 * cannot see it; damage after the keyframe is met by the check after the
 * seek, which restarts from frame 0. */
static void test_resume_damage_after_the_keyframe_restarts(void)
{
    const char *clip = fx_clip("dmg.mp4", "dog", 160, 120, 90, "25",
                               "-c:v mpeg4 -q:v 4 -bf 2 -g 15");
    CHECK(clip && damage(clip, 60));
    CHECK(read_shots(clip, &one_thread, &ref) && ref.n == 89); /* one frame lost */
    CHECK(resumed_at(clip, 20));
    CHECK(res.stats.seeked && res.stats.fallback &&
          strstr(res.stats.fallback, "not the one the frame index expects"));
}

/* H.264 damage anywhere is seen by the index pass (the demuxer's H.264
 * parser logs it), which falls back at once. */
static void test_resume_damage_seen_by_the_index_falls_back(void)
{
    const char *clip = fx_clip("dmg.264.mp4", "dog", 160, 120, 90, "25",
                               "-c:v libx264 -preset veryfast -bf 3 -g 12");
    CHECK(clip && damage(clip, 40));
    CHECK(read_shots(clip, &one_thread, &ref) && ref.n == 89);
    CHECK(resumed_at(clip, 70));
    CHECK(!res.stats.seeked && res.stats.fallback &&
          strstr(res.stats.fallback, "damage"));
}

/* The index is allocated at open; after the seek, reading (and checking
 * each frame against the index) allocates nothing per frame. */
static void test_resume_steady_state_allocates_nothing(void)
{
    const char *p = fx_clip("steady.mp4", "kite", 160, 120, 120, "25",
                            "-c:v libx264 -preset veryfast -bf 3 -g 12");
    CHECK(p);
    media_options_t o = {.fps = 7, .start_frame = 40};
    media_source_t *s;
    avp_error_t err = {0};
    CHECK(media_source_open(p, &o, &s, &err) == AVP_OK);
    media_frame_t f;
    uint64_t before = 0;
    int n = 0, ret;
    while ((ret = media_source_read(s, &lb, res.px, &f, &err)) == 1)
        if (++n == 2)
            before = avp_alloc_count();
    uint64_t allocs = avp_alloc_count() - before;
    media_resume_stats_t st;
    media__source_resume_stats(s, &st);
    media_source_close(s);
    CHECK(ret == 0 && n > 10 && st.seeked && !st.fallback);
    CHECK(allocs == 0);
}

/* FFmpeg 5.1's YUV4MPEG demuxer lands one frame before the one asked for:
 * the source sees that at the first packet after the seek and decodes from
 * frame 0 again. (Should a later FFmpeg land right, this test needs
 * another such container.) */
static void test_resume_landing_elsewhere_restarts(void)
{
    const char *p = fx_clip("raw.y4m", "eagle", 96, 64, 40, "25", "");
    CHECK(p && resumes_exactly(p, 0));
    CHECK(strstr(res.stats.fallback, "landed on another packet"));
}

/* Raw Annex B H.264 carries no timestamps: the index cannot number the
 * frames, so a resume decodes from frame 0. */
static void test_resume_raw_h264_falls_back(void)
{
    const char *p = fx_clip("raw.h264", "dog", 160, 120, 100, "25",
                            "-c:v libx264 -preset veryfast -bf 3 -g 12");
    CHECK(p && resumes_exactly(p, 0));
}

int main(void)
{
    fx_setup();
    ref.px = malloc((size_t)MAX_FRAMES * PIXELS * sizeof(float));
    res.px = malloc((size_t)MAX_FRAMES * PIXELS * sizeof(float));
    RUN(test_resume_h264_bframes_short_gop);
    RUN(test_resume_h264_open_gop);
    RUN(test_resume_mpeg4_open_gop);
    RUN(test_resume_mjpeg);
    RUN(test_resume_variable_frame_rate);
    RUN(test_resume_mpegts);
    RUN(test_resume_vp8_altref);
    RUN(test_resume_damage_after_the_keyframe_restarts);
    RUN(test_resume_damage_seen_by_the_index_falls_back);
    RUN(test_resume_steady_state_allocates_nothing);
    RUN(test_resume_landing_elsewhere_restarts);
    RUN(test_resume_raw_h264_falls_back);
    free(ref.px);
    free(res.px);
    return CHECK_DONE();
}
