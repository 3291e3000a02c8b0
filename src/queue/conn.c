/*
 * conn.c - the connection to Redis: URL parsing, the link, and the command
 * call that reconnects by itself.
 *
 * A connection holds at most one hiredis context. Any I/O error drops it;
 * the next call makes a new one. While Redis stays unreachable, attempts
 * are spaced by a backoff (10 ms doubling to retry_max_ms) and the calls in
 * between fail at once with AVP_EUNAVAILABLE, so a server answering
 * requests from PostgreSQL does not wait a connect timeout per request.
 */
#include "queue/internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct queue_conn {
    pthread_mutex_t lock; /* serializes calls on ctx */
    queue__addr_t addr;
    queue_opts_t opts;
    char *ns;
    redisContext *ctx;    /* NULL while the link is down */
    int timeout_ms;       /* the socket timeout ctx has now */
    queue__backoff_t backoff;
    uint64_t connects;
    /* Guards run_id alone: every cache call reads it, and must not wait
     * behind another thread's command in flight under `lock`. */
    pthread_mutex_t id_lock;
    char run_id[QUEUE__RUN_ID_MAX]; /* of the server the link goes to */
};

char *queue__strndup(const char *s, size_t n)
{
    char *d = avp_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static struct timeval ms_to_tv(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

int queue__opts_resolve(const queue_opts_t *opts, queue_opts_t *out,
                        avp_error_t *err)
{
    static const queue_opts_t none;
    *out = opts ? *opts : none;
    out->ns = avp_strdup(out->ns && out->ns[0] ? out->ns : "avp");
    if (out->connect_timeout_ms <= 0)
        out->connect_timeout_ms = 1000;
    if (out->command_timeout_ms <= 0)
        out->command_timeout_ms = 2000;
    if (out->retry_max_ms <= 0)
        out->retry_max_ms = 1000;
    if (out->stream_maxlen <= 0)
        out->stream_maxlen = 1000000;
    if (strlen(out->ns) > QUEUE_NS_MAX)
        return avp_error_set(err, AVP_EINVAL, "Redis namespace longer than "
                             "%d characters", QUEUE_NS_MAX);
    return AVP_OK;
}

void queue__addr_fini(queue__addr_t *a)
{
    avp_free(a->host);
    avp_free(a->path);
    avp_free(a->password);
    queue__sentinels_free(a);
    memset(a, 0, sizeof(*a));
}

/* host[:port][/db] after an optional ":password@" */
static int parse_tcp(const char *url, const char *s, queue__addr_t *a,
                     avp_error_t *err)
{
    const char *at = strchr(s, '@');
    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        if (!colon)
            return avp_error_set(err, AVP_EINVAL,
                                 "%s: expected redis://:password@host", url);
        a->password = queue__strndup(colon + 1, (size_t)(at - colon - 1));
        s = at + 1;
    }
    size_t hostlen = strcspn(s, ":/");
    if (hostlen == 0)
        return avp_error_set(err, AVP_EINVAL, "%s: no host", url);
    a->host = queue__strndup(s, hostlen);
    s += hostlen;
    a->port = 6379;
    char *end;
    if (*s == ':') {
        long port = strtol(s + 1, &end, 10);
        if (end == s + 1 || port <= 0 || port > 65535)
            return avp_error_set(err, AVP_EINVAL, "%s: bad port", url);
        a->port = (int)port;
        s = end;
    }
    if (*s == '/' && s[1]) {
        long db = strtol(s + 1, &end, 10);
        if (*end || db < 0 || db > 1000)
            return avp_error_set(err, AVP_EINVAL, "%s: bad database", url);
        a->db = (int)db;
    } else if (*s && strcmp(s, "/") != 0) {
        return avp_error_set(err, AVP_EINVAL, "%s: unexpected '%s'", url, s);
    }
    return AVP_OK;
}

int queue__addr_parse(const char *url, queue__addr_t *a, avp_error_t *err)
{
    memset(a, 0, sizeof(*a));
    if (!url)
        return avp_error_set(err, AVP_EINVAL, "no Redis URL");
    if (strncmp(url, "unix://", 7) == 0) {
        if (url[7] != '/')
            return avp_error_set(err, AVP_EINVAL,
                                 "%s: expected unix:///absolute/path", url);
        a->path = avp_strdup(url + 7);
        return AVP_OK;
    }
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp(url, url + 8, a, err);
    if (queue__is_sentinel_url(url))
        return queue__sentinel_parse(url, a, err);
    return avp_error_set(err, AVP_EINVAL, "%s: expected redis://host:port, "
                         "unix:///path or redis-sentinel://host:port/master",
                         url);
}

int queue__reply_error(const redisReply *r, avp_error_t *err)
{
    static const struct { const char *prefix; int code; } map[] = {
        {"NOGROUP", AVP_ENOTFOUND},     {"LOADING", AVP_EUNAVAILABLE},
        {"BUSY", AVP_EUNAVAILABLE},     {"MASTERDOWN", AVP_EUNAVAILABLE},
        {"TRYAGAIN", AVP_EUNAVAILABLE}, {"READONLY", AVP_EUNAVAILABLE},
    };
    int code = AVP_EIO;
    for (size_t i = 0; i < AVP_ARRAY_LEN(map); i++)
        if (strncmp(r->str, map[i].prefix, strlen(map[i].prefix)) == 0)
            code = map[i].code;
    return avp_error_set(err, code, "redis: %s", r->str);
}

/* Runs a setup command on a fresh link. */
static int setup_command(redisContext *ctx, int argc, const char **argv,
                         redisReply **out, avp_error_t *err)
{
    redisReply *r = redisCommandArgv(ctx, argc, argv, NULL);
    *out = NULL;
    if (!r)
        return avp_error_set(err, AVP_EUNAVAILABLE, "redis: %s", ctx->errstr);
    if (r->type == REDIS_REPLY_ERROR) {
        int rc = queue__reply_error(r, err);
        freeReplyObject(r);
        return rc;
    }
    *out = r;
    return AVP_OK;
}

static int read_run_id(redisContext *ctx, char *run_id, avp_error_t *err)
{
    const char *argv[] = {"INFO", "server"};
    redisReply *r;
    int rc = setup_command(ctx, 2, argv, &r, err);
    if (rc < 0)
        return rc;
    const char *p = r->type == REDIS_REPLY_STRING ? strstr(r->str, "run_id:")
                                                  : NULL;
    size_t n = p ? strspn(p + 7, "0123456789abcdef") : 0;
    if (n == 0 || n >= QUEUE__RUN_ID_MAX) {
        freeReplyObject(r);
        return avp_error_set(err, AVP_EIO, "redis: INFO without run_id");
    }
    memcpy(run_id, p + 7, n);
    run_id[n] = '\0';
    freeReplyObject(r);
    return AVP_OK;
}

static int link_setup(redisContext *ctx, const queue__addr_t *a,
                      char *run_id, avp_error_t *err)
{
    char db[16];
    snprintf(db, sizeof(db), "%d", a->db);
    const char *auth[] = {"AUTH", a->password};
    const char *select[] = {"SELECT", db};
    redisReply *r;
    int rc;
    if (a->password) {
        if ((rc = setup_command(ctx, 2, auth, &r, err)) < 0)
            return rc;
        freeReplyObject(r);
    }
    if (a->db) {
        if ((rc = setup_command(ctx, 2, select, &r, err)) < 0)
            return rc;
        freeReplyObject(r);
    }
    return run_id ? read_run_id(ctx, run_id, err) : AVP_OK;
}

/* Connects to the address itself, or to the master the sentinels name. */
static int connect_to(const queue__addr_t *a, const queue_opts_t *o,
                      redisContext **out, avp_error_t *err)
{
    struct timeval tv = ms_to_tv(o->connect_timeout_ms);
    char host[256];
    int port = a->port;
    int rc = a->master ? queue__sentinel_master(a, o, host, sizeof host,
                                                &port, err) : AVP_OK;
    if (rc < 0)
        return rc;
    const char *h = a->master ? host : a->host;
    redisContext *ctx = a->path ? redisConnectUnixWithTimeout(a->path, tv)
                                : redisConnectWithTimeout(h, port, tv);
    if (!ctx)
        return avp_error_set(err, AVP_ENOMEM, "redis: no memory for a context");
    if (ctx->err) {
        if (a->path)
            avp_error_set(err, AVP_EUNAVAILABLE, "redis %s: %s", a->path,
                          ctx->errstr);
        else
            avp_error_set(err, AVP_EUNAVAILABLE, "redis %s:%d: %s", h, port,
                          ctx->errstr);
        redisFree(ctx);
        return AVP_EUNAVAILABLE;
    }
    *out = ctx;
    return AVP_OK;
}

int queue__link_open(const queue__addr_t *a, const queue_opts_t *o,
                     redisContext **out, char *run_id, avp_error_t *err)
{
    redisContext *ctx = NULL;
    *out = NULL;
    int rc = connect_to(a, o, &ctx, err);
    if (rc < 0)
        return rc;
    if (redisSetTimeout(ctx, ms_to_tv(o->command_timeout_ms)) != REDIS_OK ||
        (!a->path && redisEnableKeepAlive(ctx) != REDIS_OK)) {
        avp_error_set(err, AVP_EUNAVAILABLE, "redis: %s", ctx->errstr);
        redisFree(ctx);
        return AVP_EUNAVAILABLE;
    }
    rc = link_setup(ctx, a, run_id, err);
    if (rc == AVP_OK && a->master)
        rc = queue__check_master(ctx, err);
    if (rc < 0) {
        redisFree(ctx);
        return rc;
    }
    *out = ctx;
    return AVP_OK;
}

int queue__backoff_check(const queue__backoff_t *b, avp_error_t *err)
{
    double now = avp_now();
    if (now < b->retry_at)
        return avp_error_set(err, AVP_EUNAVAILABLE,
                             "redis: down, next attempt in %.0f ms",
                             (b->retry_at - now) * 1e3);
    return AVP_OK;
}

int queue__pause(double deadline)
{
    double s = deadline - avp_now();
    if (s <= 0)
        return 0;
    if (s > 0.05)
        s = 0.05;
    struct timespec ts = {0, (long)(s * 1e9)};
    nanosleep(&ts, NULL);
    return 1;
}

void queue__backoff_update(queue__backoff_t *b, int rc, int max_ms)
{
    if (rc == AVP_OK) {
        b->ms = 0;
        return;
    }
    b->ms = b->ms ? b->ms * 2 : 10;
    if (b->ms > max_ms)
        b->ms = max_ms;
    b->retry_at = avp_now() + b->ms / 1e3;
}

static void drop_link(queue_conn_t *c)
{
    redisFree(c->ctx);
    c->ctx = NULL;
}

/* Makes sure c has a link, honouring the backoff. Called with c->lock. */
static int ensure_link(queue_conn_t *c, avp_error_t *err)
{
    if (c->ctx)
        return AVP_OK;
    int rc = queue__backoff_check(&c->backoff, err);
    if (rc < 0)
        return rc;
    char run_id[QUEUE__RUN_ID_MAX];
    redisContext *ctx;
    rc = queue__link_open(&c->addr, &c->opts, &ctx, run_id, err);
    if (rc == AVP_OK &&
        (rc = queue__cache_on_connect(ctx, c->ns, run_id, err)) < 0)
        redisFree(ctx);
    queue__backoff_update(&c->backoff, rc, c->opts.retry_max_ms);
    if (rc < 0)
        return rc;
    c->ctx = ctx;
    pthread_mutex_lock(&c->id_lock);
    memcpy(c->run_id, run_id, sizeof(run_id));
    pthread_mutex_unlock(&c->id_lock);
    c->timeout_ms = c->opts.command_timeout_ms;
    c->connects++;
    return AVP_OK;
}

/* True when a link failed in a way that means the server closed it (it
 * restarted), as opposed to a timeout, where resending would only wait
 * again. */
static int link_was_closed(const redisContext *ctx)
{
    return ctx->err == REDIS_ERR_EOF ||
           (ctx->err == REDIS_ERR_IO &&
            (errno == ECONNRESET || errno == EPIPE));
}

/* One attempt; *closed tells whether a retry on a new link makes sense.
 * Called with c->lock. */
static int attempt(queue_conn_t *c, int argc, const char **argv,
                   const size_t *lens, int timeout_ms, redisReply **out,
                   int *closed, avp_error_t *err)
{
    int rc = ensure_link(c, err);
    *closed = 0;
    if (rc < 0)
        return rc;
    if (timeout_ms != c->timeout_ms) {
        if (redisSetTimeout(c->ctx, ms_to_tv(timeout_ms)) != REDIS_OK) {
            avp_error_set(err, AVP_EUNAVAILABLE, "redis: %s", c->ctx->errstr);
            drop_link(c);
            return AVP_EUNAVAILABLE;
        }
        c->timeout_ms = timeout_ms;
    }
    redisReply *r = redisCommandArgv(c->ctx, argc, argv, lens);
    if (!r) {
        *closed = link_was_closed(c->ctx);
        avp_error_set(err, AVP_EUNAVAILABLE, "redis: %s",
                      c->ctx->errstr[0] ? c->ctx->errstr : "link lost");
        drop_link(c);
        return AVP_EUNAVAILABLE;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        rc = queue__reply_error(r, err);
        /* A master turned replica by a failover: the next call asks the
         * sentinels again on a new link. */
        if (!strncmp(r->str, "READONLY", 8))
            drop_link(c);
        freeReplyObject(r);
        return rc;
    }
    *out = r;
    return AVP_OK;
}

int queue__command(queue_conn_t *c, int argc, const char **argv,
                   const size_t *lens, int extra_ms, redisReply **out,
                   avp_error_t *err)
{
    *out = NULL;
    int timeout_ms = c->opts.command_timeout_ms + (extra_ms > 0 ? extra_ms : 0);
    pthread_mutex_lock(&c->lock);
    int had_link = c->ctx != NULL, closed;
    int rc = attempt(c, argc, argv, lens, timeout_ms, out, &closed, err);
    if (rc == AVP_EUNAVAILABLE && had_link && closed)
        rc = attempt(c, argc, argv, lens, timeout_ms, out, &closed, err);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int queue__call(queue_conn_t *c, redisReply **out, avp_error_t *err, ...)
{
    const char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, err);
    for (const char *s; (s = va_arg(ap, const char *));) {
        if (argc == (int)AVP_ARRAY_LEN(argv))
            abort(); /* a bug in this folder: a longer command */
        argv[argc++] = s;
    }
    va_end(ap);
    return queue__command(c, argc, argv, NULL, 0, out, err);
}

int queue__fail(int rc, avp_error_t *err, const char *fmt, ...)
{
    if (err) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        avp_error_prefix(err, "%s", what);
    }
    return rc;
}

