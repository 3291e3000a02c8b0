/*
 * redis_test.h - what the queue tests share: the URL of the private
 * redis-server of this test (a CTest fixture, see CMakeLists.txt), a way to
 * stop and start it from inside a test, and raw commands for looking at
 * what the library left in Redis.
 */
#ifndef AVP_TESTS_REDIS_TEST_H
#define AVP_TESTS_REDIS_TEST_H

#include "check.h"
#include "queue/queue.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char redis_test_url_[300];

/* The fixture's URL; skips the whole test when redis-server is absent. */
static inline const char *redis_test_url(void)
{
    const char *server = getenv("AVP_REDIS_SERVER");
    if (access(server ? server : "/usr/bin/redis-server", X_OK) != 0)
        CHECK_SKIP("redis-server is not installed (Debian package "
                   "redis-server)");
    const char *dir = getenv("AVP_REDIS_DIR");
    if (!dir || !getenv("AVP_REDIS_SCRIPT"))
        CHECK_SKIP("AVP_REDIS_DIR/AVP_REDIS_SCRIPT unset: run through ctest");
    snprintf(redis_test_url_, sizeof(redis_test_url_), "unix://%s/redis.sock",
             dir);
    return redis_test_url_;
}

static inline redisReply *redis_test_raw(const char *fmt, ...);

/* Call first in main: skips without redis-server, and empties the server,
 * which keeps its data between runs (it is the append-only file's job). */
static inline void redis_test_begin(void)
{
    redisReply *r = redis_test_raw("FLUSHALL");
    if (!r || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "cannot reach %s\n", redis_test_url());
        exit(1);
    }
    freeReplyObject(r);
}

/* Runs scripts/redis-private.sh CMD on the fixture's directory; 0 on
 * success. */
static inline int redis_test_ctl(const char *cmd)
{
    char line[1200];
    snprintf(line, sizeof(line), "'%s' %s '%s' >/dev/null",
             getenv("AVP_REDIS_SCRIPT"), cmd, getenv("AVP_REDIS_DIR"));
    return system(line);
}

static inline void redis_test_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Options with a namespace of the test's own, so tests sharing a server
 * do not see each other's keys, and a short reconnect backoff. */
static inline queue_opts_t redis_test_opts(const char *ns)
{
    queue_opts_t o = {.ns = ns, .retry_max_ms = 50};
    return o;
}

/* Pings until the server answers (after a restart), up to 5 s. */
static inline int redis_test_wait_up(queue_conn_t *c)
{
    for (int i = 0; i < 250; i++) {
        if (queue_conn_ping(c, NULL) == AVP_OK)
            return 1;
        redis_test_sleep_ms(20);
    }
    return 0;
}

/* A raw command on a link of its own, for checking and tampering; the
 * caller frees the reply. NULL when the server cannot be reached. */
static inline redisReply *redis_test_vraw(const char *fmt, va_list ap)
{
    redisContext *ctx = redisConnectUnix(redis_test_url() + 7);
    redisReply *r = NULL;
    if (ctx && !ctx->err)
        r = redisvCommand(ctx, fmt, ap);
    redisFree(ctx);
    return r;
}

static inline redisReply *redis_test_raw(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redis_test_vraw(fmt, ap);
    va_end(ap);
    return r;
}

/* The integer reply of a raw command, or -1000 on failure. */
static inline long long redis_test_raw_int(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redis_test_vraw(fmt, ap);
    va_end(ap);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1000;
    if (r)
        freeReplyObject(r);
    return v;
}

#endif
