/*
 * queue.h - the Redis layer: task dispatch, live progress and the
 * read-through cache.
 *
 * DESIGN
 *
 * PostgreSQL's tasks table is the truth; Redis only carries work to the
 * workers, fans progress out to watchers and caches answers. Anything in
 * Redis may be lost (a restart without the append-only file, a trimmed
 * stream) and the system must still finish every task: the server
 * reconciles by calling queue_enqueue() again for every task the table
 * says is queued or running, which is safe because enqueue is idempotent
 * per task id.
 *
 * Dispatch is one Redis stream per namespace with one consumer group:
 *   stream  <ns>:tasks        entries with fields task=<decimal id>,
 *                             kind=<task kind, e.g. "detect">
 *   group   <ns>:workers      created at id 0 (MKSTREAM) on first use and
 *                             again whenever Redis answers NOGROUP
 *   key     <ns>:task:<id>    the stream id of the task's live entry, which
 *                             makes enqueue idempotent
 * A worker claims with queue_claim() (XREADGROUP >), works, and acks with
 * queue_ack(), which also deletes the entry: the stream holds only tasks
 * not yet finished, so its length is the backlog. Delivery is at least
 * once: a worker that dies leaves its entry pending, and another worker
 * takes it over with queue_reclaim() (XAUTOCLAIM) once it has been idle
 * for min_idle ms. A healthy worker on a long task calls queue_heartbeat()
 * every min_idle/3 or so; that resets the entry's idle time (XCLAIM to
 * itself with JUSTID, only while it still owns the entry), so it is not
 * reclaimed. Heartbeat answers 0 when another worker has taken the entry
 * over; the old owner should then stop. Workers must therefore tolerate
 * seeing a task twice (the tasks table says whether it is still to do, and
 * results are committed idempotently by frame). Pending entries keep their
 * delivery time through a restart, so after an outage longer than
 * min_idle an entry may change hands before its owner's next heartbeat;
 * that heartbeat then answers 0.
 *
 * A worker's loop, in outline:
 *     for (;;) {
 *         rc = queue_reclaim(c, me, MIN_IDLE, &m, &err);   orphans first
 *         if (rc == 0)
 *             rc = queue_claim(c, me, 1000, &m, &err);     waits, even
 *         if (rc <= 0)                                     while Redis is
 *             continue;                                    down
 *         look the task up; unless already finished or cancelled, run it,
 *         calling queue_heartbeat() every MIN_IDLE/3 and stopping when it
 *         answers 0; then queue_ack(c, m.id, &err)
 *     }
 * and the server's reconciliation: at start, and whenever
 * queue_conn_connects() has grown (Redis came back, perhaps without the
 * last second of writes), queue_enqueue() every task the table says is
 * queued or running.
 *
 * Progress: queue_publish_progress() stores the latest JSON in
 * <ns>:progress:<id> (expires after QUEUE_PROGRESS_TTL_MS) and PUBLISHes
 * it on channel <ns>:task:<id>. A watcher subscribes first, then reads the
 * latest value, so it misses nothing between the two.
 *
 * Cache: see the DESIGN comment in cache.c; in short, entries record the
 * generations of their tags and a cache epoch, invalidation bumps a tag's
 * generation, and a set carries a ticket from the miss that preceded it so
 * that a value read from PostgreSQL before an invalidation is never stored
 * after it. The epoch changes when Redis restarts and when an invalidation
 * could not be delivered, so no stale entry survives either.
 *
 * Connections: a queue_conn_t reconnects by itself. After an error the
 * link is dropped and the next call reconnects (with a backoff of up to
 * retry_max_ms between attempts while Redis stays down); until then calls
 * fail fast with AVP_EUNAVAILABLE. A Redis restart therefore costs the
 * calls made while it is down and nothing else.
 *
 * What Redis must be: 6.2 or later (XAUTOCLAIM; Debian 12 has 7.0), with
 * appendonly yes so pending tasks survive a restart (the heartbeat's
 * answer 0 also tells a worker when its entry was lost), and a
 * maxmemory-policy that never evicts keys without a TTL (noeviction or
 * volatile-*). scripts/redis-private.sh starts such a server. Not Redis
 * Cluster: scripts touch keys they compute themselves.
 *
 * Opening a connection or subscriber ignores SIGPIPE (unless the program
 * installed a handler): hiredis writes with write(), and a write to a
 * socket that a restarting Redis has closed would otherwise kill the
 * process.
 *
 * Thread model: a queue_conn_t is safe to call from any thread; its calls
 * are serialized on one socket, so give busy threads their own connection.
 * A queue_cache_t is safe to share wherever its connection is. A
 * queue_sub_t belongs to one thread at a time.
 */
