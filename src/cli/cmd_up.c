/* cmd_up.c - `avp up`: the whole platform in one command. Private
 * PostgreSQL and Redis when no URLs are configured, the migrations, the
 * first admin, then one `avp serve` and N `avp worker` children under the
 * supervisor (supervise.h) until Ctrl-C or SIGTERM, which stops the
 * children and then the private services. A lock file in DATA/run makes a
 * second `avp up` on the same data directory say that one runs already.
 * Started as root, everything but `avp up` itself runs as the system user
 * `avp` (services_user), which owns the data folder; the workers, which
 * decode uploaded video and load uploaded models, run under limits. */
#include "cli.h"
#include "config.h"
#include "monitoring.h"
#include "services.h"
#include "supervise.h"

#include "http/http.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define ADMIN_NAME "admin"
/* In the data folder; holds the generated first password (mode 0600). */
#define ADMIN_PASSWORD_FILE "admin-password"
#define STOP_TIMEOUT_S 20.0

static const char usage[] =
    "usage: avp up [--data DIR] [--port N] [--workers N] [--monitoring]\n"
    "              [--tls-cert FILE --tls-key FILE] [--trust-proxy]\n"
    "\n"
    "Runs the platform: PostgreSQL and Redis (private ones in DIR unless\n"
    "AVP_DATABASE_URL / AVP_REDIS_URL are set), the schema migrations, the\n"
    "API server and N workers, until Ctrl-C. Logs go to DIR/logs.\n"
    "  --data DIR     data directory (default AVP_DATA_DIR or ./avp-data)\n"
    "  --port N       HTTP port (default AVP_PORT or 8080)\n"
    "  --workers N    worker processes (default AVP_WORKERS or cores)\n"
    "  --monitoring   also Prometheus (Debian's) on 127.0.0.1:PORT+1 with\n"
    "                 deploy/prometheus's rules, scraping the server and\n"
    "                 every worker (README: Monitoring)\n"
    "  --tls-cert FILE, --tls-key FILE, --trust-proxy\n"
    "                 passed to `avp serve` (see avp serve --help)\n"
    "The first admin's password is AVP_ADMIN_PASSWORD, or generated at the\n"
    "first start into DIR/" ADMIN_PASSWORD_FILE " (readable by its owner only).\n";

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct up {
    cli_config_t cfg;
    int lock_fd;
    char *pg_dir, *redis_dir; /* set when the private service is ours */
    up_monitoring_t *mon;     /* --monitoring; NULL: none */
    bool monitoring;
    uid_t uid;                /* what the children and services run as */
    gid_t gid;
    sup_t *sup;
} up_t;

static int parse_args(up_t *u, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'd'}, {"port", required_argument, 0, 'p'},
        {"workers", required_argument, 0, 'w'},
        {"tls-cert", required_argument, 0, 'c'},
        {"tls-key", required_argument, 0, 'k'},
        {"trust-proxy", no_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
        {"monitoring", no_argument, 0, 'm'},
        {0, 0, 0, 0}};
    avp_error_t err = {0};
    int opt, rc = 0;
    optind = 0;
    while (!rc && (opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': cli_config_set_data_dir(&u->cfg, optarg); break;
        case 'p': rc = cli_config_set_port(&u->cfg, optarg, &err); break;
        case 'w': rc = cli_config_set_workers(&u->cfg, optarg, &err); break;
        case 'c': rc = cli_config_set_tls(&u->cfg, optarg, NULL, &err); break;
        case 'k': rc = cli_config_set_tls(&u->cfg, NULL, optarg, &err); break;
        case 't': u->cfg.trust_proxy = 1; break;
        case 'm': u->monitoring = true; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_bad_option("up", opt, argv, usage);
        }
    }
    if (rc) {
        fprintf(stderr, "avp up: %s\n", err.msg);
        return 2;
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    return 0;
}

static void write_file(const up_t *u, const char *name, const char *text)
{
    char *p = cli_config_path(&u->cfg, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    avp_free(p);
}

/* Takes DATA/run/up.lock; if another `avp up` holds it, says so. */
static int take_lock(up_t *u)
{
    char *p = cli_config_path(&u->cfg, "run/up.lock");
    u->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    avp_free(p);
    if (u->lock_fd >= 0 && flock(u->lock_fd, LOCK_EX | LOCK_NB) == 0) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d\n", (int)getpid());
        write_file(u, "run/up.pid", pid);
        return 0;
    }
    char url[256] = "", *path = cli_config_path(&u->cfg, "run/url");
    FILE *f = fopen(path, "r");
    if (f && fgets(url, sizeof url, f))
        url[strcspn(url, "\n")] = 0;
    if (f)
        fclose(f);
    avp_free(path);
    fprintf(stderr, "avp up: already running with data directory %s%s%s\n",
            u->cfg.data_dir, url[0] ? " at " : "", url);
    return 1;
}

