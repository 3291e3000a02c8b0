/* blobs.c - GET /api/blobs?sha256=: a video or model file by its hash, for
 * workers (and servers) that do not share this server's disk.
 *
 * The route is public to the session layer: users and API keys are not
 * credentials here, whatever their role. The caller shows a worker
 * credential (X-AVP-Worker-Token), a random token whose SHA-256 a worker
 * stored in the database with a short life (worker/blobs.c); holding the
 * database is what makes a worker. The body is the file as it is on disk,
 * always application/octet-stream, with civetweb's Range support, so an
 * interrupted transfer continues where it stopped. With AVP_STORAGE_URL,
 * every upload is also copied to the S3 store before its row is written
 * (api__blob_publish_or_reply), where workers look first. */
#include "api/handlers.h"
#include "api/internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int api__blob_publish_or_reply(api_t *r, http_req_t *req, const char *sha256,
                               const char *path)
{
    avp_error_t err;
    if (!r->opt.s3 || blob_s3_put(r->opt.s3, sha256, path, &err) == AVP_OK)
        return AVP_OK;
    fprintf(stderr, "avp serve: storing %s in S3: %s\n", sha256, err.msg);
    http_reply_unavailable(req, 5, "the file store (AVP_STORAGE_URL) did "
                           "not take the file");
    return AVP_EUNAVAILABLE;
}

#define WORKER_TOKEN_HEADER "X-AVP-Worker-Token"

/* Replies 401 unless the request carries a live worker credential. */
static int worker_or_reply(http_req_t *req, store_conn_t *c)
{
    const char *token = http_req_header(req, WORKER_TOKEN_HEADER);
    avp_error_t err;
    if (!token || !*token || strlen(token) >= HTTP_AUTH_TOKEN_MAX) {
        http_reply_error(req, 401, "unauthorized", "this endpoint is for "
                         "workers: send a worker credential in "
                         WORKER_TOKEN_HEADER);
        return AVP_EUNSUPPORTED;
    }
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    http_auth_token_hash(token, hash);
    int rc = store_worker_credential_valid(c, hash, &err);
    if (rc < 0) {
        http_reply_avp_error(req, &err);
        return rc;
    }
    if (rc == 0) {
        http_reply_error(req, 401, "unauthorized",
                         "the worker credential is unknown or expired");
        return AVP_EUNSUPPORTED;
    }
    return AVP_OK;
}

void api__blob_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    const char *sha = json_string_value(
        json_object_get(http_req_query(req), "sha256"));
    char rel[PATH_MAX], abs[PATH_MAX];
    avp_error_t err;
    if (strspn(sha, "0123456789abcdef") != 64) {
        http_reply_error(req, 400, "bad_request", "sha256 must be 64 "
                         "lowercase hexadecimal digits");
        return;
    }
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = worker_or_reply(req, c);
    if (rc == AVP_OK && (rc = store_blob_path(c, sha, rel, sizeof rel,
                                              &err)) < 0)
        http_reply_avp_error(req, &err);
    store_pool_release(c);
    if (rc < 0)
        return;
    if (rel[0] == '/')
        snprintf(abs, sizeof abs, "%s", rel);
    else
        api__path(r, rel, abs);
    struct stat st;
    if (stat(abs, &st) < 0 || !S_ISREG(st.st_mode)) {
        http_reply_error(req, 404, "file_missing", "the file %s is recorded "
                         "but missing from this server's disk", sha);
        return;
    }
    http_reply_file(req, abs, "application/octet-stream");
}
