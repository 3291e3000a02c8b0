/* cmd_worker.c - `avp worker`: one worker process (see worker/worker.h),
 * and `avp migrate`: apply the embedded schema migrations. Both read the
 * platform configuration (config.h) and need AVP_DATABASE_URL; the worker
 * also needs AVP_REDIS_URL. */
#include "cli.h"
#include "config.h"
#include "worker_metrics.h"

#include "worker/worker.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char worker_usage[] =
    "usage: avp worker [--name NAME] [--threads N] [--batch N] [--concurrency 1]\n"
    "                  [--metrics-listen ADDR:PORT]\n"
    "\n"
    "Runs detect tasks from the queue until SIGTERM or Ctrl-C; the task in\n"
    "progress stores its current batch and goes back to the queue.\n"
    "  --name NAME      consumer name (default: <host>:<pid>)\n"
    "  --threads N      compute threads (default: number of cores)\n"
    "  --batch N        frames per inference call (default 8)\n"
    "  --concurrency N  tasks at a time; only 1 is supported\n"
    "  --metrics-listen ADDR:PORT  serve GET /metrics there, for Prometheus\n"
    "                   (default AVP_WORKER_METRICS_LISTEN; none when unset)\n"
    "Environment: AVP_DATABASE_URL, AVP_REDIS_URL (required), AVP_DATA_DIR,\n"
    "AVP_DB_POOL_MAX, AVP_MODEL_CACHE_MB, AVP_RECLAIM_IDLE_S.\n";

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct worker_cmd {
    char name[128];
    const char *metrics_listen; /* NULL: no metrics address */
    int threads, batch;
} worker_cmd_t;

static const struct option longopts[] = {
    {"name", required_argument, 0, 'n'}, {"threads", required_argument, 0, 't'},
    {"batch", required_argument, 0, 'b'},
    {"concurrency", required_argument, 0, 'c'},
    {"metrics-listen", required_argument, 0, 'm'},
    {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

static int bad(int opt, const char *val)
{
    return cli_bad_value("worker", longopts, opt, val);
}

static int parse_worker(worker_cmd_t *c, int argc, char **argv)
{
    int opt;
    long l;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': snprintf(c->name, sizeof c->name, "%s", optarg); break;
        case 't': if (cli_parse_int(optarg, 1, 256, &l)) return bad(opt, optarg);
                  c->threads = (int)l; break;
        case 'b': if (cli_parse_int(optarg, 1, 64, &l)) return bad(opt, optarg);
                  c->batch = (int)l; break;
        case 'c': if (cli_parse_int(optarg, 1, 1, &l)) return bad(opt, optarg);
                  break;
        case 'm': c->metrics_listen = optarg; break;
        case 'h': fputs(worker_usage, stdout); return -1;
        default: return cli_bad_option("worker", opt, argv, worker_usage);
        }
    }
    if (optind != argc) {
        fputs(worker_usage, stderr);
        return 2;
    }
    return 0;
}

static void default_name(worker_cmd_t *c)
{
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(c->name, sizeof c->name, "%s:%d", host, (int)getpid());
}

/* The worker's loop, its model cache, its S3 store when AVP_STORAGE_URL
 * names one and, when asked, its metrics. */
static int run_worker(const worker_cmd_t *c, const cli_config_t *cfg,
                      store_pool_t *pool)
{
    avp_error_t err = {0};
    blob_s3_t *s3 = NULL;
    /* libcurl's global set-up before the metrics listener's threads. */
    if (blob_init(&err) || blob_s3_from_env(&s3, &err)) {
        fprintf(stderr, "avp worker: %s\n", err.msg);
        return 2;
    }
    worker_models_t *models = worker_models_create(
        (size_t)cfg->model_cache_mb << 20, NULL, c->batch, c->threads);
    worker_opts_t o = {
        .name = c->name, .pool = pool, .redis_url = cfg->redis_url,
        .data_dir = cfg->data_dir, .batch = c->batch, .threads = c->threads,
        .model_cache_bytes = (size_t)cfg->model_cache_mb << 20,
        .file_cache_bytes = (uint64_t)cfg->cache_mb << 20,
        .reclaim_idle_ms = (int64_t)cfg->reclaim_idle_s * 1000,
        .stop = &stop_requested, .models = models, .s3 = s3};
    cli_worker_metrics_t *wm = NULL;
    int rc = 0;
    if (c->metrics_listen && cli_worker_metrics_start(
            c->name, c->metrics_listen, models, &o.observer, &wm, &err)) {
        fprintf(stderr, "avp worker: metrics: %s\n", err.msg);
        rc = 1;
    } else if (worker_run(&o, &err)) {
        fprintf(stderr, "avp worker: %s\n", err.msg);
        rc = 1;
    } else {
        fprintf(stderr, "avp worker: %s stopped\n", c->name);
    }
    cli_worker_metrics_stop(wm);
    worker_models_destroy(models);
    blob_s3_destroy(s3);
    return rc;
}

int cli_worker(int argc, char **argv)
{
    worker_cmd_t c = {.threads = cli_default_threads(), .batch = 8};
    int rc = parse_worker(&c, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!c.name[0])
        default_name(&c);
    if (!c.metrics_listen && getenv("AVP_WORKER_METRICS_LISTEN") &&
        *getenv("AVP_WORKER_METRICS_LISTEN"))
        c.metrics_listen = getenv("AVP_WORKER_METRICS_LISTEN");
    cli_config_t cfg;
    store_pool_t *pool;
    if ((rc = cli_open_pool("worker", &cfg, 1, &pool)) == 0 && !cfg.redis_url) {
        fprintf(stderr, "avp worker: AVP_REDIS_URL is not set\n");
        rc = 2;
    }
    if (rc == 0) {
        struct sigaction sa = {.sa_handler = on_stop};
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        rc = run_worker(&c, &cfg, pool);
    }
    store_pool_destroy(pool);
    cli_config_fini(&cfg);
    return rc;
}
