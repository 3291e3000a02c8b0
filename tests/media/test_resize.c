/*
 * test_resize.c - media__resize_run() against cv2.resize(INTER_LINEAR)
 * itself (tests/oracle/resize_ref.py) on random 8-bit BGR images, byte for
 * byte: downscales by odd ratios, upscales, an exact 2x downscale (OpenCV's
 * INTER_AREA path), anisotropic and degenerate sizes, with the vertical
 * pass in AVX2 and in C. Skips without python3-opencv.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/internal.h"

typedef struct size_pair { int w, h, dw, dh; } size_pair_t;

static const size_pair_t pairs[] = {
    {1920, 1080, 416, 234}, {853, 479, 416, 233}, {640, 480, 1280, 960},
    {1280, 720, 640, 360},  {2, 2, 1, 1},         {100, 50, 37, 19},
    {7, 5, 640, 457},       {1, 1, 3, 3},         {3, 300, 200, 17},
    {301, 400, 313, 416},   {64, 64, 64, 64},     {1000, 3, 9, 640},
};

static uint8_t *random_image(int w, int h, uint32_t seed)
{
    size_t n = (size_t)w * h * 3;
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        /* Smooth areas and edges both: a ramp plus noise in half the rows. */
        p[i] = (uint8_t)((i / 3 % 256) + ((i / ((size_t)w * 3)) % 2 ? seed >> 24 : 0));
    }
    return p;
}

/* OpenCV's resize of img, or NULL. */
static uint8_t *reference(const uint8_t *img, const size_pair_t *s)
{
    const char *in = fx_path("in.bgr"), *out = fx_path("out.bgr");
    size_t n = (size_t)s->dw * s->dh * 3;
    FILE *f = fopen(in, "wb");
    if (!f || fwrite(img, 1, (size_t)s->w * s->h * 3, f) != (size_t)s->w * s->h * 3) {
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    if (fx_sh("'%s' '%s/tests/oracle/resize_ref.py' '%s' %d %d '%s' %d %d",
              fx_python_cv2(), getenv("AVP_SOURCE_DIR"), in, s->w, s->h, out, s->dw,
              s->dh) != 0)
        return NULL;
    uint8_t *ref = malloc(n);
    f = fopen(out, "rb");
    size_t got = f ? fread(ref, 1, n, f) : 0;
    if (f)
        fclose(f);
    if (got != n) {
        free(ref);
        return NULL;
    }
    return ref;
}

/* Bytes of AVP's resize (vertical pass in AVX2 if simd, else C) that
 * differ from ref; -1 when it cannot run. */
static long differing(const uint8_t *img, const uint8_t *ref,
                      const size_pair_t *s, int simd)
{
    media_resize_t r = {0};
    avp_error_t err = {0};
    if (media__resize_plan(&r, s->w, s->h, s->dw, s->dh, &err) != AVP_OK)
        return -1;
    r.avx2 = r.avx2 && simd;
    size_t stride = (size_t)s->dw * 3 + 5; /* not the packed width */
    uint8_t *out = malloc(stride * (size_t)s->dh);
    media__resize_run(&r, img, (size_t)s->w * 3, out, stride);
    long diff = 0;
    for (int y = 0; y < s->dh; y++)
        for (int x = 0; x < s->dw * 3; x++)
            diff += out[(size_t)y * stride + x] != ref[((size_t)y * s->dw) * 3 + x];
    free(out);
    media__resize_fini(&r);
    return diff;
}

static void test_resize_matches_opencv(void)
{
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const size_pair_t *s = &pairs[i];
        uint8_t *img = random_image(s->w, s->h, (uint32_t)i + 1);
        uint8_t *ref = reference(img, s);
        CHECK(ref);
        long simd = ref ? differing(img, ref, s, 1) : -1;
        long c = ref ? differing(img, ref, s, 0) : -1;
        if (simd || c)
            fprintf(stderr, "%dx%d -> %dx%d: %ld (AVX2) / %ld (C) bytes differ\n",
                    s->w, s->h, s->dw, s->dh, simd, c);
        CHECK(simd == 0 && c == 0);
        free(img);
        free(ref);
    }
}

/* A plan for the same sizes keeps its tables; other sizes replan. */
static void test_resize_plan_reuses_its_block(void)
{
    media_resize_t r = {0};
    avp_error_t err = {0};
    CHECK(media__resize_plan(&r, 1920, 1080, 416, 234, &err) == AVP_OK);
    void *mem = r.mem;
    CHECK(media__resize_plan(&r, 1920, 1080, 416, 234, &err) == AVP_OK && r.mem == mem);
    CHECK(media__resize_plan(&r, 1280, 720, 416, 234, &err) == AVP_OK && r.mem == mem);
    CHECK(r.src_w == 1280 && r.dst_h == 234);
    media__resize_fini(&r);
    media__resize_fini(&r); /* a finished plan may be finished again */
}

int main(void)
{
    fx_setup();
    fx_python_cv2();
    RUN(test_resize_matches_opencv);
    RUN(test_resize_plan_reuses_its_block);
    return CHECK_DONE();
}
