/* archive.c - the archives tools export ground truth in (.zip, .tar,
 * .tar.gz), extracted with libarchive into a folder of the caller's, with
 * bounds: an upload is someone else's file. Entries keep their relative
 * folders (a YOLO dataset's train/labels/, a VOC devkit's Annotations/),
 * so every name is checked before a byte is written: no absolute names,
 * no ".." component, no links or special files (nothing extracted can
 * point elsewhere, and a file is opened O_NOFOLLOW | O_EXCL: a name that
 * comes twice is refused), at most GT_ARCHIVE_MAX_ENTRIES entries and
 * GT_ARCHIVE_MAX_BYTES uncompressed. */
#include "internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gt_is_archive(const char *path)
{
    unsigned char m[262] = {0};
    struct stat st;
    FILE *f = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? fopen(path, "rb")
                                                           : NULL;
    size_t n = f ? fread(m, 1, sizeof m, f) : 0;
    if (f)
        fclose(f);
    return (n >= 4 && !memcmp(m, "PK\3\4", 4)) ||          /* zip */
           (n >= 4 && !memcmp(m, "PK\5\6", 4)) ||          /* empty zip */
           (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||     /* gzip */
           (n >= 262 && !memcmp(m + 257, "ustar", 5));     /* tar */
}

/* The entry's name relative to the folder, "." components dropped (tar
 * -C dir . writes "./a/b"); NULL for a name that could leave it. */
static const char *safe_name(const char *name, char out[1024])
{
    size_t n = 0;
    if (!name || name[0] == '/' || strlen(name) >= 1024)
        return NULL;
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "/");
        if ((len == 2 && !strncmp(p, "..", 2)) || memchr(p, '\\', len))
            return NULL;
        if (len && !(len == 1 && *p == '.')) {
            memcpy(out + n, p, len);
            n += len;
            out[n++] = '/';
        }
        p += len + (p[len] == '/');
    }
    if (!n)
        return NULL;
    out[n - 1] = '\0';
    return out;
}

/* Makes the folders of rel (all but its last component) under dir. */
static int make_parents(const char *dir, const char *rel, avp_error_t *err)
{
    char path[4096];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(s - rel), rel);
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return avp_error_set(err, AVP_EIO, "%s: %s", rel,
                                 strerror(errno));
    }
    return AVP_OK;
}

/* Copies the entry's data into dir/rel, counting *total against the
 * bound. */
static int write_entry(struct archive *a, const char *dir, const char *rel,
                       uint64_t *total, avp_error_t *err)
{
    char path[4096], buf[65536];
    int rc = make_parents(dir, rel, err);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int fd = rc < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL |
                                          O_NOFOLLOW | O_CLOEXEC, 0600);
    if (rc == AVP_OK && fd < 0)
        return avp_error_set(err, errno == EEXIST ? AVP_EFORMAT : AVP_EIO,
                             "%s: %s", rel, errno == EEXIST
                             ? "comes twice (or is also a folder)"
                             : strerror(errno));
    la_ssize_t got = 0;
    while (rc == AVP_OK && (got = archive_read_data(a, buf, sizeof buf)) > 0) {
        if ((*total += (uint64_t)got) > GT_ARCHIVE_MAX_BYTES)
            rc = avp_error_set(err, AVP_EFORMAT, "more than %llu bytes "
                               "uncompressed", (unsigned long long)
                               GT_ARCHIVE_MAX_BYTES);
        else if (write(fd, buf, (size_t)got) != got)
            rc = avp_error_set(err, AVP_EIO, "%s: %s", rel, strerror(errno));
    }
    if (rc == AVP_OK && got < 0)
        rc = avp_error_set(err, AVP_EFORMAT, "%s: %s", rel,
                           archive_error_string(a));
    if (fd >= 0)
        close(fd);
    return rc;
}

/* One entry: a file extracted, a folder skipped (made when a file needs
 * it), anything else refused. */
static int entry(struct archive *a, struct archive_entry *e, const char *dir,
                 uint64_t *total, avp_error_t *err)
{
    char rel[1024];
    const char *name = archive_entry_pathname(e);
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR)
        return AVP_OK;
    if (type != AE_IFREG || archive_entry_hardlink(e) ||
        archive_entry_symlink(e))
        return avp_error_set(err, AVP_EFORMAT, "'%.200s': a link or special "
                             "file, not a regular file", name ? name : "");
    if (!safe_name(name, rel))
        return avp_error_set(err, AVP_EFORMAT, "'%.200s': name not allowed "
                             "(absolute, or with a '..')", name ? name : "");
    return write_entry(a, dir, rel, total, err);
}

static int extract(struct archive *a, int opened, const char *dir,
                   avp_error_t *err)
{
    struct archive_entry *e;
    uint64_t total = 0;
    size_t n = 0;
    int rc = opened == ARCHIVE_OK ? AVP_OK
             : avp_error_set(err, AVP_EFORMAT, "%s",
                             archive_error_string(a));
    while (rc == AVP_OK) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            rc = avp_error_set(err, AVP_EFORMAT, "%s",
                               archive_error_string(a));
        else if (++n > GT_ARCHIVE_MAX_ENTRIES)
            rc = avp_error_set(err, AVP_EFORMAT, "more than %d entries",
                               GT_ARCHIVE_MAX_ENTRIES);
        else
            rc = entry(a, e, dir, &total, err);
    }
    archive_read_free(a);
    return rc < 0 ? avp_error_prefix(err, "archive") : rc;
}

/* A reader of zip, tar and gzip'd tar only: the formats tools export;
 * libarchive's other formats and filters are attack surface we need not
 * carry. */
static struct archive *reader(void)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    return a;
}

int gt_archive_extract(const char *path, const char *dir, avp_error_t *err)
{
    struct archive *a = reader();
    return extract(a, archive_read_open_filename(a, path, 65536), dir, err);
}

int gt_archive_extract_mem(const void *data, size_t len, const char *dir,
                           avp_error_t *err)
{
    struct archive *a = reader();
    return extract(a, archive_read_open_memory(a, data, len), dir, err);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void gt_remove_tree(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
