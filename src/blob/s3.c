/* s3.c - files by their sha256 in an S3-compatible store (blob.h): path-
 * style URLs ENDPOINT/BUCKET/PREFIX/<sha256>, every request signed with
 * SigV4 by libcurl. A PUT's payload hash is the file's sha256, which the
 * name already is: nothing is read twice, and the store refuses a body
 * that does not match it. */
#include "blob/blob.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S3_FIELD_MAX 512

struct blob_s3 {
    char base[2 * S3_FIELD_MAX]; /* ENDPOINT/BUCKET[/PREFIX] */
    char scope[S3_FIELD_MAX];    /* aws:amz:REGION:s3 */
    char key[S3_FIELD_MAX], secret[S3_FIELD_MAX];
};

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Bucket and prefix of s3://bucket[/prefix], without a trailing slash. */
static int parse_url(const char *url, char *bucket_prefix, avp_error_t *err)
{
    size_t n = strlen(url);
    const char *bp = url + 5;
    if (strncmp(url, "s3://", 5) || !*bp || *bp == '/' ||
        n >= S3_FIELD_MAX || strcspn(bp, "?#\\ \t\r\n") != strlen(bp))
        return avp_error_set(err, AVP_EINVAL, "AVP_STORAGE_URL: '%s' is not "
                             "s3://bucket[/prefix]", url);
    snprintf(bucket_prefix, S3_FIELD_MAX, "%s", bp);
    n = strlen(bucket_prefix);
    while (n > 0 && bucket_prefix[n - 1] == '/')
        bucket_prefix[--n] = '\0';
    return AVP_OK;
}

static int field(const char *name, const char *v, char *out,
                 avp_error_t *err)
{
    if (!v)
        return avp_error_set(err, AVP_EINVAL, "%s is not set (AVP_STORAGE_URL "
                             "needs it)", name);
    if (strlen(v) >= S3_FIELD_MAX || strcspn(v, "\r\n") != strlen(v))
        return avp_error_set(err, AVP_EINVAL, "%s is malformed", name);
    snprintf(out, S3_FIELD_MAX, "%s", v);
    return AVP_OK;
}

int blob_s3_from_env(blob_s3_t **out, avp_error_t *err)
{
    const char *url = env("AVP_STORAGE_URL");
    const char *region = env("AVP_S3_REGION") ? env("AVP_S3_REGION")
                                              : "us-east-1";
    char bp[S3_FIELD_MAX], endpoint[S3_FIELD_MAX];
    *out = NULL;
    if (!url)
        return AVP_OK;
    int rc = parse_url(url, bp, err);
    if (rc)
        return rc;
    if (strlen(region) > 64 || strspn(region, "abcdefghijklmnopqrstuvwxyz"
                                      "0123456789-") != strlen(region))
        return avp_error_set(err, AVP_EINVAL, "AVP_S3_REGION: '%s' is not a "
                             "region name", region);
    if (env("AVP_S3_ENDPOINT"))
        snprintf(endpoint, sizeof endpoint, "%s", env("AVP_S3_ENDPOINT"));
    else
        snprintf(endpoint, sizeof endpoint, "https://s3.%s.amazonaws.com",
                 region);
    if (strncmp(endpoint, "http://", 7) && strncmp(endpoint, "https://", 8))
        return avp_error_set(err, AVP_EINVAL, "AVP_S3_ENDPOINT: '%s' is not "
                             "an http(s) URL", endpoint);
    blob_s3_t *s = avp_calloc(1, sizeof *s);
    snprintf(s->base, sizeof s->base, "%s/%s", endpoint, bp);
    snprintf(s->scope, sizeof s->scope, "aws:amz:%s:s3", region);
    if ((rc = field("AWS_ACCESS_KEY_ID", env("AWS_ACCESS_KEY_ID"), s->key,
                    err)) ||
        (rc = field("AWS_SECRET_ACCESS_KEY", env("AWS_SECRET_ACCESS_KEY"),
                    s->secret, err))) {
        blob_s3_destroy(s);
        return rc;
    }
    *out = s;
    return AVP_OK;
}

void blob_s3_destroy(blob_s3_t *s)
{
    if (!s)
        return;
    memset(s->secret, 0, sizeof s->secret);
    avp_free(s);
}

/* The object's URL, its signature and the payload hash header. */
typedef struct s3_req {
    char url[2 * S3_FIELD_MAX + 80], hash[96];
    const char *headers[2];
    blob_sign_t sign;
} s3_req_t;

static void s3_req(const blob_s3_t *s, const char *sha256, const char *payload,
                   s3_req_t *r)
{
    snprintf(r->url, sizeof r->url, "%s/%s", s->base, sha256);
    snprintf(r->hash, sizeof r->hash, "x-amz-content-sha256: %s", payload);
    r->headers[0] = r->hash;
    r->headers[1] = NULL;
    r->sign = (blob_sign_t){s->scope, s->key, s->secret};
}

int blob_s3_put(const blob_s3_t *s, const char *sha256, const char *path,
                avp_error_t *err)
{
    s3_req_t r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return avp_error_set(err, AVP_EIO, "%s: cannot open", path);
    s3_req(s, sha256, sha256, &r);
    blob_req_t q = {.url = r.url, .headers = r.headers, .sign = &r.sign,
                    .in_fd = fd, .out_fd = -1};
    int rc = blob_request(&q, NULL, err);
    close(fd);
    return rc;
}

int blob_s3_get(const blob_s3_t *s, const char *sha256, int fd,
                uint64_t max_bytes, avp_error_t *err)
{
    s3_req_t r;
    /* SHA-256 of the empty body a GET has. */
    s3_req(s, sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca49"
           "5991b7852b855", &r);
    blob_req_t q = {.url = r.url, .headers = r.headers, .sign = &r.sign,
                    .in_fd = -1, .out_fd = fd, .max_bytes = max_bytes};
    return blob_request(&q, NULL, err);
}
