#include "pgtest.h"

#include <pthread.h>
#include <time.h>

static char *url;

static void test_pool_acquire_release(void)
{
    store_pool_t *pool = pgtest_pool(url, 1, 3, 1000);
    store_pool_stats_t s;
    store_pool_stats(pool, &s);
    CHECK(s.size == 1 && s.in_use == 0 && s.max_size == 3);
    store_conn_t *c[3];
    avp_error_t err = {0};
    for (int i = 0; i < 3; i++) {
        CHECK(store_pool_acquire(pool, -1, &c[i], &err) == AVP_OK);
        CHECK(pgtest_int(c[i], "SELECT 40 + 2") == 42);
    }
    CHECK(store__conn_pg(c[0]) != store__conn_pg(c[1]));
    store_pool_stats(pool, &s);
    CHECK(s.size == 3 && s.in_use == 3 && s.acquires == 3 && s.waits == 0);
    for (int i = 0; i < 3; i++)
        store_pool_release(c[i]);
    store_pool_release(NULL);
    store_pool_stats(pool, &s);
    CHECK(s.size == 3 && s.in_use == 0);
    store_pool_destroy(pool);
    store_pool_destroy(NULL);
}

static void test_pool_exhausted_is_busy_not_a_hang(void)
{
    store_pool_t *pool = pgtest_pool(url, 1, 2, 5000);
    store_conn_t *a, *b, *c = (store_conn_t *)1;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &a, &err) == AVP_OK);
    CHECK(store_pool_acquire(pool, -1, &b, &err) == AVP_OK);
    double t0 = avp_now();
    CHECK(store_pool_acquire(pool, 200, &c, &err) == AVP_EBUSY);
    double waited = avp_now() - t0;
    CHECK(c == NULL && err.code == AVP_EBUSY && strstr(err.msg, "busy"));
    CHECK(waited >= 0.19 && waited < 2.0);
    t0 = avp_now();
    CHECK(store_pool_acquire(pool, 0, &c, &err) == AVP_EBUSY);
    CHECK(avp_now() - t0 < 0.1);
    store_pool_stats_t s;
    store_pool_stats(pool, &s);
    CHECK(s.in_use == 2 && s.timeouts == 2 && s.waits == 1);
    CHECK(s.wait_seconds >= 0.19);
    store_pool_release(a);
    store_pool_release(b);
    store_pool_destroy(pool);
}

typedef struct holder {
    store_conn_t *c;
    int delay_ms;
} holder_t;

