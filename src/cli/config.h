/*
 * config.h - the platform's configuration, read in one place. `avp up`,
 * `avp serve`, `avp worker`, `avp migrate` and `avp user` all start from
 * cli_config_load() (environment, then defaults) and then apply their
 * command-line flags with the cli_config_set_* functions, so a value means
 * the same thing in every process and is validated the same way.
 *
 * Environment (defaults in brackets):
 *   AVP_DATABASE_URL    libpq URL [unset: `avp up` starts a private PostgreSQL]
 *   AVP_REDIS_URL       redis://host:port or unix:///path [unset: private Redis]
 *   AVP_DATA_DIR        data directory [./avp-data]; --data overrides
 *   AVP_PORT            HTTP port [8080]; --port overrides
 *   AVP_ADMIN_PASSWORD  first admin's password [unset: generated into DIR/admin-password]
 *   AVP_WORKERS         worker processes under `avp up` [online cores]
 *   AVP_WEB_DIR         built web UI [<source>/web/dist if it exists]
 *   AVP_MAX_UPLOAD      largest video upload in bytes [4 GiB]
 *   AVP_MODEL_QUOTA     models one (non-admin) user may upload [20]
 *   AVP_MODEL_QUOTA_BYTES  their bytes together [8 GiB]
 *   AVP_DB_POOL_MAX     PostgreSQL connections per process [8]
 *   AVP_MODEL_CACHE_MB  memory budget of a worker's loaded models [512]
 *   AVP_RECLAIM_IDLE_S  a task whose worker went silent this long is taken
 *                       over by another worker [30]; tests shorten it
 *   AVP_LIST_CACHE      on|off: the server's Redis cache of lists and the
 *                       dashboard [on]; bench/api measures it off
 *   AVP_AUTH_CACHE      on|off: the server's credential cache [on]; off,
 *                       every request asks PostgreSQL
 *   AVP_TLS_CERT        PEM certificate (chain) the server speaks TLS with
 *   AVP_TLS_KEY         its private key [both unset: plain HTTP]
 *   AVP_TRUST_PROXY     on|off: believe a reverse proxy's X-Forwarded-Proto
 *                       and X-Forwarded-For [off]
 *   AVP_ALLOWED_ORIGINS origins besides the server's own whose pages may
 *                       write with the session cookie [none]
 *
 * Data directory layout: pg/, redis/, videos/, models/, thumbs/, logs/,
 * run/ (pid files of `avp up` and its children).
 *
 * Ownership: the strings in cli_config_t belong to the struct and are freed
 * by cli_config_fini(). Not thread-safe; load it once at start.
 */
#ifndef AVP_CLI_CONFIG_H
#define AVP_CLI_CONFIG_H

#include "store/store.h"
#include "util/avp.h"
#include "util/limits.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct cli_config {
    char *database_url;   /* NULL: no external database configured */
    char *redis_url;      /* NULL: no external Redis configured */
    char *data_dir;       /* absolute once cli_config_prepare_dirs() ran */
    char *admin_password; /* NULL: generate one on first start */
    char *web_dir;        /* NULL: no UI to serve */
    char *metrics_listen; /* AVP_METRICS_LISTEN "ADDR:PORT"; NULL: none */
    char *metrics_token;  /* AVP_METRICS_TOKEN; NULL: admins only */
    char *prometheus_url; /* AVP_PROMETHEUS_URL; NULL: no history */
    char *public_url;     /* AVP_PUBLIC_URL, where workers reach this
                           * server; NULL: not registered */
    int cache_mb;         /* AVP_CACHE_MB, the worker's file cache */
    int port;             /* 1..65535 */
    int workers;          /* 0..256 */
    int db_pool_max;      /* 1..1000 */
    int model_cache_mb;   /* 16..1048576 */
    int reclaim_idle_s;   /* 2..3600 */
    int engine_max;       /* 1..256; 0: twice the cores */
    int thumb_cache;      /* thumbnails kept on disk, 1..10^6; 0: 2000 */
    int header_timeout_s; /* 1..300; 0: the server's default */
    int conns_per_addr;   /* 1..65536; 0: the server's default */
    int list_cache_off;   /* AVP_LIST_CACHE=off */
    int auth_cache_off;   /* AVP_AUTH_CACHE=off */
    uint64_t max_upload;  /* bytes, >= 1 */
    char *tls_cert;       /* absolute; NULL: plain HTTP */
    char *tls_key;        /* absolute; NULL: plain HTTP */
    int trust_proxy;      /* AVP_TRUST_PROXY=on */
    char *allowed_origins; /* NULL: the server's own origin only */
    int model_quota;      /* 1..1000000; 0: the API's default */
    uint64_t model_quota_bytes; /* 0: the API's default */
    /* What a child reading an upload (`avp media`, `avp models inspect`)
     * and a worker may use: AVP_CHILD_LIMITS, AVP_WORKER_LIMITS (specs as
     * util/limits.h reads them). */
    avp_limits_t child_limits, worker_limits;
} cli_config_t;

/* Fills cfg from the environment and defaults. On a malformed variable
 * returns AVP_EINVAL with a message naming it ("AVP_PORT: '70000' is not a
 * port (1-65535)"); callers print it and exit 2. cfg is always safe to
 * cli_config_fini() afterwards. */
int cli_config_load(cli_config_t *cfg, avp_error_t *err);
void cli_config_fini(cli_config_t *cfg);

/* Flag overrides with the same validation as the environment. */
int cli_config_set_port(cli_config_t *cfg, const char *s, avp_error_t *err);
int cli_config_set_workers(cli_config_t *cfg, const char *s, avp_error_t *err);
void cli_config_set_data_dir(cli_config_t *cfg, const char *dir);
/* The TLS certificate and key (either may be NULL to keep the current
 * one), made absolute; AVP_EINVAL naming a file that cannot be found. */
int cli_config_set_tls(cli_config_t *cfg, const char *cert, const char *key,
                       avp_error_t *err);

/* Creates the data directory and its subfolders (mode 0700) and makes
 * cfg->data_dir absolute, so children started elsewhere find it. */
int cli_config_prepare_dirs(cli_config_t *cfg, avp_error_t *err);

/* "<data_dir>/<sub>"; the caller frees it with avp_free(). */
char *cli_config_path(const cli_config_t *cfg, const char *sub);

/* Exports the configuration into this process's environment (AVP_*), so a
 * child started with exec sees exactly what the parent resolved. */
void cli_config_export(const cli_config_t *cfg);

/* For the commands that talk to the database: loads the configuration into
 * cfg, checks AVP_DATABASE_URL and opens a pool of up to AVP_DB_POOL_MAX
 * connections named `cmd` in pg_stat_activity. On failure prints
 * "avp <cmd>: why" and returns the exit code (2: configuration, 1:
 * database unreachable); 0 with *pool set otherwise. cfg must be
 * cli_config_fini()'d and the pool destroyed in every case. */
int cli_open_pool(const char *cmd, cli_config_t *cfg, int min_size,
                  store_pool_t **pool);

/* Applies the migrations compiled into the binary (cmd_migrate.c).
 * *applied (may be NULL) receives how many were missing. */
int cli_apply_migrations(store_pool_t *pool, int *applied, avp_error_t *err);

/* Creates a user with an argon2id hash of password (users.c), for `avp up`
 * (the first admin) and `avp user add`. AVP_EINVAL when the name is taken
 * or not 1-64 characters. */
int cli_user_create(store_conn_t *c, const char *name, const char *password,
                    bool admin, avp_error_t *err);

#endif
