/* reply.c - request accessors, JSON and error replies, body reading,
 * cursors and chunked streams; see reply.h. */
#include "http/internal.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* Compact, and 15 significant digits: 0.3 prints as 0.3, not as the
 * 17-digit 0.29999999999999999, and float32 scores keep all their digits. */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* ---- the request ---- */

int64_t http_req_param(const http_req_t *req, const char *name)
{
    for (int i = 0; i < req->match.nparams; i++)
        if (!strcmp(req->match.names[i], name))
            return req->match.values[i];
    return -1;
}

const http_auth_user_t *http_req_user(const http_req_t *req)
{
    return req->user;
}
json_t *http_req_query(const http_req_t *req) { return req->query; }
json_t *http_req_body(const http_req_t *req) { return req->body; }
struct mg_connection *http_req_conn(http_req_t *req) { return req->conn; }

const char *http_req_header(const http_req_t *req, const char *name)
{
    return mg_get_header(req->conn, name);
}

const char *http_req_id(http_req_t *req)
{
    if (!req->id[0]) {
        unsigned char b[HTTP_REQ_ID_LEN / 2];
        randombytes_buf(b, sizeof b);
        sodium_bin2hex(req->id, sizeof req->id, b, sizeof b);
    }
    return req->id;
}

const char *http_req_remote_addr(const http_req_t *req)
{
    return req->client_addr[0] ? req->client_addr : req->ri->remote_addr;
}

int64_t http_req_query_int(const http_req_t *req, const char *name,
                           int64_t dflt)
{
    json_t *v = req->query ? json_object_get(req->query, name) : NULL;
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* ---- replies ---- */

void http_reply_add_header(http_req_t *req, const char *name, const char *value)
{
    size_t n = strlen(req->headers);
    snprintf(req->headers + n, sizeof(req->headers) - n, "%s: %s\r\n", name,
             value);
}

/* What every reply says, whatever it carries: never guess another type,
 * never show in a frame, and its content security policy: the web UI's
 * files get theirs, anything else the server's (see http.h). Added last,
 * as each way of sending a reply takes its head. */
static void add_policy_headers(http_req_t *req)
{
    const http_server_options_t *o = &req->srv->opt;
    http_reply_add_header(req, "X-Request-Id", http_req_id(req));
    http_reply_add_header(req, "X-Content-Type-Options", "nosniff");
    http_reply_add_header(req, "X-Frame-Options", "DENY");
    http_reply_add_header(req, "Content-Security-Policy",
                          req->rec == &req->srv->static_files ? o->static_csp
                                                              : o->csp);
}

/* The head written by hand (see raw_head in internal.h). */
static void send_raw_head(http_req_t *req, int status, const char *type,
                          long long length)
{
    add_policy_headers(req);
    mg_printf(req->conn,
              "HTTP/1.1 %d %s\r\nContent-Length: %lld\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n%s%s%s%s\r\n",
              status, mg_get_response_code_text(req->conn, status), length,
              type ? "Content-Type: " : "", type ? type : "",
              type ? "\r\n" : "", req->headers);
}

/* Status line and headers; a negative length means a chunked body. */
static void send_head(http_req_t *req, int status, const char *type,
                      long long length)
{
    char len[32];
    if (req->raw_head) {
        send_raw_head(req, status, type, length);
    } else {
        mg_response_header_start(req->conn, status);
        if (type)
            mg_response_header_add(req->conn, "Content-Type", type, -1);
        if (length >= 0) {
            snprintf(len, sizeof(len), "%lld", length);
            mg_response_header_add(req->conn, "Content-Length", len, -1);
        } else {
            mg_response_header_add(req->conn, "Transfer-Encoding", "chunked",
                                   -1);
        }
        mg_response_header_add(req->conn, "Cache-Control", "no-store", -1);
        add_policy_headers(req);
        mg_response_header_add_lines(req->conn, req->headers);
        mg_response_header_send(req->conn);
    }
    req->headers[0] = '\0';
    req->status = status;
}

/* Whether civetweb keeps the connection open after this reply; its own
 * rule (should_keep_alive, keep-alive being enabled): a Connection header
 * must offer keep-alive, and without one HTTP/1.1 keeps it. */
static int keeps_alive(const http_req_t *req)
{
    const char *c = mg_get_header(req->conn, "Connection");
    if (c)
        return strcasestr(c, "keep-alive") != NULL;
    return req->ri->http_version && !strcmp(req->ri->http_version, "1.1");
}

/* Replies up to this size leave in one write with their head. */
#define HTTP_REPLY_ONE_WRITE_MAX (64 * 1024)

/* Head and body in one buffer and one write. civetweb's header functions
 * send the status line and each header with a write of their own, and
 * with TCP_NODELAY each became a segment: sending a cached answer cost
 * more than finding it (perf on bench/api: 35% of a cached read's CPU).
 * The head has what civetweb's would have: Date, the length and the
 * connection's fate. */
static void send_whole(http_req_t *req, int status, const char *type,
                       const char *body, size_t len, int with_body)
{
    char date[64];
    struct tm tm;
    time_t now = time(NULL);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT",
             gmtime_r(&now, &tm));
    add_policy_headers(req);
    size_t cap = 320 + strlen(req->headers) + (with_body ? len : 0);
    char *buf = avp_malloc(cap);
    int n = snprintf(buf, cap,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                     "Connection: %s\r\n%s\r\n",
                     status, mg_get_response_code_text(req->conn, status), date,
                     type, len, keeps_alive(req) ? "keep-alive" : "close",
                     req->headers);
    if (with_body)
        memcpy(buf + n, body, len);
    mg_write(req->conn, buf, (size_t)n + (with_body ? len : 0));
    avp_free(buf);
    req->headers[0] = '\0';
    req->status = status;
}

