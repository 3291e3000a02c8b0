/*
 * test_letterbox_exact.c - exact preprocessing against the reference it
 * copies: python3-opencv reading the same clip with cv2.VideoCapture and
 * letterboxing it the way YOLOX's preproc() and Ultralytics' LetterBox do
 * (tests/oracle/letterbox_ref.py). The tensors must be equal byte for
 * byte, frame after frame, for clips made here with Debian's ffmpeg in
 * several sizes (odd, portrait, an exact 2x downscale), pixel formats
 * (yuv420p, full-range yuvj420p, yuv444p, 10-bit yuv420p10le) and colour
 * tags.
 * Skips without ffmpeg, the photos or python3-opencv.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define FRAMES 3

typedef struct exact_case {
    const char *name, *photo;
    int w, h;
    const char *pix_fmt, *tags;
} exact_case_t;

/* The last case is tagged BT.709 full range on plain yuv420p: VideoCapture
 * ignores both tags (BT.601, limited), and so must exact mode. */
static const exact_case_t cases[] = {
    {"hd1080.mp4", "dog", 1920, 1080, "yuv420p", ""},
    {"hd720.mp4", "horses", 1280, 720, "yuv420p", ""}, /* 2x down to 640 */
    {"vga_full.mp4", "person", 640, 480, "yuvj420p", ""},
    {"odd444.mp4", "kite", 853, 479, "yuv444p", ""},
    {"portrait10.mp4", "eagle", 720, 1280, "yuv420p10le", ""},
    {"hd1080_10.mp4", "giraffe", 1920, 1080, "yuv420p10le", ""},
    {"tagged709.mp4", "dog", 960, 540, "yuv420p",
     "-colorspace bt709 -color_primaries bt709 -color_trc bt709 -color_range pc"},
};

/* The reference tensors of the first FRAMES frames, or NULL. */
static float *reference(const char *clip, const char *family, int size,
                        size_t floats)
{
    const char *src = getenv("AVP_SOURCE_DIR");
    const char *out = fx_path("ref.f32");
    if (!src || fx_sh("'%s' '%s/tests/oracle/letterbox_ref.py' '%s' %s %d %d "
                      "'%s' >/dev/null", fx_python_cv2(), src, clip, family, size,
                      FRAMES, out) != 0)
        return NULL;
    float *t = malloc(floats * sizeof(float));
    FILE *f = fopen(out, "rb");
    size_t n = f ? fread(t, sizeof(float), floats, f) : 0;
    if (f)
        fclose(f);
    if (n != floats) {
        free(t);
        return NULL;
    }
    return t;
}

/* Compares frame by frame; prints where and by how much they differ. */
static int same_tensors(const char *what, const float *a, const float *ref,
                        size_t per_frame, float levels)
{
    size_t diff = 0, first = 0;
    float worst = 0;
    for (size_t i = 0; i < FRAMES * per_frame; i++) {
        if (memcmp(&a[i], &ref[i], sizeof(float)) == 0)
            continue;
        if (!diff++)
            first = i;
        float d = (a[i] > ref[i] ? a[i] - ref[i] : ref[i] - a[i]) * levels;
        worst = d > worst ? d : worst;
    }
    if (diff)
        fprintf(stderr, "%s: %zu of %zu values differ (first at frame %zu "
                "index %zu), max %.3g levels\n", what, diff,
                FRAMES * per_frame, first / per_frame, first % per_frame, worst);
    return diff == 0;
}

/* yolox: YOLOX's preproc at size; else Ultralytics' LetterBox. */
static int check_family(const char *clip, int yolox, int size)
{
    media_letterbox_t lb = {size, size, yolox ? MEDIA_ORDER_BGR : MEDIA_ORDER_RGB,
                            yolox ? 1.0f : 1 / 255.0f, !yolox, 114};
    size_t per_frame = (size_t)3 * size * size;
    float *ref = reference(clip, yolox ? "yolox" : "ultralytics", size,
                           FRAMES * per_frame);
    float *t = calloc(FRAMES * per_frame, sizeof(float));
    media_source_t *s = NULL;
    avp_error_t err = {0};
    int ok = ref && media_source_open(clip, NULL, &s, &err) == AVP_OK;
    for (int i = 0; ok && i < FRAMES; i++) {
        media_frame_t f;
        ok = media_source_read(s, &lb, t + i * per_frame, &f, &err) == 1;
    }
    if (!ok)
        fprintf(stderr, "%s: %s\n", clip, ref ? err.msg : "no reference");
    char what[256];
    snprintf(what, sizeof what, "%s %s %d", clip, yolox ? "yolox" : "ultralytics",
             size);
    ok = ok && same_tensors(what, t, ref, per_frame, yolox ? 1.0f : 255.0f);
    media_source_close(s);
    free(ref);
    free(t);
    return ok;
}

static void test_letterbox_exact_matches_opencv(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const exact_case_t *c = &cases[i];
        char args[256];
        snprintf(args, sizeof args, "-c:v libx264 -preset ultrafast -pix_fmt %s %s",
                 c->pix_fmt, c->tags);
        const char *clip = fx_clip(c->name, c->photo, c->w, c->h, FRAMES + 1,
                                   "25", args);
        CHECK(clip);
        if (!clip)
            continue;
        CHECK(check_family(clip, 1, 416));
        CHECK(check_family(clip, 0, 640));
    }
}

int main(void)
{
    fx_setup();
    fx_python_cv2();
    RUN(test_letterbox_exact_matches_opencv);
    return CHECK_DONE();
}
