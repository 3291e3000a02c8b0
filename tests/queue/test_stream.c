#include "redis_test.h"

#include <pthread.h>

static queue_conn_t *open_conn(const char *ns)
{
    queue_opts_t o = redis_test_opts(ns);
    queue_conn_t *c = NULL;
    avp_error_t err;
    if (queue_conn_open(redis_test_url(), &o, &c, &err) < 0)
        fprintf(stderr, "open: %s\n", err.msg);
    return c;
}

static void test_stream_enqueue_claim_ack(void)
{
    queue_conn_t *c = open_conn("t_eca");
    CHECK(c);
    avp_error_t err;
    char id[QUEUE_ID_MAX];
    CHECK(queue_enqueue(c, 42, "detect", id, &err) == 1);
    queue_depth_t d;
    CHECK(queue_depth(c, &d, &err) == AVP_OK);
    CHECK(d.length == 1 && d.pending == 0);

    queue_msg_t m;
    CHECK(queue_claim(c, "w1", 100, &m, &err) == 1);
    CHECK(m.task_id == 42 && strcmp(m.kind, "detect") == 0);
    CHECK(strcmp(m.id, id) == 0);
    CHECK(queue_depth(c, &d, &err) == AVP_OK);
    CHECK(d.length == 1 && d.pending == 1 && d.consumers == 1);

    CHECK(queue_ack(c, m.id, &err) == 1);
    CHECK(queue_ack(c, m.id, &err) == 0); /* twice is harmless */
    CHECK(queue_depth(c, &d, &err) == AVP_OK);
    CHECK(d.length == 0 && d.pending == 0);
    /* Nothing left: a short wait ends empty, no wait at all too. */
    double t0 = avp_now();
    CHECK(queue_claim(c, "w1", 100, &m, &err) == 0);
    CHECK(avp_now() - t0 >= 0.09);
    CHECK(queue_claim(c, "w1", 0, &m, &err) == 0);
    queue_conn_close(c);
}

static void test_stream_enqueue_is_idempotent_per_task(void)
{
    queue_conn_t *c = open_conn("t_idem");
    CHECK(c);
    avp_error_t err;
    char id1[QUEUE_ID_MAX], id2[QUEUE_ID_MAX];
    CHECK(queue_enqueue(c, 7, "detect", id1, &err) == 1);
    CHECK(queue_enqueue(c, 7, "detect", id2, &err) == 0);
    CHECK(strcmp(id1, id2) == 0);
    queue_depth_t d;
    CHECK(queue_depth(c, &d, &err) == AVP_OK && d.length == 1);

    /* Still pending with a worker: reconciling must not duplicate it. */
    queue_msg_t m;
    CHECK(queue_claim(c, "w1", 0, &m, &err) == 1);
    CHECK(queue_enqueue(c, 7, "detect", NULL, &err) == 0);
    CHECK(queue_depth(c, &d, &err) == AVP_OK && d.length == 1);

    /* Once done, the task can be queued again (a retry). */
    CHECK(queue_ack(c, m.id, &err) == 1);
    CHECK(queue_enqueue(c, 7, "detect", id2, &err) == 1);
    CHECK(strcmp(id1, id2) != 0);

    /* An entry trimmed away no longer counts as the live one. */
    CHECK(redis_test_raw_int("XDEL t_idem:tasks %s", id2) == 1);
    CHECK(queue_enqueue(c, 7, "detect", id1, &err) == 1);
    CHECK(queue_depth(c, &d, &err) == AVP_OK && d.length == 1);
    queue_conn_close(c);
}

static void test_stream_two_consumers_get_different_tasks(void)
{
    queue_conn_t *a = open_conn("t_two"), *b = open_conn("t_two");
    CHECK(a && b);
    avp_error_t err;
    for (int t = 1; t <= 4; t++)
        CHECK(queue_enqueue(a, t, "detect", NULL, &err) == 1);
    queue_msg_t m[4];
    int seen = 0;
    for (int i = 0; i < 4; i++) {
        CHECK(queue_claim(i % 2 ? b : a, i % 2 ? "wb" : "wa", 100, &m[i],
                          &err) == 1);
        CHECK(m[i].task_id >= 1 && m[i].task_id <= 4);
        CHECK(!(seen & (1 << m[i].task_id)));
        seen |= 1 << m[i].task_id;
    }
    CHECK(queue_claim(b, "wb", 0, &m[0], &err) == 0);
    queue_conn_close(a);
    queue_conn_close(b);
}