/* Keeps a handler's reply for http__reply_flush. */
static void defer_body(http_req_t *req, int status, const char *type,
                       const char *body, size_t len)
{
    req->pending.status = status;
    req->pending.type = type ? avp_strdup(type) : NULL;
    req->pending.body = len ? avp_malloc(len) : NULL;
    if (len)
        memcpy(req->pending.body, body, len);
    req->pending.len = len;
    req->status = status; /* the handler has replied */
}

static int send_body(http_req_t *req, int status, const char *type,
                     const char *body, size_t len)
{
    if (req->defer) {
        defer_body(req, status, type, body, len);
        return status;
    }
    const char *m = req->ri ? req->ri->request_method : NULL;
    int with_body = len && !(m && !strcmp(m, "HEAD"));
    if (!req->raw_head && type && len <= HTTP_REPLY_ONE_WRITE_MAX) {
        send_whole(req, status, type, body, len, with_body);
        return status;
    }
    send_head(req, status, type, (long long)len);
    if (with_body)
        mg_write(req->conn, body, len);
    return status;
}

void http__reply_flush(http_req_t *req)
{
    req->defer = 0;
    if (!req->pending.status)
        return;
    send_body(req, req->pending.status, req->pending.type, req->pending.body,
              req->pending.len);
    avp_free(req->pending.type);
    avp_free(req->pending.body);
    memset(&req->pending, 0, sizeof req->pending);
}

int http_reply_json(http_req_t *req, int status, json_t *body)
{
    char small[4096];
    size_t n = json_dumpb(body, small, sizeof(small), JSON_FLAGS);
    char *buf = n > sizeof(small) ? avp_malloc(n) : small;
    if (buf != small)
        json_dumpb(body, buf, n, JSON_FLAGS);
    send_body(req, status, "application/json", buf, n);
    if (buf != small)
        avp_free(buf);
    json_decref(body);
    return status;
}

int http_reply_bytes(http_req_t *req, int status, const char *content_type,
                     const void *data, size_t len)
{
    return send_body(req, status, content_type, data, len);
}

int http_reply_empty(http_req_t *req, int status)
{
    return send_body(req, status, NULL, NULL, 0);
}

