/* cmd_serve.c - `avp serve`: the API server alone (api/api.h on the
 * HTTP foundation), until SIGTERM or Ctrl-C. `avp up` runs it as a child;
 * it can also run by itself against external PostgreSQL and Redis. */
#include "cli.h"
#include "config.h"

#include "api/api.h"
#include "store/catalog.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char serve_usage[] =
    "usage: avp serve [--port N] [--data DIR] [--listen ADDR]\n"
    "                 [--tls-cert FILE --tls-key FILE] [--trust-proxy]\n"
    "                 [--allowed-origins LIST] [--metrics-listen ADDR:PORT]\n"
    "\n"
    "Serves the HTTP API, the progress WebSockets and the web UI until\n"
    "SIGTERM or Ctrl-C. Applies missing migrations first.\n"
    "  --port N       port (default AVP_PORT or 8080)\n"
    "  --data DIR     data directory (default AVP_DATA_DIR or ./avp-data)\n"
    "  --listen ADDR  address to bind (default 127.0.0.1; 0.0.0.0 for all)\n"
    "  --tls-cert FILE, --tls-key FILE\n"
    "                 serve HTTPS with this PEM certificate (chain) and key\n"
    "                 (default AVP_TLS_CERT, AVP_TLS_KEY; unset: HTTP)\n"
    "  --trust-proxy  behind a reverse proxy: believe its X-Forwarded-Proto\n"
    "                 and X-Forwarded-For (default AVP_TRUST_PROXY=on|off)\n"
    "  --allowed-origins LIST\n"
    "                 other origins (https://host[:port], comma-separated)\n"
    "                 whose pages may use the session cookie to write and\n"
    "                 open WebSockets (default AVP_ALLOWED_ORIGINS)\n"
    "  --metrics-listen ADDR:PORT  serve /metrics there without a credential\n"
    "                 (and nothing else); on the API's port it needs an admin\n"
    "                 or AVP_METRICS_TOKEN (default AVP_METRICS_LISTEN)\n"
    "Environment: AVP_DATABASE_URL (required), AVP_REDIS_URL (without it:\n"
    "no cache, no live progress, tasks wait for a worker's reconciler),\n"
    "AVP_WEB_DIR, AVP_MAX_UPLOAD, AVP_DB_POOL_MAX, AVP_ENGINE_MAX,\n"
    "AVP_THUMB_CACHE, AVP_LIST_CACHE, AVP_AUTH_CACHE, AVP_HEADER_TIMEOUT_S,\n"
    "AVP_CONNS_PER_ADDR, AVP_MODEL_QUOTA, AVP_MODEL_QUOTA_BYTES,\n"
    "AVP_CHILD_LIMITS, AVP_METRICS_TOKEN, AVP_PUBLIC_URL.\n";

typedef struct serve_cmd {
    const char *port, *data, *listen, *tls_cert, *tls_key, *origins;
    const char *metrics_listen;
    int trust_proxy;
} serve_cmd_t;

enum { OPT_TLS_CERT = 256, OPT_TLS_KEY, OPT_TRUST_PROXY, OPT_ORIGINS };

static int parse_serve(serve_cmd_t *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, 0, 'p'}, {"data", required_argument, 0, 'd'},
        {"listen", required_argument, 0, 'l'},
        {"tls-cert", required_argument, 0, OPT_TLS_CERT},
        {"tls-key", required_argument, 0, OPT_TLS_KEY},
        {"trust-proxy", no_argument, 0, OPT_TRUST_PROXY},
        {"allowed-origins", required_argument, 0, OPT_ORIGINS},
        {"metrics-listen", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p': c->port = optarg; break;
        case 'd': c->data = optarg; break;
        case 'l': c->listen = optarg; break;
        case OPT_TLS_CERT: c->tls_cert = optarg; break;
        case OPT_TLS_KEY: c->tls_key = optarg; break;
        case OPT_TRUST_PROXY: c->trust_proxy = 1; break;
        case OPT_ORIGINS: c->origins = optarg; break;
        case 'm': c->metrics_listen = optarg; break;
        case 'h': fputs(serve_usage, stdout); return -1;
        default: return cli_bad_option("serve", opt, argv, serve_usage);
        }
    }
    if (optind != argc) {
        fputs(serve_usage, stderr);
        return 2;
    }
    return 0;
}

/* Flags over the environment, then the data directory and the schema. */
static int prepare(const serve_cmd_t *c, cli_config_t *cfg, store_pool_t *pool,
                   avp_error_t *err)
{
    if ((c->port && cli_config_set_port(cfg, c->port, err)) ||
        cli_config_set_tls(cfg, c->tls_cert, c->tls_key, err))
        return 2;
    cfg->trust_proxy |= c->trust_proxy;
    if (c->origins) {
        avp_free(cfg->allowed_origins);
        cfg->allowed_origins = avp_strdup(c->origins);
    }
    if (c->data)
        cli_config_set_data_dir(cfg, c->data);
    if (cli_config_prepare_dirs(cfg, err) || cli_apply_migrations(pool, NULL, err))
        return 1;
    return 0;
}