static void *release_later(void *p)
{
    holder_t *h = p;
    struct timespec ts = {0, h->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    store_pool_release(h->c);
    return NULL;
}

static void test_pool_waiter_gets_released_connection(void)
{
    store_pool_t *pool = pgtest_pool(url, 1, 1, 5000);
    avp_error_t err = {0};
    holder_t h = {NULL, 150};
    CHECK(store_pool_acquire(pool, -1, &h.c, &err) == AVP_OK);
    pthread_t th;
    pthread_create(&th, NULL, release_later, &h);
    store_conn_t *c;
    double t0 = avp_now();
    int rc = store_pool_acquire(pool, 3000, &c, &err);
    double waited = avp_now() - t0;
    pthread_join(th, NULL);
    CHECK(rc == AVP_OK);
    CHECK(waited >= 0.1 && waited < 2.0);
    store_pool_stats_t s;
    store_pool_stats(pool, &s);
    CHECK(s.waits == 1 && s.timeouts == 0 && s.in_use == 1 && s.waiters == 0);
    store_pool_release(c);
    store_pool_destroy(pool);
}

typedef struct hammer {
    store_pool_t *pool;
    int ok;
} hammer_t;

static void *hammer_run(void *p)
{
    hammer_t *h = p;
    for (int i = 0; i < 40; i++) {
        store_conn_t *c;
        if (store_pool_acquire(h->pool, 10000, &c, NULL))
            return NULL;
        char sql[64];
        snprintf(sql, sizeof(sql), "SELECT %d * 2", i);
        h->ok += pgtest_int(c, sql) == i * 2;
        store_pool_release(c);
    }
    return NULL;
}

static void test_pool_threads_share_few_connections(void)
{
    store_pool_t *pool = pgtest_pool(url, 1, 3, 10000);
    pthread_t th[8];
    hammer_t h[8];
    for (int i = 0; i < 8; i++) {
        h[i] = (hammer_t){pool, 0};
        pthread_create(&th[i], NULL, hammer_run, &h[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        CHECK(h[i].ok == 40);
    store_pool_stats_t s;
    store_pool_stats(pool, &s);
    CHECK(s.acquires == 320 && s.in_use == 0 && s.size <= 3 && s.timeouts == 0);
    store_pool_destroy(pool);
}

static void test_pool_release_ends_transaction(void)
{
    store_pool_t *pool = pgtest_pool(url, 1, 1, 1000);
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    CHECK(store_exec(c, "BEGIN; CREATE TABLE left_open (x int)", &err) == AVP_OK);
    store_pool_release(c);
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    CHECK(PQtransactionStatus(store__conn_pg(c)) == PQTRANS_IDLE);
    CHECK(pgtest_int(c, "SELECT count(*) FROM pg_tables"
                        " WHERE tablename = 'left_open'") == 0);
    /* A failed statement inside a transaction is rolled back too. */
    CHECK(store_exec(c, "BEGIN", &err) == AVP_OK);
    CHECK(store_exec(c, "SELECT * FROM no_such_table", &err) == AVP_EIO);
    CHECK(strstr(err.msg, "no_such_table") != NULL);
    store_pool_release(c);
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    CHECK(pgtest_int(c, "SELECT 1") == 1);
    store_pool_release(c);
    store_pool_destroy(pool);
}

static void test_pool_recovers_after_postgres_restart(void)
{
    store_pool_t *pool = pgtest_pool(url, 2, 2, 2000);
    avp_error_t err = {0};
    store_conn_t *held, *c;
    CHECK(store_pool_acquire(pool, -1, &held, &err) == AVP_OK);
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    long long pid_before = pgtest_int(c, "SELECT pg_backend_pid()");
    store_pool_release(c);

    CHECK(pgtest_ctl("restart") == 0);

    /* The connection lent during the restart fails with "unavailable"
     * and is dropped on release. */
    CHECK(store_exec(held, "SELECT 1", &err) == AVP_EUNAVAILABLE);
    store_pool_release(held);
    /* The idle one is found dead and replaced, without any error. */
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    CHECK(pgtest_int(c, "SELECT 7") == 7);
    CHECK(pgtest_int(c, "SELECT pg_backend_pid()") != pid_before);
    store_conn_t *d;
    CHECK(store_pool_acquire(pool, -1, &d, &err) == AVP_OK);
    CHECK(pgtest_int(d, "SELECT 8") == 8);
    store_pool_release(d);
    store_pool_release(c);
    store_pool_stats_t s;
    store_pool_stats(pool, &s);
    CHECK(s.broken == 2 && s.connect_failures == 0 && s.size == 2);
    store_pool_destroy(pool);
}

static void test_pool_database_down_then_back(void)
{
    store_pool_t *pool = pgtest_pool(url, 1, 2, 2000);
    avp_error_t err = {0};
    store_conn_t *c;
    CHECK(pgtest_ctl("stop") == 0);
    double t0 = avp_now();
    int rc = store_pool_acquire(pool, -1, &c, &err);
    double took = avp_now() - t0;
    CHECK(pgtest_ctl("start") == 0);
    CHECK(rc == AVP_EUNAVAILABLE && took < 2.0);
    store_pool_stats_t s;
    store_pool_stats(pool, &s);
    CHECK(s.in_use == 0 && s.connect_failures == 1 && s.broken == 1);
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    CHECK(pgtest_int(c, "SELECT 9") == 9);
    store_pool_release(c);
    store_pool_destroy(pool);
}

static void test_pool_unreachable_database(void)
{
    store_pool_opts_t o = {
        .conninfo = "postgresql:///avp?host=/nonexistent/socket/dir&user=avp"};
    store_pool_t *pool = (store_pool_t *)1;
    avp_error_t err = {0};
    CHECK(store_pool_create(&o, &pool, &err) == AVP_EUNAVAILABLE);
    CHECK(pool == NULL && strstr(err.msg, "/nonexistent/socket/dir") != NULL);
    o.conninfo = NULL;
    CHECK(store_pool_create(&o, &pool, &err) == AVP_EINVAL);
    o = (store_pool_opts_t){.conninfo = url, .min_size = 5, .max_size = 2};
    CHECK(store_pool_create(&o, &pool, &err) == AVP_EINVAL);
}

/* store_database_ensure (conn.c, here since test_conn is the queue's):
 * a private cluster's database is created when missing and left alone
 * when present (a second `avp up`), and an unreachable server is
 * reported after the wait rather than hanging. */
#define MADE "avp_test_conn_made"

static int database_exists(const char *name)
{
    char *admin = pgtest_url("postgres");
    PGconn *pg = PQconnectdb(admin);
    const char *v[] = {name};
    PGresult *r = PQexecParams(pg, "SELECT 1 FROM pg_database WHERE "
                               "datname = $1", 1, NULL, v, NULL, NULL, 0);
    int exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    PQfinish(pg);
    free(admin);
    return exists;
}

static void test_database_ensure_creates_once(void)
{
    char *admin = pgtest_url("postgres");
    pgtest_exec_or_die(admin, "DROP DATABASE IF EXISTS " MADE, NULL);
    avp_error_t err = {0};
    CHECK(!database_exists(MADE));
    CHECK(store_database_ensure(admin, MADE, 1000, &err) == AVP_OK);
    CHECK(database_exists(MADE));
    CHECK(store_database_ensure(admin, MADE, 1000, &err) == AVP_OK);
    CHECK(database_exists(MADE));
    pgtest_exec_or_die(admin, "DROP DATABASE " MADE, NULL);
    free(admin);
}

static void test_database_ensure_gives_up_after_the_wait(void)
{
    char conninfo[1200];
    snprintf(conninfo, sizeof conninfo, "host=%s/nowhere dbname=postgres "
             "user=avp", pgtest_dir());
    avp_error_t err = {0};
    double t0 = avp_now();
    CHECK(store_database_ensure(conninfo, MADE, 300, &err) ==
          AVP_EUNAVAILABLE);
    double waited = avp_now() - t0;
    CHECK(waited >= 0.29 && waited < 5.0);
    CHECK(strstr(err.msg, "did not accept connections") != NULL);
}

int main(void)
{
    pgtest_dir();
    url = pgtest_fresh_db("avp_test_pool");
    RUN(test_pool_acquire_release);
    RUN(test_pool_exhausted_is_busy_not_a_hang);
    RUN(test_pool_waiter_gets_released_connection);
    RUN(test_pool_threads_share_few_connections);
    RUN(test_pool_release_ends_transaction);
    RUN(test_pool_recovers_after_postgres_restart);
    RUN(test_pool_database_down_then_back);
    RUN(test_pool_unreachable_database);
    RUN(test_database_ensure_creates_once);
    RUN(test_database_ensure_gives_up_after_the_wait);
    free(url);
    return CHECK_DONE();
}
