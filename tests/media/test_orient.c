/*
 * test_orient.c - a video whose display matrix turns it comes out as it is
 * displayed. Each fixture is an upright clip and its twin: the same
 * picture stored turned the other way (ffmpeg's transpose/hflip/vflip,
 * exact on planes) with the display matrix that turns it back, both
 * lossless H.264, so the twin's displayed frames must equal the upright
 * clip's bit for bit: tensors, probe sizes and thumbnails. The matrices
 * are written into the MP4 track header as ISO/IEC 14496-12 lays it out
 * (all eight right-angle cases) and, once, by ffmpeg itself
 * (-metadata:s:v rotate=90); for the pure rotations ffmpeg's command line,
 * which applies the rotation, is the oracle that the matrix means what the
 * test says it means.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#define UW 160 /* the upright picture */
#define UH 96
#define FRAMES 4
#define FX 65536 /* 1.0 in 16.16 */

typedef struct orient_case {
    const char *name;
    int rotation, mirrored; /* clockwise, then left-right */
    const char *store;      /* ffmpeg filter: upright picture -> stored */
    int a, b, c, d;         /* displayed X = a*x + c*y, Y = b*x + d*y */
} orient_case_t;

static const orient_case_t cases[] = {
    {"r90", 90, 0, "transpose=cclock", 0, 1, -1, 0},
    {"r180", 180, 0, "hflip,vflip", -1, 0, 0, -1},
    {"r270", 270, 0, "transpose=clock", 0, -1, 1, 0},
    {"m0", 0, 1, "hflip", -1, 0, 0, 1},
    {"m90", 90, 1, "hflip,transpose=cclock", 0, 1, 1, 0},
    {"m180", 180, 1, "vflip", 1, 0, 0, -1},
    {"m270", 270, 1, "hflip,transpose=clock", 0, -1, -1, 0},
};

static const char *lossless(const char *pix_fmt)
{
    static char args[128];
    snprintf(args, sizeof(args), "-c:v libx264 -preset ultrafast -qp 0 "
             "-pix_fmt %s", pix_fmt);
    return args;
}

static const char *upright(const char *pix_fmt)
{
    char name[64];
    snprintf(name, sizeof(name), "up_%s.mp4", pix_fmt);
    return fx_clip(name, "dog", UW, UH, FRAMES, "10", lossless(pix_fmt));
}

/* The upright clip stored turned by filter, then given matrix m. */
static const char *twin(const char *up, const char *name, const char *filter,
                        const char *pix_fmt, const int32_t m[9])
{
    const char *out = fx_path(name);
    if (fx_sh("ffmpeg -v error -y -i '%s' -vf %s %s '%s'", up, filter,
              lossless(pix_fmt), out) != 0)
        return NULL;
    return m && fx_set_mp4_matrix(out, m) != 0 ? NULL : out;
}

/* The matrix of a case, with the translation that keeps the picture at
 * non-negative coordinates (players ignore it; the spec has it). */
static void matrix(const orient_case_t *k, int32_t m[9])
{
    int dw = UW, dh = UH;
    int32_t tx = k->a < 0 || k->c < 0 ? dw * FX : 0;
    int32_t ty = k->b < 0 || k->d < 0 ? dh * FX : 0;
    int32_t v[9] = {k->a * FX, k->b * FX, 0, k->c * FX, k->d * FX, 0, tx, ty,
                    1 << 30};
    memcpy(m, v, sizeof(v));
}

/* Every frame of path at its displayed size, unscaled, one after the
 * other into t (FRAMES x 3 x UH x UW floats). */
static int frames(const char *path, float *t, media_frame_t *last)
{
    media_source_t *s;
    avp_error_t err = {0};
    media_letterbox_t lb = {UW, UH, MEDIA_ORDER_RGB, 1.0f, 0, 114};
    if (media_source_open(path, NULL, &s, &err) != AVP_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return 0;
    }
    int n = 0;
    while (n < FRAMES &&
           media_source_read(s, &lb, t + (size_t)n * 3 * UW * UH, last, &err) == 1)
        n++;
    media_source_close(s);
    return n == FRAMES;
}

static int same_file(const char *a, const char *b)
{
    return fx_sh("cmp -s '%s' '%s'", a, b) == 0;
}

/* The twin against the upright clip: probe, every frame, a thumbnail. */
static int same_as_upright(const char *up, const char *tw, int rotation,
                           int mirrored)
{
    media_info_t i;
    avp_error_t err = {0};
    if (media_probe(tw, &i, &err) != AVP_OK)
        return 0;
    int turned = rotation == 90 || rotation == 270;
    if (i.width != UW || i.height != UH || i.rotation != rotation ||
        i.mirrored != mirrored || i.stored_width != (turned ? UH : UW) ||
        i.stored_height != (turned ? UW : UH)) {
        fprintf(stderr, "%s: probe %dx%d stored %dx%d rotation %d mirrored %d\n",
                tw, i.width, i.height, i.stored_width, i.stored_height,
                i.rotation, i.mirrored);
        return 0;
    }
    static float a[FRAMES * 3 * UW * UH], b[FRAMES * 3 * UW * UH];
    media_frame_t fa, fb;
    if (!frames(up, a, &fa) || !frames(tw, b, &fb) ||
        memcmp(a, b, sizeof(a)) != 0 || fb.src_width != UW ||
        fb.src_height != UH || fb.t != fa.t) {
        fprintf(stderr, "%s: frames differ from the upright clip's\n", tw);
        return 0;
    }
    char ja[600], jb[600];
    snprintf(ja, sizeof(ja), "%s.jpg", up);
    snprintf(jb, sizeof(jb), "%s.jpg", tw);
    return media_thumbnail(up, 0.2, UW, ja, &err) == AVP_OK &&
           media_thumbnail(tw, 0.2, UW, jb, &err) == AVP_OK && same_file(ja, jb);
}

