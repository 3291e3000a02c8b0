/* test_auth_cache.c - the credential cache (auth_cache.c): how long an
 * entry is believed with and without proof of the push path, what each
 * revocation forgets, the ticket that keeps an answer read before a
 * revocation out (also under threads), and the message format. */
#include "check.h"
#include "api/auth_cache.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

static void token(uint8_t hash[HTTP_AUTH_HASH_LEN], int n)
{
    char text[32];
    snprintf(text, sizeof text, "token-%d", n);
    http_auth_token_hash(text, hash);
}

static http_auth_user_t user(int64_t id)
{
    http_auth_user_t u = {.id = id, .admin = 0};
    snprintf(u.name, sizeof u.name, "user%lld", (long long)id);
    return u;
}

/* Stores token n of user id at time now, as a lookup would. */
static int put(api_auth_cache_t *c, int n, int64_t id, int lasting, double now)
{
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u = user(id);
    token(h, n);
    return api__auth_cache_put(c, api__auth_cache_ticket(c), h, &u, lasting,
                               now);
}

/* The user id token n is cached for at now, or 0. */
static int64_t find(api_auth_cache_t *c, int n, double now)
{
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u;
    token(h, n);
    return api__auth_cache_find(c, h, now, &u) ? u.id : 0;
}

/* Pongs for pings sent every second from `from` to `to`. */
static void pongs(api_auth_cache_t *c, double from, double to)
{
    for (double t = from; t <= to; t += 1.0)
        api__auth_cache_confirm(c, t, t + 0.01);
}

static void test_auth_cache_short_life_without_push(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    CHECK(find(c, 1, 100.0) == 0);
    CHECK(put(c, 1, 7, 1, 100.0) == 1);
    CHECK(find(c, 1, 104.9) == 7);
    /* Never proven live: even a lasting entry goes after 5 s. */
    CHECK(find(c, 1, 105.1) == 0);
    api_auth_cache_stats_t st;
    api__auth_cache_stats(c, 105.1, &st);
    CHECK(st.hits == 1 && st.misses == 2 && !st.live);
    api__auth_cache_destroy(c);
}

static void test_auth_cache_long_life_while_live(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    pongs(c, 100.0, 100.0);
    CHECK(put(c, 1, 7, 1, 100.5) == 1);
    CHECK(put(c, 2, 8, 0, 100.5) == 1); /* a session ending soon */
    pongs(c, 101.0, 161.0);
    CHECK(find(c, 1, 130.5) == 7);
    CHECK(find(c, 2, 130.5) == 0);
    /* 60 s is the most, live or not. */
    CHECK(find(c, 1, 160.4) == 7);
    CHECK(find(c, 1, 160.6) == 0);
    api__auth_cache_destroy(c);
}

static void test_auth_cache_falls_back_when_pongs_stop(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    pongs(c, 100.0, 100.0);
    CHECK(put(c, 1, 7, 1, 100.0) == 1);
    pongs(c, 101.0, 110.0);
    /* Redis went away after the ping of 110: proven until 113, then the
     * entry has the short life, which it is well past. */
    CHECK(find(c, 1, 112.9) == 7);
    CHECK(find(c, 1, 113.1) == 0);
    api__auth_cache_destroy(c);
}

static void test_auth_cache_turning_live_forgets_all(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    CHECK(put(c, 1, 7, 1, 100.0) == 1);
    /* Cached before the push path was proven: revocations may have been
     * missed, so the first pong forgets it. */
    pongs(c, 101.0, 101.0);
    CHECK(find(c, 1, 101.5) == 0);
    CHECK(put(c, 1, 7, 1, 101.5) == 1);
    pongs(c, 102.0, 103.0); /* still live: kept */
    CHECK(find(c, 1, 103.5) == 7);
    /* The subscriber reconnected: the next pong forgets again. */
    api__auth_cache_lapse(c);
    api_auth_cache_stats_t st;
    api__auth_cache_stats(c, 103.5, &st);
    CHECK(!st.live);
    CHECK(find(c, 1, 103.6) == 7); /* short life meanwhile, as without */
    pongs(c, 104.0, 104.0);
    CHECK(find(c, 1, 104.1) == 0);
    api__auth_cache_stats(c, 104.1, &st);
    CHECK(st.live);
    api__auth_cache_destroy(c);
}

static void test_auth_cache_late_pong_is_no_proof(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    /* A pong that took longer than API_AUTH_CACHE_LIVE_S proves nothing now. */
    api__auth_cache_confirm(c, 100.0, 100.0 + API_AUTH_CACHE_LIVE_S + 0.1);
    api_auth_cache_stats_t st;
    api__auth_cache_stats(c, 103.2, &st);
    CHECK(!st.live);
    api__auth_cache_destroy(c);
}

static void test_auth_cache_revocations_forget_what_they_name(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    CHECK(put(c, 1, 7, 1, 100.0) && put(c, 2, 7, 1, 100.0) &&
          put(c, 3, 8, 1, 100.0) && put(c, 4, 9, 1, 100.0));
    api_auth_revocation_t rv = {.kind = API_AUTH_REVOKE_TOKEN};
    token(rv.hash, 3);
    api__auth_cache_revoke(c, &rv);
    CHECK(find(c, 3, 100.1) == 0 && find(c, 1, 100.1) == 7 &&
          find(c, 4, 100.1) == 9);
    api__auth_cache_revoke(c, &(api_auth_revocation_t){
                                  .kind = API_AUTH_REVOKE_USER, .user_id = 7});
    CHECK(find(c, 1, 100.1) == 0 && find(c, 2, 100.1) == 0 &&
          find(c, 4, 100.1) == 9);
    api__auth_cache_revoke(
        c, &(api_auth_revocation_t){.kind = API_AUTH_REVOKE_ALL});
    CHECK(find(c, 4, 100.1) == 0);
    api_auth_cache_stats_t st;
    api__auth_cache_stats(c, 100.1, &st);
    CHECK(st.revocations == 3);
    api__auth_cache_destroy(c);
}

