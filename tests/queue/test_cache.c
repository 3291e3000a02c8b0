#include "redis_test.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct fixture {
    queue_conn_t *conn;
    queue_cache_t *cache;
} fixture_t;

static int fixture_open(fixture_t *f, const char *ns)
{
    queue_opts_t o = redis_test_opts(ns);
    avp_error_t err;
    f->cache = NULL;
    if (queue_conn_open(redis_test_url(), &o, &f->conn, &err) < 0) {
        fprintf(stderr, "open: %s\n", err.msg);
        return 0;
    }
    f->cache = queue_cache_create(f->conn);
    return 1;
}

static void fixture_close(fixture_t *f)
{
    queue_cache_destroy(f->cache);
    queue_conn_close(f->conn);
}

/* get; on a hit compares with want (NULL: expect a miss). 1 if as expected. */
static int get_is(fixture_t *f, const char *key, const char *tag,
                  const char *want, queue_cache_ticket_t *t)
{
    const char *tags[] = {tag};
    char *v;
    size_t len;
    avp_error_t err;
    int rc = queue_cache_get(f->cache, key, tags, tag ? 1 : 0, &v, &len, t,
                             &err);
    int ok = want ? rc == 1 && len == strlen(want) && strcmp(v, want) == 0
                  : rc == 0 && v == NULL;
    avp_free(v);
    return ok;
}

static int set(fixture_t *f, const char *key, const char *tag,
               const char *value, int64_t ttl_ms, queue_cache_ticket_t *t)
{
    const char *tags[] = {tag};
    return queue_cache_set(f->cache, key, value, strlen(value), ttl_ms, tags,
                           tag ? 1 : 0, t, NULL);
}

static void test_cache_miss_set_hit(void)
{
    fixture_t f;
    CHECK(fixture_open(&f, "c_basic"));
    queue_cache_ticket_t t;
    CHECK(get_is(&f, "videos:p1", "project:1", NULL, &t));
    CHECK(t.stamp[0]);
    CHECK(set(&f, "videos:p1", "project:1", "[1,2,3]", 60000, &t) == 1);
    CHECK(get_is(&f, "videos:p1", "project:1", "[1,2,3]", &t));

    /* Binary values come back whole. */
    const char bin[] = {'a', 0, 'b', (char)0xff};
    CHECK(get_is(&f, "bin", NULL, NULL, &t));
    CHECK(queue_cache_set(f.cache, "bin", bin, sizeof(bin), 60000, NULL, 0,
                          &t, NULL) == 1);
    char *v;
    size_t len;
    CHECK(queue_cache_get(f.cache, "bin", NULL, 0, &v, &len, &t, NULL) == 1);
    int same = len == sizeof(bin) && memcmp(v, bin, len) == 0;
    avp_free(v);
    CHECK(same);

    /* A caller that will not store needs no ticket. */
    const char *tags[] = {"project:1"};
    CHECK(queue_cache_get(f.cache, "videos:p1", tags, 1, &v, NULL, NULL,
                          NULL) == 1);
    avp_free(v);
    /* The same key asked for with other tags is not that entry. */
    CHECK(get_is(&f, "videos:p1", "project:2", NULL, &t));
    queue_cache_stats_t s;
    queue_cache_stats(f.cache, &s);
    CHECK(s.hits == 3 && s.misses == 3 && s.stores == 2 && s.errors == 0);
    fixture_close(&f);
}

static void test_cache_invalidate_by_tag(void)
{
    fixture_t f;
    CHECK(fixture_open(&f, "c_inval"));
    queue_cache_ticket_t t;
    const char *both[] = {"project:1", "stats"};
    CHECK(get_is(&f, "a", "project:1", NULL, &t));
    CHECK(set(&f, "a", "project:1", "A", 60000, &t) == 1);
    CHECK(get_is(&f, "b", "project:2", NULL, &t));
    CHECK(set(&f, "b", "project:2", "B", 60000, &t) == 1);
    char *v;
    CHECK(queue_cache_get(f.cache, "c", both, 2, &v, NULL, &t, NULL) == 0);
    CHECK(queue_cache_set(f.cache, "c", "C", 1, 60000, both, 2, &t, NULL) ==
          1);

    CHECK(queue_cache_invalidate(f.cache, (const char *[]){"project:1"}, 1,
                                 NULL) == AVP_OK);
    CHECK(get_is(&f, "a", "project:1", NULL, &t));
    CHECK(get_is(&f, "b", "project:2", "B", &t));
    CHECK(queue_cache_get(f.cache, "c", both, 2, &v, NULL, &t, NULL) == 0);
    /* The stale entry was deleted on the way, not kept until its TTL. */
    CHECK(redis_test_raw_int("EXISTS c_inval:cache:key:a") == 0);

    CHECK(set(&f, "a", "project:1", "A2", 60000, &t) == 0); /* c's ticket */
    CHECK(get_is(&f, "a", "project:1", NULL, &t));
    CHECK(set(&f, "a", "project:1", "A2", 60000, &t) == 1);
    CHECK(get_is(&f, "a", "project:1", "A2", &t));
    CHECK(queue_cache_invalidate(f.cache, (const char *[]){"bad\ntag"}, 1,
                                 NULL) == AVP_EINVAL);
    fixture_close(&f);
}

