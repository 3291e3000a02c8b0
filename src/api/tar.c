/* tar.c - the minimal ustar writer of tar.h (POSIX.1-1988 headers). */
#include "api/tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
