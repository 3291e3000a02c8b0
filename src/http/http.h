/*
 * http.h - the HTTP framework: civetweb (HTTP/1.1 keep-alive, WebSocket,
 * Range, static files) underneath a route table with typed path
 * parameters, strict JSON and query validation, authentication, Prometheus
 * metrics, a generated OpenAPI 3.1 document and the web UI's static files.
 * It knows nothing of what it serves (src/api/ is the platform's API).
 * This header is the public API of src/http/; it includes its parts
 * (schema.h, auth.h, metrics.h, and reply.h, through which handlers read
 * requests and reply), which other folders do not include themselves.
 *
 * DESIGN: civetweb hands every HTTP request to one dispatcher (server.c),
 * which matches the route (router.c: 404, 405 with Allow, 400 for a bad id),
 * refuses a write the session cookie would authenticate from another
 * site's page (origin.c: 403), authenticates unless the route is public
 * (auth.c: 401), parses and checks
 * the query string and JSON body against the route's schemas (schema.c,
 * reply.c: 400, 413, 415), calls the handler, and records the duration in
 * the route's histogram. Paths outside /api/ and /ws/ fall back to the web
 * UI (static.c). Handlers therefore start with validated input and only
 * write their own logic. Built-in routes: /healthz, /readyz, /metrics,
 * /api/openapi.json and, with an auth store, /api/auth/login,
 * /api/auth/logout and /api/auth/me.
 *
 * WebSockets: an HTTP_WEBSOCKET route "/ws/<what>/{id}" is a topic named
 * by the route's name (e.g. "ws_progress"); a connection watches (topic, id),
 * and pushes, access checks and first messages are keyed by both.
 *
 * Life cycle: http_server_create, http_server_add_route (any number, before
 * start), http_server_start, ..., http_server_stop, http_server_destroy. Route
 * structs are copied, but the strings and schemas they point to must outlive
 * the server (they are meant to be static).
 *
 * Thread model: handlers run on civetweb's worker threads, concurrently.
 * http_ws_push() and http_ws_end() are safe from any thread. The rest
 * is called from the thread that owns the server.
 *
 * Note on threads: a civetweb worker serves one connection for as long as
 * it stays open (keep-alive or WebSocket), so `threads` bounds the open
 * connections served at once; a connection beyond that waits in the accept
 * queue until a kept-alive one idles out (2 s). Hence the high default:
 * threads are cheap here (~40 KB resident each), a stalled client is not.
 */
#ifndef AVP_HTTP_HTTP_H
#define AVP_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "http/auth.h"
#include "http/metrics.h"
#include "http/schema.h"
#include "util/avp.h"

typedef struct http_server http_server_t;
typedef struct http_req http_req_t;

typedef void (*http_handler_fn)(http_req_t *req, void *ctx);

enum {
    HTTP_PUBLIC = 1 << 0,    /* no authentication */
    HTTP_RAW_BODY = 1 << 1,  /* the handler reads the body (uploads) */
    HTTP_WEBSOCKET = 1 << 2, /* documented here, served by ws.c */
};

typedef struct http_route {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    /* "/api/projects/{id}/videos": a {name} segment matches a positive
     * int64 (read with http_req_param); other segments match literally. */
    const char *pattern;
    const char *name;    /* unique; the metrics label and OpenAPI id */
    const char *summary; /* one line for the OpenAPI document */
    http_handler_fn handler;
    void *ctx;
    unsigned flags;
    const http_schema_field_t *body;  /* JSON body schema; NULL: no body */
    const http_schema_field_t *query; /* query parameters; NULL: none */
    size_t max_body;             /* 0: http_server_options_t.max_body */
} http_route_t;

/* Readiness: AVP_OK when the server can do its work (database and Redis
 * reachable), else an error whose message /readyz reports with a 503. */
typedef int (*http_ready_fn)(void *ctx, avp_error_t *err);

/* May user watch id of topic (the WebSocket route's name)? AVP_OK, or
 * AVP_ENOTFOUND (reported as 404, as for any object outside the caller's
 * projects), or AVP_EUNAVAILABLE. */
typedef int (*http_ws_access_fn)(void *ctx, const http_auth_user_t *user,
                                 const char *topic, int64_t id);

/* The first message of a new WebSocket watching id of topic (e.g. the
 * task's latest state), or NULL for none; a new string the server frees
 * with avp_free(). Setting *ended says the object is done: the server
 * closes the connection after sending it. Called on the connection's
 * thread once it is open and already receives pushes, so nothing
 * published meanwhile is missed. */
typedef char *(*http_ws_hello_fn)(void *ctx, const char *topic, int64_t id,
                                  int *ended);

