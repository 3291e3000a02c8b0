/* tar.c - the minimal ustar writer and flat reader of tar.h (POSIX.1-1988
 * headers). */
#include "api/tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TAR_BLOCK 512

/* The ustar header; numbers are octal text, NUL-terminated. */
typedef struct tar_header {
    char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
    char typeflag, linkname[100], magic[6], version[2], uname[32];
    char gname[32], devmajor[8], devminor[8], prefix[155], pad[12];
} tar_header_t;

_Static_assert(sizeof(tar_header_t) == TAR_BLOCK, "ustar header is a block");

static unsigned header_sum(const tar_header_t *h)
{
    tar_header_t c = *h;
    /* The checksum is taken with its own field as eight spaces. */
    memset(c.chksum, ' ', sizeof c.chksum);
    unsigned sum = 0;
    for (size_t i = 0; i < TAR_BLOCK; i++)
        sum += ((const unsigned char *)&c)[i];
    return sum;
}

static void header_fill(tar_header_t *h, const char *name, long long size)
{
    memset(h, 0, sizeof *h);
    memcpy(h->name, name, strlen(name));
    snprintf(h->mode, sizeof h->mode, "%07o", 0644);
    snprintf(h->uid, sizeof h->uid, "%07o", 0);
    snprintf(h->gid, sizeof h->gid, "%07o", 0);
    snprintf(h->size, sizeof h->size, "%011llo", size);
    snprintf(h->mtime, sizeof h->mtime, "%011llo", (long long)time(NULL));
    h->typeflag = '0';
    memcpy(h->magic, "ustar", 6);
    memcpy(h->version, "00", 2);
    snprintf(h->chksum, sizeof h->chksum, "%06o", header_sum(h));
    h->chksum[7] = ' ';
}

static int copy_body(http_reply_stream_t *s, FILE *f, long long size,
                     const char *path, avp_error_t *err)
{
    char buf[8192];
    long long left = size;
    while (left > 0) {
        size_t n = fread(buf, 1, sizeof buf, f);
        if (n == 0)
            return avp_error_set(err, AVP_EIO, "%s: shorter than %lld bytes",
                                 path, size);
        if ((long long)n > left)
            n = (size_t)left;
        if (http_reply_stream_write(s, buf, n) < 0)
            return avp_error_set(err, AVP_EIO, "the client went away");
        left -= (long long)n;
    }
    static const char zeros[TAR_BLOCK];
    size_t pad = (size_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
    return http_reply_stream_write(s, zeros, pad) < 0
        ? avp_error_set(err, AVP_EIO, "the client went away") : AVP_OK;
}

int api__tar_add_file(http_reply_stream_t *s, const char *name,
                      const char *path, avp_error_t *err)
{
    if (strlen(name) >= 100)
        return avp_error_set(err, AVP_EINVAL, "tar: name '%s' is too long",
                             name);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) < 0) {
        int e = errno;
        if (f)
            fclose(f);
        return avp_error_set(err, AVP_EIO, "%s: %s", path, strerror(e));
    }
    tar_header_t h;
    header_fill(&h, name, (long long)st.st_size);
    int rc = http_reply_stream_write(s, &h, sizeof h) < 0
        ? avp_error_set(err, AVP_EIO, "the client went away")
        : copy_body(s, f, (long long)st.st_size, path, err);
    fclose(f);
    return rc;
}

int api__tar_end(http_reply_stream_t *s)
{
    static const char zeros[2 * TAR_BLOCK];
    return http_reply_stream_write(s, zeros, sizeof zeros);
}

/* ---- reading ---- */

/* An octal field (NUL- or space-terminated); -1 when it is not one. */
static long long octal(const char *f, size_t n)
{
    long long v = 0;
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    if (i == n || f[i] < '0' || f[i] > '7')
        return -1;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
        v = v * 8 + (f[i] - '0');
    return i == n || f[i] == '\0' || f[i] == ' ' ? v : -1;
}

/* The last component of the entry's name, if it is allowed. Extraction
 * is flat, so no name could escape the folder; an absolute name or a ".."
 * in one still marks an archive made to try, and is refused. */
