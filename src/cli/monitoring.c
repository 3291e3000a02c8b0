/* monitoring.c - Prometheus under `avp up --monitoring`; see monitoring.h. */
#include "monitoring.h"

#include "cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AVP_SOURCE_DIR
#define AVP_SOURCE_DIR "."
#endif

#define PROMETHEUS_BIN "/usr/bin/prometheus"
#define RETENTION "15d"

struct up_monitoring {
    int base, interval_s, workers;
    char server[80]; /* the server's metrics address, host:port */
    char *dir;       /* DATA/monitoring */
    char *rules;     /* <deploy>/prometheus/rules */
    char url[64];
};

/* An integer from the environment, or def; a malformed one is an error. */
static int env_int(const char *name, long min, long max, int def, int *out,
                   avp_error_t *err)
{
    const char *s = getenv(name);
    long v = def;
    if (s && *s && cli_parse_int(s, min, max, &v) < 0)
        return avp_error_set(err, AVP_EINVAL, "%s: '%s' is not a whole "
                             "number in %ld-%ld", name, s, min, max);
    *out = (int)v;
    return AVP_OK;
}

static int write_text(const char *dir, const char *name, const char *text,
                      avp_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        if (f)
            fclose(f);
        return avp_error_set(err, AVP_EIO, "%s: %s", path, strerror(errno));
    }
    return AVP_OK;
}

/* Targets as Prometheus' file_sd reads them: [{"targets": [...]}]. */
static int write_targets(const up_monitoring_t *mon, avp_error_t *err)
{
    char servers[128], workers[16384];
    snprintf(servers, sizeof servers, "[{\"targets\": [\"%s\"]}]\n",
             mon->server);
    size_t n = (size_t)snprintf(workers, sizeof workers, "[{\"targets\": [");
    for (int i = 1; i <= mon->workers; i++)
        n += (size_t)snprintf(workers + n, sizeof workers - n,
                              "%s\"127.0.0.1:%d\"", i > 1 ? ", " : "",
                              mon->base + 1 + i);
    snprintf(workers + n, sizeof workers - n, "]}]\n");
    int rc = write_text(mon->dir, "targets/servers.json", servers, err);
    return rc ? rc : write_text(mon->dir, "targets/workers.json", workers, err);
}

/* deploy/prometheus/prometheus.yml with this installation's interval and
 * the rules where they ship (its own paths are relative to itself). */
static int write_config(const up_monitoring_t *mon, avp_error_t *err)
{
    char text[8192];
    snprintf(text, sizeof text,
             "# Written by avp up --monitoring; edits are lost at its next "
             "start.\n"
             "global:\n  scrape_interval: %ds\n  evaluation_interval: %ds\n"
             "rule_files:\n  - %s/recording.yml\n  - %s/alerts.yml\n"
             "scrape_configs:\n"
             "  - job_name: avp-server\n    file_sd_configs:\n"
             "      - files: [targets/servers.json]\n"
             "  - job_name: avp-worker\n    file_sd_configs:\n"
             "      - files: [targets/workers.json]\n",
             mon->interval_s, mon->interval_s, mon->rules, mon->rules);
    return write_text(mon->dir, "prometheus.yml", text, err);
}

static int make_dirs(const up_monitoring_t *mon, avp_error_t *err)
{
    const char *subs[] = {"", "/targets", "/tsdb"};
    for (size_t i = 0; i < AVP_ARRAY_LEN(subs); i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s", mon->dir, subs[i]);
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return avp_error_set(err, AVP_EIO, "%s: %s", path,
                                 strerror(errno));
    }
    return AVP_OK;
}

static int find_rules(up_monitoring_t *mon, avp_error_t *err)
{
    const char *deploy = getenv("AVP_DEPLOY_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/prometheus/rules",
             deploy && *deploy ? deploy : AVP_SOURCE_DIR "/deploy");
    char alerts[4200];
    snprintf(alerts, sizeof alerts, "%s/alerts.yml", path);
    if (access(PROMETHEUS_BIN, X_OK) < 0)
        return avp_error_set(err, AVP_ENOTFOUND, "--monitoring needs "
                             "Prometheus (%s): apt-get install prometheus, "
                             "or scripts/deps.sh", PROMETHEUS_BIN);
    if (access(alerts, R_OK) < 0)
        return avp_error_set(err, AVP_ENOTFOUND, "--monitoring: no rules "
                             "in %s (AVP_DEPLOY_DIR names the folder that "
                             "holds prometheus/rules)", path);
    mon->rules = avp_strdup(path);
    return AVP_OK;
}

/* Where Prometheus finds the server's metrics address: civetweb's "PORT"
 * and "0.0.0.0:PORT" listen on every interface, loopback among them. */
static void server_target(up_monitoring_t *mon, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    bool any = !colon || !strncmp(listen, "0.0.0.0:", 8);
    snprintf(mon->server, sizeof mon->server, "%s%s", any ? "127.0.0.1:" : "",
             any ? (colon ? colon + 1 : listen) : listen);
}

int up_monitoring_prepare(cli_config_t *cfg, up_monitoring_t **out,
                          avp_error_t *err)
{
    up_monitoring_t *mon = avp_calloc(1, sizeof *mon);
    mon->workers = cfg->workers;
    int rc = env_int("AVP_MONITORING_PORT", 1, 65535 - 1 - cfg->workers,
                     cfg->port + 1, &mon->base, err);
    if (!rc)
        rc = env_int("AVP_MONITORING_INTERVAL", 1, 300, 15, &mon->interval_s,
                     err);
    if (!rc)
        rc = find_rules(mon, err);
    mon->dir = cli_config_path(cfg, "monitoring");
    if (!rc && !cfg->metrics_listen) {
        char listen[64];
        snprintf(listen, sizeof listen, "127.0.0.1:%d", mon->base + 1);
        cfg->metrics_listen = avp_strdup(listen);
    }
    if (!rc)
        server_target(mon, cfg->metrics_listen);
    snprintf(mon->url, sizeof mon->url, "http://127.0.0.1:%d", mon->base);
    if (!rc) rc = make_dirs(mon, err);
    if (!rc) rc = write_config(mon, err);
    if (!rc) rc = write_targets(mon, err);
    if (rc) {
        up_monitoring_destroy(mon);
        mon = NULL;
    }
    *out = mon;
    return rc;
}

void up_monitoring_destroy(up_monitoring_t *mon)
{
    if (!mon)
        return;
    avp_free(mon->dir);
    avp_free(mon->rules);
    avp_free(mon);
}

void up_monitoring_worker_arg(const up_monitoring_t *mon, int i, char *buf,
                              size_t cap)
{
    snprintf(buf, cap, "--metrics-listen=127.0.0.1:%d", mon->base + 1 + i);
}

const char *up_monitoring_url(const up_monitoring_t *mon)
{
    return mon->url;
}

int up_monitoring_spawn(const up_monitoring_t *mon, sup_t *sup)
{
    char config[4200], tsdb[4200], listen[64];
    snprintf(config, sizeof config, "--config.file=%s/prometheus.yml",
             mon->dir);
    snprintf(tsdb, sizeof tsdb, "--storage.tsdb.path=%s/tsdb", mon->dir);
    snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%d",
             mon->base);
    setenv("AVP_PROMETHEUS_URL", mon->url, 1);
    const char *argv[] = {"prometheus", config, tsdb, listen,
                          "--storage.tsdb.retention.time=" RETENTION,
                          "--log.level=warn", NULL};
    return sup_spawn_program(sup, "prometheus", PROMETHEUS_BIN, argv, NULL);
}
