/*
 * auth_cache.h - credentials found valid recently, and the Redis relay that
 * makes a logout or key revocation on one server instance reach the cache
 * of every instance at once.
 *
 * DESIGN
 *
 * Every request authenticates, and a PostgreSQL round trip for it would
 * double the cost of a cached list, so a server remembers tokens found
 * valid (by the SHA-256 auth.h stores) in a direct-mapped table. Many
 * server instances share one database; a revocation made on one of them
 * must stop the others from accepting the token too.
 *
 * Push: the instance that revokes (logout, API key deleted) applies it to
 * its own cache, then publishes it on the Redis channel <ns>:auth:0
 * (QUEUE_TOPIC_AUTH). Every instance runs one relay thread subscribed to
 * it that applies what comes. A revocation names a token hash, every
 * credential of a user (a deleted key is known by id only, so its owner's
 * entries go), or everything.
 *
 * How long an entry is believed depends on whether the push path is known
 * to work. The relay pings Redis on its subscribed link every second;
 * Redis answers in order, so a pong for a ping sent at time T proves that
 * every revocation published before T has been applied here. While such a
 * proof is younger than API_AUTH_CACHE_LIVE_S the cache is "live" and an entry
 * lasts API_AUTH_CACHE_LONG_S (60 s: a revocation arrives by push, not by
 * expiry, and a minute saves most of the database round trips). Otherwise
 * (Redis down, the link broken or stalled, before the first pong) entries
 * last API_AUTH_CACHE_SHORT_S (5 s), which is all the guarantee there was
 * without Redis. API_AUTH_CACHE_LIVE_S <= API_AUTH_CACHE_SHORT_S, so a
 * revocation lost in a failing link is honoured within API_AUTH_CACHE_SHORT_S
 * as before.
 *
 * Missed messages: pub/sub keeps nothing for a subscriber that is away.
 * Whenever the cache turns live again (the first pong after start-up, a
 * reconnect, or a stall) it forgets everything, since entries from before
 * may have been revoked meanwhile.
 *
 * Ordering: a lookup takes a ticket (the cache's generation) before it
 * asks PostgreSQL, and its answer is stored only if no revocation was
 * applied since. A revoking instance commits the change in PostgreSQL
 * before it publishes, so a lookup that could have seen the token as
 * valid started before the commit, hence before the message was applied,
 * and its answer is dropped; one that starts after the message asks
 * PostgreSQL after the commit and finds nothing.
 *
 * A session entry lasts long only if the session is still valid
 * API_AUTH_CACHE_LONG_S from now (the store is asked about that instant), so
 * an expiring session is not believed past its end by more than before.
 *
 * Thread model: every function is safe to call from any thread.
 */
#ifndef AVP_API_AUTH_CACHE_H
#define AVP_API_AUTH_CACHE_H

#include "queue/queue.h"
#include "http/http.h"

#define API_AUTH_CACHE_SHORT_S 5.0 /* without proof of the push path */
#define API_AUTH_CACHE_LONG_S 60.0 /* while revocations arrive by push */
#define API_AUTH_CACHE_LIVE_S 3.0  /* a pong proves the push path this long */
#define API_AUTH_CACHE_SLOTS 1024

typedef struct api_auth_cache api_auth_cache_t;

typedef struct api_auth_cache_stats {
    uint64_t hits, misses;
    uint64_t stale; /* answers not stored: a revocation came meanwhile */
    uint64_t revocations; /* applied, local and received */
    int live;             /* the push path is proven now */
} api_auth_cache_stats_t;

/* slots: table size (0: API_AUTH_CACHE_SLOTS). The caller owns the handle. */
api_auth_cache_t *api__auth_cache_create(size_t slots);
void api__auth_cache_destroy(api_auth_cache_t *c); /* NULL is a no-op */

/* Times are avp_now() values; they are parameters so tests can move the
 * clock. */

/* 1 with *user filled when hash was found valid recently enough, else 0. */
int api__auth_cache_find(api_auth_cache_t *c,
                         const uint8_t hash[HTTP_AUTH_HASH_LEN], double now,
                         http_auth_user_t *user);

/* Taken before asking the store; handed to api__auth_cache_put. */
uint64_t api__auth_cache_ticket(api_auth_cache_t *c);

/* Remembers that hash belongs to user, as the store said after ticket was
 * taken. lasting: the credential is known to stay valid for
 * API_AUTH_CACHE_LONG_S. Returns 1 stored, 0 dropped because a revocation was
 * applied since the ticket. */
int api__auth_cache_put(api_auth_cache_t *c, uint64_t ticket,
                        const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        const http_auth_user_t *user, int lasting, double now);

/* A revocation: one token (hash), every credential of a user, or all. */
typedef struct api_auth_revocation {
    enum {
        API_AUTH_REVOKE_TOKEN,
        API_AUTH_REVOKE_USER,
        API_AUTH_REVOKE_ALL
    } kind;
    uint8_t hash[HTTP_AUTH_HASH_LEN]; /* TOKEN */
    int64_t user_id;             /* USER */
} api_auth_revocation_t;

void api__auth_cache_revoke(api_auth_cache_t *c,
                            const api_auth_revocation_t *rv);

/* The push path has applied every revocation published before sent_at (a
 * pong came at now for a ping sent then). Turning live forgets all. */
void api__auth_cache_confirm(api_auth_cache_t *c, double sent_at, double now);

/* The push path broke (the subscriber reconnected): no longer live. */
void api__auth_cache_lapse(api_auth_cache_t *c);

void api__auth_cache_stats(api_auth_cache_t *c, double now,
                           api_auth_cache_stats_t *out);

/* The message text of a revocation (a JSON object) and back. */
#define API_AUTH_REVOKE_MSG_MAX 128
void api__auth_revocation_format(const api_auth_revocation_t *rv,
                                 char out[API_AUTH_REVOKE_MSG_MAX]);
int api__auth_revocation_parse(const char *msg, api_auth_revocation_t *rv);

/* ---- the relay (auth_revoke.c) ---- */

typedef struct api_auth_relay api_auth_relay_t;

/* Starts the relay thread: subscribes at redis_url (its own connection,
 * lazy: Redis may come later) and applies revocations to cache. pub is a
 * connection for publishing (borrowed; it must outlive the relay). */
int api__auth_relay_start(const char *redis_url, api_auth_cache_t *cache,
                          queue_conn_t *pub, api_auth_relay_t **out,
                          avp_error_t *err);
void api__auth_relay_stop(api_auth_relay_t *rl); /* NULL is a no-op */

/* Applies rv here, then tells the other instances on q (a link of the
 * calling thread; NULL without Redis). Call it after the revocation has
 * committed in the database. When the publish fails the relay keeps
 * trying to revoke everything everywhere, since which revocations the
 * others missed is not known. rl may be NULL (no Redis). */
void api__auth_relay_revoke(api_auth_relay_t *rl, api_auth_cache_t *cache,
                            queue_conn_t *q, const api_auth_revocation_t *rv);

#endif