static const char *flat_name(const tar_header_t *h, char out[101])
{
    memcpy(out, h->name, 100);
    out[100] = '\0';
    if (out[0] == '/' || !strcmp(out, "..") || !strncmp(out, "../", 3) ||
        strstr(out, "/../") || (strlen(out) >= 3 &&
                                !strcmp(out + strlen(out) - 3, "/..")))
        return NULL;
    char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    if (!base[0] || base[0] == '.')
        return NULL;
    for (const char *p = base; *p; p++)
        if (!(*p == '_' || *p == '-' || *p == '.' || (*p >= '0' && *p <= '9') ||
              (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return NULL;
    return base;
}

/* Copies size bytes of in to a new file dir/name and reads past the
 * padding (size counts the data bytes not yet written). */
static int extract_one(FILE *in, const char *dir, const char *name,
                       long long size, avp_error_t *err)
{
    char path[4096], buf[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return avp_error_set(err, errno == EEXIST ? AVP_EFORMAT : AVP_EIO,
                             "tar: %s: %s", name, errno == EEXIST
                             ? "comes twice" : strerror(errno));
    long long left = size + (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
    int rc = AVP_OK;
    while (left > 0 && rc == AVP_OK) {
        size_t want = left < (long long)sizeof buf ? (size_t)left : sizeof buf;
        size_t got = fread(buf, 1, want, in);
        long long keep = size < (long long)got ? size : (long long)got;
        if (got != want)
            rc = avp_error_set(err, AVP_EFORMAT, "tar: %s: the archive ends "
                               "inside it", name);
        else if (keep > 0 && write(fd, buf, (size_t)keep) != (ssize_t)keep)
            rc = avp_error_set(err, AVP_EIO, "tar: %s: %s", name,
                               strerror(errno));
        size -= keep;
        left -= (long long)got;
    }
    close(fd);
    return rc;
}

static int is_zero_block(const tar_header_t *h)
{
    for (size_t i = 0; i < TAR_BLOCK; i++)
        if (((const unsigned char *)h)[i])
            return 0;
    return 1;
}

/* One entry whose header is h: a file extracted, a folder skipped. */
static int entry(FILE *in, const tar_header_t *h, const char *dir,
                 avp_error_t *err)
{
    char name[101];
    long long size = octal(h->size, sizeof h->size);
    if (octal(h->chksum, sizeof h->chksum) != (long long)header_sum(h) ||
        size < 0)
        return avp_error_set(err, AVP_EFORMAT, "tar: entry '%.100s': bad "
                             "header (not a ustar archive?)", h->name);
    if (h->typeflag == '5')
        return size == 0 ? AVP_OK : avp_error_set(err, AVP_EFORMAT,
                                                  "tar: folder with data");
    if (h->typeflag != '0' && h->typeflag != '\0')
        return avp_error_set(err, AVP_EFORMAT, "tar: entry '%.100s' is not "
                             "a regular file", h->name);
    const char *base = flat_name(h, name);
    if (!base)
        return avp_error_set(err, AVP_EFORMAT, "tar: entry '%.100s': name "
                             "not allowed", h->name);
    return extract_one(in, dir, base, size, err);
}

int api__tar_extract_flat(const char *tar_path, const char *dir,
                          avp_error_t *err)
{
    FILE *in = fopen(tar_path, "rb");
    if (!in)
        return avp_error_set(err, AVP_EIO, "%s: %s", tar_path, strerror(errno));
    tar_header_t h;
    int rc = AVP_OK;
    while (rc == AVP_OK) {
        if (fread(&h, 1, sizeof h, in) != sizeof h) {
            rc = avp_error_set(err, AVP_EFORMAT, "tar: the archive ends "
                               "without its end blocks");
        } else if (is_zero_block(&h)) {
            break; /* the end; what follows is padding */
        } else {
            rc = entry(in, &h, dir, err);
        }
    }
    fclose(in);
    return rc;
}

void api__tar_remove_flat(const char *dir)
{
    DIR *d = opendir(dir);
    char path[4096 + 256];
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%.4095s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}
