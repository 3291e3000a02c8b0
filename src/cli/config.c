/* config.c - environment and flags into one validated cli_config_t. */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AVP_SOURCE_DIR
#define AVP_SOURCE_DIR "."
#endif

#define DEFAULT_PORT 8080
#define DEFAULT_POOL_MAX 8
#define DEFAULT_MODEL_CACHE_MB 512
#define DEFAULT_CACHE_MB 4096
#define DEFAULT_MAX_UPLOAD (4ull << 30)
#define DEFAULT_RECLAIM_IDLE_S 30
/* A probe, a thumbnail or a model load: a 4K frame takes ~100 MB, a large
 * detector's arena ~1 GB; the CPU time matches the server's 120 s wall
 * clock deadline; a thumbnail is the only file a child writes. */
#define DEFAULT_CHILD_LIMITS "mem=2048,cpu=120,nofile=64,fsize=64,net=off"
/* A worker lives long and talks to PostgreSQL and Redis, perhaps over TCP:
 * memory (its model cache, decoders and BLAS buffers) and descriptors. */
#define DEFAULT_WORKER_LIMITS "mem=8192,nofile=4096"

static const char *const data_subdirs[] = {
    "pg", "redis", "videos", "models", "thumbs", "logs", "run",
};

/* An environment variable, with an empty value treated as unset so that
 * `AVP_REDIS_URL= avp up` means "start a private one". */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *env_dup(const char *name)
{
    const char *v = env(name);
    return v ? avp_strdup(v) : NULL;
}

/* Parses the integer in s (from `what`) into *out when s is non-NULL. */
static int parse_range(const char *what, const char *s, long min, long max,
                       int *out, avp_error_t *err)
{
    long v;
    if (!s)
        return AVP_OK;
    if (cli_parse_int(s, min, max, &v) < 0)
        return avp_error_set(err, AVP_EINVAL,
                             "%s: '%s' is not a whole number in %ld-%ld",
                             what, s, min, max);
    *out = (int)v;
    return AVP_OK;
}

/* "on" or "off" in s (from `what`) into *off when s is non-NULL. */
static int parse_switch(const char *what, const char *s, int *off,
                        avp_error_t *err)
{
    if (!s)
        return AVP_OK;
    if (strcmp(s, "on") && strcmp(s, "off"))
        return avp_error_set(err, AVP_EINVAL, "%s: '%s' is not on or off",
                             what, s);
    *off = !strcmp(s, "off");
    return AVP_OK;
}

static int parse_bytes(const char *what, const char *s, uint64_t *out,
                       avp_error_t *err)
{
    char *end;
    if (!s)
        return AVP_OK;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        return avp_error_set(err, AVP_EINVAL,
                             "%s: '%s' is not a positive byte count", what, s);
    *out = v;
    return AVP_OK;
}

/* A server's base URL as workers reach it: http(s)://host[:port]. */
static int check_public_url(const char *s, avp_error_t *err)
{
    const char *host = !s ? NULL
                     : !strncmp(s, "http://", 7) ? s + 7
                     : !strncmp(s, "https://", 8) ? s + 8 : "";
    if (host && (!*host || strcspn(host, "/?#@ \t") != strlen(host) ||
                 strlen(s) >= 256))
        return avp_error_set(err, AVP_EINVAL, "AVP_PUBLIC_URL: '%s' is not "
                             "http(s)://host[:port] (no path)", s);
    return AVP_OK;
}

static int parse_limits(const char *what, const char *s, const char *dflt,
                        avp_limits_t *out, avp_error_t *err)
{
    if (avp_limits_parse(s ? s : dflt, out, err))
        return avp_error_prefix(err, "%s", what);
    return AVP_OK;
}

static char *default_web_dir(void)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/web/dist", AVP_SOURCE_DIR);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? avp_strdup(path)
                                                        : NULL;
}

