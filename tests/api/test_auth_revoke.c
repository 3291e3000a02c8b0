/* test_auth_revoke.c - the revocation relay (auth_revoke.c) between two
 * "instances" (two caches, two relays) on one real Redis: a revocation made
 * on one reaches the other's cache at once; with Redis stopped the other
 * falls back to the short life; when Redis is back it forgets what it
 * cached meanwhile, receives the revoke-all the first one owed, and the
 * push path works again. */
#include "queue/redis_test.h"
#include "api/auth_cache.h"

typedef struct instance {
    api_auth_cache_t *cache;
    queue_conn_t *pub;
    api_auth_relay_t *relay;
} instance_t;

static int start(instance_t *in)
{
    avp_error_t err;
    in->cache = api__auth_cache_create(0);
    in->relay = NULL;
    if (queue_conn_open(redis_test_url(), &(queue_opts_t){.lazy = 1},
                        &in->pub, &err) < 0)
        return 0;
    return api__auth_relay_start(redis_test_url(), in->cache, in->pub,
                                 &in->relay, &err) == AVP_OK;
}

static void stop(instance_t *in)
{
    api__auth_relay_stop(in->relay);
    queue_conn_close(in->pub);
    api__auth_cache_destroy(in->cache);
}

static int live(instance_t *in)
{
    api_auth_cache_stats_t st;
    api__auth_cache_stats(in->cache, avp_now(), &st);
    return st.live;
}

/* Waits up to seconds for live(in) to become want. */
static int wait_live(instance_t *in, int want, double seconds)
{
    for (double end = avp_now() + seconds; avp_now() < end;
         redis_test_sleep_ms(10))
        if (live(in) == want)
            return 1;
    return 0;
}

static void remember(instance_t *in, int n, int64_t user_id)
{
    char text[32];
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u = {.id = user_id};
    snprintf(text, sizeof text, "revoke-%d", n);
    http_auth_token_hash(text, h);
    api__auth_cache_put(in->cache, api__auth_cache_ticket(in->cache), h, &u, 1,
                        avp_now());
}

static int cached(instance_t *in, int n)
{
    char text[32];
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u;
    snprintf(text, sizeof text, "revoke-%d", n);
    http_auth_token_hash(text, h);
    return api__auth_cache_find(in->cache, h, avp_now(), &u);
}

/* Seconds until token n is no longer cached in `in`, or -1 past limit. */
static double gone_after(instance_t *in, int n, double limit)
{
    double t0 = avp_now();
    while (cached(in, n)) {
        if (avp_now() - t0 > limit)
            return -1;
        redis_test_sleep_ms(1);
    }
    return avp_now() - t0;
}

static api_auth_revocation_t of_token(int n)
{
    char text[32];
    api_auth_revocation_t rv = {.kind = API_AUTH_REVOKE_TOKEN};
    snprintf(text, sizeof text, "revoke-%d", n);
    http_auth_token_hash(text, rv.hash);
    return rv;
}

static void test_auth_revoke_reaches_the_other_instance(void)
{
    instance_t a, b;
    CHECK(start(&a) && start(&b));
    CHECK(wait_live(&a, 1, 5) && wait_live(&b, 1, 5));
    remember(&b, 1, 7);
    remember(&b, 2, 8);
    remember(&b, 3, 8);
    CHECK(cached(&b, 1) && cached(&b, 2) && cached(&b, 3));
    api_auth_revocation_t rv = of_token(1);
    api__auth_relay_revoke(a.relay, a.cache, a.pub, &rv);
    double t = gone_after(&b, 1, 2.0);
    fprintf(stderr, "token revoked on a, gone on b after %.1f ms\n", t * 1e3);
    CHECK(t >= 0 && t < 0.5);
    CHECK(cached(&b, 2));
    rv = (api_auth_revocation_t){.kind = API_AUTH_REVOKE_USER, .user_id = 8};
    api__auth_relay_revoke(a.relay, a.cache, a.pub, &rv);
    t = gone_after(&b, 3, 2.0);
    CHECK(t >= 0 && t < 0.5 && !cached(&b, 2));
    stop(&a);
    stop(&b);
}

static void test_auth_revoke_falls_back_while_redis_is_down(void)
{
    instance_t a, b;
    CHECK(start(&a) && start(&b));
    CHECK(wait_live(&a, 1, 5) && wait_live(&b, 1, 5));
    CHECK(redis_test_ctl("stop") == 0);
    /* The broken link is noticed, not waited out. */
    CHECK(wait_live(&b, 0, 1.5));
    remember(&b, 4, 9);
    api_auth_revocation_t rv = of_token(4);
    api__auth_relay_revoke(a.relay, a.cache, a.pub, &rv); /* cannot publish */
    /* Short life meanwhile: believed at once, gone 5 s after it came. */
    CHECK(cached(&b, 4));
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u;
    http_auth_token_hash("revoke-4", h);
    CHECK(!api__auth_cache_find(b.cache, h, avp_now() + API_AUTH_CACHE_SHORT_S,
                                &u));
    CHECK(redis_test_ctl("start") == 0);
    /* Back: b forgets what it cached while away, and the push path works
     * again. */
    CHECK(wait_live(&b, 1, 8));
    CHECK(!cached(&b, 4));
    remember(&b, 5, 9);
    rv = of_token(5);
    api__auth_relay_revoke(a.relay, a.cache, a.pub, &rv);
    double t = gone_after(&b, 5, 2.0);
    CHECK(t >= 0 && t < 0.5);
    stop(&a);
    stop(&b);
}

/* b keeps its link while a's publish fails (Redis pauses writers longer
 * than a's command timeout): b would believe the token for its long life,
 * so a revokes everything everywhere once it can. */
static void test_auth_revoke_failed_publish_becomes_revoke_all(void)
{
    instance_t a, b;
    CHECK(start(&a) && start(&b));
    CHECK(wait_live(&a, 1, 5) && wait_live(&b, 1, 5));
    remember(&b, 6, 10);
    remember(&b, 7, 11);
    CHECK(cached(&b, 6) && cached(&b, 7));
    redisReply *ok = redis_test_raw("CLIENT PAUSE 2600 WRITE");
    int paused = ok && ok->type == REDIS_REPLY_STATUS;
    if (ok)
        freeReplyObject(ok);
    CHECK(paused);
    api_auth_revocation_t rv = of_token(6);
    api__auth_relay_revoke(a.relay, a.cache, a.pub, &rv); /* times out (2 s) */
    /* Token 7 was not revoked: only the revoke-all takes it. */
    CHECK(gone_after(&b, 7, 5.0) >= 0 && !cached(&b, 6));
    stop(&a);
    stop(&b);
}

int main(void)
{
    redis_test_begin();
    RUN(test_auth_revoke_reaches_the_other_instance);
    RUN(test_auth_revoke_falls_back_while_redis_is_down);
    RUN(test_auth_revoke_failed_publish_becomes_revoke_all);
    return CHECK_DONE();
}
