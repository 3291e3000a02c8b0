/* services.c - life cycle of the private PostgreSQL and Redis (see
 * services.h for the layout and why things are done the way they are). */
#include "services.h"

#include "queue/queue.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_BIN "/usr/lib/postgresql/15/bin"
#define PG_PORT "5432" /* names the socket file only: no TCP listener */
#define PG_USER "avp"
#define REDIS_SERVER "/usr/bin/redis-server"

/* In the child: become the `avp` system user (when root): PostgreSQL,
 * Redis and the children of `avp up` all run as it. */
static void drop_to_pg_user(void)
{
    struct passwd *pw = getpwnam(PG_USER);
    /* Without root's supplementary groups too: they could open files
     * readable by group root. */
    if (!pw || setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
        _exit(126);
}

/* Runs argv to completion with stdout+stderr appended to log (NULL:
 * /dev/null), in a new session, as the `avp` user if as_pg. Returns
 * the exit status, or -1 if it did not exit normally. */
static int run(char *const argv[], bool as_pg, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setsid();
        int fd = open(log ? log : "/dev/null",
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0)
            dup2(fd, 1), dup2(fd, 2);
        if (as_pg && getuid() == 0)
            drop_to_pg_user();
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = avp_malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int ensure_pg_user(avp_error_t *err)
{
    if (getuid() != 0 || getpwnam(PG_USER))
        return AVP_OK;
    char *argv[] = {"/usr/sbin/useradd", "--system", "--user-group",
                    "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", PG_USER, NULL};
    if (run(argv, false, NULL) != 0 || !getpwnam(PG_USER))
        return avp_error_set(err, AVP_EIO, "cannot create system user '%s' "
                             "(PostgreSQL refuses to run as root)", PG_USER);
    return AVP_OK;
}

int services_user(uid_t *uid, gid_t *gid, avp_error_t *err)
{
    int rc = ensure_pg_user(err);
    struct passwd *pw = getuid() == 0 ? getpwnam(PG_USER) : NULL;
    *uid = pw ? pw->pw_uid : getuid();
    *gid = pw ? pw->pw_gid : getgid();
    return rc;
}

static void give_to_pg_user(const char *path)
{
    struct passwd *pw = getpwnam(PG_USER);
    if (getuid() == 0 && pw && chown(path, pw->pw_uid, pw->pw_gid) < 0)
        fprintf(stderr, "avp up: chown %s: %s\n", path, strerror(errno));
}

/* A 0700 parent (a root home, mktemp -d) would make initdb, or the exec
 * of a child, fail obscurely. */
int services_reachable(const char *dir, avp_error_t *err)
{
    char *argv[] = {"/usr/bin/test", "-x", (char *)dir, NULL};
    if (getuid() == 0 && run(argv, true, NULL) != 0)
        return avp_error_set(err, AVP_EINVAL, "%s is not reachable by user "
                             "'%s'; make its parent directories traversable "
                             "(chmod o+x)", dir, PG_USER);
    return AVP_OK;
}

/* One entry of services_make_private; a file that vanished meanwhile (a
 * log rotated, a server's temporary file) is no failure. */
static int make_private_one(const FTSENT *e, uid_t uid, gid_t gid)
{
    bool dir = e->fts_info == FTS_D;
    if (!dir && e->fts_info != FTS_F)
        return 0; /* sockets, links, the post-order visit of a folder */
    if ((getuid() == 0 && lchown(e->fts_accpath, uid, gid) < 0 &&
         errno != ENOENT) ||
        (chmod(e->fts_accpath, dir ? 0700 : 0600) < 0 && errno != ENOENT))
        return -1;
    return 0;
}

int services_make_private(const char *dir, uid_t uid, gid_t gid,
                          avp_error_t *err)
{
    char *roots[] = {(char *)dir, NULL};
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    if (!fts)
        return avp_error_set(err, AVP_EIO, "%s: %s", dir, strerror(errno));
    FTSENT *e;
    int rc = AVP_OK;
    while (!rc && (e = fts_read(fts)))
        if (make_private_one(e, uid, gid) < 0)
            rc = avp_error_set(err, AVP_EIO, "cannot make %s private: %s",
                               e->fts_path, strerror(errno));
    fts_close(fts);
    return rc ? rc : services_reachable(dir, err);
}

/* The cluster, its socket directory and its log belong to the server's
 * user alone, on every start: an older `avp up` made the socket directory
 * and the log 0755, so any local user reached the socket. (The children
 * of `avp up` run as that user too; root passes anyway.) */
static void pg_restrict_dirs(const char *dir, const char *data,
                             const char *sock, const char *logdir)
{
    const char *all[] = {dir, data, sock, logdir};
    for (size_t i = 0; i < AVP_ARRAY_LEN(all); i++) {
        mkdir(all[i], 0700);
        if (chmod(all[i], 0700) < 0)
            fprintf(stderr, "avp up: chmod %s: %s\n", all[i], strerror(errno));
        give_to_pg_user(all[i]);
    }
}

static int pg_init(const char *dir, const char *data, const char *sock,
                   avp_error_t *err)
{
    char *version = join(data, "PG_VERSION"), *logdir = join(dir, "log");
    char *conf = join(data, "postgresql.conf");
    char *log = join(logdir, "initdb.log");
    int rc = AVP_OK;
    pg_restrict_dirs(dir, data, sock, logdir);
    if (access(version, F_OK) == 0)
        goto out;
    if ((rc = services_reachable(dir, err)))
        goto out;
    fprintf(stderr, "avp up: initdb %s\n", data);
    /* pg_hba.conf is replaced by pg_write_auth before the first start. */
    char *argv[] = {PG_BIN "/initdb", "-D", (char *)data, "-U", PG_USER,
                    "--auth-local=peer", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale=C.UTF-8", NULL};
    if (run(argv, true, log) != 0) {
        rc = avp_error_set(err, AVP_EIO, "initdb failed; see %s", log);
        goto out;
    }
    FILE *f = fopen(conf, "a");
    if (!f) {
        rc = avp_error_set(err, AVP_EIO, "%s: %s", conf, strerror(errno));
        goto out;
    }
    fprintf(f, "\n# Written by avp up.\nport = " PG_PORT "\n"
            "listen_addresses = ''\nunix_socket_directories = '%s'\n"
            "unix_socket_permissions = 0700\n"
            "max_connections = 200\nshared_buffers = 128MB\n", sock);
    fclose(f);
out:
    avp_free(version), avp_free(logdir), avp_free(conf), avp_free(log);
    return rc;
}

/* Writes text to data/name, readable by the server's user only. */
static int write_pg_file(const char *data, const char *name, const char *text,
                         avp_error_t *err)
{
    char *path = join(data, name);
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    int rc = ok ? AVP_OK : avp_error_set(err, AVP_EIO, "%s: %s", path,
                                         strerror(errno));
    if (ok && chmod(path, 0600) == 0)
        give_to_pg_user(path);
    avp_free(path);
    return rc;
}

/* Peer authentication mapped to the database user avp: the OS user AVP
 * runs as and the server's own user get in, no other local user (initdb's
 * trust made every one of them superuser). Written on every start, so a
 * cluster made by an older `avp up` is tightened too. */
static int pg_write_auth(const char *data, avp_error_t *err)
{
    struct passwd *pw = getpwuid(getuid());
    if (!pw)
        return avp_error_set(err, AVP_EINVAL, "uid %d has no user name, which "
                             "peer authentication needs", (int)getuid());
    char ident[256];
    snprintf(ident, sizeof ident, "# Written by avp up on every start.\n"
             "avp %s " PG_USER "\navp %s " PG_USER "\n", pw->pw_name,
             getuid() == 0 ? PG_USER : pw->pw_name);
    int rc = write_pg_file(data, "pg_ident.conf", ident, err);
    if (!rc)
        rc = write_pg_file(data, "pg_hba.conf", "# Written by avp up on every "
                           "start: the socket only, peer through the map in "
                           "pg_ident.conf.\nlocal all all peer map=avp\n",
                           err);
    return rc;
}

static bool pg_running(const char *data)
{
    char *argv[] = {PG_BIN "/pg_ctl", "-D", (char *)data, "status", NULL};
    return run(argv, true, NULL) == 0;
}

/* Waits for the maintenance database and creates `avp` if missing. */
static int pg_ensure_db(const char *sock, avp_error_t *err)
{
    char conninfo[1200];
    snprintf(conninfo, sizeof conninfo,
             "host=%s port=" PG_PORT " user=" PG_USER " dbname=postgres", sock);
    return store_database_ensure(conninfo, "avp", 30 * 1000, err);
}

int services_pg_start(const char *dir, char **url, avp_error_t *err)
{
    char *data = join(dir, "data"), *sock = join(dir, "run");
    char *log = join(dir, "log/postgres.log");
    *url = NULL;
    int rc = ensure_pg_user(err);
    if (strlen(sock) + 20 > 107)
        rc = avp_error_set(err, AVP_EINVAL, "socket directory %s is too long "
                           "for a Unix socket; use a shorter data dir", sock);
    if (!rc)
        rc = pg_init(dir, data, sock, err);
    if (!rc)
        rc = pg_write_auth(data, err);
    if (!rc && pg_running(data)) {
        char *argv[] = {PG_BIN "/pg_ctl", "-D", data, "reload", NULL};
        if (run(argv, true, NULL) != 0)
            rc = avp_error_set(err, AVP_EIO, "PostgreSQL in %s did not reload "
                               "its authentication", data);
    } else if (!rc) {
        char *argv[] = {PG_BIN "/pg_ctl", "-D", data, "-l", log, "-w",
                        "-t", "60", "start", NULL};
        if (run(argv, true, NULL) != 0)
            rc = avp_error_set(err, AVP_EIO, "PostgreSQL did not start; "
                               "see %s", log);
    }
    if (!rc)
        rc = pg_ensure_db(sock, err);
    if (!rc) {
        size_t n = strlen(sock) + 64;
        *url = avp_malloc(n);
        snprintf(*url, n, "postgresql:///avp?host=%s&port=" PG_PORT
                 "&user=" PG_USER, sock);
    }
    avp_free(data), avp_free(sock), avp_free(log);
    return rc;
}

int services_pg_stop(const char *dir, avp_error_t *err)
{
    char *data = join(dir, "data");
    int rc = AVP_OK;
    if (pg_running(data)) {
        char *argv[] = {PG_BIN "/pg_ctl", "-D", data, "-m", "fast", "-w",
                        "-t", "60", "stop", NULL};
        if (run(argv, true, NULL) != 0)
            rc = avp_error_set(err, AVP_EIO, "PostgreSQL in %s did not stop",
                               data);
    }
    avp_free(data);
    return rc;
}

/* ---- Redis ------------------------------------------------------------- */

/* A daemonized server's parent is PID 1, which in a container may never
 * reap it: an exited server can linger as a zombie that kill(0) finds. */
static bool alive(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] != 'Z';
}

static pid_t redis_pid(const char *dir)
{
    char *path = join(dir, "redis.pid");
    FILE *f = fopen(path, "r");
    avp_free(path);
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid > 0 && alive(pid) ? pid : 0;
}

static int redis_write_conf(const char *dir, const char *conf, avp_error_t *err)
{
    FILE *f = fopen(conf, "w");
    if (!f)
        return avp_error_set(err, AVP_EIO, "%s: %s", conf, strerror(errno));
    /* The append-only file keeps pending tasks through a restart. */
    give_to_pg_user(conf); /* fopen made it 0600; Redis runs as avp */
    fprintf(f, "daemonize yes\npidfile %s/redis.pid\ndir %s\n"
            "logfile %s/redis.log\nunixsocket %s/redis.sock\n"
            "unixsocketperm 700\nport 0\nbind 127.0.0.1\n"
            "appendonly yes\nappendfsync everysec\nsave \"\"\n",
            dir, dir, dir, dir);
    fclose(f);
    return AVP_OK;
}

static int redis_wait(const char *url, avp_error_t *err)
{
    for (int i = 0; i < 200; i++, usleep(50 * 1000)) {
        queue_conn_t *q = NULL;
        queue_opts_t o = {.connect_timeout_ms = 200};
        int rc = queue_conn_open(url, &o, &q, err);
        if (!rc)
            rc = queue_conn_ping(q, err);
        queue_conn_close(q);
        if (!rc)
            return AVP_OK;
    }
    return avp_error_set(err, AVP_EUNAVAILABLE, "Redis at %s did not answer "
                         "within 10 s", url);
}

int services_redis_start(const char *dir, char **url, avp_error_t *err)
{
    char *conf = join(dir, "redis.conf"), *sock = join(dir, "redis.sock");
    size_t n = strlen(sock) + 16;
    int rc = AVP_OK;
    *url = avp_malloc(n);
    snprintf(*url, n, "unix://%s", sock);
    if (strlen(sock) > 100)
        rc = avp_error_set(err, AVP_EINVAL, "socket path %s is too long; use "
                           "a shorter data dir", sock);
    /* Only the user AVP runs as may reach the socket (unixsocketperm 700)
     * and the append-only file, even in a folder an older AVP made 0755. */
    else if (chmod(dir, 0700) < 0)
        rc = avp_error_set(err, AVP_EIO, "chmod %s: %s", dir, strerror(errno));
    else if (!redis_pid(dir)) {
        char *argv[] = {REDIS_SERVER, conf, NULL};
        rc = redis_write_conf(dir, conf, err);
        if (!rc && run(argv, true, NULL) != 0)
            rc = avp_error_set(err, AVP_EIO, "redis-server did not start; "
                               "see %s/redis.log", dir);
    }
    if (!rc)
        rc = redis_wait(*url, err);
    if (rc)
        avp_free(*url), *url = NULL;
    avp_free(conf), avp_free(sock);
    return rc;
}

int services_redis_stop(const char *dir, avp_error_t *err)
{
    pid_t pid = redis_pid(dir);
    if (!pid)
        return AVP_OK;
    kill(pid, SIGTERM); /* Redis fsyncs the append-only file and exits */
    for (int i = 0; i < 200 && alive(pid); i++)
        usleep(50 * 1000);
    if (alive(pid))
        return avp_error_set(err, AVP_EIO, "Redis (pid %d) did not stop "
                             "within 10 s", (int)pid);
    return AVP_OK;
}