int cli_config_load(cli_config_t *cfg, avp_error_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->database_url = env_dup("AVP_DATABASE_URL");
    cfg->redis_url = env_dup("AVP_REDIS_URL");
    cfg->data_dir = avp_strdup(env("AVP_DATA_DIR") ? env("AVP_DATA_DIR")
                                                   : "./avp-data");
    cfg->admin_password = env_dup("AVP_ADMIN_PASSWORD");
    cfg->metrics_listen = env_dup("AVP_METRICS_LISTEN");
    cfg->metrics_token = env_dup("AVP_METRICS_TOKEN");
    cfg->prometheus_url = env_dup("AVP_PROMETHEUS_URL");
    cfg->public_url = env_dup("AVP_PUBLIC_URL");
    cfg->cache_mb = DEFAULT_CACHE_MB;
    cfg->web_dir = env("AVP_WEB_DIR") ? env_dup("AVP_WEB_DIR")
                                      : default_web_dir();
    cfg->port = DEFAULT_PORT;
    cfg->workers = cli_default_threads();
    cfg->db_pool_max = DEFAULT_POOL_MAX;
    cfg->model_cache_mb = DEFAULT_MODEL_CACHE_MB;
    cfg->max_upload = DEFAULT_MAX_UPLOAD;
    cfg->reclaim_idle_s = DEFAULT_RECLAIM_IDLE_S;

    int rc = parse_range("AVP_PORT", env("AVP_PORT"), 1, 65535, &cfg->port,
                         err);
    if (!rc)
        rc = parse_range("AVP_WORKERS", env("AVP_WORKERS"), 0, 256,
                         &cfg->workers, err);
    if (!rc)
        rc = parse_range("AVP_DB_POOL_MAX", env("AVP_DB_POOL_MAX"), 1, 1000,
                         &cfg->db_pool_max, err);
    if (!rc)
        rc = parse_range("AVP_MODEL_CACHE_MB", env("AVP_MODEL_CACHE_MB"), 16,
                         1 << 20, &cfg->model_cache_mb, err);
    if (!rc)
        rc = check_public_url(cfg->public_url, err);
    if (!rc)
        rc = parse_range("AVP_CACHE_MB", env("AVP_CACHE_MB"), 16, 1 << 24,
                         &cfg->cache_mb, err);
    if (!rc)
        rc = parse_range("AVP_RECLAIM_IDLE_S", env("AVP_RECLAIM_IDLE_S"), 2,
                         3600, &cfg->reclaim_idle_s, err);
    if (!rc)
        rc = parse_range("AVP_ENGINE_MAX", env("AVP_ENGINE_MAX"), 1, 256,
                         &cfg->engine_max, err);
    if (!rc)
        rc = parse_range("AVP_THUMB_CACHE", env("AVP_THUMB_CACHE"), 1,
                         1000000, &cfg->thumb_cache, err);
    if (!rc)
        rc = parse_range("AVP_HEADER_TIMEOUT_S", env("AVP_HEADER_TIMEOUT_S"),
                         1, 300, &cfg->header_timeout_s, err);
    if (!rc)
        rc = parse_range("AVP_CONNS_PER_ADDR", env("AVP_CONNS_PER_ADDR"), 1,
                         65536, &cfg->conns_per_addr, err);
    if (!rc)
        rc = parse_switch("AVP_LIST_CACHE", env("AVP_LIST_CACHE"),
                          &cfg->list_cache_off, err);
    if (!rc)
        rc = parse_switch("AVP_AUTH_CACHE", env("AVP_AUTH_CACHE"),
                          &cfg->auth_cache_off, err);
    if (!rc)
        rc = parse_bytes("AVP_MAX_UPLOAD", env("AVP_MAX_UPLOAD"),
                         &cfg->max_upload, err);
    int proxy_off = 1;
    if (!rc)
        rc = parse_switch("AVP_TRUST_PROXY", env("AVP_TRUST_PROXY"),
                          &proxy_off, err);
    cfg->trust_proxy = !proxy_off;
    cfg->allowed_origins = env_dup("AVP_ALLOWED_ORIGINS");
    if (!rc)
        rc = cli_config_set_tls(cfg, env("AVP_TLS_CERT"), env("AVP_TLS_KEY"),
                                err);
    if (!rc)
        rc = parse_range("AVP_MODEL_QUOTA", env("AVP_MODEL_QUOTA"), 1, 1000000,
                         &cfg->model_quota, err);
    if (!rc)
        rc = parse_bytes("AVP_MODEL_QUOTA_BYTES", env("AVP_MODEL_QUOTA_BYTES"),
                         &cfg->model_quota_bytes, err);
    if (!rc)
        rc = parse_limits("AVP_CHILD_LIMITS", env("AVP_CHILD_LIMITS"),
                          DEFAULT_CHILD_LIMITS, &cfg->child_limits, err);
    if (!rc)
        rc = parse_limits("AVP_WORKER_LIMITS", env("AVP_WORKER_LIMITS"),
                          DEFAULT_WORKER_LIMITS, &cfg->worker_limits, err);
    return rc;
}

void cli_config_fini(cli_config_t *cfg)
{
    if (!cfg)
        return;
    avp_free(cfg->database_url);
    avp_free(cfg->redis_url);
    avp_free(cfg->data_dir);
    avp_free(cfg->admin_password);
    avp_free(cfg->web_dir);
    avp_free(cfg->tls_cert);
    avp_free(cfg->tls_key);
    avp_free(cfg->allowed_origins);
    avp_free(cfg->metrics_listen);
    avp_free(cfg->metrics_token);
    avp_free(cfg->prometheus_url);
    avp_free(cfg->public_url);
    memset(cfg, 0, sizeof *cfg);
}

int cli_config_set_port(cli_config_t *cfg, const char *s, avp_error_t *err)
{
    return parse_range("--port", s, 1, 65535, &cfg->port, err);
}

int cli_config_set_workers(cli_config_t *cfg, const char *s, avp_error_t *err)
{
    return parse_range("--workers", s, 0, 256, &cfg->workers, err);
}

