/*
 * pubsub.c - task progress (published with a stored latest value), news
 * of changed test sessions and revoked credentials, and a subscriber of
 * them that survives Redis restarts.
 *
 * The subscriber reads with poll() on the socket and hiredis's reader
 * rather than a blocking redisGetReply(): a timed-out blocking read leaves
 * a hiredis context unusable, and a subscriber mostly times out.
 *
 * When the link breaks the subscriber reconnects on its next call, renews
 * every subscription, and reports QUEUE_EVENT_RESUBSCRIBED once, because
 * messages published while it was away are gone (Redis pub/sub keeps
 * nothing); the watcher re-reads the stored latest progress then.
 */
#include "queue/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The latest value first, so a watcher that subscribes and then reads it
 * cannot miss this update: either the read sees it or the message comes. */
static const char PUBLISH_LUA[] =
    "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
    "return redis.call('PUBLISH', ARGV[1], ARGV[2])\n";

static const char *const topic_names[] = {[QUEUE_TOPIC_TASK] = "task",
                                           [QUEUE_TOPIC_SESSION] = "session",
                                           [QUEUE_TOPIC_AUTH] = "auth"};

static int known_topic(queue_topic_t topic)
{
    return (unsigned)topic < AVP_ARRAY_LEN(topic_names);
}

/* A subscription: a topic's channel of one id, or of all (id -1). */
typedef struct sub_key {
    queue_topic_t topic;
    int64_t id;
} sub_key_t;

static void channel_name(char *buf, size_t n, const char *ns, sub_key_t k)
{
    if (k.id < 0)
        snprintf(buf, n, "%s:%s:*", ns, topic_names[k.topic]);
    else
        snprintf(buf, n, "%s:%s:%lld", ns, topic_names[k.topic],
                 (long long)k.id);
}

static void progress_key(char *buf, size_t n, const char *ns, int64_t task)
{
    snprintf(buf, n, "%s:progress:%lld", ns, (long long)task);
}

int queue_publish_progress(queue_conn_t *c, int64_t task_id,
                           const char *json, avp_error_t *err)
{
    if (task_id < 0 || !json)
        return avp_error_set(err, AVP_EINVAL, "publish: bad arguments");
    char key[192], channel[192], ttl[24];
    progress_key(key, sizeof(key), queue__ns(c), task_id);
    channel_name(channel, sizeof(channel), queue__ns(c),
                 (sub_key_t){QUEUE_TOPIC_TASK, task_id});
    snprintf(ttl, sizeof(ttl), "%d", QUEUE_PROGRESS_TTL_MS);
    redisReply *r;
    int rc = queue__call(c, &r, err, "EVAL", PUBLISH_LUA, "1", key, channel,
                         json, ttl, NULL);
    if (rc < 0)
        return queue__fail(rc, err, "publish progress of task %lld",
                           (long long)task_id);
    rc = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : 0;
    freeReplyObject(r);
    return rc;
}

int queue_publish(queue_conn_t *c, queue_topic_t topic, int64_t id,
                  const char *json, avp_error_t *err)
{
    if (id < 0 || !json || !known_topic(topic))
        return avp_error_set(err, AVP_EINVAL, "publish: bad arguments");
    char channel[192];
    channel_name(channel, sizeof(channel), queue__ns(c),
                 (sub_key_t){topic, id});
    redisReply *r;
    int rc = queue__call(c, &r, err, "PUBLISH", channel, json, NULL);
    if (rc < 0)
        return queue__fail(rc, err, "publish to %s", channel);
    rc = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : 0;
    freeReplyObject(r);
    return rc;
}

int queue_latest_progress(queue_conn_t *c, int64_t task_id, char **json,
                          avp_error_t *err)
{
    char key[192];
    progress_key(key, sizeof(key), queue__ns(c), task_id);
    *json = NULL;
    redisReply *r;
    int rc = queue__call(c, &r, err, "GET", key, NULL);
    if (rc < 0)
        return queue__fail(rc, err, "progress of task %lld",
                           (long long)task_id);
    rc = 0;
    if (r->type == REDIS_REPLY_STRING) {
        *json = avp_malloc(r->len + 1);
        memcpy(*json, r->str, r->len + 1);
        rc = 1;
    }
    freeReplyObject(r);
    return rc;
}

