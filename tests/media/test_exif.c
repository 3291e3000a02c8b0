/*
 * test_exif.c - still images turned as their EXIF Orientation says, the
 * way OpenCV's cv2.imread does by default (orient.c). One JPEG (4:4:4, so
 * that libjpeg and FFmpeg's decoder differ by rounding only) is copied
 * eight times with Orientation 1-8 written by exiftool
 * (libimage-exiftool-perl); the oracle is cv2.imread of each, saved as
 * PNG. AVP's picture of every copy must have cv2's size and be cv2's
 * pixels (mean difference under 2 levels), and be nearer to it than to
 * any other orientation's picture of the same size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define W 64 /* stored; not square, so a turn shows in the size */
#define H 40

typedef struct picture {
    int w, h;
    float px[3 * W * H];
} picture_t;

static picture_t cv[9], avp[9];

/* AVP's RGB pixels of an image, at its own size (no resize). */
static int decode(const char *path, picture_t *p)
{
    media_info_t info;
    avp_error_t err = {0};
    if (media_probe(path, &info, &err) != AVP_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return 0;
    }
    media_source_t *s;
    media_letterbox_t lb = {info.width, info.height, MEDIA_ORDER_RGB, 1.0f, 0, 114};
    media_frame_t f;
    if (info.width * info.height != W * H ||
        media_source_open(path, NULL, &s, &err) != AVP_OK)
        return 0;
    int ok = media_source_read(s, &lb, p->px, &f, &err) == 1;
    media_source_close(s);
    p->w = info.width;
    p->h = info.height;
    return ok;
}

static double mean_diff(const picture_t *a, const picture_t *b)
{
    if (a->w != b->w || a->h != b->h)
        return INFINITY;
    double sum = 0;
    for (int i = 0; i < 3 * W * H; i++)
        sum += fabs(a->px[i] - b->px[i]);
    return sum / (3 * W * H);
}

static void test_exif_every_orientation_as_imread(void)
{
    const char *py = fx_python_cv2();
    const char *base = fx_path("base.jpg");
    CHECK(fx_sh("ffmpeg -v error -y -i " FX_PHOTOS "/dog.jpg -vf scale=%d:%d "
                "-pix_fmt yuvj444p -q:v 2 '%s'", W, H, base) == 0);
    for (int k = 1; k <= 8; k++) {
        char name[32]; /* room for any int: -O1 checks snprintf's sizes */
        snprintf(name, sizeof name, "o%d.jpg", k);
        const char *jpg = fx_path(name);
        CHECK(fx_sh("cp '%s' '%s' && exiftool -q -overwrite_original -n "
                    "-Orientation=%d '%s'", base, jpg, k, jpg) == 0);
    }
    /* One interpreter for all eight: importing cv2 takes seconds. */
    CHECK(fx_sh("cd \"$(dirname '%s')\" && '%s' -c 'import cv2\nfor k in range(1, 9): "
                "cv2.imwrite(\"cv%%d.png\" %% k, cv2.imread(\"o%%d.jpg\" %% k))'",
                base, py) == 0);
    for (int k = 1; k <= 8; k++) {
        char name[32], png[32];
        snprintf(name, sizeof name, "o%d.jpg", k);
        snprintf(png, sizeof png, "cv%d.png", k);
        CHECK(decode(fx_path(name), &avp[k]));
        CHECK(decode(fx_path(png), &cv[k]));
        CHECK(avp[k].w == cv[k].w && avp[k].h == cv[k].h);
    }
    CHECK(cv[6].w == H && cv[1].w == W); /* imread does turn them */
    for (int k = 1; k <= 8; k++) {
        double own = mean_diff(&avp[k], &cv[k]);
        CHECK(own < 2.0);
        for (int j = 1; j <= 8; j++)
            if (j != k && isfinite(mean_diff(&avp[k], &cv[j])))
                CHECK(mean_diff(&avp[k], &cv[j]) > 4 * own + 5);
    }
}

int main(void)
{
    fx_setup();
    if (fx_sh("exiftool -ver >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIP: no exiftool (libimage-exiftool-perl)\n");
        return 77;
    }
    RUN(test_exif_every_orientation_as_imread);
    return CHECK_DONE();
}
