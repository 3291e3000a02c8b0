/*
 * blob.h - whole files over HTTP with libcurl, for machines that do not
 * share a disk: a GET that continues a partial file from its end (Range)
 * and a PUT of a file, either optionally signed with AWS Signature V4
 * (libcurl's CURLOPT_AWS_SIGV4, no SDK); and where an S3-compatible store
 * keeps a file by its sha256 (AVP_STORAGE_URL=s3://bucket/prefix).
 *
 * Thread model: calls are independent (each its own curl handle); a
 * blob_s3_t is read-only after blob_s3_from_env and may be shared.
 * blob_init() must run once before any other thread starts (libcurl's
 * global init is not thread-safe).
 */
#ifndef AVP_BLOB_BLOB_H
#define AVP_BLOB_BLOB_H

#include "util/avp.h"

#include <stddef.h>
#include <stdint.h>

/* libcurl's global state; AVP_EINTERNAL when it cannot start. */
int blob_init(avp_error_t *err);

/* AWS Signature V4 for a request. */
typedef struct blob_sign {
    const char *scope;  /* CURLOPT_AWS_SIGV4: "aws:amz:REGION:SERVICE" */
    const char *key, *secret;
} blob_sign_t;

typedef struct blob_req {
    const char *method;          /* NULL: GET (or PUT with in_fd) */
    const char *url;             /* http:// or https:// only */
    const char *const *headers;  /* "Name: value" lines, NULL-terminated;
                                  * may be NULL */
    const blob_sign_t *sign;     /* NULL: not signed */
    const char *body;            /* a request body in memory, or NULL */
    size_t body_len;
    int in_fd;                   /* >= 0: PUT this file's bytes */
    int out_fd;                  /* >= 0: append the reply's body to this
                                  * file, asking only for what follows its
                                  * current end (a 200 starts it over) */
    uint64_t max_bytes;          /* out_fd never grows past this (0: none) */
} blob_req_t;

/* Sends q. AVP_OK for a 2xx (or a 416 when out_fd already held bytes: the
 * file was whole), AVP_ENOTFOUND for a 404, AVP_EIO for anything else (a
 * cut, a refusal, an unreachable host: worth another try); *status (may
 * be NULL) is the HTTP status, 0 when none came. */
int blob_request(const blob_req_t *q, long *status, avp_error_t *err);

/* ---- S3-compatible storage (s3.c) ---------------------------------------- */

typedef struct blob_s3 blob_s3_t;

/* From the environment: AVP_STORAGE_URL (s3://bucket[/prefix]; unset or
 * empty: *out = NULL and AVP_OK), AVP_S3_ENDPOINT (default
 * https://s3.REGION.amazonaws.com; path-style requests), AVP_S3_REGION
 * (default us-east-1), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
 * (required with a storage URL). AVP_EINVAL naming the variable when one
 * is malformed or missing. */
int blob_s3_from_env(blob_s3_t **out, avp_error_t *err);
void blob_s3_destroy(blob_s3_t *s);

/* Stores the file at path (whose SHA-256 is sha256, also the signed
 * payload hash) as PREFIX/<sha256>. */
int blob_s3_put(const blob_s3_t *s, const char *sha256, const char *path,
                avp_error_t *err);
/* Fetches PREFIX/<sha256> into the part open on fd, continuing from its
 * end; as blob_request. */
int blob_s3_get(const blob_s3_t *s, const char *sha256, int fd,
                uint64_t max_bytes, avp_error_t *err);

#endif
