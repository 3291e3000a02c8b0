/*
 * sentinel.c - finding the Redis master through Redis Sentinel.
 *
 * URL: redis-sentinel://[:password@]host[:port][,host[:port]...]/master[/db]
 * (port 26379 by default). The password and the database are the
 * master's; the sentinels are asked without one.
 *
 * Following a failover needs no subscription to +switch-master: every new
 * link asks the sentinels again, and a link is dropped whenever the master
 * goes away (EOF) or turns out to be a replica (READONLY, or ROLE on
 * connect), which is what a failover does to the clients of the old master.
 * Until the sentinels have promoted a replica they still name the dead
 * master; connecting fails and the caller's backoff spaces the next asks.
 */
#include "queue/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL_PREFIX "redis-sentinel://"
#define SENTINELS_MAX 16

/* One "host[:port]" of the list, n characters at s. */
static int parse_one(const char *url, const char *s, size_t n,
                     queue__sentinel_t *out, avp_error_t *err)
{
    const char *colon = memchr(s, ':', n);
    size_t hostlen = colon ? (size_t)(colon - s) : n;
    if (hostlen == 0 || hostlen > 255)
        return avp_error_set(err, AVP_EINVAL, "%s: empty or long sentinel host",
                             url);
    out->port = 26379;
    if (colon) {
        char digits[8];
        size_t dn = n - hostlen - 1;
        char *end;
        if (dn == 0 || dn >= sizeof digits)
            return avp_error_set(err, AVP_EINVAL, "%s: bad sentinel port", url);
        memcpy(digits, colon + 1, dn);
        digits[dn] = '\0';
        long port = strtol(digits, &end, 10);
        if (*end || port <= 0 || port > 65535)
            return avp_error_set(err, AVP_EINVAL, "%s: bad sentinel port", url);
        out->port = (int)port;
    }
    out->host = queue__strndup(s, hostlen);
    return AVP_OK;
}

static int parse_list(const char *url, const char *s, size_t n,
                      queue__addr_t *a, avp_error_t *err)
{
    a->sentinels = avp_calloc(SENTINELS_MAX, sizeof *a->sentinels);
    for (size_t i = 0; i <= n;) {
        size_t len = strcspn(s + i, ",");
        if (i + len > n)
            len = n - i;
        if (a->nsentinels == SENTINELS_MAX)
            return avp_error_set(err, AVP_EINVAL, "%s: more than %d sentinels",
                                 url, SENTINELS_MAX);
        int rc = parse_one(url, s + i, len, &a->sentinels[a->nsentinels], err);
        if (rc < 0)
            return rc;
        a->nsentinels++;
        i += len + 1;
    }
    return AVP_OK;
}

/* "/master[/db]" */
static int parse_master(const char *url, const char *s, queue__addr_t *a,
                        avp_error_t *err)
{
    size_t len = strcspn(s + 1, "/");
    if (*s != '/' || len == 0 || len > 128)
        return avp_error_set(err, AVP_EINVAL, "%s: expected /master-name after "
                             "the sentinels", url);
    a->master = queue__strndup(s + 1, len);
    s += 1 + len;
    if (!*s)
        return AVP_OK;
    char *end;
    long db = strtol(s + 1, &end, 10);
    if (end == s + 1 || *end || db < 0 || db > 1000)
        return avp_error_set(err, AVP_EINVAL, "%s: bad database", url);
    a->db = (int)db;
    return AVP_OK;
}

int queue__sentinel_parse(const char *url, queue__addr_t *a, avp_error_t *err)
{
    const char *s = url + strlen(SENTINEL_PREFIX);
    const char *slash = strchr(s, '/');
    const char *at = memchr(s, '@', slash ? (size_t)(slash - s) : strlen(s));
    if (at) {
        if (*s != ':')
            return avp_error_set(err, AVP_EINVAL,
                                 "%s: expected redis-sentinel://:password@...",
                                 url);
        a->password = queue__strndup(s + 1, (size_t)(at - s - 1));
        s = at + 1;
    }
    if (!slash)
        return avp_error_set(err, AVP_EINVAL, "%s: no master name", url);
    int rc = parse_list(url, s, (size_t)(slash - s), a, err);
    return rc < 0 ? rc : parse_master(url, slash, a, err);
}

int queue__is_sentinel_url(const char *url)
{
    return strncmp(url, SENTINEL_PREFIX, strlen(SENTINEL_PREFIX)) == 0;
}

/* Asks one sentinel; 1 with host and port set, 0 when it does not know
 * the master (or does not answer). */
static int ask(const queue__sentinel_t *s, const char *master,
               const queue_opts_t *o, char *host, size_t cap, int *port)
{
    struct timeval tv = {o->connect_timeout_ms / 1000,
                         (o->connect_timeout_ms % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout(s->host, s->port, tv);
    int found = 0;
    if (ctx && !ctx->err && redisSetTimeout(ctx, tv) == REDIS_OK) {
        redisReply *r = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s",
                                     master);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
            r->element[0]->type == REDIS_REPLY_STRING &&
            r->element[1]->type == REDIS_REPLY_STRING &&
            r->element[0]->len < cap) {
            long p = strtol(r->element[1]->str, NULL, 10);
            if (p > 0 && p <= 65535) {
                snprintf(host, cap, "%s", r->element[0]->str);
                *port = (int)p;
                found = 1;
            }
        }
        freeReplyObject(r);
    }
    redisFree(ctx);
    return found;
}

int queue__sentinel_master(const queue__addr_t *a, const queue_opts_t *o,
                           char *host, size_t cap, int *port, avp_error_t *err)
{
    for (int i = 0; i < a->nsentinels; i++)
        if (ask(&a->sentinels[i], a->master, o, host, cap, port))
            return AVP_OK;
    return avp_error_set(err, AVP_EUNAVAILABLE, "redis: no sentinel of %d "
                         "names a master '%s'", a->nsentinels, a->master);
}

int queue__check_master(redisContext *ctx, avp_error_t *err)
{
    redisReply *r = redisCommand(ctx, "ROLE");
    if (!r)
        return avp_error_set(err, AVP_EUNAVAILABLE, "redis: %s", ctx->errstr);
    int master = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                 r->element[0]->type == REDIS_REPLY_STRING &&
                 !strcmp(r->element[0]->str, "master");
    freeReplyObject(r);
    return master ? AVP_OK
                  : avp_error_set(err, AVP_EUNAVAILABLE, "redis: the server "
                                  "the sentinels named is not a master (yet)");
}

void queue__sentinels_free(queue__addr_t *a)
{
    for (int i = 0; i < a->nsentinels; i++)
        avp_free(a->sentinels[i].host);
    avp_free(a->sentinels);
    avp_free(a->master);
}