struct queue_sub {
    queue__addr_t addr;
    queue_opts_t opts;
    char *ns;
    redisContext *ctx;     /* NULL while the link is down */
    queue__backoff_t backoff;
    int lost;              /* the link broke; report RESUBSCRIBED when back */
    sub_key_t *keys;       /* the subscriptions */
    size_t nkeys, cap;
    redisReply **held;     /* messages that came while awaiting a
                              confirmation, in order from held_head */
    size_t nheld, held_head, held_cap;
    redisReply *last;      /* holds the json of the last event */
};

static void hold(queue_sub_t *s, redisReply *r)
{
    if (s->held_head + s->nheld == s->held_cap) {
        s->held_cap = s->held_cap ? s->held_cap * 2 : 8;
        s->held = avp_realloc(s->held, s->held_cap * sizeof(*s->held));
    }
    s->held[s->held_head + s->nheld++] = r;
}

static redisReply *unhold(queue_sub_t *s)
{
    if (s->nheld == 0)
        return NULL;
    redisReply *r = s->held[s->held_head++];
    if (--s->nheld == 0)
        s->held_head = 0;
    return r;
}

/* Drops the link and the messages held from it: the RESUBSCRIBED event
 * that follows tells the watcher to re-read the latest progress, which
 * supersedes them. */
static void drop_link(queue_sub_t *s)
{
    redisFree(s->ctx);
    s->ctx = NULL;
    s->lost = 1;
    for (redisReply *r; (r = unhold(s));)
        freeReplyObject(r);
}

/* Waits for socket data until deadline: 1 data, 0 timeout, or an error. */
static int wait_readable(queue_sub_t *s, double deadline, avp_error_t *err)
{
    for (;;) {
        int ms = (int)((deadline - avp_now()) * 1e3 + 0.999);
        struct pollfd p = {.fd = s->ctx->fd, .events = POLLIN};
        int n = poll(&p, 1, ms > 0 ? ms : 0);
        if (n > 0)
            break;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return avp_error_set(err, AVP_EIO, "poll: %s", strerror(errno));
    }
    if (redisBufferRead(s->ctx) != REDIS_OK) {
        avp_error_set(err, AVP_EUNAVAILABLE, "redis subscriber: %s",
                      s->ctx->errstr);
        drop_link(s);
        return AVP_EUNAVAILABLE;
    }
    return 1;
}

/* The next reply from the link, waiting until deadline: 1 with *out, 0 on
 * timeout, or an error (the link is then dropped). */
static int next_reply(queue_sub_t *s, double deadline, redisReply **out,
                      avp_error_t *err)
{
    for (;;) {
        void *reply = NULL;
        if (redisGetReplyFromReader(s->ctx, &reply) != REDIS_OK) {
            avp_error_set(err, AVP_EIO, "redis subscriber: %s",
                          s->ctx->errstr);
            drop_link(s);
            return AVP_EIO;
        }
        if (reply) {
            *out = reply;
            return 1;
        }
        int rc = wait_readable(s, deadline, err);
        if (rc <= 0)
            return rc;
    }
}

/* Reads until Redis confirms cmd on channel, holding the messages that come
 * first for queue_sub_read(). Waiting matters: once subscribe returns, a
 * PUBLISH from any client reaches this subscriber. */
static int await_confirmation(queue_sub_t *s, const char *cmd,
                              const char *channel, avp_error_t *err)
{
    double deadline = avp_now() + s->opts.command_timeout_ms / 1e3;
    for (;;) {
        redisReply *r;
        int rc = next_reply(s, deadline, &r, err);
        if (rc == 0) {
            avp_error_set(err, AVP_EUNAVAILABLE, "redis %s %s: no answer",
                          cmd, channel);
            drop_link(s);
            return AVP_EUNAVAILABLE;
        }
        if (rc < 0)
            return rc;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
            r->element[0]->str && strcasecmp(r->element[0]->str, cmd) == 0 &&
            r->element[1]->str && strcmp(r->element[1]->str, channel) == 0) {
            freeReplyObject(r);
            return AVP_OK;
        }
        hold(s, r);
    }
}

