/* test_catalog_util.c - store__run prepares each statement once per
 * connection: the same text runs as the same prepared statement, a new
 * connection prepares again, a bad statement is reported and not kept, and
 * past the per-connection limit statements still run (unprepared). */
#include "pgtest.h"

#include "store/catalog_internal.h"

static store_pool_t *pool;
static char *url;

/* $1 + k through store__run; -1 on failure. */
static long long add(store_conn_t *c, const char *sql, long long v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", v);
    const char *params[] = {text};
    avp_error_t err = {0};
    PGresult *r = store__run(c, "add", sql, 1, params, &err);
    if (!r)
        return -1;
    long long out = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return out;
}

static long long prepared_count(store_conn_t *c)
{
    return pgtest_int(c, "SELECT count(*) FROM pg_prepared_statements");
}

static void test_store_run_prepares_a_statement_once(void)
{
    store_conn_t *c = pgtest_conn(pool);
    long long before = prepared_count(c);
    for (int i = 0; i < 5; i++)
        CHECK(add(c, "SELECT $1::int + 1", i) == i + 1);
    CHECK(prepared_count(c) == before + 1);
    CHECK(pgtest_int(c, "SELECT count(*) FROM pg_prepared_statements WHERE "
                        "statement = 'SELECT $1::int + 1'") == 1);
    store_pool_release(c);
}

static void test_store_run_prepares_again_on_a_new_connection(void)
{
    store_conn_t *c = pgtest_conn(pool);
    CHECK(add(c, "SELECT $1::int + 2", 1) == 3);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)",
             PQbackendPID(store__conn_pg(c)));
    pgtest_exec_or_die(url, sql, NULL);
    CHECK(add(c, "SELECT $1::int + 2", 1) == -1); /* the connection died */
    store_pool_release(c);                        /* and the pool drops it */
    c = pgtest_conn(pool);
    CHECK(add(c, "SELECT $1::int + 2", 5) == 7);
    CHECK(prepared_count(c) == 1);
    store_pool_release(c);
}

static void test_store_run_reports_a_bad_statement(void)
{
    store_conn_t *c = pgtest_conn(pool);
    long long before = prepared_count(c);
    const char *params[] = {"1"};
    avp_error_t err = {0};
    CHECK(store__run(c, "broken", "SELEC $1", 1, params, &err) == NULL);
    CHECK(err.code == AVP_EIO && strstr(err.msg, "broken: ") == err.msg);
    CHECK(prepared_count(c) == before);
    CHECK(add(c, "SELECT $1::int + 1", 2) == 3); /* still usable */
    store_pool_release(c);
}

static void test_store_run_past_the_limit_runs_unprepared(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char sql[64];
    for (int k = 0; k < 150; k++) {
        snprintf(sql, sizeof sql, "SELECT $1::int + %d + 1000", k);
        CHECK(add(c, sql, 1) == k + 1001);
    }
    long long n = prepared_count(c);
    CHECK(n >= 100 && n < 150);
    snprintf(sql, sizeof sql, "SELECT $1::int + %d + 1000", 149);
    CHECK(add(c, sql, 2) == 1151);
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    url = pgtest_fresh_db("avp_test_catalog_util");
    pool = pgtest_pool(url, 1, 1, 5000);
    RUN(test_store_run_prepares_a_statement_once);
    RUN(test_store_run_prepares_again_on_a_new_connection);
    RUN(test_store_run_reports_a_bad_statement);
    RUN(test_store_run_past_the_limit_runs_unprepared);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
