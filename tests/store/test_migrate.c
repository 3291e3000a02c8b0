#include "pgtest.h"

#include <pthread.h>

/* A pool on a fresh database, and one connection from it. */
typedef struct fresh {
    char *url;
    store_pool_t *pool;
    store_conn_t *c;
} fresh_t;

static fresh_t fresh_open(const char *db, int max)
{
    fresh_t f;
    f.url = pgtest_fresh_db(db);
    f.pool = pgtest_pool(f.url, 1, max, 5000);
    store_pool_acquire(f.pool, -1, &f.c, NULL);
    return f;
}

static void fresh_close(fresh_t *f)
{
    store_pool_release(f->c);
    store_pool_destroy(f->pool);
    free(f->url);
}

static void test_migrate_embedded_list(void)
{
    size_t n;
    const store_migration_t *m = store_migrations(&n);
    CHECK(n >= 2);
    CHECK(m[0].version == 1 && !strcmp(m[0].name, "0001_init"));
    CHECK(strstr(m[0].sql, "CREATE TABLE detections") != NULL);
    CHECK(m[1].version == 2 && !strcmp(m[1].name, "0002_indexes"));
    CHECK(strstr(m[1].sql, "-- avp:no-transaction") != NULL);
    for (size_t i = 1; i < n; i++)
        CHECK(m[i].version > m[i - 1].version);
}

static void test_migrate_applies_once(void)
{
    fresh_t f = fresh_open("avp_test_migrate_once", 1);
    size_t n;
    const store_migration_t *m = store_migrations(&n);
    avp_error_t err = {0};
    int applied = -1;
    CHECK(store_migrate(f.c, m, n, &applied, &err) == AVP_OK);
    CHECK(applied == (int)n);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM schema_migrations") == (long long)n);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                          " AND tablename IN ('users', 'api_keys', 'sessions',"
                          " 'projects', 'project_members', 'videos', 'models',"
                          " 'tasks', 'detection_runs', 'detections', 'tracks',"
                          " 'ground_truth_objects', 'class_maps', 'test_sessions',"
                          " 'detection_events', 'evaluations', 'audit_log')") == 17);
    /* The concurrent indexes exist and are valid. */
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM pg_index i JOIN pg_class c"
                          " ON c.oid = i.indexrelid WHERE i.indisvalid AND c.relname IN"
                          " ('detections_run_frame_id', 'videos_project_created',"
                          " 'detection_events_session_ts')") == 3);
    CHECK(store_migrate(f.c, m, n, &applied, &err) == AVP_OK);
    CHECK(applied == 0);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM schema_migrations") == (long long)n);
    /* The lock is released: another session can take it at once. */
    CHECK(!strcmp(pgtest_value(f.c, "SELECT count(*) FROM pg_locks"
                                     " WHERE locktype = 'advisory'"), "0"));
    fresh_close(&f);
}

typedef struct migrator {
    store_pool_t *pool;
    int rc, applied;
} migrator_t;

static void *migrate_thread(void *p)
{
    migrator_t *m = p;
    store_conn_t *c;
    m->rc = store_pool_acquire(m->pool, -1, &c, NULL);
    if (m->rc)
        return NULL;
    size_t n;
    const store_migration_t *list = store_migrations(&n);
    m->rc = store_migrate(c, list, n, &m->applied, NULL);
    store_pool_release(c);
    return NULL;
}