/* ffmpeg's command line applies rotations (not mirrors, in 5.1): turned
 * back, the twin's first frame is the upright one's, byte for byte. */
static int ffmpeg_agrees(const char *up, const char *tw)
{
    uint8_t *a = fx_ffmpeg_rgb(up, UW, UH, NULL),
            *b = fx_ffmpeg_rgb(tw, UW, UH, NULL);
    int ok = a && b && memcmp(a, b, (size_t)UW * UH * 3) == 0;
    free(a);
    free(b);
    return ok;
}

static void test_orient_every_right_angle(void)
{
    const char *up = upright("yuv420p");
    CHECK(up);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const orient_case_t *k = &cases[i];
        char name[64];
        int32_t m[9];
        matrix(k, m);
        snprintf(name, sizeof(name), "%s.mp4", k->name);
        const char *tw = twin(up, name, k->store, "yuv420p", m);
        CHECK(tw);
        fprintf(stderr, "case %s\n", k->name);
        CHECK(same_as_upright(up, tw, k->rotation, k->mirrored));
        CHECK(k->mirrored || ffmpeg_agrees(up, tw));
    }
}

/* -metadata:s:v rotate=90 on a stream copy is how ffmpeg 5.1 writes a
 * display matrix; it means 90 degrees counterclockwise for display (what
 * ffmpeg's own command line then applies), 270 clockwise. */
static void test_orient_ffmpeg_rotate_metadata(void)
{
    const char *up = upright("yuv420p");
    CHECK(up);
    const char *stored = twin(up, "cw.mp4", "transpose=clock", "yuv420p", NULL);
    CHECK(stored);
    const char *tw = fx_rotate_tag(stored, "meta90.mp4", 90);
    CHECK(tw);
    CHECK(ffmpeg_agrees(up, tw));
    CHECK(same_as_upright(up, tw, 270, 0));
}

/* An upright clip in pix_fmt and its twin turned by 90 degrees. */
static int turned_90(const char *pix_fmt, const char **up, const char **tw)
{
    char name[64];
    int32_t m[9];
    matrix(&cases[0], m);
    snprintf(name, sizeof(name), "r90_%s.mp4", pix_fmt);
    *up = upright(pix_fmt);
    *tw = *up ? twin(*up, name, cases[0].store, pix_fmt, m) : NULL;
    return *tw != NULL;
}

/* 10-bit pixels are copied as 2-byte samples. */
static void test_orient_10bit(void)
{
    const char *up, *tw;
    CHECK(turned_90("yuv420p10le", &up, &tw));
    CHECK(same_as_upright(up, tw, 90, 0));
    CHECK(ffmpeg_agrees(up, tw));
}

/* A 4:2:2 picture turned by 90 degrees is a 4:4:0 one (the same chroma
 * samples, moved). The twin's pixels went through ffmpeg's chroma
 * conversion (its transpose takes no 4:2:2), so they are the upright
 * clip's within a level or two, not bit for bit. */
static void test_orient_422_transposed(void)
{
    const char *up, *tw;
    CHECK(turned_90("yuv422p", &up, &tw));
    media_info_t i;
    avp_error_t err = {0};
    CHECK(media_probe(tw, &i, &err) == AVP_OK);
    CHECK(i.width == UW && i.height == UH && i.rotation == 90);
    static float a[FRAMES * 3 * UW * UH], b[FRAMES * 3 * UW * UH];
    media_frame_t fa, fb;
    CHECK(frames(up, a, &fa) && frames(tw, b, &fb));
    double sum = 0;
    for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++)
        sum += a[k] > b[k] ? a[k] - b[k] : b[k] - a[k];
    CHECK(sum / (sizeof(a) / sizeof(a[0])) < 2.0);
    int32_t m[9];
    matrix(&cases[1], m); /* 180 degrees keeps rows rows: exact */
    tw = twin(up, "r180_422.mp4", cases[1].store, "yuv422p", m);
    CHECK(tw);
    CHECK(same_as_upright(up, tw, 180, 0));
}

/* The H.264 display orientation SEI (written by ffmpeg's h264_metadata
 * bitstream filter; libavcodec exports it on frames as a display matrix)
 * turns a stream that has no container matrix: the same as the container's
 * rotate=90, on every frame. */
static void test_orient_h264_sei(void)
{
    const char *up = upright("yuv420p");
    CHECK(up);
    const char *stored = twin(up, "cw_sei.mp4", "transpose=clock", "yuv420p", NULL);
    CHECK(stored);
    const char *sei = fx_path("sei90.mp4");
    CHECK(fx_sh("ffmpeg -v error -y -i '%s' -c copy -bsf:v "
                "h264_metadata=display_orientation=insert:rotate=90 '%s'",
                stored, sei) == 0);
    CHECK(same_as_upright(up, sei, 270, 0));
}

int main(void)
{
    fx_setup();
    RUN(test_orient_every_right_angle);
    RUN(test_orient_ffmpeg_rotate_metadata);
    RUN(test_orient_10bit);
    RUN(test_orient_422_transposed);
    RUN(test_orient_h264_sei);
    return CHECK_DONE();
}
