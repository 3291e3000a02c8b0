/*
 * api.h - the platform's API on top of the HTTP foundation (http/http.h):
 * accounts and API keys, projects and members, video and model uploads,
 * processing, detections, live progress, the dashboard and operations.
 * `avp serve` is little more than this plus a listening socket.
 *
 * DESIGN
 * - PostgreSQL (store/catalog.h) is the truth; every handler borrows one
 *   pooled connection for as long as it needs it. When none frees up in
 *   time the request gets 503 + Retry-After instead of queueing forever.
 * - Access is membership: every object is reached through its project and
 *   a caller who is not a member gets 404, as if it did not exist; viewers
 *   get 403 on writes.
 * - Redis (queue.h) is optional at every moment: list answers and the
 *   dashboard are cached there with tags and read from PostgreSQL when it
 *   is down; tasks are enqueued there and otherwise picked up by the
 *   workers' reconciler; one subscriber thread relays every task's progress
 *   to the WebSockets watching it.
 * - Cache tags: "u:<user>" (what depends on the user's projects: project
 *   list, dashboard), "p:<project>" (lists inside a project), "models".
 *   Every write invalidates the tags of what it changed after it commits,
 *   including the workers' progress and state changes, which the
 *   subscriber sees go by (live.c).
 *
 * Life cycle: api_create, api_server_options (before http_server_create),
 * api_register (after it, before http_server_start), http_server_start ...
 * http_server_stop, api_destroy.
 *
 * Thread model: handlers run concurrently on the server's threads; the
 * subscriber runs on its own thread, stopped by api_destroy.
 */
#ifndef AVP_API_API_H
#define AVP_API_API_H

#include <stdint.h>

#include "blob/blob.h"
#include "http/http.h"
#include "store/store.h"
#include "util/limits.h"

typedef struct api api_t;

typedef struct api_options {
    store_pool_t *pool;      /* borrowed; must outlive the routes */
    const char *redis_url;   /* NULL: run without Redis */
    const char *data_dir;    /* holds videos/, models/, thumbs/ */
    uint64_t max_upload;     /* largest video upload in bytes (0: 4 GiB) */
    uint64_t max_model;      /* largest model upload in bytes (0: 1 GiB) */
    int model_quota;         /* models one user may have (0: 20); admins
                              * have no quota */
    uint64_t model_quota_bytes; /* their bytes together (0: 8 GiB) */
    int acquire_timeout_ms;  /* wait for a database connection (0: 2000) */
    int engine_max;          /* child avp processes at once, for the whole
                              * process (0: twice the cores) */
    int list_cache_off;      /* lists and the dashboard always read from
                              * PostgreSQL, not the Redis cache */
    int auth_cache_off;      /* every request's credential is looked up in
                              * PostgreSQL */
    int thumb_cache;         /* thumbnails kept on disk, least recently
                              * used removed first (0: 2000) */
    avp_limits_t child_limits; /* of every child avp process (all 0: none) */
    const char *prometheus_url; /* history and alerts for admins (NULL:
                                 * none; ops_history.c) */
    const blob_s3_t *s3;     /* AVP_STORAGE_URL's store, where uploads are
                              * copied; NULL: none. Borrowed. */
} api_options_t;

/* Opens Redis lazily (a server may start while Redis is down). */
int api_create(const api_options_t *opt, api_t **out,
               avp_error_t *err);
/* Stops the subscriber thread and frees everything; after http_server_stop.
 * NULL is a no-op. */
void api_destroy(api_t *r);

/* Fills the hooks of opt the routes provide: auth_store (PostgreSQL),
 * ready (database and Redis reachable), ws_access (membership of the
 * task's project) and ws_hello (the task's latest state), and the OpenAPI
 * document's title and description. */
void api_server_options(api_t *r, http_server_options_t *opt);

/* Adds every route and metric to srv and starts the progress subscriber. */
int api_register(api_t *r, http_server_t *srv, avp_error_t *err);

#endif
