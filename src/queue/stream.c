/*
 * stream.c - task dispatch over one Redis stream and its consumer group
 * (see the DESIGN comment in queue.h for the keys and the semantics).
 *
 * Steps that must not interleave with another client's (look up the
 * task's live entry, then add one; check ownership, then touch the entry)
 * run as Lua scripts, which Redis executes atomically.
 *
 * The group is created lazily: every call that needs it and gets NOGROUP
 * creates it at id 0 and tries once more. Id 0 (not $) matters after a
 * Redis restart that lost the group but kept the stream, or when tasks
 * were enqueued before any worker came up: every entry still in the
 * stream is then delivered.
 */
#include "queue/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds the task unless its live entry (the id stored under the task key)
 * still exists; a stored id whose entry was trimmed away does not count. */
static const char ENQUEUE_LUA[] =
    "local id = redis.call('GET', KEYS[2])\n"
    "if id and #redis.call('XRANGE', KEYS[1], id, id) > 0 then\n"
    "  return {0, id}\n"
    "end\n"
    "id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',\n"
    "                'task', ARGV[1], 'kind', ARGV[2])\n"
    "redis.call('SET', KEYS[2], id)\n"
    "return {1, id}\n";

/* Acks and deletes the entry, and forgets it as its task's live entry, so
 * that enqueueing the task again (a retry) adds a new one. */
static const char ACK_LUA[] =
    "local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "local e = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])\n"
    "if #e == 0 then return n end\n"
    "local f = e[1][2]\n"
    "for i = 1, #f - 1, 2 do\n"
    "  if f[i] == 'task' then\n"
    "    local k = ARGV[3] .. f[i + 1]\n"
    "    if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end\n"
    "  end\n"
    "end\n"
    "redis.call('XDEL', KEYS[1], ARGV[2])\n"
    "return n\n";

/* XCLAIM with min-idle 0 would also take an entry another worker has
 * reclaimed meanwhile, so the claim to oneself happens only while the
 * pending list still names this consumer as the owner. */
static const char HEARTBEAT_LUA[] =
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3],\n"
    "                     1, ARGV[2])\n"
    "if #p == 0 then return 0 end\n"
    "redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')\n"
    "return 1\n";

/* XINFO CONSUMERS answers a list of flat field/value lists (and an error
 * for a missing stream, hence the EXISTS). */
static const char PRUNE_LUA[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    "local n = 0\n"
    "for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do\n"
    "  local f = {}\n"
    "  for i = 1, #c - 1, 2 do f[c[i]] = c[i + 1] end\n"
    "  if f.pending == 0 and f.idle >= tonumber(ARGV[2]) then\n"
    "    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f.name)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

typedef struct names {
    char stream[160];
    char group[160];
    char task_prefix[160]; /* <ns>:task: */
} names_t;

static void names_init(names_t *n, const queue_conn_t *c)
{
    const char *ns = queue__ns(c);
    snprintf(n->stream, sizeof(n->stream), "%s:tasks", ns);
    snprintf(n->group, sizeof(n->group), "%s:workers", ns);
    snprintf(n->task_prefix, sizeof(n->task_prefix), "%s:task:", ns);
}

static int ensure_group(queue_conn_t *c, const names_t *n, avp_error_t *err)
{
    avp_error_t e;
    redisReply *r;
    int rc = queue__call(c, &r, &e, "XGROUP", "CREATE", n->stream, n->group,
                         "0", "MKSTREAM", NULL);
    if (rc == AVP_OK)
        freeReplyObject(r);
    else if (rc == AVP_EIO && strstr(e.msg, "BUSYGROUP"))
        rc = AVP_OK; /* another client made it first */
    else
        avp_error_set(err, rc, "%s", e.msg);
    return rc;
}

static int check_id(const char *id, avp_error_t *err)
{
    if (!id || !id[0] || strlen(id) >= QUEUE_ID_MAX ||
        strspn(id, "0123456789-") != strlen(id))
        return avp_error_set(err, AVP_EINVAL, "bad stream id '%s'",
                             id ? id : "(null)");
    return AVP_OK;
}

int queue_enqueue(queue_conn_t *c, int64_t task_id, const char *kind,
                  char *id_out, avp_error_t *err)
{
    if (!kind || !kind[0] || strlen(kind) >= QUEUE_KIND_MAX)
        return avp_error_set(err, AVP_EINVAL, "task kind must have 1..%d "
                             "characters", QUEUE_KIND_MAX - 1);
    names_t n;
    names_init(&n, c);
    char task[24], key[192], maxlen[24];
    snprintf(task, sizeof(task), "%lld", (long long)task_id);
    snprintf(key, sizeof(key), "%s%s", n.task_prefix, task);
    snprintf(maxlen, sizeof(maxlen), "%ld", queue__maxlen(c));
    redisReply *r;
    int rc = queue__call(c, &r, err, "EVAL", ENQUEUE_LUA, "2", n.stream, key,
                         task, kind, maxlen, NULL);
    if (rc < 0)
        return queue__fail(rc, err, "enqueue task %s", task);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[1]->type != REDIS_REPLY_STRING ||
        r->element[1]->len >= QUEUE_ID_MAX) {
        freeReplyObject(r);
        return avp_error_set(err, AVP_EINTERNAL, "enqueue: unexpected reply");
    }
    rc = r->element[0]->integer ? 1 : 0;
    if (id_out)
        memcpy(id_out, r->element[1]->str, r->element[1]->len + 1);
    freeReplyObject(r);
    return rc;
}

