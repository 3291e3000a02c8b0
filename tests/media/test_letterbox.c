/*
 * test_letterbox.c - frames into model tensors: YOLOX (top-left, BGR,
 * 0..255) and Ultralytics (centred, RGB, /255) geometry, padding exactly
 * the pad value scaled, channel order and value scaling in both preprocessing
 * modes, and fast mode's pixels close to a bilinear resize computed here
 * from ffmpeg's own decode of the same file (exact mode's are compared
 * with OpenCV's in test_letterbox_exact.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

/* Decodes the first frame of path into a fresh tensor. */
static float *letterbox_mode(const char *path, const media_letterbox_t *lb,
                             media_preprocess_t mode, media_frame_t *f)
{
    media_source_t *s;
    avp_error_t err = {0};
    media_options_t o = {.preprocess = mode};
    if (media_source_open(path, &o, &s, &err) != AVP_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return NULL;
    }
    float *t = malloc(sizeof(float) * 3 * (size_t)lb->width * (size_t)lb->height);
    if (media_source_read(s, lb, t, f, &err) != 1) {
        fprintf(stderr, "read: %s\n", err.msg);
        free(t);
        t = NULL;
    }
    media_source_close(s);
    return t;
}

static float *letterbox(const char *path, const media_letterbox_t *lb,
                        media_frame_t *f)
{
    return letterbox_mode(path, lb, MEDIA_PREPROCESS_EXACT, f);
}

static const char *png(const char *name, const char *photo, int w, int h)
{
    const char *p = fx_path(name);
    if (fx_sh("ffmpeg -v error -y -i " FX_PHOTOS "/%s.jpg -vf scale=%d:%d "
              "-pix_fmt rgb24 '%s'", photo, w, h, p) != 0)
        return NULL;
    return p;
}

/* 1 when every tensor pixel outside the placed image is the scaled pad and
 * the image area is not uniformly padding. */
static int padding_exact(const float *t, const media_letterbox_t *lb,
                         int x0, int y0, int w, int h)
{
    /* Exact mode (these tests' default) divides by 255, as numpy does. */
    const float pad = lb->scale == 1.0f ? lb->pad : (float)lb->pad / 255.0f;
    int image_pixels_not_pad = 0;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < lb->height; y++)
            for (int x = 0; x < lb->width; x++) {
                float v = t[((size_t)c * lb->height + y) * lb->width + x];
                int inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
                if (!inside && v != pad)
                    return 0;
                image_pixels_not_pad += inside && v != pad;
            }
    return image_pixels_not_pad > w * h; /* photos are not flat grey */
}

static void test_letterbox_yolox_top_left(void)
{
    const char *p = png("dog640.png", "dog", 640, 480);
    CHECK(p);
    media_letterbox_t lb = {416, 416, MEDIA_ORDER_BGR, 1.0f, 0, 114};
    media_frame_t f;
    float *t = letterbox(p, &lb, &f);
    CHECK(t);
    int ok = f.src_width == 640 && f.src_height == 480 && f.pad_x == 0 &&
             f.pad_y == 0 && fabsf(f.scale - 0.65f) < 1e-7f &&
             padding_exact(t, &lb, 0, 0, 416, 312);
    free(t);
    CHECK(ok);
}

/* Ultralytics splits odd padding as round(d - 0.1) before, the rest after. */
static void test_letterbox_centered_split(void)
{
    const char *land = png("dog640b.png", "dog", 640, 480);
    const char *port = png("person301.png", "person", 301, 400);
    CHECK(land && port);
    media_letterbox_t lb = {416, 415, MEDIA_ORDER_RGB, 1 / 255.0f, 1, 114};
    media_frame_t f;
    float *t = letterbox(land, &lb, &f); /* 416x312 in 416x415: 103 rows pad */
    CHECK(t);
    int ok = f.pad_x == 0 && f.pad_y == 51 && padding_exact(t, &lb, 0, 51, 416, 312);
    free(t);
    CHECK(ok);
    lb.height = 416; /* r = 1.04: 313x416, 103 columns of pad */
    t = letterbox(port, &lb, &f);
    CHECK(t);
    ok = f.pad_x == 51 && f.pad_y == 0 && fabsf(f.scale - 1.04f) < 1e-6f &&
         padding_exact(t, &lb, 51, 0, 313, 416);
    free(t);
    CHECK(ok);
}

/* Fast mode multiplies by scale; exact mode divides by 255 as numpy and
 * torch do (the two differ in the last bit for some bytes). */
static void check_order_and_scale(media_preprocess_t mode)
{
    const char *p = png("kite.png", "kite", 320, 240);
    CHECK(p);
    media_letterbox_t bgr = {160, 160, MEDIA_ORDER_BGR, 1.0f, 1, 114};
    media_letterbox_t rgb = {160, 160, MEDIA_ORDER_RGB, 1 / 255.0f, 1, 114};
    media_frame_t f;
    float *a = letterbox_mode(p, &bgr, mode, &f);
    float *b = letterbox_mode(p, &rgb, mode, &f);
    CHECK(a && b);
    size_t plane = 160 * 160;
    int same = 1, differs = 0;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < 3; c++) {
            float v = a[(2 - c) * plane + i];
            float want = mode == MEDIA_PREPROCESS_FAST ? v * (1 / 255.0f)
                                                       : v / 255.0f;
            same &= b[c * plane + i] == want;
            differs |= a[c * plane + i] != a[(2 - c) * plane + i];
        }
    free(a);
    free(b);
    CHECK(same);
    CHECK(differs); /* red and blue really differ in this photo */
}