void queue__ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

int queue_conn_open(const char *url, const queue_opts_t *opts,
                    queue_conn_t **out, avp_error_t *err)
{
    queue_conn_t *c = avp_calloc(1, sizeof(*c));
    *out = NULL;
    queue__ignore_sigpipe();
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->id_lock, NULL);
    int rc = queue__opts_resolve(opts, &c->opts, err);
    c->ns = (char *)c->opts.ns;
    if (rc == AVP_OK)
        rc = queue__addr_parse(url, &c->addr, err);
    if (rc == AVP_OK && !c->opts.lazy) {
        pthread_mutex_lock(&c->lock);
        rc = ensure_link(c, err);
        pthread_mutex_unlock(&c->lock);
    }
    if (rc < 0) {
        queue_conn_close(c);
        return rc;
    }
    *out = c;
    return AVP_OK;
}

void queue_conn_close(queue_conn_t *c)
{
    if (!c)
        return;
    if (c->ctx)
        redisFree(c->ctx);
    queue__addr_fini(&c->addr);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->id_lock);
    avp_free(c->ns);
    avp_free(c);
}

int queue_conn_ping(queue_conn_t *c, avp_error_t *err)
{
    redisReply *r;
    int rc = queue__call(c, &r, err, "PING", NULL);
    if (rc == AVP_OK)
        freeReplyObject(r);
    return rc;
}

uint64_t queue_conn_connects(queue_conn_t *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t n = c->connects;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void queue__run_id(queue_conn_t *c, char *run_id)
{
    pthread_mutex_lock(&c->id_lock);
    memcpy(run_id, c->run_id, sizeof(c->run_id));
    pthread_mutex_unlock(&c->id_lock);
}

const char *queue__ns(const queue_conn_t *c)
{
    return c->ns;
}

long queue__maxlen(const queue_conn_t *c)
{
    return c->opts.stream_maxlen;
}