static int start_services(up_t *u, avp_error_t *err)
{
    int rc = u->monitoring ? up_monitoring_prepare(&u->cfg, &u->mon, err) : 0;
    if (!rc)
        rc = services_user(&u->uid, &u->gid, err);
    if (!rc)
        rc = services_make_private(u->cfg.data_dir, u->uid, u->gid, err);
    if (!rc && !u->cfg.database_url) {
        u->pg_dir = cli_config_path(&u->cfg, "pg");
        printf("avp up: starting PostgreSQL in %s\n", u->pg_dir);
        rc = services_pg_start(u->pg_dir, &u->cfg.database_url, err);
    }
    if (!rc && !u->cfg.redis_url) {
        u->redis_dir = cli_config_path(&u->cfg, "redis");
        printf("avp up: starting Redis in %s\n", u->redis_dir);
        rc = services_redis_start(u->redis_dir, &u->cfg.redis_url, err);
    }
    return rc;
}

static void stop_services(up_t *u)
{
    avp_error_t err = {0};
    if (u->redis_dir && services_redis_stop(u->redis_dir, &err))
        fprintf(stderr, "avp up: %s\n", err.msg);
    if (u->pg_dir && services_pg_stop(u->pg_dir, &err))
        fprintf(stderr, "avp up: %s\n", err.msg);
    if (u->redis_dir || u->pg_dir)
        printf("avp up: private services stopped\n");
}

/* Writes a generated first password to a file only AVP's user reads,
 * before the account exists (no account without its password kept).
 * Never to the console: `avp up`'s output goes to terminals, service
 * journals and CI logs that others read and keep. */
static int save_generated(const up_t *u, const char *password,
                          avp_error_t *err)
{
    char *p = cli_config_path(&u->cfg, ADMIN_PASSWORD_FILE);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                  0600);
    bool ok = fd >= 0 && fchmod(fd, 0600) == 0 &&
              dprintf(fd, "%s\n", password) > 0;
    int rc = ok ? AVP_OK : avp_error_set(err, AVP_EIO, "%s: %s", p,
                                         strerror(errno));
    if (fd >= 0 && close(fd) < 0 && ok)
        rc = avp_error_set(err, AVP_EIO, "%s: %s", p, strerror(errno));
    avp_free(p);
    return rc;
}

/* Creates the admin when the users table is empty; *generated is set when
 * its password was generated (and saved), else stays empty. */
static int ensure_admin(up_t *u, store_pool_t *pool, char *generated,
                        avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    int64_t users;
    bool empty = store_user_count(c, &users, err) == AVP_OK && users == 0;
    generated[0] = 0;
    if (empty) {
        const char *pw = u->cfg.admin_password;
        if (!pw) {
            http_auth_token_new("", generated);
            pw = generated;
            rc = save_generated(u, pw, err);
        }
        if (!rc)
            rc = cli_user_create(c, ADMIN_NAME, pw, true, err);
    }
    store_pool_release(c);
    return rc;
}

static int prepare_database(up_t *u, char *generated, avp_error_t *err)
{
    store_pool_t *pool = NULL;
    store_pool_opts_t po = {.conninfo = u->cfg.database_url, .max_size = 2,
                            .application_name = "avp up"};
    int applied = 0, rc = store_pool_create(&po, &pool, err);
    if (!rc)
        rc = cli_apply_migrations(pool, &applied, err);
    if (!rc && applied)
        printf("avp up: %d migration%s applied\n", applied,
               applied == 1 ? "" : "s");
    if (!rc)
        rc = ensure_admin(u, pool, generated, err);
    store_pool_destroy(pool);
    return rc;
}