void cli_config_set_data_dir(cli_config_t *cfg, const char *dir)
{
    avp_free(cfg->data_dir);
    cfg->data_dir = avp_strdup(dir);
}

/* *slot = the absolute path of file (unless NULL), which must exist. */
static int set_file(const char *what, const char *file, char **slot,
                    avp_error_t *err)
{
    if (!file)
        return AVP_OK;
    char *abs = realpath(file, NULL);
    if (!abs)
        return avp_error_set(err, AVP_EINVAL, "%s: %s: %s", what, file,
                             strerror(errno));
    avp_free(*slot);
    *slot = avp_strdup(abs);
    free(abs);
    return AVP_OK;
}

int cli_config_set_tls(cli_config_t *cfg, const char *cert, const char *key,
                       avp_error_t *err)
{
    int rc = set_file("TLS certificate", cert, &cfg->tls_cert, err);
    return rc ? rc : set_file("TLS key", key, &cfg->tls_key, err);
}

char *cli_config_path(const cli_config_t *cfg, const char *sub)
{
    size_t n = strlen(cfg->data_dir) + strlen(sub) + 2;
    char *p = avp_malloc(n);
    snprintf(p, n, "%s/%s", cfg->data_dir, sub);
    return p;
}

static int make_dir(const char *path, avp_error_t *err)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return avp_error_set(err, AVP_EIO, "%s: %s", path, strerror(errno));
    return AVP_OK;
}

int cli_config_prepare_dirs(cli_config_t *cfg, avp_error_t *err)
{
    int rc = make_dir(cfg->data_dir, err);
    if (rc)
        return rc;
    char *abs = realpath(cfg->data_dir, NULL);
    if (!abs)
        return avp_error_set(err, AVP_EIO, "%s: %s", cfg->data_dir,
                             strerror(errno));
    cli_config_set_data_dir(cfg, abs);
    free(abs);
    for (size_t i = 0; i < AVP_ARRAY_LEN(data_subdirs) && !rc; i++) {
        char *p = cli_config_path(cfg, data_subdirs[i]);
        rc = make_dir(p, err);
        avp_free(p);
    }
    return rc;
}

static void export_str(const char *name, const char *v)
{
    if (v)
        setenv(name, v, 1);
    else
        unsetenv(name);
}

static void export_num(const char *name, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", v);
    setenv(name, buf, 1);
}

void cli_config_export(const cli_config_t *cfg)
{
    export_str("AVP_DATABASE_URL", cfg->database_url);
    export_str("AVP_REDIS_URL", cfg->redis_url);
    export_str("AVP_DATA_DIR", cfg->data_dir);
    export_str("AVP_WEB_DIR", cfg->web_dir);
    export_str("AVP_METRICS_LISTEN", cfg->metrics_listen);
    export_str("AVP_METRICS_TOKEN", cfg->metrics_token);
    export_str("AVP_PUBLIC_URL", cfg->public_url);
    export_num("AVP_CACHE_MB", (unsigned long long)cfg->cache_mb);
    export_num("AVP_PORT", (unsigned long long)cfg->port);
    export_num("AVP_WORKERS", (unsigned long long)cfg->workers);
    export_num("AVP_DB_POOL_MAX", (unsigned long long)cfg->db_pool_max);
    export_num("AVP_MODEL_CACHE_MB", (unsigned long long)cfg->model_cache_mb);
    export_num("AVP_MAX_UPLOAD", cfg->max_upload);
    export_num("AVP_RECLAIM_IDLE_S", (unsigned long long)cfg->reclaim_idle_s);
    export_str("AVP_TLS_CERT", cfg->tls_cert);
    export_str("AVP_TLS_KEY", cfg->tls_key);
    export_str("AVP_TRUST_PROXY", cfg->trust_proxy ? "on" : "off");
    export_str("AVP_ALLOWED_ORIGINS", cfg->allowed_origins);
    char spec[AVP_LIMITS_SPEC_MAX];
    avp_limits_format(&cfg->child_limits, spec);
    setenv("AVP_CHILD_LIMITS", spec, 1);
    avp_limits_format(&cfg->worker_limits, spec);
    setenv("AVP_WORKER_LIMITS", spec, 1);
}

int cli_open_pool(const char *cmd, cli_config_t *cfg, int min_size,
                  store_pool_t **pool)
{
    avp_error_t err = {0};
    *pool = NULL;
    if (cli_config_load(cfg, &err)) {
        fprintf(stderr, "avp %s: %s\n", cmd, err.msg);
        return 2;
    }
    if (!cfg->database_url) {
        fprintf(stderr, "avp %s: AVP_DATABASE_URL is not set (`avp up` "
                "sets it for the processes it starts)\n", cmd);
        return 2;
    }
    store_pool_opts_t po = {.conninfo = cfg->database_url, .min_size = min_size,
                            .max_size = cfg->db_pool_max,
                            .application_name = cmd};
    if (store_pool_create(&po, pool, &err)) {
        fprintf(stderr, "avp %s: %s\n", cmd, err.msg);
        return 1;
    }
    return 0;
}
