/*
 * test_source.c - media_source_t: sampling (every Nth frame, a target
 * rate), resuming at start_frame, single images, clean errors for inputs
 * that are not video, and no allocation per frame in steady state.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define LB_W 96
#define LB_H 96

static const media_letterbox_t lb = {LB_W, LB_H, MEDIA_ORDER_BGR, 1.0f, 0, 114};
static float tensor[3 * LB_W * LB_H];

static const char *clip20(void) /* 20 frames, 10 fps, B-frames */
{
    static const char *path;
    if (!path)
        path = fx_clip("s20.mp4", "dog", 640, 480, 20, "10",
                       "-c:v libx264 -preset veryfast -bf 2");
    return path;
}

/* Reads the indices and times of all kept frames; returns their count or
 * -1 on an error. */
static int read_all(const char *path, const media_options_t *opt,
                    int64_t *index, double *t, int cap)
{
    media_source_t *s;
    avp_error_t err = {0};
    if (media_source_open(path, opt, &s, &err) != AVP_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    media_frame_t f;
    int n = 0, ret;
    while ((ret = media_source_read(s, &lb, tensor, &f, &err)) == 1) {
        if (n < cap) {
            index[n] = f.index;
            t[n] = f.t;
        }
        n++;
    }
    media_source_close(s);
    if (ret < 0)
        fprintf(stderr, "read: %s\n", err.msg);
    return ret < 0 ? -1 : n;
}

static void test_source_every(void)
{
    int64_t idx[32];
    double t[32];
    media_options_t o = {.every = 3};
    CHECK(clip20());
    CHECK(read_all(clip20(), &o, idx, t, 32) == 7); /* 0,3,..,18 */
    for (int i = 0; i < 7; i++) {
        CHECK(idx[i] == 3 * i);
        CHECK_NEAR(t[i], 0.3 * i, 1e-6);
    }
    o.every = 0; /* zero-initialised options mean every frame */
    CHECK(read_all(clip20(), &o, idx, t, 32) == 20);
}

static void test_source_fps(void)
{
    int64_t idx[32];
    double t[32];
    media_options_t o = {.fps = 4}; /* boundaries 0, .25, .5, .75, ... */
    CHECK(clip20());
    int n = read_all(clip20(), &o, idx, t, 32);
    CHECK(n == 8); /* t = 0, .3, .5, .8, 1.0, 1.3, 1.5, 1.8 */
    static const int64_t want[] = {0, 3, 5, 8, 10, 13, 15, 18};
    for (int i = 0; i < n; i++)
        CHECK(idx[i] == want[i]);
    o.fps = 10; /* the clip's own rate: every frame, despite t*fps rounding */
    CHECK(read_all(clip20(), &o, idx, t, 32) == 20);
    o.fps = 100; /* faster than the clip: still every frame, once */
    CHECK(read_all(clip20(), &o, idx, t, 32) == 20);
}

static void test_source_start_frame_resumes(void)
{
    int64_t all_i[32], res_i[32];
    double all_t[32], res_t[32];
    CHECK(clip20());
    media_options_t o = {.fps = 3};
    int all = read_all(clip20(), &o, all_i, all_t, 32);
    o.start_frame = 7;
    int res = read_all(clip20(), &o, res_i, res_t, 32);
    int first = 0;
    while (first < all && all_i[first] < 7)
        first++;
    CHECK(res > 0 && res == all - first);
    for (int i = 0; i < res; i++) {
        CHECK(res_i[i] == all_i[first + i]);
        CHECK(res_t[i] == all_t[first + i]);
    }
    media_options_t e = {.every = 4, .start_frame = 6};
    CHECK(read_all(clip20(), &e, res_i, res_t, 32) == 3); /* 8, 12, 16 */
    CHECK(res_i[0] == 8 && res_i[2] == 16);
    media_options_t past = {.start_frame = 1000};
    CHECK(read_all(clip20(), &past, res_i, res_t, 32) == 0);
}

static void test_source_bad_options(void)
{
    media_source_t *s = NULL;
    avp_error_t err = {0};
    media_options_t both = {.every = 2, .fps = 5};
    CHECK(clip20());
    CHECK(media_source_open(clip20(), &both, &s, &err) == AVP_EINVAL && !s);
    media_options_t neg = {.every = -1};
    CHECK(media_source_open(clip20(), &neg, &s, &err) == AVP_EINVAL && !s);
    CHECK(media_source_open(clip20(), NULL, &s, &err) == AVP_OK);
    media_frame_t f;
    media_letterbox_t zero = lb;
    zero.width = 0;
    CHECK(media_source_read(s, &zero, tensor, &f, &err) == AVP_EINVAL);
    media_source_close(s);
}

static void test_source_images(void)
{
    const char *png = fx_path("horses.png");
    CHECK(fx_sh("ffmpeg -v error -y -i " FX_PHOTOS "/horses.jpg -vf scale=300:200 '%s'",
                png) == 0);
    const char *paths[] = {FX_PHOTOS "/dog.jpg", png};
    const int w[] = {768, 300}, h[] = {576, 200};
    for (int i = 0; i < 2; i++) {
        media_source_t *s;
        avp_error_t err = {0};
        CHECK(media_source_open(paths[i], NULL, &s, &err) == AVP_OK);
        const media_info_t *info = media_source_info(s);
        CHECK(info->kind == MEDIA_IMAGE && info->frame_count == 1);
        CHECK(info->width == w[i] && info->height == h[i]);
        media_frame_t f;
        CHECK(media_source_read(s, &lb, tensor, &f, &err) == 1);
        CHECK(f.index == 0 && f.t == 0);
        CHECK(f.src_width == w[i] && f.src_height == h[i]);
        CHECK(media_source_read(s, &lb, tensor, &f, &err) == 0);
        media_source_close(s);
    }
    media_info_t info;
    avp_error_t err = {0};
    CHECK(media_probe(png, &info, &err) == AVP_OK);
    CHECK(info.kind == MEDIA_IMAGE && strcmp(info.codec, "png") == 0);
}

/* Each bad input fails open and probe with the given code, a message that
 * names the file, and no source. */
static int fails(const char *path, int code, const char *words)
{
    media_source_t *s = (media_source_t *)1;
    avp_error_t err = {0};
    media_info_t info;
    int ret = media_source_open(path, NULL, &s, &err);
    int ok = ret == code && s == NULL && err.code == code &&
             strstr(err.msg, path) && strstr(err.msg, words);
    if (!ok)
        fprintf(stderr, "%s: got %d '%s'\n", path, ret, err.msg);
    memset(&err, 0, sizeof(err));
    ret = media_probe(path, &info, &err);
    return ok && ret == code && strstr(err.msg, words);
}

static void test_source_bad_inputs(void)
{
    CHECK(clip20());
    CHECK(fails(fx_path("missing.mp4"), AVP_ENOTFOUND, "No such file"));
    const char *txt = fx_path("notes.txt");
    CHECK(fx_sh("echo 'frame 1: a dog, two horses' > '%s'", txt) == 0);
    CHECK(fails(txt, AVP_EFORMAT, "not a video or image"));
    const char *fake = fx_path("fake.mp4");
    CHECK(fx_sh("cp '%s' '%s'", txt, fake) == 0);
    CHECK(fails(fake, AVP_EFORMAT, "not a video or image"));
    const char *empty = fx_path("empty.mp4");
    CHECK(fx_sh(": > '%s'", empty) == 0);
    CHECK(fails(empty, AVP_EFORMAT, "not a video or image"));
    const char *cut = fx_path("cut.mp4"); /* moov is at the end: lost */
    CHECK(fx_sh("head -c 20000 '%s' > '%s'", clip20(), cut) == 0);
    CHECK(fails(cut, AVP_EFORMAT, "not a video or image"));
    const char *audio = fx_path("tone.m4a");
    CHECK(fx_sh("ffmpeg -v error -y -f lavfi -i sine=d=1 -c:a aac '%s'", audio) == 0);
    CHECK(fails(audio, AVP_EFORMAT, "no video stream"));
}

/* A clip cut after its first frames but with the index up front: frames
 * before the cut come out, then the end (test_damage.c counts the loss). */
static void test_source_truncated_faststart(void)
{
    const char *full = fx_clip("fs.mp4", "kite", 320, 240, 40, "10",
                               "-c:v libx264 -preset ultrafast -movflags +faststart");
    CHECK(full);
    const char *cut = fx_path("fs_cut.mp4");
    CHECK(fx_sh("head -c $(( $(stat -c %%s '%s') / 2 )) '%s' > '%s'", full, full,
                cut) == 0);
    media_source_t *s;
    avp_error_t err = {0};
    CHECK(media_source_open(cut, NULL, &s, &err) == AVP_OK);
    media_frame_t f;
    int n = 0, ret;
    while ((ret = media_source_read(s, &lb, tensor, &f, &err)) == 1)
        n++;
    media_source_close(s);
    CHECK(n > 0 && n < 40);
    CHECK(ret == 0);
}

static void test_source_steady_state_allocates_nothing(void)
{
    const char *p = fx_clip("long.mp4", "dog", 320, 240, 210, "30",
                            "-c:v libx264 -preset veryfast");
    CHECK(p);
    media_source_t *s;
    avp_error_t err = {0};
    media_options_t o = {.threads = 0};
    CHECK(media_source_open(p, &o, &s, &err) == AVP_OK);
    static float big[3 * 416 * 416];
    const media_letterbox_t lb416 = {416, 416, MEDIA_ORDER_RGB, 1 / 255.0f, 1, 114};
    media_frame_t f;
    uint64_t before = 0;
    for (int i = 0; i <= 200; i++) {
        if (i == 10)
            before = avp_alloc_count();
        CHECK(media_source_read(s, &lb416, big, &f, &err) == 1);
        CHECK(f.index == i);
    }
    uint64_t allocs = avp_alloc_count() - before;
    media_source_close(s);
    fprintf(stderr, "allocations in frames 10..200: %llu\n", (unsigned long long)allocs);
    CHECK(allocs == 0);
}

int main(void)
{
    fx_setup();
    RUN(test_source_every);
    RUN(test_source_fps);
    RUN(test_source_start_frame_resumes);
    RUN(test_source_bad_options);
    RUN(test_source_images);
    RUN(test_source_bad_inputs);
    RUN(test_source_truncated_faststart);
    RUN(test_source_steady_state_allocates_nothing);
    return CHECK_DONE();
}