typedef struct http_server_options {
    const char *listen_addr; /* default "127.0.0.1"; "0.0.0.0" for all */
    int port;                /* 0: an ephemeral port (see http_server_port) */
    int threads;             /* civetweb workers; default 512 */
    const char *static_root; /* built web UI; NULL: none */
    size_t max_body;         /* default limit for JSON bodies; 1 MiB */
    int ws_ping_s;           /* WebSocket ping interval; default 20 */
    /* A connection's request head must arrive within header_timeout_ms
     * (default 5000) of its accept, and one client address (an IPv6 /64)
     * holds at most conns_per_addr connections (default threads / 4, at
     * least 24), WebSockets included. */
    int header_timeout_ms;
    int conns_per_addr;
    /* Authentication storage; NULL: every non-public route answers 401. */
    const http_auth_store_t *auth_store;
    int secure_cookie;    /* the server is reached through TLS */
    http_ready_fn ready;  /* NULL: always ready */
    void *ready_ctx;
    http_ws_access_fn ws_access; /* NULL: any authenticated user */
    void *ws_access_ctx;
    http_ws_hello_fn ws_hello; /* NULL: no first message */
    void *ws_hello_ctx;
    /* What the OpenAPI document says it describes: its title (NULL:
     * "API") and a one-line description (NULL: none). */
    const char *title;
    const char *description;
    /* Content-Security-Policy of every reply but the web UI's files (NULL:
     * HTTP_CSP_NONE), and of the web UI's files (NULL: HTTP_CSP_SELF). */
    const char *csp;
    const char *static_csp;
    /* TLS: PEM files of the certificate (chain) and its private key; both
     * or neither (plain HTTP). The session cookie is Secure with TLS. */
    const char *tls_cert;
    const char *tls_key;
    /* Behind a reverse proxy: honour its X-Forwarded-Proto (https makes
     * the session cookie Secure and is the scheme Origin is compared with)
     * and X-Forwarded-For (the client address). Off: both are ignored, as
     * any client can send them. */
    int trust_proxy;
    /* Origins besides the server's own (scheme://host[:port], separated
     * by commas or spaces) whose pages may write with the session cookie
     * and open WebSockets; NULL: none. */
    const char *allowed_origins;
    /* /metrics: on metrics_listen ("ADDR:PORT", another port; NULL: none)
     * it is served without a credential, and nothing else is served
     * there (for a Prometheus on loopback or a private network). On the
     * main port it needs an admin, or "Authorization: Bearer
     * <metrics_token>" (NULL: no token). */
    const char *metrics_listen;
    const char *metrics_token;
} http_server_options_t;

/* Every reply also says X-Content-Type-Options: nosniff and
 * X-Frame-Options: DENY. By default a document the API answers (a JSON
 * error, a stored file) can run, load and frame nothing, even opened
 * directly in a browser; the web UI's files load from their own origin. */
#define HTTP_CSP_NONE "default-src 'none'; frame-ancestors 'none'; sandbox"
#define HTTP_CSP_SELF "default-src 'self'; frame-ancestors 'none'"

http_server_t *http_server_create(const http_server_options_t *opt,
                                  avp_error_t *err);
/* Stops it first; NULL is a no-op. */
void http_server_destroy(http_server_t *srv);

/* Adds a route (before http_server_start). AVP_EINVAL for a malformed pattern,
 * a duplicate method + pattern or a duplicate name. */
int http_server_add_route(http_server_t *srv, const http_route_t *route,
                          avp_error_t *err);
/* Adds n routes in order; stops at the first error. */
int http_server_add_routes(http_server_t *srv, const http_route_t *routes,
                           size_t n, avp_error_t *err);

/* Starts listening. AVP_EIO if the address cannot be bound. */
int http_server_start(http_server_t *srv, avp_error_t *err);

/* Closes the listener, waits for running handlers and closes WebSockets. */
void http_server_stop(http_server_t *srv);

/* The port listened on (useful with port 0), or -1 before start. */
int http_server_port(const http_server_t *srv);
/* The port of opt.metrics_listen once started, else 0. */
int http_server_metrics_port(const http_server_t *srv);

/* The registry /metrics renders; other components add their series. */
http_metrics_t *http_server_metrics(http_server_t *srv);

/* Sends text to every WebSocket watching id of topic. Returns the number
 * of connections written to. Safe from any thread. */
int http_ws_push(http_server_t *srv, const char *topic, int64_t id,
                 const char *text);

/* Sends final_text (may be NULL), then closes every WebSocket watching id
 * of topic: it has ended. Returns the number of connections closed. */
int http_ws_end(http_server_t *srv, const char *topic, int64_t id,
                const char *final_text);

/* How many WebSockets watch id of topic (to skip work nobody would see). */
int http_ws_watchers(http_server_t *srv, const char *topic, int64_t id);

/* Last: reply.h uses the types above. */
#include "http/reply.h"

#endif
