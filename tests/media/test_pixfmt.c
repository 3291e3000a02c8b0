/*
 * test_pixfmt.c - the pixel formats and sizes cameras write: 10-bit,
 * 4:2:2 and 4:4:4 chroma, full-range ("PC") levels, odd widths and
 * heights, each as ffmpeg's command line decodes it to RGB (the oracle:
 * the same libav, with the swscale flags of AVP's fast letterbox, the path
 * that follows the stream's colour tags; the default exact path copies
 * OpenCV's conversion, which test_letterbox_exact compares), and HDR
 * refused in words. Frames are compared unscaled, so only the colour
 * conversion could differ: a wrong matrix, range or bit depth moves the
 * mean by 5 levels or more.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define AVP_SWS_FLAGS "bilinear+accurate_rnd+full_chroma_int"

/* Mean |AVP - ffmpeg| over the first frame, or -1 on failure. */
static double mean_diff(const char *path, int w, int h)
{
    uint8_t *rgb = fx_ffmpeg_rgb(path, w, h, AVP_SWS_FLAGS);
    if (!rgb)
        return -1;
    media_source_t *s;
    avp_error_t err = {0};
    media_letterbox_t lb = {w, h, MEDIA_ORDER_RGB, 1.0f, 0, 114};
    float *t = malloc(sizeof(float) * 3 * (size_t)w * (size_t)h);
    media_frame_t f;
    double sum = -1;
    media_options_t o = {.every = 1, .preprocess = MEDIA_PREPROCESS_FAST};
    if (media_source_open(path, &o, &s, &err) == AVP_OK) {
        if (media_source_read(s, &lb, t, &f, &err) == 1 && f.src_width == w &&
            f.src_height == h) {
            sum = 0;
            for (int c = 0; c < 3; c++)
                for (size_t i = 0; i < (size_t)w * h; i++)
                    sum += fabs(t[(size_t)c * w * h + i] - rgb[i * 3 + c]);
            sum /= 3.0 * w * h;
        }
        media_source_close(s);
    }
    if (sum < 0)
        fprintf(stderr, "%s: %s\n", path, err.msg);
    else
        fprintf(stderr, "%s (%dx%d): mean |diff| %.3f\n", path, w, h, sum);
    free(t);
    free(rgb);
    return sum;
}

static int close_to_ffmpeg(const char *name, int w, int h, const char *args)
{
    const char *p = fx_clip(name, "dog", w, h, 3, "10", args);
    double d = p ? mean_diff(p, w, h) : -1;
    return d >= 0 && d < 0.5;
}

static void test_pixfmt_depths_and_chroma(void)
{
    CHECK(close_to_ffmpeg("p10.mp4", 320, 240,
                          "-c:v libx264 -preset ultrafast -pix_fmt yuv420p10le"));
    CHECK(close_to_ffmpeg("p422.mp4", 320, 240,
                          "-c:v libx264 -preset ultrafast -pix_fmt yuv422p"));
    CHECK(close_to_ffmpeg("p444.mp4", 320, 240,
                          "-c:v libx264 -preset ultrafast -pix_fmt yuv444p"));
    CHECK(close_to_ffmpeg("p444_10.mkv", 320, 240,
                          "-c:v ffv1 -pix_fmt yuv444p10le"));
}

/* Full-range levels tagged in the stream (x264's VUI, as phones write)
 * and in the format (MJPEG's yuvj). */
static void test_pixfmt_full_range(void)
{
    CHECK(close_to_ffmpeg("pc.mp4", 320, 240, "-c:v libx264 -preset ultrafast "
                          "-pix_fmt yuv420p -color_range pc"));
    CHECK(close_to_ffmpeg("pc.avi", 320, 240, "-c:v mjpeg -pix_fmt yuvj420p"));
}

/* Odd sizes: the last chroma sample covers one luma column or row. */
static void test_pixfmt_odd_sizes(void)
{
    CHECK(close_to_ffmpeg("odd420.mkv", 321, 241, "-c:v ffv1 -pix_fmt yuv420p"));
    CHECK(close_to_ffmpeg("odd444.mp4", 321, 243,
                          "-c:v libx264 -preset ultrafast -pix_fmt yuv444p"));
}

/* PQ and HLG need tone mapping to look like anything a detector was
 * trained on; AVP refuses them rather than scoring washed-out frames. */
static void test_pixfmt_hdr_refused(void)
{
    const char *trc[] = {"smpte2084", "arib-std-b67"};
    for (int i = 0; i < 2; i++) {
        char name[32];
        snprintf(name, sizeof(name), "hdr%d.mp4", i);
        char args[256];
        snprintf(args, sizeof(args), "-c:v libx264 -preset ultrafast -pix_fmt "
                 "yuv420p10le -color_primaries bt2020 -colorspace bt2020nc "
                 "-color_trc %s", trc[i]);
        const char *p = fx_clip(name, "dog", 320, 240, 3, "10", args);
        CHECK(p);
        media_info_t info;
        avp_error_t err = {0};
        CHECK(media_probe(p, &info, &err) == AVP_EUNSUPPORTED);
        CHECK(strstr(err.msg, "HDR"));
    }
}

int main(void)
{
    fx_setup();
    RUN(test_pixfmt_depths_and_chroma);
    RUN(test_pixfmt_full_range);
    RUN(test_pixfmt_odd_sizes);
    RUN(test_pixfmt_hdr_refused);
    return CHECK_DONE();
}