static int spawn_children(up_t *u)
{
    char exe[PATH_MAX];
    avp_error_t err = {0};
    if (avp_program_path(NULL, exe, sizeof exe) < 0)
        return -1;
    /* The children run as another user: the program and the web UI must
     * be theirs to reach. */
    const char *theirs[] = {exe, u->cfg.web_dir};
    for (size_t i = 0; i < AVP_ARRAY_LEN(theirs) && u->uid != getuid(); i++)
        if (theirs[i] && services_reachable(theirs[i], &err)) {
            fprintf(stderr, "avp up: %s\n", err.msg);
            errno = EACCES;
            return -1;
        }
    char *logs = cli_config_path(&u->cfg, "logs");
    char *run = cli_config_path(&u->cfg, "run");
    u->sup = sup_create(exe, logs, run);
    avp_free(logs), avp_free(run);
    if (u->uid != getuid())
        sup_run_as(u->sup, u->uid, u->gid);
    cli_config_export(&u->cfg);
    unsetenv("AVP_ADMIN_PASSWORD"); /* children have no use for it */
    const char *serve[] = {"avp", "serve", NULL};
    /* Prometheus first: it sets the URL the server reads. */
    int rc = u->mon ? up_monitoring_spawn(u->mon, u->sup) : 0;
    if (!rc)
        rc = sup_spawn(u->sup, "serve", serve, NULL);
    for (int i = 1; i <= u->cfg.workers && !rc; i++) {
        char name[32], metrics[64];
        snprintf(name, sizeof name, "worker-%d", i);
        if (u->mon)
            up_monitoring_worker_arg(u->mon, i, metrics, sizeof metrics);
        /* Each worker uses every core, as `avp detect` does: the runtime's
         * sums depend on its thread count in the last digits, and a run
         * should give what `avp detect` gives on the same clip. */
        const char *argv[] = {"avp", "worker", "--name", name,
                              u->mon ? metrics : NULL, NULL};
        rc = sup_spawn(u->sup, name, argv, &u->cfg.worker_limits);
    }
    return rc;
}

static void announce(const up_t *u, const char *generated)
{
    char url[64];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d",
             u->cfg.tls_cert ? "https" : "http", u->cfg.port);
    write_file(u, "run/url", url);
    printf("avp up: %s  (%d worker%s, data in %s)\n", url, u->cfg.workers,
           u->cfg.workers == 1 ? "" : "s", u->cfg.data_dir);
    if (u->mon)
        printf("avp up: Prometheus at %s\n", up_monitoring_url(u->mon));
    char *file = cli_config_path(&u->cfg, ADMIN_PASSWORD_FILE);
    if (generated[0])
        printf("avp up: admin user '%s', password generated into %s\n",
               ADMIN_NAME, file);
    else
        printf("avp up: admin user '%s' (password: %s%s)\n", ADMIN_NAME,
               u->cfg.admin_password ? "AVP_ADMIN_PASSWORD"
                                     : "as generated into ",
               u->cfg.admin_password ? "" : file);
    avp_free(file);
    fflush(stdout);
}

static int run(up_t *u)
{
    avp_error_t err = {0};
    char generated[HTTP_AUTH_TOKEN_MAX];
    int rc = start_services(u, &err);
    if (!rc)
        rc = prepare_database(u, generated, &err);
    if (rc) {
        fprintf(stderr, "avp up: %s\n", err.msg);
        return 1;
    }
    if (spawn_children(u)) {
        fprintf(stderr, "avp up: cannot start children: %s\n", strerror(errno));
        return 1;
    }
    announce(u, generated);
    while (!stop_requested)
        sup_poll(u->sup, 200);
    printf("avp up: stopping\n");
    sup_stop(u->sup, STOP_TIMEOUT_S);
    return 0;
}

int cli_up(int argc, char **argv)
{
    up_t u = {.lock_fd = -1};
    avp_error_t err = {0};
    if (cli_config_load(&u.cfg, &err)) {
        fprintf(stderr, "avp up: %s\n", err.msg);
        cli_config_fini(&u.cfg);
        return 2;
    }
    int rc = parse_args(&u, argc, argv);
    if (rc == 0 && cli_config_prepare_dirs(&u.cfg, &err)) {
        fprintf(stderr, "avp up: %s\n", err.msg);
        rc = 1;
    }
    if (rc == 0 && (rc = take_lock(&u)) == 0) {
        struct sigaction sa = {.sa_handler = on_stop};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        setvbuf(stdout, NULL, _IOLBF, 0); /* lines interleave with children */
        rc = run(&u);
        sup_destroy(u.sup);
        stop_services(&u);
    }
    if (u.lock_fd >= 0)
        close(u.lock_fd);
    avp_free(u.pg_dir), avp_free(u.redis_dir);
    up_monitoring_destroy(u.mon);
    cli_config_fini(&u.cfg);
    return rc < 0 ? 0 : rc;
}