/* Fills m from a stream entry [id, [field, value, ...]]. */
static int parse_entry(const redisReply *e, queue_msg_t *m, avp_error_t *err)
{
    memset(m, 0, sizeof(*m));
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING ||
        e->element[0]->len >= QUEUE_ID_MAX)
        return avp_error_set(err, AVP_EFORMAT, "stream entry: bad shape");
    memcpy(m->id, e->element[0]->str, e->element[0]->len + 1);
    const redisReply *f = e->element[1];
    int have_task = 0;
    for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements;
         i += 2) {
        const char *name = f->element[i]->str, *value = f->element[i + 1]->str;
        if (!name || !value)
            break;
        char *end;
        if (strcmp(name, "task") == 0) {
            m->task_id = strtoll(value, &end, 10);
            have_task = end != value && !*end;
        } else if (strcmp(name, "kind") == 0 &&
                   f->element[i + 1]->len < QUEUE_KIND_MAX) {
            memcpy(m->kind, value, f->element[i + 1]->len + 1);
        }
    }
    if (!have_task || !m->kind[0])
        return avp_error_set(err, AVP_EFORMAT,
                             "stream entry %s: no task id or kind", m->id);
    return AVP_OK;
}

/* Handles an entry just assigned to this consumer: 1 if it is good, or
 * AVP_EFORMAT after acking (and so deleting) a bad one. */
static int take_entry(queue_conn_t *c, const redisReply *e, queue_msg_t *m,
                      avp_error_t *err)
{
    if (parse_entry(e, m, err) == AVP_OK)
        return 1;
    if (m->id[0])
        queue_ack(c, m->id, NULL);
    return AVP_EFORMAT;
}

static int read_group(queue_conn_t *c, const names_t *n, const char *consumer,
                      int block_ms, redisReply **out, avp_error_t *err)
{
    char block[16];
    snprintf(block, sizeof(block), "%d", block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", n->group, consumer,
                          "COUNT", "1", "BLOCK", block, "STREAMS",
                          n->stream, ">"};
    const char *noblock[] = {"XREADGROUP", "GROUP", n->group, consumer,
                             "COUNT", "1", "STREAMS", n->stream, ">"};
    /* BLOCK 0 would mean forever; "do not wait" is no BLOCK at all. */
    if (block_ms > 0)
        return queue__command(c, AVP_ARRAY_LEN(argv), argv, NULL, block_ms,
                              out, err);
    return queue__command(c, AVP_ARRAY_LEN(noblock), noblock, NULL, 0, out,
                          err);
}

/* One XREADGROUP (with the group made if missing) and its reply. */
static int claim_once(queue_conn_t *c, const char *consumer, int block_ms,
                      queue_msg_t *msg, avp_error_t *err)
{
    names_t n;
    names_init(&n, c);
    redisReply *r;
    int rc = read_group(c, &n, consumer, block_ms, &r, err);
    if (rc == AVP_ENOTFOUND && (rc = ensure_group(c, &n, err)) == AVP_OK)
        rc = read_group(c, &n, consumer, block_ms, &r, err);
    if (rc < 0)
        return queue__fail(rc, err, "claim");
    /* [[stream, [entry]]], or nil when the wait ended with nothing */
    rc = 0;
    const redisReply *s = r->type == REDIS_REPLY_ARRAY && r->elements == 1
                              ? r->element[0] : NULL;
    if (s && s->type == REDIS_REPLY_ARRAY && s->elements == 2 &&
        s->element[1]->type == REDIS_REPLY_ARRAY &&
        s->element[1]->elements == 1)
        rc = take_entry(c, s->element[1]->element[0], msg, err);
    freeReplyObject(r);
    return rc;
}

int queue_claim(queue_conn_t *c, const char *consumer, int block_ms,
                queue_msg_t *msg, avp_error_t *err)
{
    if (!consumer || !consumer[0])
        return avp_error_set(err, AVP_EINVAL, "claim: no consumer name");
    double deadline = avp_now() + (block_ms > 0 ? block_ms : 0) / 1e3;
    for (;;) {
        int rc = claim_once(c, consumer, block_ms, msg, err);
        if (rc != AVP_EUNAVAILABLE || !queue__pause(deadline))
            return rc;
        block_ms = (int)((deadline - avp_now()) * 1e3);
        if (block_ms < 0)
            block_ms = 0; /* a last try that does not wait */
    }
}

