/* fmt_yolo_images.c - a YOLO dataset whose images are beside its labels,
 * as ultralytics (dataset/images/train/x.jpg, dataset/labels/train/x.txt)
 * and Roboflow (train/images/, train/labels/) lay it out: the images are
 * the frames, in name order. ultralytics trains on an image without a
 * label file as a background image, so it is a frame without boxes, a
 * real negative; reading only the label files would lose it. Each frame
 * keeps its image's name (gt_frame_info). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int gt__yolo_images_dir(const char *labels, char *images, size_t size)
{
    const char *p = labels, *hit = NULL;
    /* A last or next-to-last component that is exactly "labels" (labels/,
     * labels/val/): nothing higher, which may be the caller's folders. */
    for (const char *s = labels; (s = strstr(s, "labels")); s++) {
        const char *next = s[6] == '/' ? strchr(s + 7, '/') : NULL;
        if ((s == labels || s[-1] == '/') &&
            (!s[6] || (s[6] == '/' && (!next || !next[1]))))
            hit = s;
    }
    struct stat st;
    if (!hit || (size_t)snprintf(images, size, "%.*simages%s",
                                 (int)(hit - p), p, hit + 6) >= size)
        return 0;
    return stat(images, &st) == 0 && S_ISDIR(st.st_mode);
}

int gt__yolo_is_image(const char *name)
{
    static const char *const ext[] = {".jpg", ".jpeg", ".png", ".bmp",
                                      ".webp", ".tif", ".tiff"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < AVP_ARRAY_LEN(ext); i++)
        if (!strcasecmp(dot, ext[i]))
            return 1;
    return 0;
}

/* name without its extension, into out. */
static const char *stem(const char *name, char *out, size_t size)
{
    const char *dot = strrchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), name);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The images of the folder, their stems sorted beside (for the check
 * that every label file has one). */
static char **image_stems(char **names, size_t n, size_t *m)
{
    char **stems = avp_malloc((n + 1) * sizeof(char *)), buf[1024];
    *m = 0;
    for (size_t i = 0; i < n; i++)
        if (gt__yolo_is_image(names[i]))
            stems[(*m)++] = avp_strdup(stem(names[i], buf, sizeof buf));
    qsort(stems, *m, sizeof(char *), cmp_str);
    return stems;
}

/* Every label file's stem is an image's. */
static int labels_have_images(const char *labels, char **stems, size_t m,
                              avp_error_t *err)
{
    char **txt, buf[1024];
    size_t n;
    int rc = gt__list_files(labels, ".txt", &txt, &n, err);
    for (size_t i = 0; rc == AVP_OK && i < n; i++) {
        const char *key = stem(txt[i], buf, sizeof buf);
        if (!bsearch(&key, stems, m, sizeof(char *), cmp_str))
            rc = avp_error_set(err, AVP_EFORMAT, "%s: no image of that name "
                               "in the images folder", txt[i]);
    }
    gt__names_free(txt, (int)n);
    return rc;
}

int gt__yolo_image_frame(gt_t *g, int64_t frame, const char *image,
                         const char *dir, const char *label,
                         const gt_io_options_t *o, avp_error_t *err)
{
    char path[4200];
    struct stat st;
    int rc = gt_set_frame_info(g, frame, GT_NO_ID, image, 0, 0, err);
    snprintf(path, sizeof path, "%s/%s", dir, label);
    if (rc == AVP_OK && stat(path, &st) == 0)
        rc = gt__import_frame_file(g, dir, label, frame, gt_parse_yolo_frame,
                                   o, err);
    return rc;
}

static int read_frames(gt_t *g, const char *labels, char **names, size_t n,
                       const gt_io_options_t *o, avp_error_t *err)
{
    char buf[1024], txt[1100];
    int64_t frame = 0;
    int rc = AVP_OK;
    for (size_t i = 0; i < n && rc == AVP_OK; i++) {
        if (!gt__yolo_is_image(names[i]))
            continue;
        snprintf(txt, sizeof txt, "%s.txt", stem(names[i], buf, sizeof buf));
        rc = gt__yolo_image_frame(g, frame++, names[i], labels, txt, o, err);
    }
    return rc == AVP_OK && frame ? gt_set_frames(g, 0, frame - 1, 1, err)
                                 : rc;
}

int gt__import_yolo_images(const char *labels, const char *images,
                           const gt_io_options_t *o, gt_t **out,
                           avp_error_t *err)
{
    char **names, **stems = NULL;
    size_t n = 0, m = 0;
    gt_t *g = NULL;
    *out = NULL;
    int rc = gt__list_files(images, NULL, &names, &n, err);
    if (rc == AVP_OK) {
        stems = image_stems(names, n, &m);
        rc = labels_have_images(labels, stems, m, err);
    }
    if (rc == AVP_OK) {
        g = gt_create();
        gt__apply_options(g, o);
        rc = read_frames(g, labels, names, n, o, err);
    }
    gt__names_free(names, (int)n);
    gt__names_free(stems, (int)m);
    if (rc < 0)
        gt_destroy(g);
    else
        *out = g;
    return rc;
}