#ifndef AVP_QUEUE_QUEUE_H
#define AVP_QUEUE_QUEUE_H

#include "util/avp.h"

#include <stddef.h>
#include <stdint.h>

/* ---- connection ---------------------------------------------------- */

typedef struct queue_conn queue_conn_t;

#define QUEUE_NS_MAX 64

typedef struct queue_opts {
    const char *ns;          /* key prefix; NULL: "avp" */
    int connect_timeout_ms;  /* 0: 1000 */
    int command_timeout_ms;  /* 0: 2000 */
    int retry_max_ms;        /* 0: 1000; longest wait between reconnects */
    long stream_maxlen;      /* 0: 1000000; approximate cap (MAXLEN ~) */
    int lazy;                /* 1: do not connect in open (see below) */
} queue_opts_t;

/* Opens a connection to url: "redis://[:password@]host[:port][/db]" (the
 * password as is, without percent-decoding),
 * "unix:///path/to/redis.sock" or, for a master watched by Redis Sentinel,
 * "redis-sentinel://[:password@]host[:port][,host[:port]...]/master[/db]"
 * (the sentinels, port 26379 by default; password and db are the
 * master's): every new link asks the sentinels for the master, so the
 * connection follows a failover (sentinel.c). opts may be NULL for the defaults; ns has
 * at most QUEUE_NS_MAX characters. The first connection is made at once so
 * a wrong URL fails here (AVP_EINVAL for a malformed URL or options,
 * AVP_EUNAVAILABLE when nothing answers), unless opts->lazy is set: then
 * only the URL is checked, and a server that must start while Redis is
 * down gets a handle that connects when Redis comes. *out is NULL on
 * failure; the caller owns the handle. */
int queue_conn_open(const char *url, const queue_opts_t *opts,
                    queue_conn_t **out, avp_error_t *err);
void queue_conn_close(queue_conn_t *c);

/* PING; AVP_OK when Redis answers, AVP_EUNAVAILABLE when it does not. */
int queue_conn_ping(queue_conn_t *c, avp_error_t *err);

/* How many times the link has been (re)established; grows by one per
 * recovery from an outage. For metrics and tests. */
uint64_t queue_conn_connects(queue_conn_t *c);

/* ---- task stream ---------------------------------------------------- */

#define QUEUE_ID_MAX 48   /* a stream id "<ms>-<seq>" with its NUL */
#define QUEUE_KIND_MAX 32 /* task kind with its NUL */

typedef struct queue_msg {
    char id[QUEUE_ID_MAX];     /* stream entry id, for ack and heartbeat */
    int64_t task_id;
    char kind[QUEUE_KIND_MAX];
} queue_msg_t;

typedef struct queue_depth {
    int64_t length;    /* entries in the stream: waiting + being worked */
    int64_t pending;   /* delivered to a worker, not yet acked */
    int64_t consumers; /* consumers that hold pending entries */
} queue_depth_t;

/* Adds task task_id of the given kind (1..QUEUE_KIND_MAX-1 characters) to
 * the stream unless it already has a live entry. Returns 1 when an entry
 * was added, 0 when the task was already queued or pending (nothing
 * changes), or an error. The entry id goes to id_out (may be NULL,
 * QUEUE_ID_MAX bytes). */
int queue_enqueue(queue_conn_t *c, int64_t task_id, const char *kind,
                  char *id_out, avp_error_t *err);

/* Waits up to block_ms (0: do not wait) for a task never delivered before
 * and assigns it to consumer (a name unique per worker process, e.g.
 * "host:pid"). Returns 1 with *msg filled, 0 when none came, or an error.
 * While Redis is down it keeps trying for block_ms and then returns
 * AVP_EUNAVAILABLE, so a worker's claim loop never spins. The wait holds
 * the connection: give the claim loop a connection of its own. An entry
 * that cannot be parsed is acked, deleted and reported as AVP_EFORMAT so
 * one bad entry cannot wedge the queue. */