static void test_stream_dead_consumer_is_reclaimed(void)
{
    queue_conn_t *a = open_conn("t_dead"), *b = open_conn("t_dead");
    CHECK(a && b);
    avp_error_t err;
    queue_msg_t m, r;
    CHECK(queue_enqueue(a, 9, "detect", NULL, &err) == 1);
    CHECK(queue_claim(a, "wa", 100, &m, &err) == 1);
    /* wa dies: it never acks. Not idle long enough yet. */
    CHECK(queue_reclaim(b, "wb", 400, &r, &err) == 0);
    redis_test_sleep_ms(450);
    CHECK(queue_reclaim(b, "wb", 400, &r, &err) == 1);
    CHECK(r.task_id == 9 && strcmp(r.id, m.id) == 0);
    /* The old owner learns it lost the task; the new one holds it. */
    CHECK(queue_heartbeat(a, "wa", m.id, &err) == 0);
    CHECK(queue_heartbeat(b, "wb", r.id, &err) == 1);
    CHECK(queue_reclaim(a, "wa", 400, &m, &err) == 0);
    CHECK(queue_ack(b, r.id, &err) == 1);
    queue_conn_close(a);
    queue_conn_close(b);
}

static void test_stream_heartbeat_prevents_reclaim(void)
{
    queue_conn_t *a = open_conn("t_hb"), *b = open_conn("t_hb");
    CHECK(a && b);
    avp_error_t err;
    queue_msg_t m, r;
    CHECK(queue_enqueue(a, 11, "detect", NULL, &err) == 1);
    CHECK(queue_claim(a, "wa", 100, &m, &err) == 1);
    /* 600 ms of work, heartbeats every 50 ms, reclaimers want 400 ms. */
    for (int i = 0; i < 12; i++) {
        redis_test_sleep_ms(50);
        CHECK(queue_heartbeat(a, "wa", m.id, &err) == 1);
        CHECK(queue_reclaim(b, "wb", 400, &r, &err) == 0);
    }
    redis_test_sleep_ms(450);
    CHECK(queue_reclaim(b, "wb", 400, &r, &err) == 1);
    CHECK(r.task_id == 11);
    CHECK(queue_ack(b, r.id, &err) == 1);
    queue_conn_close(a);
    queue_conn_close(b);
}

static void test_stream_reclaim_scans_past_busy_entries(void)
{
    /* Many healthy pending entries ahead of one idle one: XAUTOCLAIM looks
     * at a slice of the pending list at a time; reclaim must go on. */
    queue_conn_t *c = open_conn("t_scan");
    CHECK(c);
    avp_error_t err;
    queue_msg_t busy[40], m;
    for (int t = 0; t < 40; t++) {
        CHECK(queue_enqueue(c, t, "detect", NULL, &err) == 1);
        CHECK(queue_claim(c, "busy", 0, &busy[t], &err) == 1);
    }
    CHECK(queue_enqueue(c, 1000, "detect", NULL, &err) == 1);
    CHECK(queue_claim(c, "dead", 0, &m, &err) == 1);
    /* Age only the dead one (XCLAIM ... IDLE), so timing cannot blur it. */
    redisReply *r = redis_test_raw("XCLAIM t_scan:tasks t_scan:workers dead "
                                   "0 %s IDLE 100000 JUSTID", m.id);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    freeReplyObject(r);
    CHECK(queue_reclaim(c, "wb", 50000, &m, &err) == 1);
    CHECK(m.task_id == 1000);
    CHECK(queue_reclaim(c, "wb", 50000, &m, &err) == 0);
    queue_conn_close(c);
}

