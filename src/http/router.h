/*
 * router.h - method + path matching for the route table (internal to
 * src/http/). Patterns are literal segments and {name} segments; a {name}
 * segment matches only a positive int64 (every AVP id is one).
 *
 * A path matches the pattern that has a literal where the others have a
 * parameter at the first segment where they differ, so "/api/runs/{id}" and
 * "/api/runs/latest" can coexist. Outcomes, in order of precedence:
 *   ROUTER_FOUND       a route for this method and path;
 *   ROUTER_BAD_METHOD  the path exists for other methods (405 + Allow);
 *   ROUTER_BAD_PARAM   the path has the shape of a route but a parameter is
 *                      not a positive int64 (400, message names it);
 *   ROUTER_NOT_FOUND   nothing (404).
 *
 * Thread model: build with router_add before serving; router_match is then
 * safe from any number of threads (it only reads).
 */
#ifndef AVP_HTTP_ROUTER_H
#define AVP_HTTP_ROUTER_H

#include <stdint.h>

#include "util/avp.h"

#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_SEGMENTS 16

enum { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_BAD_METHOD, ROUTER_BAD_PARAM };

typedef struct router router_t;

typedef struct router_match {
    int route; /* index of the route, in order of router_add; -1 if none */
    int nparams;
    const char *names[ROUTER_MAX_PARAMS]; /* borrowed from the router */
    int64_t values[ROUTER_MAX_PARAMS];
    char allow[64]; /* ROUTER_BAD_METHOD: "GET, POST" */
    char msg[192];  /* ROUTER_BAD_PARAM: what is wrong */
} router_match_t;

router_t *router_create(void);
void router_destroy(router_t *r); /* NULL is a no-op */

/* Adds a route; its index is the number of routes added before it.
 * AVP_EINVAL for a malformed pattern or a duplicate method + pattern. */
int router_add(router_t *r, const char *method, const char *pattern,
               avp_error_t *err);

int router_count(const router_t *r);

/* Names of the parameters of route i, in path order; returns how many. */
int router_params(const router_t *r, int i,
                  const char *names[ROUTER_MAX_PARAMS]);

/* Matches a decoded path (no query string). Returns a ROUTER_* outcome. */
int router_match(const router_t *r, const char *method, const char *path,
                 router_match_t *m);

#endif
