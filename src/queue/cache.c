/*
 * cache.c - read-through cache with tag-based invalidation.
 *
 * DESIGN
 *
 * Keys, under <ns>:cache:
 *   epoch        "<run_id>:<nonce>", the cache epoch
 *   tag:<tag>    the tag's generation, an integer that only grows (INCR)
 *   key:<key>    an entry: hash {v: value, t: its tags joined by "\n",
 *                s: its stamp}, with the TTL given to set
 * The stamp of a tag list is the epoch followed by the current generation
 * of each tag: "epoch|g1|g2". An entry is served only while its stamp
 * equals the stamp computed now, so invalidate(tag) = INCR tag:<tag> turns
 * every entry with that tag into a miss at once, without knowing which
 * entries those are (stale ones are deleted when next read, or expire).
 *
 * The race. A reader misses, reads PostgreSQL, and stores what it read. If
 * a writer commits and invalidates between the read and the store, a naive
 * store would put the pre-write value back for a whole TTL. So a miss
 * returns the stamp it saw (the ticket), taken before the reader queries
 * PostgreSQL, and the set stores only if the stamp is still the same, in
 * one Lua script (atomic in Redis). Proof sketch: a writer commits at tw
 * and invalidates at ti > tw; the reader takes its ticket at tc, reads at
 * tr > tc and stores at ts > tr. If the store succeeds, no generation
 * changed in (tc, ts), so either ti < tc (then tw < tr: the reader saw the
 * write) or ti > ts (then the entry's stamp is already outdated at every
 * read after ti). A get after ti never returns pre-write data.
 *
 * Generations must never repeat, or an old stamp could match again:
 *  - Redis restarted: the append-only file may lack the last second of
 *    INCRs, so generations may have gone back. Every new link checks
 *    whether the epoch was made by the running server (its run_id changes
 *    at every start) and, if not, replaces it (queue__cache_on_connect,
 *    run by the connection before any other command). Old stamps all name
 *    the old epoch, so none matches again.
 *  - An invalidation that failed (Redis down or erroring) is remembered by
 *    the process, and before its caches serve or store anything again they
 *    replace the epoch. Invalidations during an outage are thus not lost.
 *  - The epoch or a tag key vanished (FLUSHDB, eviction): a missing epoch
 *    is recreated with a fresh nonce, so stamps cannot repeat. A missing
 *    tag key reads as 0, which can repeat a generation: run Redis with a
 *    noeviction or volatile-* maxmemory policy (tag and epoch keys have no
 *    TTL, entries do), as the private server does by having no limit.
 * Nonces are 64 random bits per process plus a counter, so two epochs are
 * never equal.
 */
#include "queue/internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define KEY_BUF (QUEUE_CACHE_KEY_MAX + 192)

struct queue_cache {
    queue_conn_t *conn;
    atomic_uint_fast64_t hits, misses, errors, stores, stale_stores;
};

/* Failed invalidations of this process, and how many of them a new epoch
 * has already covered. */
static atomic_uint_fast64_t lost_invalidations, covered_invalidations;

static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;
static uint64_t nonce_base;
static atomic_uint_fast64_t nonce_seq;

/* Shared by the get and set scripts: the stamp of the tags in
 * ARGV[first..], creating the epoch from a candidate if it is missing. */
#define STAMP_LUA                                                          \
    "local function stamp(first)\n"                                        \
    "  local e = redis.call('GET', KEYS[2])\n"                             \
    "  if not e then e = ARGV[2]; redis.call('SET', KEYS[2], e) end\n"     \
    "  local s = {e}\n"                                                    \
    "  for i = first, #ARGV do\n"                                          \
    "    s[#s + 1] = redis.call('GET', ARGV[1] .. ARGV[i]) or '0'\n"       \
    "  end\n"                                                              \
    "  return table.concat(s, '|')\n"                                      \
    "end\n"

/* KEYS: entry, epoch. ARGV: tag prefix, epoch candidate, joined tags,
 * tags... Returns {1, value} or {0, stamp}. */
static const char GET_LUA[] =
    STAMP_LUA
    "local s = stamp(4)\n"
    "local e = redis.call('HMGET', KEYS[1], 'v', 't', 's')\n"
    "if e[1] then\n"
    "  if e[2] == ARGV[3] and e[3] == s then return {1, e[1]} end\n"
    "  redis.call('DEL', KEYS[1])\n"
    "end\n"
    "return {0, s}\n";

/* KEYS: entry, epoch. ARGV: tag prefix, epoch candidate, joined tags,
 * ticket, value, ttl ms, tags... Returns 1 stored, 0 stale. */
