/*
 * reply.h - what a handler uses: the validated request (path parameters,
 * query, JSON body, caller) and the replies (JSON, errors, files, chunked
 * streams). Used by the route handlers in src/http/ and by its tests.
 *
 * Every error reply is {"error":{"code":"...","message":"...",
 * "request_id":"..."}} with a stable machine code (bad_request,
 * unauthorized, not_found, method_not_allowed, payload_too_large,
 * unsupported_media_type, too_many_requests, unavailable, internal) and a
 * message for people that names the problem. Every reply carries its
 * request's id in X-Request-Id, and the server's log lines about a request
 * quote it. An error whose text is for the log only (avp_error_t.log_only:
 * PostgreSQL's words, paths) reaches the client as a generic message.
 *
 * An endpoint is a handler plus a route (see http.h):
 *
 *   static const http_schema_field_t create_body[] = {
 *       {"name", HTTP_SCHEMA_STRING, 1, 1, 200, "project name", NULL}, {0}};
 *
 *   static void project_create(http_req_t *req, void *ctx)
 *   {
 *       json_t *body = http_req_body(req); // already checked
 *       avp_error_t err;
 *       int64_t id;
 *       if (store_project_create(ctx, http_req_user(req)->id, body, &id,
 *                                &err) < 0) {
 *           http_reply_avp_error(req, &err);
 *           return;
 *       }
 *       http_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
 *   }
 *
 *   http_server_add_route(srv, &(http_route_t){
 *       .method = "POST", .pattern = "/api/projects",
 *       .name = "projects_create", .summary = "Create a project",
 *       .handler = project_create, .ctx = store, .body = create_body}, &err);
 *
 * Functions named ..._or_reply have already sent the error reply when they
 * fail (they return a negative AVP_E* code): the handler just returns.
 * A handler must reply exactly once; the dispatcher answers 500 for a
 * handler that did not.
 *
 * Slow clients: a handler's JSON, bytes, empty and error replies are sent
 * once it has returned, so whatever it borrowed (a database connection)
 * is back before a client that reads slowly can hold the thread. Files
 * and chunked streams go out as they are written: a handler gives back
 * what it holds before it starts one, or between its pieces.
 *
 * Thread model: an http_req_t belongs to the thread running its handler.
 *
 * Stack: handlers run on civetweb's worker threads, whose stack Debian's
 * libcivetweb fixes at 100 KiB (USE_STACK_SIZE=102400): keep buffers over a
 * few KiB (upload chunks, stream buffers) on the heap; PATH_MAX is fine.
 */
#ifndef AVP_HTTP_REPLY_H
#define AVP_HTTP_REPLY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct mg_connection;

/* ---- the request ---- */

/* The path parameter called name ({id}), always a positive int64; -1 if the
 * route has no such parameter (a bug in the handler). */
int64_t http_req_param(const http_req_t *req, const char *name);

/* The authenticated caller; NULL on a public route. */
const http_auth_user_t *http_req_user(const http_req_t *req);

/* The query string parsed by the route's query schema: a JSON object,
 * never NULL, borrowed (valid until the handler returns). */
json_t *http_req_query(const http_req_t *req);

/* The JSON body checked against the route's body schema, borrowed; NULL
 * for routes without a body schema. */
json_t *http_req_body(const http_req_t *req);

/* A request header, or NULL. */
const char *http_req_header(const http_req_t *req, const char *name);

/* This request's id: 16 random hex digits, made on first use. */
#define HTTP_REQ_ID_LEN 16
const char *http_req_id(http_req_t *req);

/* The client's address ("127.0.0.1"): the socket's, or behind a trusted
 * proxy (trust_proxy) the one it appended to X-Forwarded-For. */
const char *http_req_remote_addr(const http_req_t *req);

/* Checks password, the body's field, as the signed-in user's own (a
 * password change), counted by the login limiter like a login from this
 * address: AVP_OK, or < 0 having replied (403 naming field when wrong, 429
 * limited, 503). */
int http_req_password_or_reply(http_req_t *req, const char *field,
                               const char *password);

/* The civetweb connection, for handlers that stream a raw body or a file. */
struct mg_connection *http_req_conn(http_req_t *req);

/* An integer query parameter, or dflt when absent (the schema has already
 * checked its type and range). */
int64_t http_req_query_int(const http_req_t *req, const char *name,
                           int64_t dflt);

/* ---- replies; each returns the HTTP status sent ---- */

/* Queues a header for the next reply ("Set-Cookie", "..."). */
void http_reply_add_header(http_req_t *req, const char *name,
                           const char *value);

