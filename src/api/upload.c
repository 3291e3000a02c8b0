/* upload.c - raw uploads (videos, models) streamed to a temporary
 * file under the data directory in constant memory, hashed with SHA-256 on
 * the way, so a 4 GiB upload costs one buffer and one pass. */
#include "api/internal.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static void to_hex(const unsigned char *d, int n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

/* Creates the temporary file; replies on failure. */
static int create_or_reply(http_req_t *req, api_upload_t *up)
{
    int fd = mkstemp(up->tmp);
    if (fd < 0) {
        up->tmp[0] = 0;
        http_reply_unavailable(req, 5, "cannot store the upload: %s",
                               strerror(errno));
        return -1;
    }
    return fd; /* mkstemp's 0600: the workers run as the same user */
}

/* Copies the body into a new temporary file (made once the first bytes
 * arrive, so a body refused at once leaves nothing behind); returns the
 * open descriptor, or < 0 after replying. The route's max_body bounds it
 * (http_reply_read_chunk_or_reply answers 413). */
static int copy_body(http_req_t *req, api_upload_t *up)
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];
    unsigned char *buf = avp_malloc(CHUNK); /* not on the 100 KiB stack */
    long n;
    int fd = -1, failed = 0;
    crypto_hash_sha256_init(&st);
    while (!failed &&
           (n = http_reply_read_chunk_or_reply(req, buf, CHUNK)) > 0) {
        if (fd < 0 && (fd = create_or_reply(req, up)) < 0)
            break;
        up->size += (uint64_t)n;
        failed = write_all(fd, buf, (size_t)n) < 0;
        if (failed)
            http_reply_unavailable(req, 5, "writing the upload: %s",
                                   strerror(errno));
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
    }
    if (n == 0 && up->size == 0)
        http_reply_error(req, 400, "bad_request", "the upload is empty");
    crypto_hash_sha256_final(&st, digest);
    to_hex(digest, sizeof digest, up->sha256);
    avp_free(buf);
    if (fd >= 0 && (failed || n < 0)) {
        close(fd);
        unlink(up->tmp);
        return -1;
    }
    return fd;
}

int api__receive_or_reply(api_t *r, http_req_t *req, const char *dir,
                          api_upload_t *up)
{
    memset(up, 0, sizeof *up);
    snprintf(up->tmp, sizeof up->tmp, "%s/%s/.upload-XXXXXX", r->data_dir, dir);
    int fd = copy_body(req, up);
    if (fd < 0)
        return AVP_EIO;
    if (close(fd) < 0) {
        http_reply_unavailable(req, 5, "writing the upload: %s",
                               strerror(errno));
        unlink(up->tmp);
        return AVP_EIO;
    }
    http_metrics_counter_add(r->uploads, 1);
    http_metrics_counter_add(r->upload_bytes, up->size);
    return AVP_OK;
}
