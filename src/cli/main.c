/* main.c - the `avp` command: one binary, one subcommand per job. */
#include "cli.h"

#include "util/limits.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: avp [--limits SPEC] COMMAND [options]\n"
    "\n"
    "--limits SPEC runs COMMAND under resource limits and without the\n"
    "network, as the server runs its children: mem=MB,cpu=S,nofile=N,\n"
    "fsize=MB,net=on|off (see AVP_CHILD_LIMITS).\n"
    "\n"
    "commands:\n"
    "  detect           run a detector over a video, image or folder\n"
    "  eval             COCO metrics of results against ground truth; eval track:\n"
    "                   tracking metrics (HOTA, MOTA, IDF1)\n"
    "  gt               convert ground truth; track detections into it\n"
    "  device           simulate or score a device under test\n"
    "  models inspect   show what an ONNX model contains\n"
    "  media            probe a video; make a thumbnail of a frame\n"
    "  up               run the platform: database, queue, server, workers\n"
    "  worker           run queued detect tasks (one worker process)\n"
    "  migrate          apply the database schema migrations (--status,\n"
    "                   --dry-run: what is applied, what would run)\n"
    "  serve            run the API server alone\n"
    "  user add NAME    create a user (--admin for an administrator)\n"
    "  version          print the version\n"
    "\n"
    "environment (flags of the same name win):\n"
    "  AVP_DATABASE_URL    PostgreSQL URL; unset: `avp up` runs a private one\n"
    "  AVP_REDIS_URL       Redis URL (redis://, unix://, or\n"
    "                      redis-sentinel://s1:p1,s2:p2/master: docs/DEPLOY.md);\n"
    "                      unset: `avp up` runs a private one\n"
    "  AVP_DATA_DIR        data folder (default ./avp-data)\n"
    "  AVP_PORT            HTTP port (default 8080)\n"
    "  AVP_WORKERS         worker processes under `avp up` (default: cores)\n"
    "  AVP_ADMIN_PASSWORD  first admin's password (default: generated into\n"
    "                      DATA/admin-password, mode 0600)\n"
    "  AVP_PASSWORD        password for `avp user add` (default: prompted)\n"
    "  AVP_WEB_DIR         built web UI served at / (default web/dist)\n"
    "  AVP_MAX_UPLOAD      largest upload in bytes (default 4 GiB)\n"
    "  AVP_MODEL_QUOTA     models one user (not an admin) may upload (default 20)\n"
    "  AVP_MODEL_QUOTA_BYTES  their bytes together (default 8 GiB)\n"
    "  AVP_DB_POOL_MAX     database connections per process (default 8)\n"
    "  AVP_ENGINE_MAX      child processes a server runs at once for probes,\n"
    "                      thumbnails and model loads (default: twice the cores)\n"
    "  AVP_THUMB_CACHE     thumbnails kept on disk, least recently used removed\n"
    "                      first (default 2000: 30-60 MB)\n"
    "  AVP_CHILD_LIMITS    limits of those children (default mem=2048,cpu=120,\n"
    "                      nofile=64,fsize=64,net=off)\n"
    "  AVP_WORKER_LIMITS   limits of `avp up`'s workers (default mem=8192,\n"
    "                      nofile=4096)\n"
    "  AVP_METRICS_LISTEN  ADDR:PORT where `avp serve` answers /metrics without\n"
    "                      a credential (and nothing else)\n"
    "  AVP_METRICS_TOKEN   bearer token for /metrics on the API's port (else\n"
    "                      an admin's credential)\n"
    "  AVP_WORKER_METRICS_LISTEN  ADDR:PORT where `avp worker` answers /metrics\n"
    "  AVP_PROMETHEUS_URL  Prometheus the operations page reads history and\n"
    "                      alerts from (set by `avp up --monitoring`)\n"
    "  AVP_MONITORING_PORT, AVP_MONITORING_INTERVAL, AVP_DEPLOY_DIR\n"
    "                      `avp up --monitoring`: ports' base (PORT+1), scrape\n"
    "                      and rule interval in s (15), where deploy/ is\n"
    "  AVP_LIST_CACHE      on|off: the server's Redis cache of lists and the\n"
    "                      dashboard (default on; bench/api/run caches)\n"
    "  AVP_AUTH_CACHE      on|off: the server's cache of valid credentials\n"
    "                      (default on; off, every request asks PostgreSQL)\n"
    "  AVP_MODEL_CACHE_MB  memory for a worker's loaded models (default 512)\n"
    "  AVP_PUBLIC_URL      http(s)://host[:port] where workers on other machines\n"
    "                      reach this `avp serve` for files (registered in the\n"
    "                      database; default: not registered)\n"
    "  AVP_CACHE_MB        disk for a worker's fetched videos and models,\n"
    "                      least recently used removed first (default 4096)\n"
    "  AVP_STORAGE_URL     s3://bucket[/prefix]: uploads are copied there and\n"
    "                      workers fetch from it first; with AVP_S3_ENDPOINT\n"
    "                      (default https://s3.REGION.amazonaws.com),\n"
    "                      AVP_S3_REGION (us-east-1), AWS_ACCESS_KEY_ID and\n"
    "                      AWS_SECRET_ACCESS_KEY\n"
    "  AVP_RECLAIM_IDLE_S  seconds before a silent worker's task is reclaimed (30)\n"
    "  AVP_TLS_CERT, AVP_TLS_KEY\n"
    "                      PEM certificate and key: the server speaks HTTPS\n"
    "  AVP_TRUST_PROXY     on|off: believe a reverse proxy's X-Forwarded-Proto\n"
    "                      and X-Forwarded-For (default off)\n"
    "  AVP_ALLOWED_ORIGINS other origins whose pages may use the session\n"
    "                      cookie to write (comma-separated; default none)\n"
    "  AVP_URL             server for `avp device simulate --session` (default\n"
    "                      http://127.0.0.1:AVP_PORT)\n"
    "  AVP_API_KEY         API key for `avp device simulate --session`\n"
    "\n"
    "Run 'avp COMMAND --help' for a command's options.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command_t;

