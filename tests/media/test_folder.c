/*
 * test_folder.c - a folder of images as a source: images in name order,
 * other files, hidden files and sub-folders skipped, sampling by image
 * position, a bad image failing only its own read, empty folders refused.
 */
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

static const media_letterbox_t lb = {64, 64, MEDIA_ORDER_BGR, 1.0f, 0, 114};
static float tensor[3 * 64 * 64];

static int make_image(const char *dir, const char *name, const char *photo,
                      int w, int h)
{
    return fx_sh("ffmpeg -v error -y -i " FX_PHOTOS "/%s.jpg -vf scale=%d:%d "
                 "'%s/%s'", photo, w, h, dir, name);
}

/* b.png, a.jpg, c.JPEG and d.bmp with distinct sizes, plus things to skip. */
static const char *make_folder(void)
{
    const char *dir = fx_path("imgs");
    if (fx_sh("mkdir -p '%s/sub.jpg'", dir) != 0 ||
        make_image(dir, "b.png", "person", 200, 100) != 0 ||
        make_image(dir, "a.jpg", "dog", 100, 80) != 0 ||
        make_image(dir, "c.JPEG", "horses", 120, 90) != 0 ||
        make_image(dir, "d.bmp", "kite", 64, 48) != 0 ||
        make_image(dir, ".hidden.jpg", "eagle", 50, 50) != 0 ||
        fx_sh("echo labels > '%s/labels.txt'", dir) != 0)
        return NULL;
    return dir;
}

static void test_folder_name_order(void)
{
    const char *dir = make_folder();
    CHECK(dir);
    media_source_t *s;
    avp_error_t err = {0};
    CHECK(media_source_open(dir, NULL, &s, &err) == AVP_OK);
    const media_info_t *info = media_source_info(s);
    int info_ok = info->kind == MEDIA_FOLDER && info->frame_count == 4 &&
                  info->width == 100 && info->height == 80;
    static const int w[] = {100, 200, 120, 64}, h[] = {80, 100, 90, 48};
    media_frame_t f;
    int n = 0, order_ok = 1, ret;
    while ((ret = media_source_read(s, &lb, tensor, &f, &err)) == 1) {
        order_ok &= n < 4 && f.index == n && f.t == 0 &&
                    f.src_width == w[n] && f.src_height == h[n];
        n++;
    }
    media_source_close(s);
    CHECK(info_ok);
    CHECK(ret == 0 && n == 4 && order_ok);
}

static void test_folder_every(void)
{
    const char *dir = make_folder();
    CHECK(dir);
    media_source_t *s;
    avp_error_t err = {0};
    media_options_t o = {.every = 2, .start_frame = 1};
    CHECK(media_source_open(dir, &o, &s, &err) == AVP_OK);
    media_frame_t f;
    int ret = media_source_read(s, &lb, tensor, &f, &err);
    int ok = ret == 1 && f.index == 2 && f.src_width == 120;
    ret = media_source_read(s, &lb, tensor, &f, &err);
    media_source_close(s);
    CHECK(ok && ret == 0);
    /* Skipped images are not even opened: a broken one is never seen. */
    CHECK(fx_sh("echo broken > '%s/b2.jpg'", dir) == 0);
    media_options_t skip = {.every = 2, .start_frame = 3}; /* a, b, b2, c, d */
    CHECK(media_source_open(dir, &skip, &s, &err) == AVP_OK);
    ret = media_source_read(s, &lb, tensor, &f, &err);
    ok = ret == 1 && f.index == 4 && f.src_width == 64;
    ret = media_source_read(s, &lb, tensor, &f, &err);
    media_source_close(s);
    CHECK(fx_sh("rm '%s/b2.jpg'", dir) == 0);
    CHECK(ok && ret == 0);
    media_options_t fps = {.fps = 5};
    CHECK(media_source_open(dir, &fps, &s, &err) == AVP_EINVAL);
}

static void test_folder_bad_image_fails_its_read(void)
{
    const char *dir = fx_path("mixed");
    CHECK(fx_sh("mkdir -p '%s'", dir) == 0);
    CHECK(make_image(dir, "1.jpg", "dog", 100, 80) == 0);
    CHECK(fx_sh("echo 'not a picture' > '%s/2.jpg'", dir) == 0);
    CHECK(make_image(dir, "3.png", "kite", 60, 40) == 0);
    media_source_t *s;
    avp_error_t err = {0};
    CHECK(media_source_open(dir, NULL, &s, &err) == AVP_OK);
    media_frame_t f;
    int r1 = media_source_read(s, &lb, tensor, &f, &err);
    int r2 = media_source_read(s, &lb, tensor, &f, &err);
    int named = strstr(err.msg, "2.jpg") != NULL;
    int r3 = media_source_read(s, &lb, tensor, &f, &err);
    int third = f.index == 2 && f.src_width == 60;
    int r4 = media_source_read(s, &lb, tensor, &f, &err);
    media_source_close(s);
    CHECK(r1 == 1 && r2 == AVP_EFORMAT && named);
    CHECK(r3 == 1 && third && r4 == 0);
}

static void test_folder_empty_is_an_error(void)
{
    const char *dir = fx_path("empty");
    CHECK(fx_sh("mkdir -p '%s/inner.png' && echo x > '%s/readme.md'", dir, dir) == 0);
    media_source_t *s = NULL;
    avp_error_t err = {0};
    CHECK(media_source_open(dir, NULL, &s, &err) == AVP_EFORMAT && !s);
    CHECK(strstr(err.msg, "no images") && strstr(err.msg, dir));
    media_info_t info;
    CHECK(media_probe(dir, &info, &err) == AVP_EFORMAT);
}

int main(void)
{
    fx_setup();
    RUN(test_folder_name_order);
    RUN(test_folder_every);
    RUN(test_folder_bad_image_fails_its_read);
    RUN(test_folder_empty_is_an_error);
    return CHECK_DONE();
}