static void test_auth_cache_answer_read_before_revocation_is_dropped(void)
{
    api_auth_cache_t *c = api__auth_cache_create(0);
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u = user(7);
    token(h, 1);
    uint64_t ticket = api__auth_cache_ticket(c); /* the lookup starts... */
    api_auth_revocation_t rv = {.kind = API_AUTH_REVOKE_TOKEN};
    memcpy(rv.hash, h, HTTP_AUTH_HASH_LEN);
    api__auth_cache_revoke(c, &rv); /* ...the logout's message is applied... */
    /* ...and the store's answer, read before the logout, comes back. */
    CHECK(api__auth_cache_put(c, ticket, h, &u, 1, 100.0) == 0);
    CHECK(find(c, 1, 100.1) == 0);
    api_auth_cache_stats_t st;
    api__auth_cache_stats(c, 100.1, &st);
    CHECK(st.stale == 1);
    /* A lookup that starts after the revocation stores again. */
    CHECK(put(c, 1, 7, 1, 100.2) == 1 && find(c, 1, 100.3) == 7);
    api__auth_cache_destroy(c);
}

/* Threads look token 1 up over and over against a "store" (valid) while
 * the main thread revokes it; once the revocation has been applied, no
 * lookup may ever find it cached again. */
typedef struct race {
    api_auth_cache_t *c;
    atomic_int valid, stop;
} race_t;

static void *looker(void *arg)
{
    race_t *r = arg;
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_user_t u = user(7), got;
    token(h, 1);
    while (!atomic_load(&r->stop)) {
        if (api__auth_cache_find(r->c, h, 100.0, &got))
            continue;
        uint64_t ticket = api__auth_cache_ticket(r->c);
        int valid = atomic_load(&r->valid); /* the store's answer... */
        sched_yield();                      /* ...takes a while to come */
        if (valid)
            api__auth_cache_put(r->c, ticket, h, &u, 1, 100.0);
    }
    return NULL;
}

static void test_auth_cache_no_entry_survives_a_racing_revocation(void)
{
    for (int round = 0; round < 50; round++) {
        race_t r = {.c = api__auth_cache_create(0)};
        pthread_t t[3];
        atomic_store(&r.valid, 1);
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, looker, &r);
        while (find(r.c, 1, 100.0) == 0)
            ; /* cached */
        atomic_store(&r.valid, 0); /* the logout commits */
        api_auth_revocation_t rv = {.kind = API_AUTH_REVOKE_TOKEN};
        token(rv.hash, 1);
        api__auth_cache_revoke(r.c, &rv); /* and its message is applied */
        int seen = 0;
        for (int i = 0; i < 2000; i++)
            seen |= find(r.c, 1, 100.0) != 0;
        atomic_store(&r.stop, 1);
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
        api__auth_cache_destroy(r.c);
        CHECK(!seen);
    }
}

static void test_auth_cache_messages_round_trip(void)
{
    char msg[API_AUTH_REVOKE_MSG_MAX];
    api_auth_revocation_t in = {.kind = API_AUTH_REVOKE_TOKEN}, out;
    token(in.hash, 5);
    api__auth_revocation_format(&in, msg);
    CHECK(api__auth_revocation_parse(msg, &out) == AVP_OK);
    CHECK(out.kind == API_AUTH_REVOKE_TOKEN &&
          !memcmp(out.hash, in.hash, HTTP_AUTH_HASH_LEN));
    in = (api_auth_revocation_t){.kind = API_AUTH_REVOKE_USER, .user_id = 42};
    api__auth_revocation_format(&in, msg);
    CHECK(!strcmp(msg, "{\"user\":42}"));
    CHECK(api__auth_revocation_parse(msg, &out) == AVP_OK &&
          out.kind == API_AUTH_REVOKE_USER && out.user_id == 42);
    CHECK(api__auth_revocation_parse("{\"all\":true}", &out) == AVP_OK &&
          out.kind == API_AUTH_REVOKE_ALL);
    CHECK(api__auth_revocation_parse("{\"token\":\"abc\"}", &out) ==
          AVP_EFORMAT);
    CHECK(api__auth_revocation_parse("{\"what\":1}", &out) == AVP_EFORMAT);
    CHECK(api__auth_revocation_parse("not json", &out) == AVP_EFORMAT);
}

int main(void)
{
    RUN(test_auth_cache_short_life_without_push);
    RUN(test_auth_cache_long_life_while_live);
    RUN(test_auth_cache_falls_back_when_pongs_stop);
    RUN(test_auth_cache_turning_live_forgets_all);
    RUN(test_auth_cache_late_pong_is_no_proof);
    RUN(test_auth_cache_revocations_forget_what_they_name);
    RUN(test_auth_cache_answer_read_before_revocation_is_dropped);
    RUN(test_auth_cache_no_entry_survives_a_racing_revocation);
    RUN(test_auth_cache_messages_round_trip);
    return CHECK_DONE();
}
