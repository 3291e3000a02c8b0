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
#include "http/http.h"

/* One series per HTTP status class (1xx..5xx) for each route. */
#define HTTP_STATUS_CLASSES 5

typedef struct http_route_rec {
    http_route_t route;
    http_metrics_histogram_t *duration[HTTP_STATUS_CLASSES];
} http_route_rec_t;

typedef struct http_ws_registry http_ws_registry_t;

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
    char id[HTTP_REQ_ID_LEN + 1]; /* "" until http_req_id makes it */
};

void http__req_init(http_req_t *req, http_server_t *srv,
                    struct mg_connection *conn);

/* Authenticates with the request's Authorization header, query_token
 * (WebSockets; may be NULL) or session cookie, else replies 401 (or 503). */
int http__authenticate_or_reply(http_req_t *req, const char *query_token);

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

/* ws.c: the WebSocket plumbing. */
http_ws_registry_t *http__ws_create(http_server_t *srv);
void http__ws_destroy(http_ws_registry_t *ws);
void http__ws_register(http_server_t *srv);

#endif