/* Several tags in one call: each of their entries misses, others hit;
 * a bad tag anywhere refuses the whole call before touching Redis. */
static void test_cache_invalidate_several(void)
{
    fixture_t f;
    CHECK(fixture_open(&f, "c_several"));
    queue_cache_ticket_t t;
    const char *keys[] = {"a", "b", "c"}, *tags[] = {"p:1", "u:2", "u:3"};
    for (int i = 0; i < 3; i++) {
        CHECK(get_is(&f, keys[i], tags[i], NULL, &t));
        CHECK(set(&f, keys[i], tags[i], "V", 60000, &t) == 1);
    }
    const char *bad[] = {"p:1", "u:\n"};
    CHECK(queue_cache_invalidate(f.cache, bad, 2, NULL) == AVP_EINVAL);
    CHECK(get_is(&f, "a", "p:1", "V", &t));
    CHECK(queue_cache_invalidate(f.cache, tags, 0, NULL) == AVP_EINVAL);
    CHECK(queue_cache_invalidate(f.cache, tags, QUEUE_CACHE_INVALIDATE_MAX + 1,
                                 NULL) == AVP_EINVAL);
    CHECK(queue_cache_invalidate(f.cache, tags, 2, NULL) == AVP_OK);
    CHECK(get_is(&f, "a", "p:1", NULL, &t));
    CHECK(get_is(&f, "b", "u:2", NULL, &t));
    CHECK(get_is(&f, "c", "u:3", "V", &t));
    CHECK(redis_test_raw_int("INCRBY c_several:cache:tag:u:2 0") == 1);
    CHECK(redis_test_raw_int("EXISTS c_several:cache:tag:u:3") == 0);
    fixture_close(&f);
}

static void test_cache_many_tags(void)
{
    fixture_t f;
    CHECK(fixture_open(&f, "c_tags"));
    char names[QUEUE_CACHE_MAX_TAGS + 1][QUEUE_CACHE_TAG_MAX + 1];
    const char *tags[QUEUE_CACHE_MAX_TAGS + 1];
    for (int i = 0; i <= QUEUE_CACHE_MAX_TAGS; i++) {
        memset(names[i], 'a' + i, QUEUE_CACHE_TAG_MAX);
        names[i][QUEUE_CACHE_TAG_MAX] = '\0';
        tags[i] = names[i];
    }
    queue_cache_ticket_t t;
    char *v;
    size_t n = QUEUE_CACHE_MAX_TAGS;
    CHECK(queue_cache_get(f.cache, "k", tags, n, &v, NULL, &t, NULL) == 0);
    CHECK(queue_cache_set(f.cache, "k", "v", 1, 60000, tags, n, &t, NULL) ==
          1);
    CHECK(queue_cache_get(f.cache, "k", tags, n, &v, NULL, &t, NULL) == 1);
    avp_free(v);
    /* Any one of them invalidates it; the last one too. */
    CHECK(queue_cache_invalidate(f.cache, (const char *[]){tags[n - 1]}, 1, NULL) == AVP_OK);
    CHECK(queue_cache_get(f.cache, "k", tags, n, &v, NULL, &t, NULL) == 0);
    CHECK(queue_cache_get(f.cache, "k", tags, n + 1, &v, NULL, &t, NULL) ==
          AVP_EINVAL);
    names[0][0] = '\n';
    CHECK(queue_cache_get(f.cache, "k", tags, 1, &v, NULL, &t, NULL) ==
          AVP_EINVAL);
    CHECK(queue_cache_get(f.cache, "", tags, 0, &v, NULL, &t, NULL) ==
          AVP_EINVAL);
    fixture_close(&f);
}