static const char SET_LUA[] =
    STAMP_LUA
    "local s = stamp(7)\n"
    "if s ~= ARGV[4] then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'v', ARGV[5], 't', ARGV[3], 's', s)\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[6])\n"
    "return 1\n";

/* KEYS: epoch. ARGV: run_id, nonce, force. Replaces the epoch when forced,
 * missing, or made under another run of the server. */
static const char EPOCH_LUA[] =
    "local e = redis.call('GET', KEYS[1])\n"
    "local mine = ARGV[1] .. ':'\n"
    "if ARGV[3] == '0' and e and string.sub(e, 1, #mine) == mine then\n"
    "  return 0\n"
    "end\n"
    "redis.call('SET', KEYS[1], mine .. ARGV[2])\n"
    "return 1\n";

static void nonce_init(void)
{
    if (getrandom(&nonce_base, sizeof(nonce_base), 0) != sizeof(nonce_base))
        nonce_base = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

static void make_nonce(char *buf, size_t n)
{
    pthread_once(&nonce_once, nonce_init);
    unsigned long long seq = atomic_fetch_add(&nonce_seq, 1);
    snprintf(buf, n, "%016llx.%llu", (unsigned long long)nonce_base, seq);
}

static void epoch_key(char *buf, size_t n, const char *ns)
{
    snprintf(buf, n, "%s:cache:epoch", ns);
}

int queue__cache_on_connect(redisContext *ctx, const char *ns,
                            const char *run_id, avp_error_t *err)
{
    char key[192], nonce[48];
    epoch_key(key, sizeof(key), ns);
    make_nonce(nonce, sizeof(nonce));
    const char *argv[] = {"EVAL", EPOCH_LUA, "1", key, run_id, nonce, "0"};
    redisReply *r = redisCommandArgv(ctx, AVP_ARRAY_LEN(argv), argv, NULL);
    if (!r)
        return avp_error_set(err, AVP_EUNAVAILABLE, "redis: %s", ctx->errstr);
    int rc = r->type == REDIS_REPLY_ERROR ? queue__reply_error(r, err)
                                          : AVP_OK;
    freeReplyObject(r);
    return rc;
}

/* Replaces the epoch if an invalidation failed since the last time. (If
 * the link is remade to a restarted server inside this call, run_id is the
 * old server's; the epoch is still new, and the next connection to check
 * it replaces it once more: extra misses, never a stale hit.) */
static int cover_lost_invalidations(queue_cache_t *cache, avp_error_t *err)
{
    uint64_t lost = atomic_load(&lost_invalidations);
    if (lost == atomic_load(&covered_invalidations))
        return AVP_OK;
    char key[192], nonce[48], run_id[QUEUE__RUN_ID_MAX];
    epoch_key(key, sizeof(key), queue__ns(cache->conn));
    make_nonce(nonce, sizeof(nonce));
    queue__run_id(cache->conn, run_id);
    redisReply *r;
    int rc = queue__call(cache->conn, &r, err, "EVAL", EPOCH_LUA, "1", key,
                         run_id, nonce, "1", NULL);
    if (rc < 0)
        return queue__fail(rc, err, "cache: new epoch after a lost "
                           "invalidation");
    freeReplyObject(r);
    atomic_store(&covered_invalidations, lost);
    return AVP_OK;
}

queue_cache_t *queue_cache_create(queue_conn_t *c)
{
    queue_cache_t *cache = avp_calloc(1, sizeof(*cache));
    cache->conn = c;
    return cache;
}

void queue_cache_destroy(queue_cache_t *cache)
{
    avp_free(cache);
}

void queue_cache_stats(queue_cache_t *cache, queue_cache_stats_t *out)
{
    out->hits = atomic_load(&cache->hits);
    out->misses = atomic_load(&cache->misses);
    out->errors = atomic_load(&cache->errors);
    out->stores = atomic_load(&cache->stores);
    out->stale_stores = atomic_load(&cache->stale_stores);
}

/* The arguments of one EVAL of GET_LUA or SET_LUA: EVAL, the script, 2
 * keys, 4 shared arguments, ticket, value and TTL (set), the tags. */
#define CALL_ARGS_MAX (11 + QUEUE_CACHE_MAX_TAGS)

/* The arguments of one EVAL of GET_LUA or SET_LUA. */
typedef struct cache_call {
    char entry[KEY_BUF], epoch[192], prefix[192];
    char candidate[QUEUE__RUN_ID_MAX + 48];
    char joined[QUEUE_CACHE_MAX_TAGS * (QUEUE_CACHE_TAG_MAX + 1)];
    const char *argv[CALL_ARGS_MAX];
    size_t lens[CALL_ARGS_MAX];
    int argc;
} cache_call_t;

static void push(cache_call_t *k, const void *p, size_t len)
{
    if (k->argc == CALL_ARGS_MAX)
        abort(); /* a bug here: CALL_ARGS_MAX is out of date */
    k->argv[k->argc] = p;
    k->lens[k->argc++] = len;
}

static void push_str(cache_call_t *k, const char *s)
{
    push(k, s, strlen(s));
}

static int check_tag(const char *tag, avp_error_t *err)
{
    size_t n = tag ? strlen(tag) : 0;
    if (n == 0 || n > QUEUE_CACHE_TAG_MAX || strchr(tag, '\n'))
        return avp_error_set(err, AVP_EINVAL, "cache: bad tag '%s' (1..%d "
                             "characters, no newline)", tag ? tag : "(null)",
                             QUEUE_CACHE_TAG_MAX);
    return AVP_OK;
}

/* Checks the arguments and pushes EVAL, the script, the keys and the
 * arguments the scripts share (see GET_LUA). */
static int call_init(cache_call_t *k, queue_cache_t *cache,
                     const char *script, const char *key,
                     const char *const *tags, size_t ntags, avp_error_t *err)
{
    size_t keylen = key ? strlen(key) : 0;
    if (keylen == 0 || keylen > QUEUE_CACHE_KEY_MAX)
        return avp_error_set(err, AVP_EINVAL, "cache: key must have 1..%d "
                             "characters", QUEUE_CACHE_KEY_MAX);
    if (ntags > QUEUE_CACHE_MAX_TAGS)
        return avp_error_set(err, AVP_EINVAL, "cache: more than %d tags",
                             QUEUE_CACHE_MAX_TAGS);
    size_t used = 0;
    for (size_t i = 0; i < ntags; i++) {
        int rc = check_tag(tags[i], err);
        if (rc < 0)
            return rc;
        used += (size_t)snprintf(k->joined + used, sizeof(k->joined) - used,
                                 "%s%s", i ? "\n" : "", tags[i]);
    }
    k->joined[used] = '\0';
    const char *ns = queue__ns(cache->conn);
    snprintf(k->entry, sizeof(k->entry), "%s:cache:key:%s", ns, key);
    epoch_key(k->epoch, sizeof(k->epoch), ns);
    snprintf(k->prefix, sizeof(k->prefix), "%s:cache:tag:", ns);
    char nonce[48], run_id[QUEUE__RUN_ID_MAX];
    make_nonce(nonce, sizeof(nonce));
    queue__run_id(cache->conn, run_id);
    snprintf(k->candidate, sizeof(k->candidate), "%s:%s", run_id, nonce);
    k->argc = 0;
    push_str(k, "EVAL");
    push_str(k, script);
    push_str(k, "2");
    push_str(k, k->entry);
    push_str(k, k->epoch);
    push_str(k, k->prefix);
    push_str(k, k->candidate);
    push_str(k, k->joined);
    return AVP_OK;
}

static void push_tags(cache_call_t *k, const char *const *tags, size_t ntags)
{
    for (size_t i = 0; i < ntags; i++)
        push_str(k, tags[i]);
}

/* Sends the call after settling lost invalidations. */
static int call_run(queue_cache_t *cache, cache_call_t *k, redisReply **r,
                    avp_error_t *err)
{
    int rc = cover_lost_invalidations(cache, err);
    if (rc == AVP_OK)
        rc = queue__command(cache->conn, k->argc, k->argv, k->lens, 0, r,
                            err);
    if (rc < 0)
        atomic_fetch_add(&cache->errors, 1);
    return rc;
}

/* Reads {1, value} or {0, stamp} into the outputs of queue_cache_get. */
static int read_get_reply(const redisReply *r, char **value, size_t *len,
                          queue_cache_ticket_t *ticket)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[1]->type != REDIS_REPLY_STRING)
        return 0;
    const redisReply *s = r->element[1];
    if (r->element[0]->integer == 1) {
        *value = avp_malloc(s->len + 1);
        memcpy(*value, s->str, s->len + 1);
        if (len)
            *len = s->len;
        return 1;
    }
    if (ticket && s->len < sizeof(ticket->stamp))
        memcpy(ticket->stamp, s->str, s->len + 1);
    return 0;
}