static int version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("avp %s\n", AVP_VERSION);
    return 0;
}

/* `avp serve` runs the avp-server binary built beside this one: the
 * server links neither the decoders nor the inference runtime (it runs
 * this binary for that work, api/child.c says why), so its hundreds of
 * threads and its shared-library pages stay few. */
static int serve(int argc, char **argv)
{
    char path[PATH_MAX];
    if (avp_program_path("avp-server", path, sizeof path) < 0) {
        fprintf(stderr, "avp serve: cannot find this program: %s\n",
                strerror(errno));
        return 1;
    }
    /* No per-thread cache of freed blocks in the server (unless the user
     * tunes malloc): each of its hundreds of threads would keep one, which
     * bench/api measured at ~14 MB of its ~50 after 500 connections, and
     * its allocations are too few for the cache to pay. */
    setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 0);
    /* As `avp serve ...` still, for ps and for the supervisor's logs. */
    char **args = avp_calloc((size_t)argc + 2, sizeof *args);
    args[0] = "avp";
    memcpy(args + 1, argv, (size_t)argc * sizeof *args);
    execv(path, args);
    avp_free(args);
    fprintf(stderr, "avp serve: cannot run %s: %s\n", path, strerror(errno));
    return 1;
}

static const command_t commands[] = {
    {"detect", cli_detect},
    {"eval", cli_eval},
    {"gt", cli_gt},
    {"device", cli_device},
    {"models", cli_models},
    {"media", cli_media},
    {"up", cli_up},
    {"worker", cli_worker},
    {"migrate", cli_migrate},
    {"serve", serve},
    {"user", cli_user},
    {"version", version},
};

/* `--limits SPEC`, before the command: applied before anything reads an
 * input. Returns how many arguments it took (0 or 2), or -1. */
static int apply_limits(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--limits"))
        return 0;
    avp_limits_t l;
    avp_error_t err = {0};
    if (argc < 3 || avp_limits_parse(argv[2], &l, &err) ||
        avp_limits_apply(&l, &err)) {
        fprintf(stderr, "avp: %s\n", argc < 3 ? "--limits needs a SPEC"
                                              : err.msg);
        return -1;
    }
    return 2;
}

int main(int argc, char **argv)
{
    /* Whatever AVP writes (uploads, models, thumbnails, logs) is for its
     * own user alone; the places that create files say so too. */
    umask(077);
    int skip = apply_limits(argc, argv);
    if (skip < 0)
        return 2;
    argc -= skip, argv += skip;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < AVP_ARRAY_LEN(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "avp: unknown command '%s'\n%s", argv[1], usage);
    return 2;
}