/* Writes the command cmd arg to the link without reading the answer. */
static int send_command(queue_sub_t *s, const char *cmd, const char *arg,
                        avp_error_t *err)
{
    const char *argv[] = {cmd, arg};
    int done = 0;
    if (redisAppendCommandArgv(s->ctx, 2, argv, NULL) != REDIS_OK)
        goto fail;
    while (!done)
        if (redisBufferWrite(s->ctx, &done) != REDIS_OK)
            goto fail;
    return AVP_OK;
fail:
    avp_error_set(err, AVP_EUNAVAILABLE, "redis %s %s: %s", cmd, arg,
                  s->ctx->errstr);
    drop_link(s);
    return AVP_EUNAVAILABLE;
}

/* Sends (UN)SUBSCRIBE or P(UN)SUBSCRIBE for one key and waits for Redis
 * to confirm it. */
static int send_subscription(queue_sub_t *s, sub_key_t k, int on,
                             avp_error_t *err)
{
    char channel[192];
    channel_name(channel, sizeof(channel), s->ns, k);
    const char *cmd = k.id < 0 ? (on ? "PSUBSCRIBE" : "PUNSUBSCRIBE")
                               : (on ? "SUBSCRIBE" : "UNSUBSCRIBE");
    int rc = send_command(s, cmd, channel, err);
    return rc < 0 ? rc : await_confirmation(s, cmd, channel, err);
}

/* Makes a link if there is none and renews every subscription on it. */
static int ensure_link(queue_sub_t *s, avp_error_t *err)
{
    if (s->ctx)
        return AVP_OK;
    int rc = queue__backoff_check(&s->backoff, err);
    if (rc < 0)
        return rc;
    rc = queue__link_open(&s->addr, &s->opts, &s->ctx, NULL, err);
    for (size_t i = 0; rc == AVP_OK && i < s->nkeys; i++)
        rc = send_subscription(s, s->keys[i], 1, err);
    queue__backoff_update(&s->backoff, rc, s->opts.retry_max_ms);
    return rc;
}

int queue_sub_open(const char *url, const queue_opts_t *opts,
                   queue_sub_t **out, avp_error_t *err)
{
    queue_sub_t *s = avp_calloc(1, sizeof(*s));
    *out = NULL;
    queue__ignore_sigpipe();
    int rc = queue__opts_resolve(opts, &s->opts, err);
    s->ns = (char *)s->opts.ns;
    if (rc == AVP_OK)
        rc = queue__addr_parse(url, &s->addr, err);
    if (rc == AVP_OK && !s->opts.lazy)
        rc = ensure_link(s, err);
    if (rc < 0) {
        queue_sub_close(s);
        return rc;
    }
    s->lost = 0;
    *out = s;
    return AVP_OK;
}

void queue_sub_close(queue_sub_t *s)
{
    if (!s)
        return;
    if (s->ctx)
        drop_link(s);
    if (s->last)
        freeReplyObject(s->last);
    avp_free(s->held);
    queue__addr_fini(&s->addr);
    avp_free(s->keys);
    avp_free(s->ns);
    avp_free(s);
}

static ptrdiff_t find_key(const queue_sub_t *s, queue_topic_t topic,
                          int64_t id)
{
    for (size_t i = 0; i < s->nkeys; i++)
        if (s->keys[i].topic == topic && s->keys[i].id == id)
            return (ptrdiff_t)i;
    return -1;
}

static int bad_topic(queue_topic_t topic, avp_error_t *err)
{
    return !known_topic(topic)
               ? avp_error_set(err, AVP_EINVAL, "unknown topic %d", topic)
               : AVP_OK;
}

int queue_sub_add(queue_sub_t *s, queue_topic_t topic, int64_t id,
                  avp_error_t *err)
{
    sub_key_t k = {topic, id < 0 ? -1 : id};
    if (bad_topic(topic, err) < 0)
        return AVP_EINVAL;
    if (find_key(s, k.topic, k.id) >= 0)
        return AVP_OK;
    if (s->nkeys == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->keys = avp_realloc(s->keys, s->cap * sizeof(*s->keys));
    }
    s->keys[s->nkeys++] = k;
    /* Remembered even when the link is down: a new link subscribes to all,
     * and reports RESUBSCRIBED so the watcher reads the latest then. */
    int rc = s->ctx ? send_subscription(s, k, 1, err) : ensure_link(s, err);
    if (rc < 0)
        s->lost = 1;
    return rc;
}

