/*
 * test_thumbnail.c - media_thumbnail() picks the frame nearest to t (after
 * a seek), scales it to max_width keeping the aspect ratio, writes a JPEG
 * that decodes, and leaves nothing behind when it fails.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define TW 160
#define TH 120

static const char *const photos[] = {"dog", "person", "horses"};

/* Three photos, one second each at 10 fps, a key frame every 7 frames so
 * thumbnails far in have to seek. */
static const char *three_photo_clip(void)
{
    const char *out = fx_path("three.mp4");
    int rc = fx_sh("ffmpeg -v error -y -loop 1 -framerate 10 -t 1 -i " FX_PHOTOS "/dog.jpg "
                   "-loop 1 -framerate 10 -t 1 -i " FX_PHOTOS "/person.jpg "
                   "-loop 1 -framerate 10 -t 1 -i "
                   FX_PHOTOS "/horses.jpg -filter_complex \"[0]scale=320:240,"
                   "setsar=1[a];[1]scale=320:240,setsar=1[b];"
                   "[2]scale=320:240,setsar=1[c];[a][b][c]concat=n=3:v=1[v]\" "
                   "-map '[v]' -c:v libx264 -preset veryfast -g 7 -sc_threshold 0 "
                   "-pix_fmt yuv420p '%s'", out);
    return rc == 0 ? out : NULL;
}

/* The first frame of path as a TW x TH tensor (plus its source size). */
static int load(const char *path, float *t, int *w, int *h)
{
    media_source_t *s;
    avp_error_t err = {0};
    media_letterbox_t lb = {TW, TH, MEDIA_ORDER_RGB, 1.0f, 0, 114};
    media_frame_t f;
    if (media_source_open(path, NULL, &s, &err) != AVP_OK)
        return 0;
    int ok = media_source_read(s, &lb, t, &f, &err) == 1;
    *w = f.src_width;
    *h = f.src_height;
    media_source_close(s);
    return ok;
}

/* Which photo the thumbnail shows: the one with the least mean difference,
 * which must also be a small difference. -1 if none is close. */
static int which_photo(const char *thumb)
{
    static float a[3 * TW * TH], refs[3][3 * TW * TH];
    static int have_refs;
    int w, h, best = -1;
    for (int i = 0; i < 3 && !have_refs; i++) {
        char name[32];
        snprintf(name, sizeof(name), "ref_%s.png", photos[i]);
        const char *ref = fx_path(name);
        if (fx_sh("ffmpeg -v error -y -i " FX_PHOTOS "/%s.jpg -vf scale=320:240 '%s'",
                  photos[i], ref) != 0 || !load(ref, refs[i], &w, &h))
            return -1;
        have_refs = i == 2;
    }
    if (!load(thumb, a, &w, &h) || w != TW || h != TH)
        return -1;
    double best_d = 1e9;
    for (int i = 0; i < 3; i++) {
        double d = 0;
        for (size_t k = 0; k < AVP_ARRAY_LEN(a); k++)
            d += fabs(a[k] - refs[i][k]);
        d /= AVP_ARRAY_LEN(a);
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    if (best_d >= 8)
        fprintf(stderr, "%s: nearest photo %d is %.1f levels away\n", thumb,
                best, best_d);
    return best_d < 8 ? best : -1;
}

static int thumb_at(const char *clip, double t)
{
    const char *out = fx_path("thumb.jpg");
    avp_error_t err = {0};
    int ret = media_thumbnail(clip, t, TW, out, &err);
    if (ret != AVP_OK) {
        fprintf(stderr, "thumbnail at %g: %s\n", t, err.msg);
        return -1;
    }
    return which_photo(out);
}

static void test_thumbnail_nearest_frame(void)
{
    const char *clip = three_photo_clip();
    CHECK(clip);
    CHECK(thumb_at(clip, 0) == 0);
    CHECK(thumb_at(clip, 0.94) == 0); /* frame 9 at 0.9 is nearer than 1.0 */
    CHECK(thumb_at(clip, 0.96) == 1); /* frame 10 at 1.0 */
    CHECK(thumb_at(clip, 1.5) == 1);
    CHECK(thumb_at(clip, 2.31) == 2); /* after a seek to the key frame at 2.1 */
    CHECK(thumb_at(clip, 100) == 2);  /* past the end: the last frame */
}

/* A dashcam's recordings joined as they are (cat): dog, person, horses,
 * one second each, the first and last on the same clock (100 s on) and
 * person at 50 s. t is AVP's continuous clock (what the player, the runs
 * and the frame index say): 2.5 s is horses, where a seek by the stream's
 * own time would land in dog. */
static void test_thumbnail_mpegts_clock_jumps(void)
{
    static const int offset[] = {100, 50, 100};
    char cat[1024] = "cat";
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "jump_%d.ts", i);
        const char *seg = fx_path(name);
        CHECK(fx_sh("ffmpeg -v error -y -loop 1 -framerate 10 -t 1 -i " FX_PHOTOS
                    "/%s.jpg -vf scale=320:240,setsar=1,format=yuv420p -c:v libx264 "
                    "-preset ultrafast -g 5 -output_ts_offset %d -f mpegts '%s'",
                    photos[i], offset[i], seg) == 0);
        snprintf(cat + strlen(cat), sizeof cat - strlen(cat), " '%s'", seg);
    }
    const char *joined = fx_path("jumps.ts");
    CHECK(fx_sh("%s > '%s'", cat, joined) == 0);
    CHECK(thumb_at(joined, 0.5) == 0);
    CHECK(thumb_at(joined, 1.5) == 1);
    CHECK(thumb_at(joined, 2.5) == 2);
}