int queue_claim(queue_conn_t *c, const char *consumer, int block_ms,
                queue_msg_t *msg, avp_error_t *err);

/* Marks the entry done and deletes it. Returns 1 when it was pending, 0
 * when it was not (already acked, e.g. by a worker that had it before a
 * reclaim), or an error. */
int queue_ack(queue_conn_t *c, const char *id, avp_error_t *err);

/* Takes over one entry that has been pending for at least min_idle_ms
 * (its worker died or stopped heartbeating) and assigns it to consumer.
 * Returns 1 with *msg filled, 0 when there is none, or an error. Entries
 * whose data was trimmed away are dropped from the pending list here; the
 * reconciliation from the tasks table re-enqueues their tasks. */
int queue_reclaim(queue_conn_t *c, const char *consumer, int64_t min_idle_ms,
                  queue_msg_t *msg, avp_error_t *err);

/* Resets the idle time of entry id if consumer still owns it. Returns 1 if
 * it does, 0 if it does not (reclaimed by another worker, or acked), or an
 * error. Call it more often than min_idle_ms of the reclaimers. */
int queue_heartbeat(queue_conn_t *c, const char *consumer, const char *id,
                    avp_error_t *err);

int queue_depth(queue_conn_t *c, queue_depth_t *out, avp_error_t *err);

/* Removes from the group the consumers that hold no pending entry and have
 * not been heard from for idle_ms (workers that exited; each new worker
 * process joins under a new name). A live worker removed while idle
 * simply rejoins on its next claim. Returns how many were removed. */
int queue_prune_consumers(queue_conn_t *c, int64_t idle_ms, avp_error_t *err);

/* ---- progress ------------------------------------------------------- */

#define QUEUE_PROGRESS_TTL_MS (24 * 3600 * 1000)

/* Stores json as the task's latest progress and publishes it to the
 * task's channel. Returns the number of subscribers that received it. */
int queue_publish_progress(queue_conn_t *c, int64_t task_id,
                           const char *json, avp_error_t *err);

/* The latest progress of the task: 1 with *json set (caller frees with
 * avp_free), 0 when there is none (never published, or expired). */
int queue_latest_progress(queue_conn_t *c, int64_t task_id, char **json,
                          avp_error_t *err);

/* What a channel carries: a task's progress (<ns>:task:<id>), the news
 * that a test session changed (<ns>:session:<id>), or credentials the
 * servers must stop accepting (<ns>:auth:0, one channel: server/
 * auth_cache.h). */
typedef enum queue_topic {
    QUEUE_TOPIC_TASK = 0,
    QUEUE_TOPIC_SESSION = 1,
    QUEUE_TOPIC_AUTH = 2
} queue_topic_t;

/* Publishes json on the topic's channel of id, storing nothing (the
 * watcher's fresh state lives elsewhere, e.g. in the database). Returns
 * the number of subscribers that received it. */
int queue_publish(queue_conn_t *c, queue_topic_t topic, int64_t id,
                  const char *json, avp_error_t *err);

typedef struct queue_sub queue_sub_t;

enum {
    QUEUE_EVENT_MESSAGE = 1,      /* a published message */
    QUEUE_EVENT_RESUBSCRIBED = 2, /* the link was lost and is back; what was
                                     published meanwhile is gone, so re-read
                                     queue_latest_progress() */
    QUEUE_EVENT_PONG = 3          /* the answer to queue_sub_ping(); json is
                                     its text */
};

typedef struct queue_event {
    int type;            /* QUEUE_EVENT_* */
    queue_topic_t topic; /* MESSAGE: its channel's topic and id */
    int64_t id;          /* RESUBSCRIBED: 0 */
    const char *json;    /* MESSAGE: the message, NUL-terminated; owned by
                            the subscriber, valid until its next call */
    size_t len;
} queue_event_t;

/* A subscriber on its own connection (a subscribed Redis connection can
 * do nothing else). Same URL and opts as queue_conn_open(). */
int queue_sub_open(const char *url, const queue_opts_t *opts,
                   queue_sub_t **out, avp_error_t *err);
void queue_sub_close(queue_sub_t *s);

/* Subscribes to one id's channel of a topic, or (id < 0) to every id's.
 * Subscriptions are remembered and renewed after a reconnect. */
