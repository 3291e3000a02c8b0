/*
 * metrics.h - a Prometheus registry: counters, gauges and histograms rendered
 * in the text exposition format (version 0.0.4).
 *
 * DESIGN: series are registered up front (at start-up, or when a route is
 * added) and kept by pointer, so the hot path never looks anything up and
 * never locks: counters and histogram buckets are relaxed atomic integers,
 * gauges and sums are doubles updated by compare-and-swap on their bits.
 * Registration and rendering take the registry mutex; a scrape therefore
 * sees every series that existed when it began. Series of one metric name
 * share one # HELP / # TYPE block and differ by their label set.
 *
 * Gauges that describe the process or another component (RSS, open file
 * descriptors, pool use) are refreshed at scrape time by collect callbacks.
 *
 * Ownership: the registry owns every series; pointers stay valid until
 * http_metrics_destroy(). Label strings are copied.
 *
 * Thread model: everything is safe to call from any thread.
 */
#ifndef AVP_HTTP_METRICS_H
#define AVP_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"

#define HTTP_METRICS_MAX_BUCKETS 24

typedef struct http_metrics http_metrics_t;
typedef struct http_metrics_series http_metrics_counter_t;
typedef struct http_metrics_series http_metrics_gauge_t;
typedef struct http_metrics_series http_metrics_histogram_t;

/* Called at the start of every render, to refresh gauges. */
typedef void (*http_metrics_collect_fn)(void *ctx);

http_metrics_t *http_metrics_create(void);
void http_metrics_destroy(http_metrics_t *m); /* NULL is a no-op */

/* Registers a series. name must be a valid metric name and help one line;
 * labels is the inside of the braces, already escaped (`route="login"`), or
 * NULL/"" for none. Registering the same name and labels twice returns the
 * existing series; registering a name with another type returns NULL. */
http_metrics_counter_t *http_metrics_counter(http_metrics_t *m,
                                             const char *name, const char *help,
                                             const char *labels);
http_metrics_gauge_t *http_metrics_gauge(http_metrics_t *m, const char *name,
                                         const char *help, const char *labels);
/* bounds: nbounds ascending upper bounds (the +Inf bucket is implicit),
 * at most HTTP_METRICS_MAX_BUCKETS. Series of one name must share bounds. */
http_metrics_histogram_t *
http_metrics_histogram(http_metrics_t *m, const char *name, const char *help,
                       const char *labels, const double *bounds, int nbounds);

void http_metrics_counter_add(http_metrics_counter_t *c, uint64_t n);
void http_metrics_gauge_set(http_metrics_gauge_t *g, double v);
void http_metrics_gauge_add(http_metrics_gauge_t *g, double delta);
void http_metrics_histogram_observe(http_metrics_histogram_t *h, double v);

/* Current values, for tests and for code that reports them elsewhere. */
uint64_t http_metrics_counter_value(const http_metrics_counter_t *c);
double http_metrics_gauge_value(const http_metrics_gauge_t *g);
uint64_t http_metrics_histogram_count(const http_metrics_histogram_t *h);

/* Adds a collect callback (run in registration order on every render). */
void http_metrics_on_collect(http_metrics_t *m, http_metrics_collect_fn fn,
                             void *ctx);

/* Registers process_resident_memory_bytes and process_open_fds, refreshed
 * from /proc/self at every render. */
void http_metrics_add_process_gauges(http_metrics_t *m);

/* Renders every series. *out is a NUL-terminated string the caller frees
 * with avp_free(); *len its length. */
void http_metrics_render(http_metrics_t *m, char **out, size_t *len);

/* ---- serving a registry alone (metrics_listen.c) ----
 * GET /metrics on addr ("127.0.0.1:9101"; port 0 picks a free one), for a
 * process with no API server of its own (a worker); anything else is a
 * 404. The registry is borrowed and must outlive the listener. */
typedef struct http_metrics_listener http_metrics_listener_t;

int http_metrics_listen(http_metrics_t *m, const char *addr,
                        http_metrics_listener_t **out, avp_error_t *err);
/* The port it listens on (the one picked for port 0). */
int http_metrics_listener_port(const http_metrics_listener_t *l);
void http_metrics_listener_stop(http_metrics_listener_t *l); /* NULL: no-op */

#endif
