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
 * metrics_destroy(). Label strings are copied.
 *
 * Thread model: everything is safe to call from any thread.
 */
#ifndef AVP_HTTP_METRICS_H
#define AVP_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"

#define METRICS_MAX_BUCKETS 24

typedef struct metrics metrics_t;
typedef struct metrics_series metrics_counter_t;
typedef struct metrics_series metrics_gauge_t;
typedef struct metrics_series metrics_histogram_t;

/* Called at the start of every render, to refresh gauges. */
typedef void (*metrics_collect_fn)(void *ctx);

metrics_t *metrics_create(void);
void metrics_destroy(metrics_t *m); /* NULL is a no-op */

/* Registers a series. name must be a valid metric name and help one line;
 * labels is the inside of the braces, already escaped (`route="login"`), or
 * NULL/"" for none. Registering the same name and labels twice returns the
 * existing series; registering a name with another type returns NULL. */
metrics_counter_t *metrics_counter(metrics_t *m, const char *name,
                                   const char *help, const char *labels);
metrics_gauge_t *metrics_gauge(metrics_t *m, const char *name, const char *help,
                               const char *labels);
/* bounds: nbounds ascending upper bounds (the +Inf bucket is implicit),
 * at most METRICS_MAX_BUCKETS. Series of one name must share bounds. */
metrics_histogram_t *metrics_histogram(metrics_t *m, const char *name,
                                       const char *help, const char *labels,
                                       const double *bounds, int nbounds);

void metrics_counter_add(metrics_counter_t *c, uint64_t n);
void metrics_gauge_set(metrics_gauge_t *g, double v);
void metrics_gauge_add(metrics_gauge_t *g, double delta);
void metrics_histogram_observe(metrics_histogram_t *h, double v);

/* Current values, for tests and for code that reports them elsewhere. */
uint64_t metrics_counter_value(const metrics_counter_t *c);
double metrics_gauge_value(const metrics_gauge_t *g);
uint64_t metrics_histogram_count(const metrics_histogram_t *h);

/* Adds a collect callback (run in registration order on every render). */
void metrics_on_collect(metrics_t *m, metrics_collect_fn fn, void *ctx);

/* Registers process_resident_memory_bytes and process_open_fds, refreshed
 * from /proc/self at every render. */
void metrics_add_process_gauges(metrics_t *m);

/* Renders every series. *out is a NUL-terminated string the caller frees
 * with avp_free(); *len its length. */
void metrics_render(metrics_t *m, char **out, size_t *len);

#endif