static void test_cache_ttl(void)
{
    fixture_t f;
    CHECK(fixture_open(&f, "c_ttl"));
    queue_cache_ticket_t t;
    CHECK(get_is(&f, "k", "x", NULL, &t));
    CHECK(set(&f, "k", "x", "v", 150, &t) == 1);
    CHECK(get_is(&f, "k", "x", "v", &t));
    redis_test_sleep_ms(250);
    CHECK(get_is(&f, "k", "x", NULL, &t));
    CHECK(set(&f, "k", "x", "v", 0, &t) == AVP_EINVAL);
    fixture_close(&f);
}

static void test_cache_set_after_invalidate_is_dropped(void)
{
    /* Reader misses and queries PostgreSQL; meanwhile a writer commits and
     * invalidates; then the reader stores what it read, which predates the
     * write. It must not be served. */
    fixture_t f;
    CHECK(fixture_open(&f, "c_race"));
    queue_cache_ticket_t t, t2;
    CHECK(get_is(&f, "list", "project:7", NULL, &t));
    CHECK(queue_cache_invalidate(f.cache, (const char *[]){"project:7"}, 1, NULL) == AVP_OK);
    CHECK(set(&f, "list", "project:7", "old", 60000, &t) == 0);
    CHECK(get_is(&f, "list", "project:7", NULL, &t2));
    queue_cache_stats_t s;
    queue_cache_stats(f.cache, &s);
    CHECK(s.stale_stores == 1 && s.stores == 0);
    /* The fresh read after it is stored. */
    CHECK(set(&f, "list", "project:7", "new", 60000, &t2) == 1);
    CHECK(get_is(&f, "list", "project:7", "new", &t2));
    /* An empty ticket (the miss did not reach Redis) never stores. */
    queue_cache_ticket_t empty = {""};
    CHECK(set(&f, "list", "project:7", "x", 60000, &empty) == 0);
    fixture_close(&f);
}

/* Threads: one writer bumps a "database" version and invalidates; readers
 * read through the cache. A reader must never get a value older than the
 * version whose invalidation had completed before its get began. */
typedef struct race {
    atomic_int db;          /* the committed version */
    atomic_int invalidated; /* the newest version invalidated */
    atomic_int stop, violations, hits;
} race_t;

static void *race_writer(void *p)
{
    race_t *r = p;
    fixture_t f;
    if (!fixture_open(&f, "c_threads"))
        return NULL;
    /* Pauses between writes let readers fill the cache and hit it. */
    for (int v = 1; v <= 200; v++) {
        atomic_store(&r->db, v);
        if (queue_cache_invalidate(f.cache, (const char *[]){"t"}, 1, NULL) == AVP_OK)
            atomic_store(&r->invalidated, v);
        redis_test_sleep_ms(v % 4 ? 0 : 5);
    }
    atomic_store(&r->stop, 1);
    fixture_close(&f);
    return NULL;
}

static void *race_reader(void *p)
{
    race_t *r = p;
    fixture_t f;
    if (!fixture_open(&f, "c_threads"))
        return NULL;
    const char *tags[] = {"t"};
    while (!atomic_load(&r->stop)) {
        int floor = atomic_load(&r->invalidated);
        queue_cache_ticket_t t;
        char *v, buf[16];
        if (queue_cache_get(f.cache, "k", tags, 1, &v, NULL, &t, NULL) == 1) {
            atomic_fetch_add(&r->hits, 1);
            if (atoi(v) < floor)
                atomic_fetch_add(&r->violations, 1);
            avp_free(v);
            continue;
        }
        snprintf(buf, sizeof(buf), "%d", atomic_load(&r->db));
        queue_cache_set(f.cache, "k", buf, strlen(buf), 60000, tags, 1, &t,
                        NULL);
    }
    fixture_close(&f);
    return NULL;
}

