/*
 * pgtest.h - what the store tests share: the private PostgreSQL cluster
 * that the CTest fixture store_pg starts (scripts/pg-private.sh, directory
 * in AVP_TEST_PG_DIR), a fresh database per test program, and a migrated
 * detection run to write into.
 */
#ifndef AVP_TESTS_STORE_PGTEST_H
#define AVP_TESTS_STORE_PGTEST_H

#include "check.h"
#include "store/internal.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PGTEST_INITDB "/usr/lib/postgresql/15/bin/initdb"

/* Skips the program when PostgreSQL 15 is not installed; fails it when
 * the fixture did not run. Returns the cluster directory. */
static inline const char *pgtest_dir(void)
{
    if (access(PGTEST_INITDB, X_OK) != 0)
        CHECK_SKIP(PGTEST_INITDB " not found: PostgreSQL 15 is not installed");
    const char *dir = getenv("AVP_TEST_PG_DIR");
    if (!dir) {
        fprintf(stderr, "AVP_TEST_PG_DIR is not set: run through ctest\n");
        exit(EXIT_FAILURE);
    }
    return dir;
}

/* URL of database `db` in the private cluster (malloc'd). */
static inline char *pgtest_url(const char *db)
{
    char path[1024];
    int port = 5432;
    snprintf(path, sizeof(path), "%s/port", pgtest_dir());
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%d", &port) != 1)
        port = 5432;
    if (f)
        fclose(f);
    char *url = malloc(1024);
    snprintf(url, 1024, "postgresql:///%s?host=%s/run&user=avp&port=%d", db,
             pgtest_dir(), port);
    return url;
}

/* Runs sql on url; a failure with SQLSTATE ok_state (may be NULL) is fine. */
static inline void pgtest_exec_or_die(const char *url, const char *sql,
                                      const char *ok_state)
{
    PGconn *pg = PQconnectdb(url);
    PGresult *res = PQexec(pg, sql);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
        !(ok_state && state && !strcmp(state, ok_state))) {
        fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(pg));
        exit(EXIT_FAILURE);
    }
    PQclear(res);
    PQfinish(pg);
}

/* Makes database `db` exist and empties it; returns its URL (malloc'd).
 * Emptying the schema is far cheaper than dropping the database, which
 * costs a checkpoint (about a second with fsync on). */
static inline char *pgtest_fresh_db(const char *db)
{
    char *admin = pgtest_url("postgres"), *url = pgtest_url(db);
    char sql[256];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
    pgtest_exec_or_die(admin, sql, "42P04"); /* it already exists */
    /* A session left over from an interrupted run could hold locks. */
    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM"
             " pg_stat_activity WHERE datname = '%s'", db);
    pgtest_exec_or_die(admin, sql, NULL);
    pgtest_exec_or_die(url, "SET client_min_messages TO warning;"
                            " DROP SCHEMA IF EXISTS public CASCADE;"
                            " CREATE SCHEMA public", NULL);
    free(admin);
    return url;
}

/* Runs scripts/pg-private.sh CMD on the fixture's cluster. */
static inline int pgtest_ctl(const char *cmd)
{
    char line[2048];
    snprintf(line, sizeof(line), "'%s/scripts/pg-private.sh' %s '%s' >/dev/null",
             getenv("AVP_SOURCE_DIR"), cmd, pgtest_dir());
    return system(line);
}

static inline store_pool_t *pgtest_pool(const char *url, int min, int max, int timeout_ms)
{
    store_pool_opts_t o = {.conninfo = url, .min_size = min, .max_size = max,
                           .acquire_timeout_ms = timeout_ms};
    store_pool_t *pool = NULL;
    avp_error_t err = {0};
    if (store_pool_create(&o, &pool, &err)) {
        fprintf(stderr, "pgtest: %s\n", err.msg);
        exit(EXIT_FAILURE);
    }
    return pool;
}

/* A connection from pool; the program fails when there is none. */
static inline store_conn_t *pgtest_conn(store_pool_t *pool)
{
    store_conn_t *c = NULL;
    avp_error_t err = {0};
    if (store_pool_acquire(pool, -1, &c, &err)) {
        fprintf(stderr, "acquire: %s\n", err.msg);
        exit(EXIT_FAILURE);
    }
    return c;
}

/* Applies every embedded migration through pool, or fails the program. */
static inline void pgtest_migrate(store_pool_t *pool)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    size_t nm;
    const store_migration_t *m = store_migrations(&nm);
    if (store_migrate(c, m, nm, NULL, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        exit(EXIT_FAILURE);
    }
    store_pool_release(c);
}

/* Single-value query as text; "" on error. The result is per thread. */
static inline const char *pgtest_value(store_conn_t *c, const char *sql)
{
    static _Thread_local char buf[256];
    PGresult *res = PQexec(store__conn_pg(c), sql);
    buf[0] = '\0';
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        snprintf(buf, sizeof(buf), "%s", PQgetvalue(res, 0, 0));
    else
        fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    return buf;
}

static inline long long pgtest_int(store_conn_t *c, const char *sql)
{
    return atoll(pgtest_value(c, sql));
}

#endif
