/*
 * internal.h - what the files of src/queue share: the parsed address, the
 * raw link to Redis, and the reconnecting command call every module goes
 * through. Not API.
 */
#ifndef AVP_QUEUE_INTERNAL_H
#define AVP_QUEUE_INTERNAL_H

#include "queue/queue.h"

#include <hiredis/hiredis.h>

#define QUEUE__RUN_ID_MAX 41 /* Redis run_id: 40 hex digits and the NUL */

typedef struct queue__sentinel {
    char *host;
    int port;
} queue__sentinel_t;

typedef struct queue__addr {
    char *host;     /* TCP host, or NULL for a Unix socket or Sentinel */
    int port;
    char *path;     /* Unix socket path, or NULL */
    char *password; /* AUTH, or NULL */
    int db;         /* SELECT, 0 by default */
    char *master;   /* Sentinel's name of the master, or NULL */
    queue__sentinel_t *sentinels; /* nsentinels, asked in order */
    int nsentinels;
} queue__addr_t;

/* A copy of the n bytes at s, NUL-terminated; the caller frees it. */
char *queue__strndup(const char *s, size_t n);

/* ---- Sentinel (sentinel.c) ---- */

/* Whether url starts with redis-sentinel://. */
int queue__is_sentinel_url(const char *url);
/* Parses "redis-sentinel://[:password@]h[:p][,h[:p]...]/master[/db]"
 * into a (master, sentinels, password, db). */
int queue__sentinel_parse(const char *url, queue__addr_t *a, avp_error_t *err);
void queue__sentinels_free(queue__addr_t *a);
/* Asks the sentinels of a, in order, where the master is: host (cap
 * bytes) and port, or AVP_EUNAVAILABLE when none names one. */
int queue__sentinel_master(const queue__addr_t *a, const queue_opts_t *o,
                           char *host, size_t cap, int *port, avp_error_t *err);
/* AVP_OK when ctx's server is a master (ROLE), else AVP_EUNAVAILABLE: a
 * sentinel may name the new master before its promotion has finished. */
int queue__check_master(redisContext *ctx, avp_error_t *err);

/* Parses a URL (see queue_conn_open) into a, which the caller finalizes
 * with queue__addr_fini even on failure. */
int queue__addr_parse(const char *url, queue__addr_t *a, avp_error_t *err);
void queue__addr_fini(queue__addr_t *a);

/* Spacing of reconnect attempts while Redis is down: 10 ms, doubling up
 * to retry_max_ms, back to none after a success. */
typedef struct queue__backoff {
    int ms;          /* the last wait; 0 after a success */
    double retry_at; /* avp_now() before which no attempt is made */
} queue__backoff_t;

/* AVP_OK when an attempt may be made now, else AVP_EUNAVAILABLE. */
int queue__backoff_check(const queue__backoff_t *b, avp_error_t *err);
/* Records the outcome (rc) of an attempt. */
void queue__backoff_update(queue__backoff_t *b, int rc, int max_ms);

/* Fills out with opts (may be NULL) and the defaults for what is unset,
 * with out->ns a copy the caller frees (avp_free) even on failure.
 * AVP_EINVAL for a namespace that is too long. */
int queue__opts_resolve(const queue_opts_t *opts, queue_opts_t *out,
                        avp_error_t *err);

/* Sleeps 50 ms, or less if deadline (avp_now() time) comes first; returns
 * 0 without sleeping when deadline has passed. For calls that wait (claim,
 * subscriber reads) and keep trying while Redis is down instead of
 * returning at once. */
int queue__pause(double deadline);

/* Connects, authenticates and selects the database. When run_id is not
 * NULL it also receives the server's run_id, which changes at every
 * restart. */
int queue__link_open(const queue__addr_t *a, const queue_opts_t *o,
                     redisContext **out, char *run_id, avp_error_t *err);

/* Maps an error reply to an AVP code with the text in err: NOGROUP ->
 * AVP_ENOTFOUND; LOADING, BUSY, MASTERDOWN, TRYAGAIN, READONLY ->
 * AVP_EUNAVAILABLE; the rest AVP_EIO. */
int queue__reply_error(const redisReply *r, avp_error_t *err);

/* Runs one command on c, (re)connecting first when the link is down. A
 * link that turns out to be dead (the server restarted and closed it) is
 * replaced and the command sent once more, which is safe for every command
 * this folder sends (each is idempotent or harmless to repeat). The wait
 * for the reply is the command timeout plus extra_ms (the BLOCK time of a
 * blocking command).
 * Returns AVP_OK with *out set (free with freeReplyObject), or with *out
 * NULL: AVP_EUNAVAILABLE when Redis cannot be reached, or the code of an
 * error reply (queue__reply_error). */
int queue__command(queue_conn_t *c, int argc, const char **argv,
                   const size_t *lens, int extra_ms, redisReply **out,
                   avp_error_t *err);

/* queue__command with NUL-terminated arguments, the list ending in NULL. */
int queue__call(queue_conn_t *c, redisReply **out, avp_error_t *err, ...)
    __attribute__((sentinel));

/* A write to a socket the server has closed raises SIGPIPE, which would
 * kill the process when Redis restarts; hiredis does not prevent it, so
 * opening a connection ignores SIGPIPE unless the program set a handler. */
void queue__ignore_sigpipe(void);

/* Prefixes err (which may be NULL) with the formatted context and returns
 * rc, so failures read "claim: redis: ...". */
int queue__fail(int rc, avp_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies the run_id of the server c last connected to (QUEUE__RUN_ID_MAX
 * bytes; empty before the first connection). */
void queue__run_id(queue_conn_t *c, char *run_id);

const char *queue__ns(const queue_conn_t *c);
long queue__maxlen(const queue_conn_t *c);

/* Called by the connection on every new link, before any other command
 * goes over it: moves the cache to a new epoch if Redis restarted since
 * the epoch was made (cache.c). */
int queue__cache_on_connect(redisContext *ctx, const char *ns,
                            const char *run_id, avp_error_t *err);

#endif