int queue_cache_get(queue_cache_t *cache, const char *key,
                    const char *const *tags, size_t ntags, char **value,
                    size_t *len, queue_cache_ticket_t *ticket,
                    avp_error_t *err)
{
    *value = NULL;
    if (len)
        *len = 0;
    if (ticket)
        ticket->stamp[0] = '\0';
    cache_call_t k;
    int rc = call_init(&k, cache, GET_LUA, key, tags, ntags, err);
    if (rc < 0)
        return rc;
    push_tags(&k, tags, ntags);
    redisReply *r;
    rc = call_run(cache, &k, &r, err);
    if (rc < 0) {
        /* Redis cannot answer: a miss, and the caller asks PostgreSQL. */
        atomic_fetch_add(&cache->misses, 1);
        queue__fail(rc, err, "cache get %s", key);
        return 0;
    }
    rc = read_get_reply(r, value, len, ticket);
    freeReplyObject(r);
    atomic_fetch_add(rc ? &cache->hits : &cache->misses, 1);
    return rc;
}

int queue_cache_set(queue_cache_t *cache, const char *key, const void *value,
                    size_t len, int64_t ttl_ms, const char *const *tags,
                    size_t ntags, const queue_cache_ticket_t *ticket,
                    avp_error_t *err)
{
    if (ttl_ms <= 0 || (!value && len))
        return avp_error_set(err, AVP_EINVAL, "cache set %s: bad value or "
                             "TTL", key ? key : "(null)");
    cache_call_t k;
    int rc = call_init(&k, cache, SET_LUA, key, tags, ntags, err);
    if (rc < 0)
        return rc;
    if (!ticket || !ticket->stamp[0]) {
        /* The miss could not see the generations, so freshness cannot be
         * proven; not storing is always safe. */
        atomic_fetch_add(&cache->stale_stores, 1);
        return 0;
    }
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
    push_str(&k, ticket->stamp);
    push(&k, value ? value : "", len);
    push_str(&k, ttl);
    push_tags(&k, tags, ntags);
    redisReply *r;
    if ((rc = call_run(cache, &k, &r, err)) < 0)
        return queue__fail(rc, err, "cache set %s", key);
    rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    atomic_fetch_add(rc ? &cache->stores : &cache->stale_stores, 1);
    return rc;
}