static int http_reply_verror(http_req_t *req, int status, const char *code,
                             const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    json_t *m = json_string(msg);
    if (!m) /* the message quoted invalid UTF-8 from the client */
        m = json_string("(message not valid UTF-8)");
    return http_reply_json(
        req, status,
        json_pack("{s:{s:s, s:o, s:s}}", "error", "code", code, "message", m,
                  "request_id", http_req_id(req)));
}

int http_reply_error(http_req_t *req, int status, const char *code,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    http_reply_verror(req, status, code, fmt, ap);
    va_end(ap);
    return status;
}

int http_reply_unavailable(http_req_t *req, int retry_after_s, const char *fmt,
                           ...)
{
    char s[16];
    snprintf(s, sizeof(s), "%d", retry_after_s > 0 ? retry_after_s : 1);
    http_reply_add_header(req, "Retry-After", s);
    va_list ap;
    va_start(ap, fmt);
    http_reply_verror(req, 503, "unavailable", fmt, ap);
    va_end(ap);
    return 503;
}

/* The operator's side of an error the client only sees generically: the
 * whole text, with the request id the client was given. */
static void log_error(http_req_t *req, const avp_error_t *err)
{
    fprintf(stderr, "avp serve: request %s %s %s: %s\n", http_req_id(req),
            req->ri->request_method, req->ri->local_uri, err->msg);
}

static const char *generic_message(int status)
{
    switch (status) {
    case 503: return "a service AVP depends on is unavailable; try again";
    case 400: return "the stored data refused this change";
    case 404: return "not found";
    default: return "internal error";
    }
}

int http_reply_error_from(http_req_t *req, int status, const char *code,
                          const avp_error_t *err)
{
    if (status == 503)
        http_reply_add_header(req, "Retry-After", "2");
    if (!err->log_only)
        return http_reply_error(req, status, code, "%s", err->msg);
    log_error(req, err);
    return http_reply_error(req, status, code, "%s (request %s)",
                            generic_message(status), http_req_id(req));
}

int http_reply_avp_error(http_req_t *req, const avp_error_t *err)
{
    switch (err->code) {
    case AVP_ENOTFOUND:
        return http_reply_error_from(req, 404, "not_found", err);
    case AVP_EINVAL:
    case AVP_EFORMAT:
        return http_reply_error_from(req, 400, "bad_request", err);
    case AVP_EUNSUPPORTED:
        return http_reply_error_from(req, 415, "unsupported_media_type", err);
    case AVP_EBUSY:
    case AVP_EUNAVAILABLE:
        return http_reply_error_from(req, 503, "unavailable", err);
    default: {
        avp_error_t internal = *err;
        internal.log_only = 1; /* whatever it says, it is a bug's detail */
        return http_reply_error_from(req, 500, "internal", &internal);
    }
    }
}

/* Whether a Range header asks for nothing inside a file of size bytes.
 * civetweb 1.15 answers such a range with 206 and a negative
 * Content-Length, so these are refused here, as RFC 9110 says, with 416. */
static int range_unsatisfiable(const char *range, long long size)
{
    long long a, b;
    if (!range || strncasecmp(range, "bytes=", 6))
        return 0;
    if (sscanf(range + 6, "-%lld", &b) == 1)
        return b <= 0 || size == 0;
    if (sscanf(range + 6, "%lld-%lld", &a, &b) == 2)
        return a >= size || b < a;
    return sscanf(range + 6, "%lld-", &a) == 1 && a >= size;
}

int http_reply_file(http_req_t *req, const char *path, const char *mime)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return http_reply_error(req, 404, "not_found", "no such file");
    const char *range = mg_get_header(req->conn, "Range");
    if (range_unsatisfiable(range, (long long)st.st_size)) {
        char cr[48];
        snprintf(cr, sizeof(cr), "bytes */%lld", (long long)st.st_size);
        http_reply_add_header(req, "Content-Range", cr);
        return http_reply_error(req, 416, "range_not_satisfiable",
                                "range '%s' is outside the %lld-byte file",
                                range, (long long)st.st_size);
    }
    /* civetweb answers Range, If-None-Match and HEAD itself; the status
     * recorded for metrics is the usual outcome. */
    add_policy_headers(req);
    mg_send_mime_file2(req->conn, path, mime, req->headers);
    req->headers[0] = '\0';
    req->status = range ? 206 : 200;
    return req->status;
}