/* Sends body (a reference the call steals) as JSON. */
int http_reply_json(http_req_t *req, int status, json_t *body);
int http_reply_empty(http_req_t *req, int status);
/* Sends len bytes of data as they are. */
int http_reply_bytes(http_req_t *req, int status, const char *content_type,
                     const void *data, size_t len);
int http_reply_error(http_req_t *req, int status, const char *code,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 503 with Retry-After: retry_after_s. */
int http_reply_unavailable(http_req_t *req, int retry_after_s, const char *fmt,
                           ...) __attribute__((format(printf, 3, 4)));
/* Maps an AVP_E* error to its HTTP status: ENOTFOUND 404, EINVAL and
 * EFORMAT 400, EUNSUPPORTED 415, EBUSY and EUNAVAILABLE 503, others 500
 * (logged with the request id; the client reads "internal error"). */
int http_reply_avp_error(http_req_t *req, const avp_error_t *err);
/* An error reply with this status and code whose message is err's, unless
 * err->log_only: then err->msg is logged with the request id and the
 * client gets a generic message. 503 has Retry-After: 2. */
int http_reply_error_from(http_req_t *req, int status, const char *code,
                          const avp_error_t *err);
/* Sends a file with civetweb, which answers Range requests (206, 416),
 * conditional requests (304) and HEAD. mime NULL: by extension. */
int http_reply_file(http_req_t *req, const char *path, const char *mime);

/* ---- reading the request ---- */

/* Reads the whole body (at most max bytes) into a new NUL-terminated
 * buffer the caller frees with avp_free(). 413 when it is larger. */
int http_reply_read_body_or_reply(http_req_t *req, size_t max, char **buf,
                                  size_t *len);

/* For HTTP_RAW_BODY routes (uploads), which stream the body in constant
 * memory: reads the next piece of it into buf and returns its length, 0 at
 * the end, or a negative code after replying 413 (the body passed the
 * route's max_body) or 400 (the client stopped sending mid-body). */
long http_reply_read_chunk_or_reply(http_req_t *req, void *buf, size_t cap);

/* Reads and parses a JSON body of at most max bytes: a Content-Type that
 * is not application/json (415, before reading), malformed JSON or a
 * mismatch with fields (400, naming the problem) are replied to. fields
 * NULL: any JSON value, for bodies the schema language cannot describe
 * (the caller checks them). *out is a new reference. */
int http_reply_read_json_or_reply(http_req_t *req, size_t max,
                                  const http_schema_field_t *fields,
                                  json_t **out);

/* Keyset cursors are opaque to clients: n int64 values (such as
 * created_at and id of the last item) in unpadded base64url with a version
 * byte. Decodes ?cursor= into vals: 1 if there was one, 0 if absent, or
 * a 400 reply for a cursor this server did not make. */
#define HTTP_REPLY_CURSOR_MAX_VALUES 4
#define HTTP_REPLY_CURSOR_MAX 64
int http_reply_cursor_or_reply(http_req_t *req, int64_t *vals, int n);
void http_reply_cursor_encode(const int64_t *vals, int n,
                              char out[HTTP_REPLY_CURSOR_MAX]);
/* The same without a request, for tests and other transports. */
int http_reply_cursor_decode(const char *cursor, int64_t *vals, int n);

/* ---- chunked streaming (NDJSON and other large bodies) ----
 * Memory stays constant: bytes collect in the stream's buffer (on the
 * heap: see the stack note above) and go out as one chunk when it fills.
 * Writes block while the client's socket is full, which holds the producer
 * back; once a write fails (the client went away) every later call returns
 * AVP_EIO at once, so the producer stops. http_reply_stream_end must always be
 * called: it finishes the body if it can and frees the buffer. */
#define HTTP_REPLY_STREAM_BUF 65536
typedef struct http_reply_stream {
    http_req_t *_req;
    char *_buf;
    size_t _len;
    int _failed;
} http_reply_stream_t;

int http_reply_stream_begin(http_reply_stream_t *s, http_req_t *req, int status,
                            const char *content_type);
int http_reply_stream_write(http_reply_stream_t *s, const void *data, size_t n);
/* Writes obj as one compact line of NDJSON. */
int http_reply_stream_json_line(http_reply_stream_t *s, const json_t *obj);
/* Flushes, ends the chunked body and frees the buffer. Returns AVP_OK or
 * AVP_EIO (the body is incomplete: the client went away). */
int http_reply_stream_end(http_reply_stream_t *s);

#endif
