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
#define SERVER_STATUS_CLASSES 5

typedef struct server_route_rec {
    server_route_t route;
    metrics_histogram_t *duration[SERVER_STATUS_CLASSES];
} server_route_rec_t;

typedef struct ws_registry ws_registry_t;

struct server {
    server_options_t opt;
    struct mg_context *mg;
    router_t *router;
    server_route_rec_t *routes;
    int nroutes, cap;
    auth_t *auth;
    metrics_t *metrics;
    metrics_gauge_t *in_flight;
    /* Requests no route matched (404s and static files). */
    server_route_rec_t unmatched, static_files;
    ws_registry_t *ws;
    char *static_real; /* the static root, resolved at start */
    char *openapi;     /* rendered at start: the route table is fixed then */
    size_t openapi_len;
};

struct server_req {
    server_t *srv;
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const server_route_rec_t *rec;
    router_match_t match;
    const auth_user_t *user; /* &user_buf once authenticated */
    auth_user_t user_buf;
    json_t *query;
    json_t *body;
    size_t body_read; /* bytes of a raw body read so far */
    int status;       /* sent so far; 0 = no reply yet */
    /* Replies written without civetweb's header API, which refuses a
     * connection being upgraded to WebSocket or failing to parse, with
     * "Connection: close" (also set for replies that end the connection). */
    int raw_head;
    char headers[1024]; /* queued "Name: value\r\n" lines */
};

void server__req_init(server_req_t *req, server_t *srv,
                      struct mg_connection *conn);

/* Authenticates with the request's Authorization header, query_token
 * (WebSockets; may be NULL) or session cookie, else replies 401 (or 503). */
int server__authenticate_or_reply(server_req_t *req, const char *query_token);

/* The body size limit of the request's route. */
size_t server__body_limit(const server_req_t *req);

/* Status classes index the duration histograms: 2xx -> 1. */
int server__status_class(int status);
void server__observe(const server_route_rec_t *rec, int status, double t0);
void server__route_metrics(server_t *srv, server_route_rec_t *rec);

/* Built-in routes. */
int server__add_builtin_routes(server_t *srv, avp_error_t *err);
int server__add_auth_routes(server_t *srv, avp_error_t *err);

/* openapi.c: renders the document of every route into srv->openapi. */
void server__openapi_build(server_t *srv);

/* static.c: serves the web UI for a GET/HEAD outside /api/ and /ws/. */
int server__static_serve(server_req_t *req);
/* Resolves the static root (at start). */
int server__static_open(server_t *srv, avp_error_t *err);
/* Whether a decoded path has a ".." segment. */
int server__path_has_dotdot(const char *path);

/* ws.c: the WebSocket plumbing. */
ws_registry_t *server__ws_create(server_t *srv);
void server__ws_destroy(ws_registry_t *ws);
void server__ws_register(server_t *srv);

#endif
