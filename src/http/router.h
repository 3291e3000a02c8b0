/*
 * router.h - method + path matching for the route table (internal to
 * src/http/). Patterns are literal segments and {name} segments; a {name}
 * segment matches only a positive int64 (every AVP id is one).
 *
 * A path matches the pattern that has a literal where the others have a
 * parameter at the first segment where they differ, so "/api/runs/{id}" and
 * "/api/runs/latest" can coexist. Outcomes, in order of precedence:
 *   HTTP_ROUTER_FOUND       a route for this method and path;
 *   HTTP_ROUTER_BAD_METHOD  the path exists for other methods (405 + Allow);
 *   HTTP_ROUTER_BAD_PARAM   the path has the shape of a route but a parameter
 * is not a positive int64 (400, message names it); HTTP_ROUTER_NOT_FOUND
 * nothing (404).
 *
 * Thread model: build with http_router_add before serving; http_router_match is
 * then safe from any number of threads (it only reads).
 */
#ifndef AVP_HTTP_ROUTER_H
#define AVP_HTTP_ROUTER_H

#include <stdint.h>

#include "util/avp.h"

#define HTTP_ROUTER_MAX_PARAMS 4
#define HTTP_ROUTER_MAX_SEGMENTS 16

enum {
    HTTP_ROUTER_FOUND,
    HTTP_ROUTER_NOT_FOUND,
    HTTP_ROUTER_BAD_METHOD,
    HTTP_ROUTER_BAD_PARAM
};

typedef struct http_router http_router_t;

typedef struct http_router_match {
    int route; /* index of the route, in order of http_router_add; -1 if none */
    int nparams;
    const char *names[HTTP_ROUTER_MAX_PARAMS]; /* borrowed from the router */
    int64_t values[HTTP_ROUTER_MAX_PARAMS];
    char allow[64]; /* HTTP_ROUTER_BAD_METHOD: "GET, POST" */
    char msg[192];  /* HTTP_ROUTER_BAD_PARAM: what is wrong */
} http_router_match_t;

http_router_t *http_router_create(void);
void http_router_destroy(http_router_t *r); /* NULL is a no-op */

/* Adds a route; its index is the number of routes added before it.
 * AVP_EINVAL for a malformed pattern or a duplicate method + pattern. */
int http_router_add(http_router_t *r, const char *method, const char *pattern,
                    avp_error_t *err);

int http_router_count(const http_router_t *r);

/* Names of the parameters of route i, in path order; returns how many. */
int http_router_params(const http_router_t *r, int i,
                       const char *names[HTTP_ROUTER_MAX_PARAMS]);

/* Matches a decoded path (no query string). Returns an HTTP_ROUTER_*
 * outcome. */
int http_router_match(const http_router_t *r, const char *method,
                      const char *path, http_router_match_t *m);

#endif