/* Tells workers where this server is (AVP_PUBLIC_URL, if set) every
 * SERVE_BEAT_S until a stop signal, whose number it returns; workers take
 * a server seen within three beats as alive (worker/blobs.c). */
#define SERVE_BEAT_S 5
static void registry(const char *url, store_pool_t *pool, int leave)
{
    avp_error_t err;
    store_conn_t *c;
    if (store_pool_acquire(pool, -1, &c, &err) < 0)
        return;
    if ((leave ? store_server_leave : store_server_beat)(c, url, &err) < 0)
        fprintf(stderr, "avp serve: registering %s: %s\n", url, err.msg);
    store_pool_release(c);
}

static int wait_registered(const char *url, store_pool_t *pool,
                           const sigset_t *stop)
{
    struct timespec period = {SERVE_BEAT_S, 0};
    int sig = 0;
    if (!url)
        return sigwait(stop, &sig) == 0 ? sig : SIGTERM;
    while (sig <= 0) {
        registry(url, pool, 0);
        sig = sigtimedwait(stop, NULL, &period);
    }
    registry(url, pool, 1);
    return sig;
}

/* Runs the server until SIGTERM/SIGINT, which every thread blocks so that
 * this one takes them with sigwait. */
static int run(const serve_cmd_t *c, cli_config_t *cfg, store_pool_t *pool,
               const sigset_t *stop, avp_error_t *err)
{
    api_t *routes;
    http_server_t *srv = NULL;
    api_options_t ro = {.pool = pool, .redis_url = cfg->redis_url,
                        .data_dir = cfg->data_dir,
                        .max_upload = cfg->max_upload,
                        .model_quota = cfg->model_quota,
                        .model_quota_bytes = cfg->model_quota_bytes,
                        .engine_max = cfg->engine_max,
                        .thumb_cache = cfg->thumb_cache,
                        .list_cache_off = cfg->list_cache_off,
                        .auth_cache_off = cfg->auth_cache_off,
                        .child_limits = cfg->child_limits,
                        .prometheus_url = cfg->prometheus_url};
    blob_s3_t *s3 = NULL;
    if (blob_init(err) || blob_s3_from_env(&s3, err))
        return 2;
    ro.s3 = s3;
    int rc = api_create(&ro, &routes, err);
    if (rc < 0) {
        blob_s3_destroy(s3);
        return 1;
    }
    http_server_options_t so = {
        .listen_addr = c->listen, .port = cfg->port,
        .static_root = cfg->web_dir, .tls_cert = cfg->tls_cert,
        .tls_key = cfg->tls_key, .trust_proxy = cfg->trust_proxy,
        .allowed_origins = cfg->allowed_origins,
        .header_timeout_ms = cfg->header_timeout_s * 1000,
        .conns_per_addr = cfg->conns_per_addr,
        .metrics_listen = c->metrics_listen ? c->metrics_listen
                                            : cfg->metrics_listen,
        .metrics_token = cfg->metrics_token};
    api_server_options(routes, &so);
    if (!(srv = http_server_create(&so, err)) ||
        api_register(routes, srv, err) < 0 ||
        http_server_start(srv, err) < 0)
        rc = 1;
    if (rc == 0) {
        printf("avp serve: %s://%s:%d\n", cfg->tls_cert ? "https" : "http",
               c->listen ? c->listen : "127.0.0.1", http_server_port(srv));
        fflush(stdout);
        int sig = wait_registered(cfg->public_url, pool, stop);
        fprintf(stderr, "avp serve: %s, stopping\n", strsignal(sig));
    }
    http_server_stop(srv);
    api_destroy(routes);
    http_server_destroy(srv);
    blob_s3_destroy(s3);
    return rc;
}

int cli_serve(int argc, char **argv)
{
    serve_cmd_t c = {0};
    int rc = parse_serve(&c, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    cli_config_t cfg;
    store_pool_t *pool;
    avp_error_t err = {0};
    if ((rc = cli_open_pool("serve", &cfg, 1, &pool)) == 0 &&
        (rc = prepare(&c, &cfg, pool, &err)) == 0)
        rc = run(&c, &cfg, pool, &stop, &err);
    if (rc && err.msg[0])
        fprintf(stderr, "avp serve: %s\n", err.msg);
    store_pool_destroy(pool);
    cli_config_fini(&cfg);
    return rc;
}