/* INCR of every key: the tags of one write in one round trip. */
#define INVALIDATE_LUA \
    "for i = 1, #KEYS do redis.call('INCR', KEYS[i]) end return #KEYS"

/* EVAL, the script, the key count and the tag keys: the keys live in one
 * heap block (a request thread's stack stays small). */
static char *invalidate_argv(queue_cache_t *cache, const char *const *tags,
                             size_t ntags, const char **argv, char *count)
{
    const size_t cap = 192 + QUEUE_CACHE_TAG_MAX;
    char *keys = avp_malloc(ntags * cap);
    snprintf(count, 24, "%zu", ntags);
    argv[0] = "EVAL", argv[1] = INVALIDATE_LUA, argv[2] = count;
    for (size_t i = 0; i < ntags; i++) {
        snprintf(keys + i * cap, cap, "%s:cache:tag:%s",
                 queue__ns(cache->conn), tags[i]);
        argv[3 + i] = keys + i * cap;
    }
    return keys;
}

int queue_cache_invalidate(queue_cache_t *cache, const char *const *tags,
                           size_t ntags, avp_error_t *err)
{
    if (ntags == 0 || ntags > QUEUE_CACHE_INVALIDATE_MAX)
        return avp_error_set(err, AVP_EINVAL, "cache: invalidate 1..%d tags",
                             QUEUE_CACHE_INVALIDATE_MAX);
    for (size_t i = 0; i < ntags; i++) {
        int rc = check_tag(tags[i], err);
        if (rc < 0)
            return rc;
    }
    const char *argv[3 + QUEUE_CACHE_INVALIDATE_MAX];
    char count[24];
    char *keys = invalidate_argv(cache, tags, ntags, argv, count);
    redisReply *r = NULL;
    int rc = cover_lost_invalidations(cache, err);
    if (rc == AVP_OK)
        rc = queue__command(cache->conn, 3 + (int)ntags, argv, NULL, 0, &r,
                            err);
    avp_free(keys);
    if (rc < 0) {
        /* Whether or not the INCRs happened, the next call that reaches
         * Redis starts a new epoch. */
        atomic_fetch_add(&lost_invalidations, 1);
        atomic_fetch_add(&cache->errors, 1);
        return queue__fail(rc, err, "cache invalidate %s%s", tags[0],
                           ntags > 1 ? " ..." : "");
    }
    freeReplyObject(r);
    return AVP_OK;
}