int queue_sub_remove(queue_sub_t *s, queue_topic_t topic, int64_t id,
                     avp_error_t *err)
{
    sub_key_t k = {topic, id < 0 ? -1 : id};
    if (bad_topic(topic, err) < 0)
        return AVP_EINVAL;
    ptrdiff_t i = find_key(s, k.topic, k.id);
    if (i < 0)
        return AVP_OK;
    s->keys[i] = s->keys[--s->nkeys];
    return s->ctx ? send_subscription(s, k, 0, err) : AVP_OK;
}

int queue_sub_ping(queue_sub_t *s, const char *text, avp_error_t *err)
{
    if (!text || strlen(text) > 64)
        return avp_error_set(err, AVP_EINVAL, "ping: bad text");
    if (!s->ctx)
        return avp_error_set(err, AVP_EUNAVAILABLE, "redis subscriber: "
                             "no link");
    return send_command(s, "PING", text, err);
}

/* The topic and id of a channel name, or -1 when it is none of ours. */
static int parse_channel(const queue_sub_t *s, const char *channel,
                         sub_key_t *k)
{
    size_t n = strlen(s->ns);
    if (strncmp(channel, s->ns, n) || channel[n] != ':')
        return -1;
    channel += n + 1;
    for (unsigned t = 0; t < AVP_ARRAY_LEN(topic_names); t++) {
        size_t len = strlen(topic_names[t]);
        if (strncmp(channel, topic_names[t], len) || channel[len] != ':')
            continue;
        char *end;
        k->topic = (queue_topic_t)t;
        k->id = strtoll(channel + len + 1, &end, 10);
        return end == channel + len + 1 || *end || k->id < 0 ? -1 : 0;
    }
    return -1;
}

/* Fills ev from a (p)message or pong reply; 0 for confirmations and for
 * messages of channels no longer subscribed (they may still be in
 * flight). */
static int parse_message(queue_sub_t *s, const redisReply *r,
                         queue_event_t *ev)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
        return 0;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type != REDIS_REPLY_STRING)
            return 0; /* a subscribe confirmation (its count) or else */
    /* A subscribed link answers PING with ["pong", text]. */
    if (r->elements == 2) {
        if (strcmp(r->element[0]->str, "pong"))
            return 0;
        *ev = (queue_event_t){QUEUE_EVENT_PONG, 0, 0, r->element[1]->str,
                              r->element[1]->len};
        return 1;
    }
    /* ["message", channel, payload] or ["pmessage", pattern, channel,
     * payload] */
    size_t at = strcmp(r->element[0]->str, "pmessage") == 0 ? 2 : 1;
    if (at + 2 != r->elements ||
        (at == 1 && strcmp(r->element[0]->str, "message") != 0))
        return 0;
    const redisReply *channel = r->element[at], *payload = r->element[at + 1];
    sub_key_t k;
    if (parse_channel(s, channel->str, &k) < 0 ||
        (find_key(s, k.topic, k.id) < 0 && find_key(s, k.topic, -1) < 0))
        return 0;
    *ev = (queue_event_t){QUEUE_EVENT_MESSAGE, k.topic, k.id, payload->str,
                          payload->len};
    return 1;
}

/* One try at the next event until deadline, as queue_sub_read. */
static int read_once(queue_sub_t *s, double deadline, queue_event_t *ev,
                     avp_error_t *err)
{
    int rc = ensure_link(s, err);
    if (rc < 0)
        return rc;
    if (s->lost) {
        s->lost = 0;
        *ev = (queue_event_t){QUEUE_EVENT_RESUBSCRIBED, 0, 0, NULL, 0};
        return 1;
    }
    for (;;) {
        redisReply *r = unhold(s);
        if (!r && (rc = next_reply(s, deadline, &r, err)) <= 0)
            return rc;
        if (parse_message(s, r, ev)) {
            s->last = r;
            return 1;
        }
        freeReplyObject(r); /* a confirmation, or a channel not wanted */
    }
}

int queue_sub_read(queue_sub_t *s, int timeout_ms, queue_event_t *ev,
                   avp_error_t *err)
{
    if (s->last) {
        freeReplyObject(s->last);
        s->last = NULL;
    }
    double deadline = avp_now() + (timeout_ms > 0 ? timeout_ms : 0) / 1e3;
    int rc;
    while ((rc = read_once(s, deadline, ev, err)) == AVP_EUNAVAILABLE &&
           queue__pause(deadline))
        ;
    return rc;
}