static void test_stream_prune_removes_idle_consumers_only(void)
{
    queue_conn_t *c = open_conn("t_prune");
    CHECK(c);
    avp_error_t err;
    queue_msg_t m;
    /* A consumer joins the group when it first gets an entry. */
    CHECK(queue_enqueue(c, 1, "detect", NULL, &err) == 1);
    CHECK(queue_enqueue(c, 2, "detect", NULL, &err) == 1);
    CHECK(queue_claim(c, "holder", 0, &m, &err) == 1);
    CHECK(queue_claim(c, "exited", 0, &m, &err) == 1);
    CHECK(queue_ack(c, m.id, &err) == 1);
    redis_test_sleep_ms(120);
    CHECK(queue_enqueue(c, 3, "detect", NULL, &err) == 1);
    CHECK(queue_claim(c, "fresh", 0, &m, &err) == 1);
    CHECK(queue_ack(c, m.id, &err) == 1);
    /* Only "exited": "holder" has a pending entry, "fresh" was just seen. */
    CHECK(queue_prune_consumers(c, 100, &err) == 1);
    redisReply *r = redis_test_raw("XINFO CONSUMERS t_prune:tasks "
                                   "t_prune:workers");
    CHECK(r && r->type == REDIS_REPLY_ARRAY);
    size_t n = r->elements;
    freeReplyObject(r);
    CHECK(n == 2);
    queue_conn_close(c);
}

static void test_stream_bad_and_deleted_entries(void)
{
    queue_conn_t *c = open_conn("t_bad");
    CHECK(c);
    avp_error_t err;
    queue_msg_t m;
    /* Make the group exist, then add an entry the library did not write. */
    CHECK(queue_claim(c, "w", 0, &m, &err) == 0);
    redisReply *r = redis_test_raw("XADD t_bad:tasks * junk 1");
    CHECK(r && r->type == REDIS_REPLY_STRING);
    freeReplyObject(r);
    CHECK(queue_claim(c, "w", 0, &m, &err) == AVP_EFORMAT);
    queue_depth_t d;
    CHECK(queue_depth(c, &d, &err) == AVP_OK);
    CHECK(d.length == 0 && d.pending == 0); /* dropped, not wedged */

    /* A pending entry deleted under its worker (a trim) is dropped from the
     * pending list by reclaim instead of being returned empty. */
    CHECK(queue_enqueue(c, 5, "detect", NULL, &err) == 1);
    CHECK(queue_claim(c, "w", 0, &m, &err) == 1);
    CHECK(redis_test_raw_int("XDEL t_bad:tasks %s", m.id) == 1);
    CHECK(queue_reclaim(c, "w2", 0, &m, &err) == 0);
    CHECK(queue_depth(c, &d, &err) == AVP_OK && d.pending == 0);

    CHECK(queue_enqueue(c, 5, "", NULL, &err) == AVP_EINVAL);
    CHECK(queue_ack(c, "not-an-id", &err) == AVP_EINVAL);
    CHECK(queue_claim(c, "", 0, &m, &err) == AVP_EINVAL);
    queue_conn_close(c);
}

static void test_stream_group_is_recreated_when_lost(void)
{
    queue_conn_t *c = open_conn("t_lost");
    CHECK(c);
    avp_error_t err;
    queue_msg_t m;
    CHECK(queue_enqueue(c, 1, "detect", NULL, &err) == 1);
    CHECK(queue_claim(c, "w", 0, &m, &err) == 1);
    CHECK(queue_ack(c, m.id, &err) == 1);
    /* Redis lost everything (restart without AOF, FLUSHALL). */
    CHECK(redis_test_raw_int("DEL t_lost:tasks") == 1);
    CHECK(queue_reclaim(c, "w", 0, &m, &err) == 0);
    CHECK(queue_heartbeat(c, "w", "1-1", &err) == 0);
    CHECK(queue_ack(c, "1-1", &err) == 0);
    CHECK(queue_prune_consumers(c, 0, &err) == 0);
    queue_depth_t d;
    CHECK(queue_depth(c, &d, &err) == AVP_OK && d.length == 0);
    CHECK(queue_claim(c, "w", 0, &m, &err) == 0);
    /* Tasks enqueued before any worker asks are all delivered. */
    CHECK(redis_test_raw_int("DEL t_lost:tasks") == 1);
    CHECK(queue_enqueue(c, 2, "detect", NULL, &err) == 1);
    CHECK(queue_enqueue(c, 3, "detect", NULL, &err) == 1);
    CHECK(queue_claim(c, "w", 0, &m, &err) == 1 && m.task_id == 2);
    CHECK(queue_claim(c, "w", 0, &m, &err) == 1 && m.task_id == 3);
    queue_conn_close(c);
}

