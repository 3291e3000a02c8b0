/* http.c - one request of blob.h on libcurl's easy interface: headers,
 * optional SigV4, a body from memory or a file, and a reply appended to a
 * part file from where it ends. */
#include "blob/blob.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int blob_init(avp_error_t *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT))
        return avp_error_set(err, AVP_EINTERNAL, "cannot start libcurl");
    return AVP_OK;
}

typedef struct sink {
    CURL *curl;
    int fd;
    int64_t offset; /* bytes the part had when the request left */
    uint64_t max;
    int started;
} sink_t;

/* Appends to the part; a 200 (the server ignored Range) starts it over. */
static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    sink_t *s = user;
    size_t len = size * n;
    if (s->fd < 0)
        return len;
    if (!s->started) {
        long status = 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 && s->offset > 0 && ftruncate(s->fd, 0) < 0)
            return 0;
        s->started = 1;
    }
    struct stat st;
    if (fstat(s->fd, &st) < 0 ||
        (s->max && (uint64_t)st.st_size + len > s->max))
        return 0; /* past the bound: the transfer is refused */
    return write(s->fd, data, len) == (ssize_t)len ? len : 0;
}

static size_t on_read(char *buf, size_t size, size_t n, void *user)
{
    ssize_t got = read(*(int *)user, buf, size * n);
    return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

static struct curl_slist *header_list(const char *const *h)
{
    struct curl_slist *l = NULL;
    for (; h && *h; h++)
        l = curl_slist_append(l, *h);
    return l;
}

/* What the request sends: method, body, signature. */
static void set_request(CURL *c, const blob_req_t *q, int *in_fd)
{
    if (q->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)q->body_len);
    } else if (q->in_fd >= 0) {
        struct stat st;
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, in_fd);
        if (fstat(q->in_fd, &st) == 0)
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                             (curl_off_t)st.st_size);
    }
    if (q->method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    if (q->sign) {
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, q->sign->scope);
        curl_easy_setopt(c, CURLOPT_USERNAME, q->sign->key);
        curl_easy_setopt(c, CURLOPT_PASSWORD, q->sign->secret);
    }
}

int blob_request(const blob_req_t *q, long *status, avp_error_t *err)
{
    char why[CURL_ERROR_SIZE] = "";
    struct stat st;
    int in_fd = q->in_fd;
    sink_t s = {.curl = curl_easy_init(), .fd = q->out_fd, .max = q->max_bytes};
    if (!s.curl)
        return avp_error_set(err, AVP_ENOMEM, "%s: no curl handle", q->url);
    if (s.fd >= 0 && fstat(s.fd, &st) == 0)
        s.offset = st.st_size;
    struct curl_slist *h = header_list(q->headers);
    CURL *c = s.curl;
    curl_easy_setopt(c, CURLOPT_URL, q->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled a minute: */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L); /* cut */
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    if (s.offset > 0)
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)s.offset);
    set_request(c, q, &in_fd);
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (status)
        *status = code;
    if (cc == CURLE_OK || (code == 416 && s.offset > 0))
        return AVP_OK;
    if (code == 404)
        return avp_error_set(err, AVP_ENOTFOUND, "%s: 404", q->url);
    return avp_error_set(err, AVP_EIO, "%s: %s", q->url,
                         why[0] ? why : curl_easy_strerror(cc));
}