int queue_ack(queue_conn_t *c, const char *id, avp_error_t *err)
{
    int rc = check_id(id, err);
    if (rc < 0)
        return rc;
    names_t n;
    names_init(&n, c);
    redisReply *r;
    rc = queue__call(c, &r, err, "EVAL", ACK_LUA, "1", n.stream, n.group, id,
                     n.task_prefix, NULL);
    if (rc == AVP_ENOTFOUND) /* no group: nothing is pending */
        return 0;
    if (rc < 0)
        return queue__fail(rc, err, "ack %s", id);
    rc = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
    freeReplyObject(r);
    return rc;
}

/* One XAUTOCLAIM step from *cursor: 1 with *m when it claimed an entry,
 * 0 when it did not; *cursor becomes "0-0" when the scan is complete. */
static int autoclaim_step(queue_conn_t *c, const names_t *n,
                          const char *consumer, const char *idle,
                          char *cursor, queue_msg_t *m, avp_error_t *err)
{
    redisReply *r;
    int rc = queue__call(c, &r, err, "XAUTOCLAIM", n->stream, n->group,
                         consumer, idle, cursor, "COUNT", "1", NULL);
    if (rc < 0)
        return rc;
    /* [next cursor, [claimed entries], [ids of entries deleted meanwhile,
     * which XAUTOCLAIM has dropped from the pending list]] */
    rc = AVP_EINTERNAL;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[0]->type == REDIS_REPLY_STRING &&
        r->element[0]->len < QUEUE_ID_MAX &&
        r->element[1]->type == REDIS_REPLY_ARRAY) {
        memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
        rc = r->element[1]->elements == 0
                 ? 0
                 : take_entry(c, r->element[1]->element[0], m, err);
    } else {
        avp_error_set(err, rc, "XAUTOCLAIM: unexpected reply");
    }
    freeReplyObject(r);
    return rc;
}

int queue_reclaim(queue_conn_t *c, const char *consumer, int64_t min_idle_ms,
                  queue_msg_t *msg, avp_error_t *err)
{
    if (!consumer || !consumer[0] || min_idle_ms < 0)
        return avp_error_set(err, AVP_EINVAL, "reclaim: bad arguments");
    names_t n;
    names_init(&n, c);
    char idle[24], cursor[QUEUE_ID_MAX] = "0-0";
    snprintf(idle, sizeof(idle), "%lld", (long long)min_idle_ms);
    /* Each step scans a bounded slice of the pending list (COUNT 1 looks
     * at up to 10 entries); go on until one is claimed or the scan wraps. */
    for (;;) {
        int rc = autoclaim_step(c, &n, consumer, idle, cursor, msg, err);
        if (rc == AVP_ENOTFOUND) /* no group: nothing is pending */
            return 0;
        if (rc != 0 || strcmp(cursor, "0-0") == 0)
            return rc < 0 ? queue__fail(rc, err, "reclaim") : rc;
    }
}

int queue_heartbeat(queue_conn_t *c, const char *consumer, const char *id,
                    avp_error_t *err)
{
    int rc = check_id(id, err);
    if (rc < 0)
        return rc;
    if (!consumer || !consumer[0])
        return avp_error_set(err, AVP_EINVAL, "heartbeat: no consumer name");
    names_t n;
    names_init(&n, c);
    redisReply *r;
    rc = queue__call(c, &r, err, "EVAL", HEARTBEAT_LUA, "1", n.stream,
                     n.group, consumer, id, NULL);
    if (rc == AVP_ENOTFOUND) /* no group: nobody owns anything */
        return 0;
    if (rc < 0)
        return queue__fail(rc, err, "heartbeat %s", id);
    rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return rc;
}

int queue_depth(queue_conn_t *c, queue_depth_t *out, avp_error_t *err)
{
    names_t n;
    names_init(&n, c);
    memset(out, 0, sizeof(*out));
    redisReply *r;
    int rc = queue__call(c, &r, err, "XLEN", n.stream, NULL);
    if (rc < 0)
        return queue__fail(rc, err, "queue depth");
    out->length = r->integer;
    freeReplyObject(r);
    rc = queue__call(c, &r, err, "XPENDING", n.stream, n.group, NULL);
    if (rc == AVP_ENOTFOUND)
        return AVP_OK;
    if (rc < 0)
        return queue__fail(rc, err, "queue depth");
    /* [count, smallest id, greatest id, [[consumer, count], ...]] */
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
        out->pending = r->element[0]->integer;
        if (r->element[3]->type == REDIS_REPLY_ARRAY)
            out->consumers = (int64_t)r->element[3]->elements;
    }
    freeReplyObject(r);
    return AVP_OK;
}

int queue_prune_consumers(queue_conn_t *c, int64_t idle_ms, avp_error_t *err)
{
    if (idle_ms < 0)
        return avp_error_set(err, AVP_EINVAL, "prune: negative idle time");
    names_t n;
    names_init(&n, c);
    char idle[24];
    snprintf(idle, sizeof(idle), "%lld", (long long)idle_ms);
    redisReply *r;
    int rc = queue__call(c, &r, err, "EVAL", PRUNE_LUA, "1", n.stream,
                         n.group, idle, NULL);
    if (rc == AVP_ENOTFOUND)
        return 0;
    if (rc < 0)
        return queue__fail(rc, err, "prune consumers");
    rc = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : 0;
    freeReplyObject(r);
    return rc;
}