static void test_stream_survives_redis_restart(void)
{
    queue_conn_t *a = open_conn("t_restart"), *b = open_conn("t_restart");
    CHECK(a && b);
    avp_error_t err;
    queue_msg_t m1, m2, r;
    for (int t = 1; t <= 3; t++)
        CHECK(queue_enqueue(a, t, "detect", NULL, &err) == 1);
    CHECK(queue_claim(a, "wa", 100, &m1, &err) == 1 && m1.task_id == 1);

    CHECK(redis_test_ctl("stop") == 0);
    CHECK(queue_enqueue(b, 4, "detect", NULL, &err) == AVP_EUNAVAILABLE);
    /* A claim keeps trying for its wait, so a worker loop does not spin. */
    double t0 = avp_now();
    CHECK(queue_claim(b, "wb", 200, &m2, &err) == AVP_EUNAVAILABLE);
    CHECK(avp_now() - t0 >= 0.19 && avp_now() - t0 < 1.0);
    CHECK(redis_test_ctl("start") == 0);
    CHECK(redis_test_wait_up(b));

    /* The group, the pending entry of wa and the waiting ones survived. */
    queue_depth_t d;
    CHECK(queue_depth(b, &d, &err) == AVP_OK);
    CHECK(d.length == 3 && d.pending == 1);
    CHECK(queue_claim(b, "wb", 100, &m2, &err) == 1 && m2.task_id == 2);
    CHECK(queue_reclaim(b, "wb", 0, &r, &err) == 1);
    CHECK(r.task_id == 1 && strcmp(r.id, m1.id) == 0);
    /* Idempotent enqueue still knows the live entries. */
    CHECK(queue_enqueue(a, 3, "detect", NULL, &err) == 0);
    CHECK(queue_ack(a, m2.id, &err) == 1);
    CHECK(queue_ack(a, r.id, &err) == 1);
    CHECK(queue_claim(a, "wa", 100, &m1, &err) == 1 && m1.task_id == 3);
    CHECK(queue_conn_connects(a) == 2);
    queue_conn_close(a);
    queue_conn_close(b);
}

typedef struct blocked {
    queue_conn_t *conn;
    int rc;
    queue_msg_t msg;
} blocked_t;

static void *claim_blocking(void *p)
{
    blocked_t *b = p;
    b->rc = queue_claim(b->conn, "w", 5000, &b->msg, NULL);
    return NULL;
}

static void test_stream_blocked_claim_rides_out_restart(void)
{
    /* A worker waiting for work while Redis restarts keeps waiting, and
     * gets the task enqueued after the restart within the same call. */
    blocked_t b = {open_conn("t_block"), 0, {{0}, 0, {0}}};
    queue_conn_t *server = open_conn("t_block");
    CHECK(b.conn && server);
    queue_msg_t m;
    CHECK(queue_claim(b.conn, "w", 0, &m, NULL) == 0); /* makes the group */
    pthread_t t;
    pthread_create(&t, NULL, claim_blocking, &b);
    redis_test_sleep_ms(200);
    int restarted = redis_test_ctl("restart") == 0;
    redis_test_wait_up(server);
    int queued = queue_enqueue(server, 77, "detect", NULL, NULL);
    pthread_join(t, NULL);
    CHECK(restarted && queued == 1);
    CHECK(b.rc == 1 && b.msg.task_id == 77);
    queue_conn_close(b.conn);
    queue_conn_close(server);
}

int main(void)
{
    redis_test_begin();
    RUN(test_stream_enqueue_claim_ack);
    RUN(test_stream_enqueue_is_idempotent_per_task);
    RUN(test_stream_two_consumers_get_different_tasks);
    RUN(test_stream_dead_consumer_is_reclaimed);
    RUN(test_stream_heartbeat_prevents_reclaim);
    RUN(test_stream_reclaim_scans_past_busy_entries);
    RUN(test_stream_prune_removes_idle_consumers_only);
    RUN(test_stream_bad_and_deleted_entries);
    RUN(test_stream_group_is_recreated_when_lost);
    RUN(test_stream_survives_redis_restart);
    RUN(test_stream_blocked_claim_rides_out_restart);
    return CHECK_DONE();
}