static void test_thumbnail_is_a_jpeg_of_the_right_size(void)
{
    const char *clip = three_photo_clip();
    CHECK(clip);
    const char *out = fx_path("small.jpg");
    avp_error_t err = {0};
    CHECK(media_thumbnail(clip, 1.2, 100, out, &err) == AVP_OK);
    media_info_t info;
    CHECK(media_probe(out, &info, &err) == AVP_OK);
    CHECK(info.kind == MEDIA_IMAGE && strcmp(info.codec, "mjpeg") == 0);
    CHECK(info.width == 100 && info.height == 75);
    /* Never scaled up: a 100-wide request of a 768-wide photo is 100 wide,
     * a 2000-wide one keeps 768. */
    CHECK(media_thumbnail(FX_PHOTOS "/dog.jpg", 0, 2000, out, &err) == AVP_OK);
    CHECK(media_probe(out, &info, &err) == AVP_OK);
    CHECK(info.width == 768 && info.height == 576);
}

/* Mean absolute difference of two pictures letterboxed alike; -1 when
 * one does not load or their sizes differ. */
static double picture_diff(const char *a_path, const char *b_path)
{
    static float a[3 * TW * TH], b[3 * TW * TH];
    int aw, ah, bw, bh;
    if (!load(a_path, a, &aw, &ah) || !load(b_path, b, &bw, &bh) ||
        aw != bw || ah != bh)
        return -1;
    double d = 0;
    for (size_t k = 0; k < AVP_ARRAY_LEN(a); k++)
        d += fabs(a[k] - b[k]);
    return d / AVP_ARRAY_LEN(a);
}

/* A crop is the box grown by a fifth of its size on each side: box
 * 100,60 - 200,140 of the 320x240 dog is 80,44 - 220,156 (140 x 112),
 * here scaled up to 280 wide; ffmpeg's crop of the same photo is the
 * reference. At the frame's edge the margin is clamped. */
static void test_thumbnail_crop(void)
{
    const char *clip = three_photo_clip();
    CHECK(clip);
    const char *out = fx_path("crop.jpg"), *ref = fx_path("crop_ref.png");
    avp_error_t err = {0};
    media_info_t info;
    const double box[4] = {100, 60, 200, 140};
    CHECK(media_thumbnail_crop(clip, 0.2, box, 280, out, &err) == AVP_OK);
    CHECK(media_probe(out, &info, &err) == AVP_OK);
    CHECK(info.width == 280 && info.height == 224);
    CHECK(fx_sh("ffmpeg -v error -y -i " FX_PHOTOS "/dog.jpg -vf scale=320:240,"
                "crop=140:112:80:44,scale=280:224 '%s'", ref) == 0);
    double d = picture_diff(out, ref);
    CHECK(d >= 0 && d < 8);
    const double corner[4] = {0, 0, 40, 40}; /* 0,0 - 48,48 */
    CHECK(media_thumbnail_crop(clip, 0.2, corner, 96, out, &err) == AVP_OK);
    CHECK(media_probe(out, &info, &err) == AVP_OK);
    CHECK(info.width == 96 && info.height == 96);
    const double off[4] = {1000, 1000, 1100, 1100}, flat[4] = {10, 10, 10, 50};
    CHECK(media_thumbnail_crop(clip, 0.2, off, 96, out, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "not on the 320x240 frame"));
    CHECK(media_thumbnail_crop(clip, 0.2, flat, 96, out, &err) == AVP_EINVAL);
}

static void test_thumbnail_errors(void)
{
    const char *clip = three_photo_clip();
    CHECK(clip);
    avp_error_t err = {0};
    const char *dir = fx_path("thumbs");
    CHECK(fx_sh("mkdir -p '%s'", dir) == 0);
    char out[600];
    snprintf(out, sizeof(out), "%s/t.jpg", dir);
    CHECK(media_thumbnail(fx_path("nope.mp4"), 0, 100, out, &err) == AVP_ENOTFOUND);
    const char *txt = fx_path("t.txt");
    CHECK(fx_sh("echo hello > '%s'", txt) == 0);
    CHECK(media_thumbnail(txt, 0, 100, out, &err) == AVP_EFORMAT);
    CHECK(media_thumbnail(clip, 0, 0, out, &err) == AVP_EINVAL);
    CHECK(media_thumbnail(clip, NAN, 100, out, &err) == AVP_EINVAL);
    CHECK(media_thumbnail(clip, 0, 100, fx_path("no/such/dir/t.jpg"), &err) == AVP_EIO);
    CHECK(media_thumbnail(dir, 0, 100, out, &err) == AVP_EUNSUPPORTED);
    /* Nothing half-written was left in the output folder. */
    CHECK(fx_sh("test -z \"$(ls -A '%s')\"", dir) == 0);
}

int main(void)
{
    fx_setup();
    RUN(test_thumbnail_nearest_frame);
    RUN(test_thumbnail_mpegts_clock_jumps);
    RUN(test_thumbnail_is_a_jpeg_of_the_right_size);
    RUN(test_thumbnail_crop);
    RUN(test_thumbnail_errors);
    return CHECK_DONE();
}