static void test_letterbox_channel_order_and_scale(void)
{
    check_order_and_scale(MEDIA_PREPROCESS_EXACT);
    check_order_and_scale(MEDIA_PREPROCESS_FAST);
}

static void test_letterbox_preprocess_names(void)
{
    media_preprocess_t p = MEDIA_PREPROCESS_FAST;
    CHECK(media_preprocess_parse("exact", &p) == AVP_OK && p == MEDIA_PREPROCESS_EXACT);
    CHECK(media_preprocess_parse("fast", &p) == AVP_OK && p == MEDIA_PREPROCESS_FAST);
    CHECK(media_preprocess_parse("Fast", &p) == AVP_EINVAL);
    CHECK(media_preprocess_parse(NULL, &p) == AVP_EINVAL);
    CHECK(strcmp(media_preprocess_name(MEDIA_PREPROCESS_EXACT), "exact") == 0);
    CHECK(strcmp(media_preprocess_name(MEDIA_PREPROCESS_FAST), "fast") == 0);
    media_source_t *s = NULL;
    avp_error_t err = {0};
    media_options_t bad = {.preprocess = (media_preprocess_t)7};
    CHECK(media_source_open(FX_PHOTOS "/dog.jpg", &bad, &s, &err) == AVP_EINVAL);
    CHECK(!s && strstr(err.msg, "preprocessing"));
}

/* Bilinear as a tent filter over half-pixel centres, widened by the
 * ratio when shrinking (swscale's SWS_BILINEAR; OpenCV's INTER_LINEAR
 * keeps two taps and aliases more), edges clamped. Weights of one axis for
 * output position o: up to 64 taps starting at *first. */
static int tent(int o, double f, int *first, double *wt)
{
    double centre = (o + 0.5) * f - 0.5, radius = f > 1 ? f : 1, sum = 0;
    int lo = (int)ceil(centre - radius), n = 0;
    for (int i = lo; i <= (int)floor(centre + radius) && n < 64; i++, n++) {
        wt[n] = fmax(0, 1 - fabs(i - centre) / radius);
        sum += wt[n];
    }
    for (int i = 0; i < n; i++)
        wt[i] /= sum;
    *first = lo;
    return n;
}

static float bilinear(const uint8_t *rgb, int w, int h, double fx, double fy,
                      int x, int y, int c)
{
    double wx[64], wy[64], v = 0;
    int x0, y0, nx = tent(x, fx, &x0, wx), ny = tent(y, fy, &y0, wy);
    for (int j = 0; j < ny; j++) {
        int yy = y0 + j < 0 ? 0 : y0 + j >= h ? h - 1 : y0 + j;
        for (int i = 0; i < nx; i++) {
            int xx = x0 + i < 0 ? 0 : x0 + i >= w ? w - 1 : x0 + i;
            v += wy[j] * wx[i] * rgb[((size_t)yy * w + xx) * 3 + c];
        }
    }
    return (float)v;
}

/* Mean and max absolute difference between fast mode's placed image and
 * the reference resize of ffmpeg's decode of the same file. */
static int compare_with_reference(const char *path, int size, double mean_tol,
                                  double max_tol)
{
    int w, h;
    uint8_t *rgb = fx_decode_rgb(path, &w, &h);
    media_letterbox_t lb = {size, size, MEDIA_ORDER_RGB, 1.0f, 0, 114};
    media_frame_t f;
    float *t = rgb ? letterbox_mode(path, &lb, MEDIA_PREPROCESS_FAST, &f) : NULL;
    if (!t) {
        free(rgb);
        return 0;
    }
    double r = fmin((double)size / w, (double)size / h);
    int nw = (int)(w * r), nh = (int)(h * r);
    double sum = 0, worst = 0;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < nw; x++) {
                float ref = bilinear(rgb, w, h, (double)w / nw, (double)h / nh, x, y, c);
                double d = fabs(t[((size_t)c * size + y) * size + x] - ref);
                sum += d;
                worst = d > worst ? d : worst;
            }
    double mean = sum / (3.0 * nw * nh);
    fprintf(stderr, "%s -> %d: mean |diff| %.3f, max %.1f\n", path, size, mean, worst);
    free(rgb);
    free(t);
    return mean <= mean_tol && worst <= max_tol;
}

static void test_letterbox_matches_reference_resize(void)
{
    const char *down = png("giraffe640.png", "giraffe", 640, 480);
    const char *up = png("eagle200.png", "eagle", 200, 150);
    CHECK(down && up);
    CHECK(compare_with_reference(down, 416, 0.6, 6));
    CHECK(compare_with_reference(up, 416, 0.6, 6));
    /* A YUV JPEG at scale 1: only the colour conversion differs. Chroma
     * upsampling differs at sharp colour edges (the max); a wrong matrix
     * or range would move the mean by 5 levels or more. */
    CHECK(compare_with_reference(FX_PHOTOS "/dog.jpg", 768, 1.5, 64));
}

int main(void)
{
    fx_setup();
    RUN(test_letterbox_yolox_top_left);
    RUN(test_letterbox_centered_split);
    RUN(test_letterbox_channel_order_and_scale);
    RUN(test_letterbox_matches_reference_resize);
    RUN(test_letterbox_preprocess_names);
    return CHECK_DONE();
}
