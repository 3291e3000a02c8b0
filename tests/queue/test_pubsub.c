#include "redis_test.h"

static queue_opts_t opts(void)
{
    return redis_test_opts("p");
}

static queue_conn_t *open_conn(void)
{
    queue_opts_t o = opts();
    queue_conn_t *c = NULL;
    queue_conn_open(redis_test_url(), &o, &c, NULL);
    return c;
}

static queue_sub_t *open_sub(void)
{
    queue_opts_t o = opts();
    queue_sub_t *s = NULL;
    queue_sub_open(redis_test_url(), &o, &s, NULL);
    return s;
}

/* Reads the next progress event (skipping nothing); 1 if it is task's
 * with json. */
static int next_is(queue_sub_t *s, int64_t task, const char *json)
{
    queue_event_t ev;
    avp_error_t err;
    int rc = queue_sub_read(s, 1000, &ev, &err);
    if (rc != 1) {
        fprintf(stderr, "read: %d %s\n", rc, rc < 0 ? err.msg : "timeout");
        return 0;
    }
    return ev.type == QUEUE_EVENT_MESSAGE && ev.id == task &&
           ev.len == strlen(json) && strcmp(ev.json, json) == 0;
}

static void test_pubsub_publish_and_latest(void)
{
    queue_conn_t *c = open_conn();
    CHECK(c);
    avp_error_t err;
    char *json;
    CHECK(queue_latest_progress(c, 1, &json, &err) == 0 && json == NULL);
    CHECK(queue_publish_progress(c, 1, "{\"frames\":10}", &err) == 0);
    CHECK(queue_latest_progress(c, 1, &json, &err) == 1);
    int same = strcmp(json, "{\"frames\":10}") == 0;
    avp_free(json);
    CHECK(same);
    /* The latest value expires, so finished tasks do not pile up. */
    long long ttl = redis_test_raw_int("PTTL p:progress:1");
    CHECK(ttl > 0 && ttl <= QUEUE_PROGRESS_TTL_MS);
    queue_conn_close(c);
}

static void test_pubsub_subscriber_gets_its_tasks(void)
{
    queue_conn_t *c = open_conn();
    queue_sub_t *s = open_sub();
    CHECK(c && s);
    avp_error_t err;
    queue_event_t ev;
    CHECK(queue_sub_add(s, QUEUE_TOPIC_TASK, 5, &err) == AVP_OK);
    CHECK(queue_sub_add(s, QUEUE_TOPIC_TASK, 5, &err) == AVP_OK); /* once is enough */
    /* Nothing yet: the wait ends after its timeout. */
    double t0 = avp_now();
    CHECK(queue_sub_read(s, 100, &ev, &err) == 0);
    CHECK(avp_now() - t0 >= 0.09 && avp_now() - t0 < 0.5);

    CHECK(queue_publish_progress(c, 5, "{\"f\":1}", &err) == 1);
    CHECK(queue_publish_progress(c, 6, "{\"f\":9}", &err) == 0);
    CHECK(queue_publish_progress(c, 5, "{\"f\":2}", &err) == 1);
    CHECK(next_is(s, 5, "{\"f\":1}"));
    CHECK(next_is(s, 5, "{\"f\":2}"));
    CHECK(queue_sub_read(s, 50, &ev, &err) == 0);

    /* All tasks at once (a server fanning out to its WebSockets). */
    CHECK(queue_sub_add(s, QUEUE_TOPIC_TASK, -1, &err) == AVP_OK);
    CHECK(queue_sub_remove(s, QUEUE_TOPIC_TASK, 5, &err) == AVP_OK);
    CHECK(queue_publish_progress(c, 6, "{\"f\":3}", &err) == 1);
    CHECK(next_is(s, 6, "{\"f\":3}"));
    CHECK(queue_sub_remove(s, QUEUE_TOPIC_TASK, -1, &err) == AVP_OK);
    CHECK(queue_publish_progress(c, 6, "{\"f\":4}", &err) == 0);
    CHECK(queue_publish_progress(c, 5, "{\"f\":5}", &err) == 0);
    CHECK(queue_sub_read(s, 50, &ev, &err) == 0);
    queue_sub_close(s);
    queue_conn_close(c);
}

/* Topics share ids but not channels: a task's progress never reaches a
 * session watcher, and the event says which topic it came on. */
static void test_pubsub_topics_are_apart(void)
{
    queue_conn_t *c = open_conn();
    queue_sub_t *s = open_sub();
    CHECK(c && s);
    avp_error_t err;
    queue_event_t ev;
    CHECK(queue_sub_add(s, QUEUE_TOPIC_SESSION, -1, &err) == AVP_OK);
    CHECK(queue_sub_add(s, (queue_topic_t)7, 1, &err) == AVP_EINVAL);
    CHECK(queue_publish_progress(c, 7, "{\"task\":1}", &err) == 0);
    CHECK(queue_publish(c, QUEUE_TOPIC_SESSION, 7, "{\"s\":1}", &err) == 1);
    CHECK(queue_sub_read(s, 1000, &ev, &err) == 1);
    CHECK(ev.type == QUEUE_EVENT_MESSAGE && ev.topic == QUEUE_TOPIC_SESSION &&
          ev.id == 7 && strcmp(ev.json, "{\"s\":1}") == 0);
    CHECK(queue_sub_add(s, QUEUE_TOPIC_TASK, 7, &err) == AVP_OK);
    CHECK(queue_publish_progress(c, 7, "{\"task\":2}", &err) == 1);
    CHECK(queue_sub_read(s, 1000, &ev, &err) == 1);
    CHECK(ev.topic == QUEUE_TOPIC_TASK && ev.id == 7);
    CHECK(queue_sub_read(s, 50, &ev, &err) == 0);
    queue_sub_close(s);
    queue_conn_close(c);
}

