/*
 * internal.h - what the files of src/http/ share and nothing else sees:
 * the server and request records and the functions one file provides to
 * the dispatcher.
 */
#ifndef AVP_HTTP_INTERNAL_H
#define AVP_HTTP_INTERNAL_H

#include <civetweb.h>
#include <jansson.h>
#include <pthread.h>

#include "http/reply.h"
#include "http/router.h"
#include "http/tls.h"
#include "http/http.h"

/* One series per HTTP status class (1xx..5xx) for each route. */
#define HTTP_STATUS_CLASSES 5

typedef struct http_route_rec {
    http_route_t route;
    http_metrics_histogram_t *duration[HTTP_STATUS_CLASSES];
} http_route_rec_t;

typedef struct http_ws_registry http_ws_registry_t;
typedef struct http_gate http_gate_t;

struct http_server {
    http_server_options_t opt;
    struct mg_context *mg;
    http_router_t *router;
    http_route_rec_t *routes;
    int nroutes, cap;
    http_auth_t *auth;
    http_metrics_t *metrics;
    http_metrics_gauge_t *in_flight;
    /* Requests no route matched (404s and static files). */
    http_route_rec_t unmatched, static_files;
    http_ws_registry_t *ws;
    http_gate_t *gate;
    http_tls_hook_t tls_hook; /* tells the gate of TLS handshakes */
    char *static_real; /* the static root, resolved at start */
    char *openapi;     /* rendered at start: the route table is fixed then */
    size_t openapi_len;
    int metrics_port;  /* of opt.metrics_listen; 0: none */
};

struct http_req {
    http_server_t *srv;
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const http_route_rec_t *rec;
    http_router_match_t match;
    const http_auth_user_t *user; /* &user_buf once authenticated */
    http_auth_user_t user_buf;
    json_t *query;
    json_t *body;
    size_t body_read; /* bytes of a raw body read so far */
    int status;       /* sent so far; 0 = no reply yet */
    /* Replies written without civetweb's header API, which refuses a
     * connection being upgraded to WebSocket or failing to parse, with
     * "Connection: close" (also set for replies that end the connection). */
    int raw_head;
    char headers[2048]; /* queued "Name: value\r\n" lines */
    char client_addr[48]; /* a trusted proxy's client, or "" (transport.c) */
    /* While a handler runs, its reply waits here and leaves when it has
     * returned (http__reply_flush): by then it has given back its database
     * connection and whatever else it borrowed, which a client reading
     * slowly would otherwise hold. */
    int defer;
    struct {
        int status;
        char *type, *body; /* copies; NULL when there is none */
        size_t len;
    } pending;
    char id[HTTP_REQ_ID_LEN + 1]; /* "" until http_req_id makes it */
};

void http__req_init(http_req_t *req, http_server_t *srv,
                    struct mg_connection *conn);

/* Authenticates with the request's Authorization header or session
 * cookie, else replies 401 (or 503). */
int http__authenticate_or_reply(http_req_t *req);

/* Sends the reply a handler left waiting (reply.c), if any. */
void http__reply_flush(http_req_t *req);

/* The body size limit of the request's route. */
size_t http__body_limit(const http_req_t *req);

/* Status classes index the duration histograms: 2xx -> 1. */
int http__status_class(int status);
void http__observe(const http_route_rec_t *rec, int status, double t0);
void http__route_metrics(http_server_t *srv, http_route_rec_t *rec);

/* routes.c: registers the built-in routes (the session routes only with
 * an auth store); builtin.c and login.c serve them, ctx is the server. */
int http__add_builtin_routes(http_server_t *srv, avp_error_t *err);
void http__healthz(http_req_t *req, void *ctx);
void http__readyz(http_req_t *req, void *ctx);
void http__metrics_page(http_req_t *req, void *ctx);
/* Once civetweb listens: the port it bound for opt.metrics_listen into
 * srv->metrics_port (0 when unset); AVP_EINVAL when it is the API's. */
int http__metrics_port_find(http_server_t *srv, avp_error_t *err);
/* A request that arrived on the metrics address: answers it (/metrics, or
 * 404 for anything else) and returns 1; else 0. */
int http__metrics_port_reply(http_req_t *req);
void http__openapi_page(http_req_t *req, void *ctx);
void http__login(http_req_t *req, void *ctx);
void http__logout(http_req_t *req, void *ctx);
void http__me(http_req_t *req, void *ctx);

/* openapi.c: renders the document of every route into srv->openapi. */
void http__openapi_build(http_server_t *srv);

/* static.c: serves the web UI for a GET/HEAD outside /api/ and /ws/. */
int http__static_serve(http_req_t *req);
/* Resolves the static root (at start). */
int http__static_open(http_server_t *srv, avp_error_t *err);
/* Whether a decoded path has a ".." segment. */
int http__path_has_dotdot(const char *path);

/* transport.c: whether the request came over TLS (civetweb's, or the
 * trusted proxy's), and the trusted proxy's client address into
 * req->client_addr (http__req_init calls it). */
int http__request_https(const http_req_t *req);
void http__client_addr_init(http_req_t *req);

/* origin.c: what a browser says about where a request comes from (any
 * may be NULL), and the server as the client named it. */
typedef struct http_origin {
    const char *origin, *referer, *fetch_site; /* request headers */
    const char *host; /* the Host header */
    int https;        /* the scheme the client used */
    const char *allowed; /* http_server_options_t.allowed_origins */
} http_origin_t;
/* 1 when a browser says the request comes from another origin than the
 * server's own and the allowed ones (Origin, else Sec-Fetch-Site, else
 * Referer); 0 when it says the same origin or says nothing (a tool). */
int http__origin_foreign(const http_origin_t *o);
/* 403 for a request from a foreign origin (WebSocket upgrades). */
int http__origin_ok_or_reply(http_req_t *req);
/* The same for a write (not GET, HEAD or OPTIONS) without an
 * Authorization header, which a page elsewhere could make with the
 * session cookie. */
int http__csrf_ok_or_reply(http_req_t *req);

/* ws.c: the WebSocket plumbing. */
http_ws_registry_t *http__ws_create(http_server_t *srv);
void http__ws_destroy(http_ws_registry_t *ws);
void http__ws_register(http_server_t *srv);

/* gate.c: the accept gate (its DESIGN is there). */
typedef struct http_gate_options {
    int header_timeout_ms; /* the request head's deadline */
    int per_addr;          /* connections one client address may hold */
    const char *csp;       /* of its own 408 and 429 replies */
    int tls_port;          /* the port that speaks TLS; 0: none. A TLS
                            * client cannot read a plain-text reply: there
                            * the gate closes without one. */
} http_gate_options_t;

http_gate_t *http__gate_create(const http_gate_options_t *opt,
                               http_metrics_t *metrics, avp_error_t *err);
/* Closes what waits and the listeners, after mg_stop. */
void http__gate_close(http_gate_t *g);
void http__gate_destroy(http_gate_t *g);
/* Makes the calling thread's accept() go through g: civetweb's master. */
void http__gate_enter(http_gate_t *g);
/* civetweb closed a connection from remote_addr (as in its request info;
 * NULL when it has none, after a failed TLS handshake). */
void http__gate_closed(http_gate_t *g, const char *remote_addr);
/* A worker begins the TLS handshake of the connection fd (tls.h's hook). */
void http__gate_handshake(http_gate_t *g, int fd);

#endif