static void test_migrate_concurrent_migrators(void)
{
    fresh_t f = fresh_open("avp_test_migrate_race", 3);
    migrator_t m[2] = {{f.pool, -1, 0}, {f.pool, -1, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, migrate_thread, &m[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    size_t n;
    store_migrations(&n);
    CHECK(m[0].rc == AVP_OK && m[1].rc == AVP_OK);
    CHECK(m[0].applied + m[1].applied == (int)n);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM schema_migrations") == (long long)n);
    fresh_close(&f);
}

static void test_migrate_failure_rolls_back(void)
{
    fresh_t f = fresh_open("avp_test_migrate_fail", 1);
    const store_migration_t list[] = {
        {1, "0001_a", "CREATE TABLE a (x int); INSERT INTO a VALUES (1);"},
        {2, "0002_bad", "CREATE TABLE b (x int); SELECT * FROM missing_table;"},
    };
    avp_error_t err = {0};
    int applied = -1;
    CHECK(store_migrate(f.c, list, 2, &applied, &err) == AVP_EIO);
    CHECK(applied == 1);
    CHECK(strstr(err.msg, "0002_bad") && strstr(err.msg, "missing_table"));
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM a") == 1);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM pg_tables WHERE tablename = 'b'") == 0);
    CHECK(pgtest_int(f.c, "SELECT max(version) FROM schema_migrations") == 1);
    CHECK(PQtransactionStatus(store__conn_pg(f.c)) == PQTRANS_IDLE);
    fresh_close(&f);
}

/* Statements split correctly around quoted and commented semicolons, and
 * CREATE INDEX CONCURRENTLY works, which it would not in a transaction. */
static void test_migrate_no_transaction(void)
{
    fresh_t f = fresh_open("avp_test_migrate_notx", 1);
    const store_migration_t list[] = {
        {1, "0001_setup", "CREATE TABLE t (x int, s text);"},
        {5, "0005_concurrent",
         "-- avp:no-transaction\n"
         "INSERT INTO t VALUES (1, 'a;b'); -- a comment; with a semicolon\n"
         "/* a block; comment */ INSERT INTO t VALUES (2, 'it''s;');\n"
         "DO $body$ BEGIN INSERT INTO t VALUES (3, 'x;y'); END $body$;\n"
         "INSERT INTO t VALUES (4, $$dollar;quoted$$);\n"
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n"
         "-- trailing comment only\n"},
    };
    avp_error_t err = {0};
    int applied = 0;
    int rc = store_migrate(f.c, list, 2, &applied, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(rc == AVP_OK && applied == 2);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM t") == 4);
    CHECK(!strcmp(pgtest_value(f.c, "SELECT string_agg(s, '|' ORDER BY x) FROM t"),
                  "a;b|it's;|x;y|dollar;quoted"));
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM pg_index i JOIN pg_class c ON"
                          " c.oid = i.indexrelid WHERE c.relname = 't_x'"
                          " AND i.indisvalid") == 1);
    CHECK(pgtest_int(f.c, "SELECT max(version) FROM schema_migrations") == 5);
    fresh_close(&f);
}

static void test_migrate_rejects_out_of_order(void)
{
    fresh_t f = fresh_open("avp_test_migrate_order", 1);
    const store_migration_t list[] = {
        {2, "0002_b", "CREATE TABLE b (x int);"},
        {1, "0001_a", "CREATE TABLE a (x int);"},
    };
    avp_error_t err = {0};
    CHECK(store_migrate(f.c, list, 2, NULL, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "0001_a") != NULL);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM pg_tables WHERE tablename = 'b'") == 0);
    fresh_close(&f);
}

/* Status reads without writing: on a fresh database everything is pending
 * and schema_migrations is not made; after the first two migrations those
 * are applied with a time; a version this list lacks (a newer release's)
 * is counted, not listed. */
static void test_migrate_status(void)
{
    fresh_t f = fresh_open("avp_test_migrate_status", 1);
    size_t n;
    const store_migration_t *m = store_migrations(&n);
    char(*at)[STORE_APPLIED_AT_MAX] = calloc(n, sizeof *at);
    avp_error_t err = {0};
    int unknown = -1;
    CHECK(store_migrate_status(f.c, m, n, at, &unknown, &err) == AVP_OK);
    CHECK(unknown == 0 && !at[0][0] && !at[n - 1][0]);
    CHECK(pgtest_int(f.c, "SELECT count(*) FROM pg_tables WHERE tablename ="
                          " 'schema_migrations'") == 0);
    CHECK(store_migrate(f.c, m, 2, NULL, &err) == AVP_OK);
    CHECK(store_exec(f.c, "INSERT INTO schema_migrations (version, name)"
                          " VALUES (99999, '99999_newer')", &err) == AVP_OK);
    CHECK(store_migrate_status(f.c, m, n, at, &unknown, &err) == AVP_OK);
    CHECK(unknown == 1 && !strncmp(at[0], "20", 2) && at[1][0] && !at[2][0]);
    free(at);
    fresh_close(&f);
}

int main(void)
{
    pgtest_dir();
    RUN(test_migrate_embedded_list);
    RUN(test_migrate_applies_once);
    RUN(test_migrate_status);
    RUN(test_migrate_concurrent_migrators);
    RUN(test_migrate_failure_rolls_back);
    RUN(test_migrate_no_transaction);
    RUN(test_migrate_rejects_out_of_order);
    return CHECK_DONE();
}
