/*
 * worker_metrics.h - the metrics of one `avp worker`, served on its own
 * address (--metrics-listen, AVP_WORKER_METRICS_LISTEN) for Prometheus:
 * frames and batch latency from the worker's observer, the model cache's
 * counters read at each scrape, the process's RSS and fds. Names and
 * meanings are in README's "Monitoring" section and deploy/prometheus.
 */
#ifndef AVP_CLI_WORKER_METRICS_H
#define AVP_CLI_WORKER_METRICS_H

#include "worker/worker.h"

typedef struct cli_worker_metrics cli_worker_metrics_t;

/* Serves the metrics of worker `name` (its models borrowed) on addr.
 * *obs is the observer to give worker_run; it points into the result. */
int cli_worker_metrics_start(const char *name, const char *addr,
                             worker_models_t *models,
                             const worker_observer_t **obs,
                             cli_worker_metrics_t **out, avp_error_t *err);
void cli_worker_metrics_stop(cli_worker_metrics_t *wm); /* NULL: no-op */

#endif
