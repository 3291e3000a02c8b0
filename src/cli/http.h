/*
 * http.h - a small JSON-over-HTTP client (libcurl) for the commands that
 * talk to a running AVP server, such as `avp device simulate --server`.
 * One handle keeps its connection alive across requests.
 *
 * Thread model: a cli_http_t is used by one thread at a time; create the
 * first one before other threads start (libcurl's global init).
 */
#ifndef AVP_CLI_HTTP_H
#define AVP_CLI_HTTP_H

#include <jansson.h>

#include "util/avp.h"

typedef struct cli_http cli_http_t;

/* base_url: "http://host:port" (a trailing slash is fine); api_key: sent
 * as "Authorization: Bearer <key>", NULL for none. */
cli_http_t *cli_http_create(const char *base_url, const char *api_key);
void cli_http_destroy(cli_http_t *h); /* NULL is a no-op */

/* Sends method path (e.g. "/api/test-sessions/5") with body as JSON (NULL:
 * no body) and returns the HTTP status, with *out the response parsed as
 * JSON (a new reference; NULL when the body is empty or not JSON). A
 * transport failure returns AVP_EUNAVAILABLE with err saying why. */
int cli_http_json(cli_http_t *h, const char *method, const char *path,
                  const json_t *body, json_t **out, avp_error_t *err);

#endif
