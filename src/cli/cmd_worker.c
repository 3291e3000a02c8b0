/* cmd_worker.c - `avp worker`: one worker process (see worker/worker.h),
 * and `avp migrate`: apply the embedded schema migrations. Both read the
 * platform configuration (config.h) and need AVP_DATABASE_URL; the worker
 * also needs AVP_REDIS_URL. */
#include "cli.h"
#include "config.h"

#include "worker/worker.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char worker_usage[] =
    "usage: avp worker [--name NAME] [--threads N] [--batch N] [--concurrency 1]\n"
    "\n"
    "Runs detect tasks from the queue until SIGTERM or Ctrl-C; the task in\n"
    "progress stores its current batch and goes back to the queue.\n"
    "  --name NAME      consumer name (default: <host>:<pid>)\n"
    "  --threads N      compute threads (default: number of cores)\n"
    "  --batch N        frames per inference call (default 8)\n"
    "  --concurrency N  tasks at a time; only 1 is supported\n"
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
    int threads, batch;
} worker_cmd_t;

static const struct option longopts[] = {
    {"name", required_argument, 0, 'n'}, {"threads", required_argument, 0, 't'},
    {"batch", required_argument, 0, 'b'},
    {"concurrency", required_argument, 0, 'c'},
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

int cli_worker(int argc, char **argv)
{
    worker_cmd_t c = {.threads = cli_default_threads(), .batch = 8};
    int rc = parse_worker(&c, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!c.name[0])
        default_name(&c);
    cli_config_t cfg;
    store_pool_t *pool;
    blob_s3_t *s3 = NULL;
    if ((rc = cli_open_pool("worker", &cfg, 1, &pool)) == 0 && !cfg.redis_url) {
        fprintf(stderr, "avp worker: AVP_REDIS_URL is not set\n");
        rc = 2;
    }
    if (rc == 0) {
        struct sigaction sa = {.sa_handler = on_stop};
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        worker_opts_t o = {
            .name = c.name, .pool = pool, .redis_url = cfg.redis_url,
            .data_dir = cfg.data_dir, .batch = c.batch, .threads = c.threads,
            .model_cache_bytes = (size_t)cfg.model_cache_mb << 20,
            .file_cache_bytes = (uint64_t)cfg.cache_mb << 20,
            .reclaim_idle_ms = (int64_t)cfg.reclaim_idle_s * 1000,
            .stop = &stop_requested};
        avp_error_t err = {0};
        int bad = blob_s3_from_env(&s3, &err);
        o.s3 = s3;
        if (bad || worker_run(&o, &err)) {
            fprintf(stderr, "avp worker: %s\n", err.msg);
            rc = bad ? 2 : 1;
        } else {
            fprintf(stderr, "avp worker: %s stopped\n", c.name);
        }
    }
    blob_s3_destroy(s3);
    store_pool_destroy(pool);
    cli_config_fini(&cfg);
    return rc;
}