static void test_pubsub_resubscribes_after_restart(void)
{
    queue_conn_t *c = open_conn();
    queue_sub_t *s = open_sub();
    CHECK(c && s);
    avp_error_t err;
    queue_event_t ev;
    CHECK(queue_sub_add(s, QUEUE_TOPIC_TASK, 8, &err) == AVP_OK);
    CHECK(queue_publish_progress(c, 8, "{\"f\":1}", &err) == 1);
    CHECK(next_is(s, 8, "{\"f\":1}"));

    CHECK(redis_test_ctl("stop") == 0);
    CHECK(queue_sub_read(s, 200, &ev, &err) == AVP_EUNAVAILABLE);
    /* While down, a read keeps trying for its whole timeout. */
    double t0 = avp_now();
    CHECK(queue_sub_read(s, 200, &ev, &err) == AVP_EUNAVAILABLE);
    CHECK(avp_now() - t0 >= 0.19 && avp_now() - t0 < 1.0);
    CHECK(redis_test_ctl("start") == 0);
    int rc = AVP_EUNAVAILABLE;
    for (int i = 0; i < 200 && rc < 0; i++) {
        rc = queue_sub_read(s, 20, &ev, &err);
        if (rc < 0)
            redis_test_sleep_ms(20);
    }
    CHECK(rc == 1 && ev.type == QUEUE_EVENT_RESUBSCRIBED);
    CHECK(redis_test_wait_up(c));
    CHECK(queue_publish_progress(c, 8, "{\"f\":2}", &err) == 1);
    CHECK(next_is(s, 8, "{\"f\":2}"));
    /* The latest value came through the restart (append-only file). */
    char *json;
    CHECK(queue_latest_progress(c, 8, &json, &err) == 1);
    avp_free(json);
    queue_sub_close(s);
    queue_conn_close(c);
}

static void test_pubsub_lazy_subscriber_starts_while_down(void)
{
    queue_opts_t o = opts();
    o.lazy = 1;
    queue_sub_t *s;
    queue_event_t ev;
    avp_error_t err;
    CHECK(redis_test_ctl("stop") == 0);
    CHECK(queue_sub_open(redis_test_url(), &o, &s, &err) == AVP_OK);
    CHECK(queue_sub_add(s, QUEUE_TOPIC_TASK, 12, &err) == AVP_EUNAVAILABLE);
    CHECK(redis_test_ctl("start") == 0);
    int rc = AVP_EUNAVAILABLE;
    for (int i = 0; i < 100 && rc < 0; i++)
        rc = queue_sub_read(s, 50, &ev, &err);
    /* The watcher learns to read the latest progress: it may have missed
     * some while the subscription was pending. */
    CHECK(rc == 1 && ev.type == QUEUE_EVENT_RESUBSCRIBED);
    queue_conn_t *c = open_conn();
    CHECK(c);
    CHECK(queue_publish_progress(c, 12, "{}", &err) == 1);
    CHECK(next_is(s, 12, "{}"));
    queue_conn_close(c);
    queue_sub_close(s);
}

/* A pong comes after every message published before the ping, on the
 * auth topic's one channel. */
static void test_pubsub_pong_follows_earlier_messages(void)
{
    queue_conn_t *c = open_conn();
    queue_sub_t *s = open_sub();
    queue_event_t ev;
    avp_error_t err;
    CHECK(c && s);
    CHECK(queue_sub_add(s, QUEUE_TOPIC_AUTH, 0, &err) == AVP_OK);
    CHECK(queue_publish(c, QUEUE_TOPIC_AUTH, 0, "{\"all\":true}", &err) == 1);
    CHECK(queue_sub_ping(s, "12.5", &err) == AVP_OK);
    CHECK(queue_sub_read(s, 1000, &ev, &err) == 1);
    CHECK(ev.type == QUEUE_EVENT_MESSAGE && ev.topic == QUEUE_TOPIC_AUTH &&
          ev.id == 0 && strcmp(ev.json, "{\"all\":true}") == 0);
    CHECK(queue_sub_read(s, 1000, &ev, &err) == 1);
    CHECK(ev.type == QUEUE_EVENT_PONG && strcmp(ev.json, "12.5") == 0);
    queue_sub_close(s);
    queue_conn_close(c);
}

int main(void)
{
    redis_test_begin();
    RUN(test_pubsub_publish_and_latest);
    RUN(test_pubsub_subscriber_gets_its_tasks);
    RUN(test_pubsub_topics_are_apart);
    RUN(test_pubsub_resubscribes_after_restart);
    RUN(test_pubsub_lazy_subscriber_starts_while_down);
    RUN(test_pubsub_pong_follows_earlier_messages);
    return CHECK_DONE();
}
