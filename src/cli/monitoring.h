/*
 * monitoring.h - `avp up --monitoring`: Debian's Prometheus beside the
 * platform, on private loopback ports, scraping the API server (on its
 * metrics address) and every worker (each on its own), with the rules of
 * deploy/prometheus/rules; the API server reaches it as AVP_PROMETHEUS_URL
 * for the operations page's history and alerts.
 *
 * Ports, from a base B (AVP_MONITORING_PORT, default the API's port + 1):
 * Prometheus B, the server's metrics B + 1 (unless AVP_METRICS_LISTEN is
 * set), worker i (1-based) B + 1 + i. Files under DATA/monitoring:
 * prometheus.yml (generated: the scrape interval is
 * AVP_MONITORING_INTERVAL seconds, default 15), targets/servers.json and
 * targets/workers.json, and the
 * TSDB. The rules are read where they ship: AVP_DEPLOY_DIR (default the
 * source tree's deploy/).
 */
#ifndef AVP_CLI_MONITORING_H
#define AVP_CLI_MONITORING_H

#include "config.h"
#include "supervise.h"

typedef struct up_monitoring up_monitoring_t;

/* Checks that Prometheus and the rules are there, picks the ports, sets
 * cfg->metrics_listen when unset and writes the files. Before the data
 * folder is made private (the files become AVP's user's with it). */
int up_monitoring_prepare(cli_config_t *cfg, up_monitoring_t **out,
                          avp_error_t *err);
void up_monitoring_destroy(up_monitoring_t *mon); /* NULL: no-op */

/* "--metrics-listen=127.0.0.1:P" for worker i (1-based), into buf. */
void up_monitoring_worker_arg(const up_monitoring_t *mon, int i, char *buf,
                              size_t cap);
/* Exports AVP_PROMETHEUS_URL for the server and starts Prometheus under
 * the supervisor. */
int up_monitoring_spawn(const up_monitoring_t *mon, sup_t *sup);
/* Where Prometheus answers ("http://127.0.0.1:B"). */
const char *up_monitoring_url(const up_monitoring_t *mon);

#endif