int queue_sub_add(queue_sub_t *s, queue_topic_t topic, int64_t id,
                  avp_error_t *err);
int queue_sub_remove(queue_sub_t *s, queue_topic_t topic, int64_t id,
                     avp_error_t *err);

/* Waits up to timeout_ms for the next event. Returns 1 with *ev filled, 0
 * on timeout, or an error: AVP_EUNAVAILABLE when Redis stayed down for the
 * whole timeout (call again: the subscriber reconnects and resubscribes by
 * itself). */
int queue_sub_read(queue_sub_t *s, int timeout_ms, queue_event_t *ev,
                   avp_error_t *err);

/* Sends PING text (at most 64 characters) on the subscribed link without
 * waiting; queue_sub_read() reports the answer as QUEUE_EVENT_PONG with
 * that text. Redis answers in order, so by the time the pong is read every
 * message published before Redis saw the ping has been read too: a
 * subscriber that must not miss anything learns how current it is. Call
 * it after queue_sub_add(). AVP_EUNAVAILABLE while the link is down (the
 * next queue_sub_read() reconnects). */
int queue_sub_ping(queue_sub_t *s, const char *text, avp_error_t *err);

/* ---- cache ---------------------------------------------------------- */

typedef struct queue_cache queue_cache_t;

#define QUEUE_CACHE_KEY_MAX 512    /* longest key, without the NUL */
#define QUEUE_CACHE_MAX_TAGS 8
#define QUEUE_CACHE_TAG_MAX 128    /* longest tag, without the NUL */
#define QUEUE_CACHE_TICKET_MAX 320

/* What a miss saw; hand it to the set that follows. */
typedef struct queue_cache_ticket {
    char stamp[QUEUE_CACHE_TICKET_MAX]; /* empty: do not store */
} queue_cache_ticket_t;

typedef struct queue_cache_stats {
    uint64_t hits, misses, errors; /* errors: calls Redis did not serve */
    uint64_t stores, stale_stores; /* sets done / refused as stale */
} queue_cache_stats_t;

/* A cache on connection c (borrowed; it must outlive the cache). Keys live
 * under <ns>:cache:. The caller owns the handle. */
queue_cache_t *queue_cache_create(queue_conn_t *c);
void queue_cache_destroy(queue_cache_t *cache);

/* Looks key up; tags are the tags the value depends on (the same list the
 * set will pass). Returns 1 on a hit with *value (NUL-terminated, caller
 * frees with avp_free) and *len set; 0 on a miss with *ticket filled for
 * the following queue_cache_set(). When Redis is down or fails this is a
 * miss too (0, with err set to say why; err is untouched on a plain miss)
 * and the ticket is empty. Negative only for bad arguments (AVP_EINVAL).
 * len and ticket may be NULL (a caller that will not store). */
int queue_cache_get(queue_cache_t *cache, const char *key,
                    const char *const *tags, size_t ntags, char **value,
                    size_t *len, queue_cache_ticket_t *ticket,
                    avp_error_t *err);

/* Stores value under key for ttl_ms, unless one of the tags was
 * invalidated (or the epoch changed) since the miss that gave the ticket,
 * in which case the value may predate that change and is dropped. Returns
 * 1 stored, 0 dropped as stale (or empty ticket), or an error
 * (AVP_EUNAVAILABLE: Redis down; the caller just goes on). */
int queue_cache_set(queue_cache_t *cache, const char *key, const void *value,
                    size_t len, int64_t ttl_ms, const char *const *tags,
                    size_t ntags, const queue_cache_ticket_t *ticket,
                    avp_error_t *err);

/* Makes every entry tagged with one of tags (1..QUEUE_CACHE_INVALIDATE_MAX
 * of them, one round trip) a miss from now on. Call it after the
 * write that changes the data has committed. On failure (Redis down) the
 * process remembers it and, before any of its caches serves anything
 * again, moves the cache to a new epoch, which makes every entry a miss.
 * (Another process that keeps its link meanwhile may serve such an entry
 * until then, and at worst for its TTL if this process dies first.) */
#define QUEUE_CACHE_INVALIDATE_MAX 32
int queue_cache_invalidate(queue_cache_t *cache, const char *const *tags,
                           size_t ntags, avp_error_t *err);

void queue_cache_stats(queue_cache_t *cache, queue_cache_stats_t *out);

#endif