/* ---- reading the request ---- */

static int too_large(http_req_t *req, size_t max)
{
    /* The rest of the body is not worth reading: close after the reply,
     * and say so in a head written by hand. */
    mg_disable_connection_keep_alive(req->conn);
    req->raw_head = 1;
    return http_reply_error(req, 413, "payload_too_large",
                            "request body is larger than %zu bytes", max);
}

int http_reply_read_body_or_reply(http_req_t *req, size_t max, char **buf,
                                  size_t *len)
{
    *buf = NULL;
    *len = 0;
    long long cl = req->ri->content_length;
    if (cl > (long long)max) {
        too_large(req, max);
        return AVP_EINVAL;
    }
    size_t cap = cl >= 0 ? (size_t)cl + 1 : 4096, n = 0;
    char *p = avp_malloc(cap);
    for (;;) {
        if (n + 1 == cap) {
            if (n > max)
                break;
            cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            p = avp_realloc(p, cap);
        }
        int r = mg_read(req->conn, p + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (cl >= 0 && n == (size_t)cl)
            break;
    }
    if (n > max) {
        avp_free(p);
        too_large(req, max);
        return AVP_EINVAL;
    }
    p[n] = '\0';
    *buf = p;
    *len = n;
    return AVP_OK;
}

size_t http__body_limit(const http_req_t *req)
{
    size_t max = req->rec->route.max_body;
    return max ? max : req->srv->opt.max_body;
}

long http_reply_read_chunk_or_reply(http_req_t *req, void *buf, size_t cap)
{
    size_t max = http__body_limit(req);
    long long cl = req->ri->content_length;
    if (cl > (long long)max || req->body_read > max) {
        too_large(req, max);
        return AVP_EINVAL;
    }
    /* Read one byte past the limit at most, to notice an oversize body. */
    size_t room = max + 1 - req->body_read;
    int r = mg_read(req->conn, buf, cap < room ? cap : room);
    if (r > 0) {
        req->body_read += (size_t)r;
        if (req->body_read <= max)
            return r;
        too_large(req, max);
        return AVP_EINVAL;
    }
    if (r < 0 || (cl >= 0 && req->body_read < (size_t)cl)) {
        http_reply_error(req, 400, "bad_request", "request body ended early");
        return AVP_EIO;
    }
    return 0;
}

static int is_json_type(const char *type)
{
    static const char json[] = "application/json";
    return type && !strncasecmp(type, json, sizeof(json) - 1) &&
           (type[sizeof(json) - 1] == '\0' || type[sizeof(json) - 1] == ';' ||
            type[sizeof(json) - 1] == ' ');
}

int http_reply_read_json_or_reply(http_req_t *req, size_t max,
                                  const http_schema_field_t *fields,
                                  json_t **out)
{
    *out = NULL;
    /* Checked before reading: a form can post text/plain or form data
     * cross-site without asking, never application/json. */
    if (!is_json_type(mg_get_header(req->conn, "Content-Type"))) {
        http_reply_error(req, 415, "unsupported_media_type",
                         "request body must be application/json");
        return AVP_EUNSUPPORTED;
    }
    char *buf;
    size_t len;
    int rc = http_reply_read_body_or_reply(req, max, &buf, &len);
    if (rc < 0)
        return rc;
    json_error_t jerr;
    json_t *obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    avp_free(buf);
    if (!obj) {
        http_reply_error(req, 400, "bad_request",
                         "malformed JSON at line %d column %d: %s", jerr.line,
                         jerr.column, jerr.text);
        return AVP_EFORMAT;
    }
    avp_error_t err;
    if (fields && http_schema_check(fields, obj, &err) < 0) {
        json_decref(obj);
        http_reply_error(req, 400, "bad_request", "%s", err.msg);
        return AVP_EINVAL;
    }
    *out = obj;
    return AVP_OK;
}

/* ---- cursors ---- */

#define CURSOR_VERSION 1

void http_reply_cursor_encode(const int64_t *vals, int n,
                              char out[HTTP_REPLY_CURSOR_MAX])
{
    uint8_t raw[1 + 8 * HTTP_REPLY_CURSOR_MAX_VALUES];
    raw[0] = CURSOR_VERSION;
    for (int i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            raw[1 + 8 * i + b] = (uint8_t)((uint64_t)vals[i] >> (56 - 8 * b));
    sodium_bin2base64(out, HTTP_REPLY_CURSOR_MAX, raw, 1 + 8 * (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int http_reply_cursor_decode(const char *cursor, int64_t *vals, int n)
{
    uint8_t raw[1 + 8 * HTTP_REPLY_CURSOR_MAX_VALUES];
    size_t len;
    if (n < 1 || n > HTTP_REPLY_CURSOR_MAX_VALUES ||
        sodium_base642bin(raw, sizeof(raw), cursor, strlen(cursor), NULL, &len,
                          NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) < 0 ||
        len != 1 + 8 * (size_t)n || raw[0] != CURSOR_VERSION)
        return AVP_EFORMAT;
    for (int i = 0; i < n; i++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++)
            v = v << 8 | raw[1 + 8 * i + b];
        vals[i] = (int64_t)v;
    }
    return AVP_OK;
}

int http_reply_cursor_or_reply(http_req_t *req, int64_t *vals, int n)
{
    json_t *c = req->query ? json_object_get(req->query, "cursor") : NULL;
    if (!json_is_string(c))
        return 0;
    if (http_reply_cursor_decode(json_string_value(c), vals, n) < 0) {
        http_reply_error(req, 400, "bad_request",
                         "query parameter 'cursor' is not "
                         "a cursor this server returned");
        return AVP_EFORMAT;
    }
    return 1;
}

/* ---- chunked streams ---- */

int http_reply_stream_begin(http_reply_stream_t *s, http_req_t *req, int status,
                            const char *content_type)
{
    s->_req = req;
    s->_buf = avp_malloc(HTTP_REPLY_STREAM_BUF);
    s->_len = 0;
    s->_failed = 0;
    send_head(req, status, content_type, -1);
    return AVP_OK;
}

static int stream_flush(http_reply_stream_t *s)
{
    if (!s->_failed && s->_len &&
        mg_send_chunk(s->_req->conn, s->_buf, (unsigned)s->_len) <= 0)
        s->_failed = 1;
    s->_len = 0;
    return s->_failed ? AVP_EIO : AVP_OK;
}

int http_reply_stream_write(http_reply_stream_t *s, const void *data, size_t n)
{
    const char *p = data;
    while (n && !s->_failed) {
        if (s->_len == HTTP_REPLY_STREAM_BUF && stream_flush(s) < 0)
            break;
        size_t k = HTTP_REPLY_STREAM_BUF - s->_len;
        k = k < n ? k : n;
        memcpy(s->_buf + s->_len, p, k);
        s->_len += k;
        p += k;
        n -= k;
    }
    return s->_failed ? AVP_EIO : AVP_OK;
}

int http_reply_stream_json_line(http_reply_stream_t *s, const json_t *obj)
{
    char line[2048];
    size_t n = json_dumpb(obj, line, sizeof(line) - 1, JSON_FLAGS);
    if (n < sizeof(line)) {
        line[n] = '\n';
        return http_reply_stream_write(s, line, n + 1);
    }
    char *big = json_dumps(obj, JSON_FLAGS); /* a rare long line */
    int rc = http_reply_stream_write(s, big, strlen(big));
    free(big);
    return rc < 0 ? rc : http_reply_stream_write(s, "\n", 1);
}

int http_reply_stream_end(http_reply_stream_t *s)
{
    if (stream_flush(s) == AVP_OK && mg_send_chunk(s->_req->conn, "", 0) < 0)
        s->_failed = 1;
    if (s->_failed) /* the body is cut short: the connection cannot be reused */
        mg_disable_connection_keep_alive(s->_req->conn);
    avp_free(s->_buf);
    s->_buf = NULL;
    return s->_failed ? AVP_EIO : AVP_OK;
}
