#include "redis_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void test_conn_rejects_bad_urls(void)
{
    static const char *bad[] = {
        "http://localhost",   "redis://",          "redis://h:0",
        "redis://h:99999",    "redis://h:12x",     "redis://h/db",
        "unix://relative",    "redis://pw@h:1",
        "redis-sentinel://",  "redis-sentinel://h:1",
        "redis-sentinel://h:1/",          "redis-sentinel://h:0/m",
        "redis-sentinel://h:1,/m",        "redis-sentinel://,h/m",
        "redis-sentinel://h:1x/m",        "redis-sentinel://pw@h/m",
        "redis-sentinel://h/m/x",         "redis-sentinel://h/m/1001",
        "redis-sentinel://1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17/m",
    };
    for (size_t i = 0; i <= AVP_ARRAY_LEN(bad); i++) {
        queue_conn_t *c = (queue_conn_t *)1;
        avp_error_t err;
        const char *url = i < AVP_ARRAY_LEN(bad) ? bad[i] : NULL;
        CHECK(queue_conn_open(url, NULL, &c, &err) == AVP_EINVAL);
        CHECK(c == NULL && err.msg[0]);
    }
}

/* Lazy: only the URL is checked, nothing is asked. */
static void test_conn_accepts_sentinel_urls(void)
{
    static const char *good[] = {
        "redis-sentinel://h/m", "redis-sentinel://h1:26380,h2,h3:1/mymaster/2",
        "redis-sentinel://:secret@127.0.0.1:5000/m",
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(good); i++) {
        queue_conn_t *c;
        avp_error_t err;
        CHECK(queue_conn_open(good[i], &(queue_opts_t){.lazy = 1}, &c, &err) ==
              AVP_OK);
        queue_conn_close(c);
    }
}

/* No sentinel answers: unavailable (later asks may find one), naming the
 * master. */
static void test_conn_sentinel_none_answers(void)
{
    queue_conn_t *c;
    avp_error_t err;
    CHECK(queue_conn_open("redis-sentinel://127.0.0.1:1,127.0.0.1:2/mymaster",
                          NULL, &c, &err) == AVP_EUNAVAILABLE);
    CHECK(c == NULL && strstr(err.msg, "mymaster"));
}

static void test_conn_unix_ping_and_close(void)
{
    queue_conn_t *c;
    avp_error_t err;
    CHECK(queue_conn_open(redis_test_url(), NULL, &c, &err) == AVP_OK);
    CHECK(queue_conn_ping(c, &err) == AVP_OK);
    CHECK(queue_conn_connects(c) == 1);
    queue_conn_close(c);
    queue_conn_close(NULL);
}

static void test_conn_nothing_listening(void)
{
    queue_conn_t *c;
    avp_error_t err;
    CHECK(queue_conn_open("unix:///nonexistent/redis.sock", NULL, &c, &err) ==
          AVP_EUNAVAILABLE);
    CHECK(c == NULL && strstr(err.msg, "/nonexistent/redis.sock"));
}

/* A port nobody listens on right now (the kernel's choice). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof(a);
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &n) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void test_conn_tcp_with_database(void)
{
    char dir[600], cmd[1400], url[64];
    snprintf(dir, sizeof(dir), "%s-tcp", getenv("AVP_REDIS_DIR"));
    int port = free_port();
    CHECK(port > 0);
    snprintf(cmd, sizeof(cmd), "'%s' start '%s' %d >/dev/null",
             getenv("AVP_REDIS_SCRIPT"), dir, port);
    CHECK(system(cmd) == 0);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", port);
    queue_conn_t *c;
    avp_error_t err;
    int rc = queue_conn_open(url, NULL, &c, &err);
    if (rc == AVP_OK) {
        /* (the server keeps its data between runs: 1 or 0 both fine) */
        rc = queue_enqueue(c, 1, "detect", NULL, &err) >= 0 ? AVP_OK : -1;
        queue_conn_close(c);
    }
    snprintf(cmd, sizeof(cmd), "'%s' stop '%s'", getenv("AVP_REDIS_SCRIPT"),
             dir);
    CHECK(system(cmd) == 0);
    CHECK(rc == AVP_OK);
}

static void test_conn_lazy_open_waits_for_redis(void)
{
    /* A server must start while Redis is down and use it once it is up. */
    queue_opts_t o = redis_test_opts("lazy");
    o.lazy = 1;
    queue_conn_t *c;
    avp_error_t err;
    CHECK(redis_test_ctl("stop") == 0);
    CHECK(queue_conn_open(redis_test_url(), &o, &c, &err) == AVP_OK);
    CHECK(queue_conn_ping(c, &err) == AVP_EUNAVAILABLE);
    CHECK(queue_conn_connects(c) == 0);
    CHECK(redis_test_ctl("start") == 0);
    CHECK(redis_test_wait_up(c));
    CHECK(queue_conn_connects(c) == 1);
    queue_conn_close(c);

    char ns[QUEUE_NS_MAX + 2];
    memset(ns, 'n', sizeof(ns) - 1);
    ns[sizeof(ns) - 1] = '\0';
    o.ns = ns;
    CHECK(queue_conn_open(redis_test_url(), &o, &c, &err) == AVP_EINVAL);
}

static void test_conn_survives_restart_and_outage(void)
{
    queue_opts_t o = redis_test_opts("c");
    queue_conn_t *c;
    avp_error_t err;
    CHECK(queue_conn_open(redis_test_url(), &o, &c, &err) == AVP_OK);

    /* A quick restart between two calls goes unnoticed: the dead link is
     * replaced and the command sent again. */
    CHECK(redis_test_ctl("restart") == 0);
    CHECK(queue_conn_ping(c, &err) == AVP_OK);
    CHECK(queue_conn_connects(c) == 2);

    /* While down, calls fail fast with AVP_EUNAVAILABLE. */
    CHECK(redis_test_ctl("stop") == 0);
    for (int i = 0; i < 20; i++) {
        double t0 = avp_now();
        CHECK(queue_conn_ping(c, &err) == AVP_EUNAVAILABLE);
        CHECK(avp_now() - t0 < 0.2);
    }
    CHECK(redis_test_ctl("start") == 0);
    CHECK(redis_test_wait_up(c));
    CHECK(queue_conn_connects(c) == 3);
    queue_conn_close(c);
}

int main(void)
{
    redis_test_begin();
    RUN(test_conn_rejects_bad_urls);
    RUN(test_conn_accepts_sentinel_urls);
    RUN(test_conn_sentinel_none_answers);
    RUN(test_conn_unix_ping_and_close);
    RUN(test_conn_nothing_listening);
    RUN(test_conn_tcp_with_database);
    RUN(test_conn_lazy_open_waits_for_redis);
    RUN(test_conn_survives_restart_and_outage);
    return CHECK_DONE();
}
