/* fmt_yolo_list.c - a YOLO split given as a list of images: ultralytics'
 * data.yaml may name a .txt file instead of a folder (`val: val.txt`),
 * one image path a line, "./images/x.jpg" relative to the list's folder
 * and other relative paths to the dataset's (data/utils.py,
 * get_img_files). Read as ultralytics reads it: the listed images, sorted
 * by path, are the frames; an image's label file is its path with the
 * last "images" folder made "labels" and the extension ".txt"
 * (img2label_paths), and an image without one is a background image, a
 * real negative. Paths that leave the dataset (absolute, "..") are
 * refused by line: an upload's list must not read the server's files. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if rel stays inside the dataset: relative, no ".." component. */
static int inside(const char *rel)
{
    if (rel[0] == '/' || !rel[0])
        return 0;
    for (const char *p = rel; (p = strstr(p, "..")); p += 2)
        if ((p == rel || p[-1] == '/') && (!p[2] || p[2] == '/'))
            return 0;
    return 1;
}

/* The label file of image rel (img2label_paths) into out. */
static void label_of(const char *rel, char *out, size_t size)
{
    const char *hit = NULL, *dot = strrchr(rel, '.');
    for (const char *p = rel; (p = strstr(p, "images/")); p++)
        if (p == rel || p[-1] == '/')
            hit = p;
    size_t stem = dot ? (size_t)(dot - rel) : strlen(rel);
    if (hit)
        snprintf(out, size, "%.*slabels%.*s.txt", (int)(hit - rel), rel,
                 (int)(stem - (size_t)(hit - rel) - 6), hit + 6);
    else
        snprintf(out, size, "%.*s.txt", (int)stem, rel);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The images of the list text (its path in the dataset: list), each a
 * new string relative to the dataset, unsorted. */
static int read_list(const char *list, char *text, char ***out, size_t *n,
                     avp_error_t *err)
{
    const char *slash = strrchr(list, '/');
    int dir = slash ? (int)(slash - list + 1) : 0, line = 0;
    size_t cap = 0;
    for (char *s = text, *next; s && *s; s = next) {
        next = strchr(s, '\n');
        if (next)
            *next++ = '\0';
        line++;
        s += strspn(s, " \t");
        s[strcspn(s, "\r")] = '\0';
        for (size_t k = strlen(s); k && (s[k - 1] == ' ' || s[k - 1] == '\t');)
            s[--k] = '\0';
        char rel[2048];
        snprintf(rel, sizeof rel, "%.*s%s", !strncmp(s, "./", 2) ? dir : 0,
                 list, !strncmp(s, "./", 2) ? s + 2 : s);
        if (!*s || !gt__yolo_is_image(s))
            continue;
        if (!inside(rel) || strlen(s) > 1000)
            return avp_error_set(err, AVP_EFORMAT, "%s:%d: '%.200s' is not a "
                                 "path inside the dataset", list, line, s);
        if (*n == GT_MAX_FRAMES)
            return avp_error_set(err, AVP_EFORMAT, "%s: more than %d "
                                 "images", list, GT_MAX_FRAMES);
        if (*n == cap)
            *out = avp_realloc(*out, (cap = cap ? 2 * cap : 64) *
                                         sizeof(char *));
        (*out)[(*n)++] = avp_strdup(rel);
    }
    return AVP_OK;
}

/* The frames of the sorted images, class names from the data.yaml. */
static int read_frames(gt_t *g, const char *root, char **images, size_t n,
                       const gt_io_options_t *o, avp_error_t *err)
{
    char path[4200], label[2100], **names = NULL;
    int nn = 0;
    gt_io_options_t copy = o ? *o : (gt_io_options_t){0};
    snprintf(path, sizeof path, "%s/data.yaml", root);
    int rc = gt__yaml_names(path, &names, &nn, err);
    copy.names = (const char *const *)names, copy.num_names = nn;
    gt__apply_options(g, &copy);
    for (size_t i = 0; rc == AVP_OK && i < n; i++) {
        label_of(images[i], label, sizeof label);
        rc = gt__yolo_image_frame(g, (int64_t)i, images[i], root, label,
                                  &copy, err);
    }
    gt__names_free(names, nn);
    return rc;
}

int gt__import_yolo_list(const char *root, const char *list,
                         const gt_io_options_t *o, gt_t **out,
                         avp_error_t *err)
{
    char path[4200], *text;
    char **images = NULL;
    size_t n = 0, len;
    *out = NULL;
    if (!inside(list))
        return avp_error_set(err, AVP_EFORMAT, "data.yaml: the list '%.200s' "
                             "is not a path inside the dataset", list);
    snprintf(path, sizeof path, "%s/%s", root, list);
    int rc = gt__read_file(path, &text, &len, err);
    if (rc == AVP_OK) {
        rc = read_list(list, text, &images, &n, err);
        avp_free(text);
    }
    if (n)
        qsort(images, n, sizeof(char *), cmp_str);
    for (size_t i = 1; rc == AVP_OK && i < n; i++)
        if (!strcmp(images[i], images[i - 1]))
            rc = avp_error_set(err, AVP_EFORMAT, "%s: lists %s twice", list,
                               images[i]);
    gt_t *g = gt_create();
    if (rc == AVP_OK)
        rc = read_frames(g, root, images, n, o, err);
    if (rc == AVP_OK && n)
        rc = gt_set_frames(g, 0, (int64_t)n - 1, 1, err);
    gt__names_free(images, (int)n);
    if (rc < 0)
        gt_destroy(g);
    else
        *out = g;
    return rc;
}
