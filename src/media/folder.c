/*
 * folder.c - the images of a folder, in name order. Only names ending in
 * .jpg, .jpeg, .png or .bmp count (other files beside the images, such as
 * labels or notes, are skipped); hidden files (editor and OS droppings like
 * "._x.jpg") and sub-folders are skipped too.
 */
#include "media/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const image_exts[] = {".jpg", ".jpeg", ".png", ".bmp"};

static int is_image_name(const char *name)
{
    if (name[0] == '.')
        return 0;
    size_t n = strlen(name);
    for (size_t i = 0; i < AVP_ARRAY_LEN(image_exts); i++) {
        size_t e = strlen(image_exts[i]);
        if (n > e && strcasecmp(name + n - e, image_exts[i]) == 0)
            return 1;
    }
    return 0;
}

static int is_regular_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return 0;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_name(media_folder_t *f, size_t *cap, const char *name)
{
    if (f->count == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        f->names = avp_realloc(f->names, *cap * sizeof(*f->names));
    }
    f->names[f->count++] = avp_strdup(name);
}

int media__folder_list(const char *dir, media_folder_t *f, avp_error_t *err)
{
    memset(f, 0, sizeof(*f));
    DIR *d = opendir(dir);
    if (!d)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (is_image_name(e->d_name) && is_regular_file(dir, e->d_name))
            add_name(f, &cap, e->d_name);
    closedir(d);
    if (f->count == 0)
        return avp_error_set(err, AVP_EFORMAT,
                             "%s: folder has no images (.jpg, .jpeg, .png, .bmp)",
                             dir);
    qsort(f->names, f->count, sizeof(*f->names), by_name);
    return AVP_OK;
}

void media__folder_fini(media_folder_t *f)
{
    for (size_t i = 0; i < f->count; i++)
        avp_free(f->names[i]);
    avp_free(f->names);
    memset(f, 0, sizeof(*f));
}