static void test_cache_concurrent_readers_never_see_invalidated(void)
{
    race_t r = {0};
    pthread_t w, rd[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&rd[i], NULL, race_reader, &r);
    pthread_create(&w, NULL, race_writer, &r);
    pthread_join(w, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(rd[i], NULL);
    CHECK(atomic_load(&r.stop) == 1);
    CHECK(atomic_load(&r.violations) == 0);
    CHECK(atomic_load(&r.hits) > 0); /* the cache did serve something */
}

static void test_cache_redis_down(void)
{
    fixture_t f;
    CHECK(fixture_open(&f, "c_down"));
    queue_cache_ticket_t t;
    CHECK(get_is(&f, "a", "project:1", NULL, &t));
    CHECK(set(&f, "a", "project:1", "A", 60000, &t) == 1);
    CHECK(get_is(&f, "b", "project:2", NULL, &t));
    CHECK(set(&f, "b", "project:2", "B", 60000, &t) == 1);

    CHECK(redis_test_ctl("stop") == 0);
    char *v = (char *)1;
    avp_error_t err = {0};
    const char *tags[] = {"project:1"};
    double t0 = avp_now();
    CHECK(queue_cache_get(f.cache, "a", tags, 1, &v, NULL, &t, &err) == 0);
    CHECK(avp_now() - t0 < 0.5);
    CHECK(v == NULL && !t.stamp[0] && err.code == AVP_EUNAVAILABLE);
    CHECK(set(&f, "a", "project:1", "A", 60000, &t) == 0);
    /* The write to project 1 commits in PostgreSQL; its invalidation
     * cannot reach Redis. */
    CHECK(queue_cache_invalidate(f.cache, (const char *[]){"project:1"}, 1, &err) ==
          AVP_EUNAVAILABLE);
    queue_cache_stats_t s;
    queue_cache_stats(f.cache, &s);
    CHECK(s.errors == 2);

    CHECK(redis_test_ctl("start") == 0);
    CHECK(redis_test_wait_up(f.conn));
    /* The entries survived in the append-only file... */
    CHECK(redis_test_raw_int("EXISTS c_down:cache:key:a") == 1);
    /* ...but none is served: not a, whose invalidation was lost, and not b
     * either (a new epoch is the only way to cover a lost invalidation). */
    CHECK(get_is(&f, "a", "project:1", NULL, &t));
    CHECK(get_is(&f, "b", "project:2", NULL, &t));
    CHECK(set(&f, "a", "project:1", "A2", 60000, &t) == 1);
    CHECK(get_is(&f, "a", "project:1", "A2", &t));
    fixture_close(&f);
}

static void test_cache_restart_starts_new_epoch(void)
{
    /* Even with no lost invalidation: the append-only file may miss the
     * last second of generation bumps, so nothing from before a restart is
     * trusted. A fresh connection (a new process) sees it too. */
    fixture_t f, g;
    CHECK(fixture_open(&f, "c_epoch"));
    queue_cache_ticket_t t, old;
    CHECK(get_is(&f, "a", "x", NULL, &old));
    CHECK(set(&f, "a", "x", "A", 60000, &old) == 1);
    CHECK(get_is(&f, "a", "x", "A", &t));
    fixture_close(&f);

    CHECK(redis_test_ctl("restart") == 0);
    CHECK(fixture_open(&g, "c_epoch"));
    CHECK(redis_test_raw_int("EXISTS c_epoch:cache:key:a") == 1);
    CHECK(get_is(&g, "a", "x", NULL, &t));
    /* A ticket from before the restart is stale too. */
    CHECK(set(&g, "a", "x", "A", 60000, &old) == 0);

    /* Keys wiped under a live connection: the epoch is recreated, fresh. */
    CHECK(set(&g, "a", "x", "A", 60000, &t) == 1);
    CHECK(redis_test_raw_int("DEL c_epoch:cache:epoch") == 1);
    CHECK(get_is(&g, "a", "x", NULL, &t));
    CHECK(set(&g, "a", "x", "A3", 60000, &t) == 1);
    CHECK(get_is(&g, "a", "x", "A3", &t));
    fixture_close(&g);
}

int main(void)
{
    redis_test_begin();
    RUN(test_cache_miss_set_hit);
    RUN(test_cache_invalidate_by_tag);
    RUN(test_cache_invalidate_several);
    RUN(test_cache_many_tags);
    RUN(test_cache_ttl);
    RUN(test_cache_set_after_invalidate_is_dropped);
    RUN(test_cache_concurrent_readers_never_see_invalidated);
    RUN(test_cache_redis_down);
    RUN(test_cache_restart_starts_new_epoch);
    return CHECK_DONE();
}
