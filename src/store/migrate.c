/*
 * migrate.c - applies the versioned SQL files of migrations/ in order.
 *
 * DESIGN
 * - Mutual exclusion: a session-level advisory lock. It is taken with
 *   pg_try_advisory_lock() in a polling loop rather than the blocking
 *   pg_advisory_lock(): a blocked pg_advisory_lock() sits inside a
 *   statement holding a snapshot, and CREATE INDEX CONCURRENTLY in the
 *   holder's migration waits for every such snapshot to go away, a
 *   deadlock PostgreSQL would break by failing one of the migrators.
 * - The record of what is applied, schema_migrations, is written in the
 *   same transaction as the migration, so a migration is either applied and
 *   recorded or neither. A "-- avp:no-transaction" migration cannot have
 *   that guarantee; it is recorded after its last statement succeeds and
 *   its statements must be idempotent (IF NOT EXISTS) to survive a rerun.
 * - Such a migration is split into statements here because PostgreSQL runs
 *   a multi-statement query string as one implicit transaction, which
 *   CREATE INDEX CONCURRENTLY refuses.
 */
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "AVPMIGR" read as a big-endian integer: a fixed key unlikely to be used
 * by anything else sharing the database. */
#define MIGRATE_LOCK_KEY "18390776380213074"
#define NO_TX_MARKER "-- avp:no-transaction"

const store_migration_t *store_migrations(size_t *count)
{
    *count = store__embedded_count;
    return store__embedded_migrations;
}

static int query_bool(store_conn_t *c, const char *sql, int *out,
                      avp_error_t *err)
{
    PGresult *res = PQexec(c->pg, sql);
    int rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "migrations");
    if (rc)
        return rc;
    *out = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return AVP_OK;
}

static int lock_migrations(store_conn_t *c, avp_error_t *err)
{
    struct timespec pause = {0, 20 * 1000000L};
    for (;;) {
        int got = 0;
        int rc = query_bool(c, "SELECT pg_try_advisory_lock(" MIGRATE_LOCK_KEY ")",
                            &got, err);
        if (rc || got)
            return rc;
        nanosleep(&pause, NULL);
        if (pause.tv_nsec < 200 * 1000000L)
            pause.tv_nsec *= 2;
    }
}

/* Length of the statement at s up to and including its ';' (or the end),
 * skipping quotes, quoted identifiers, comments and dollar quotes. */
static size_t statement_len(const char *s)
{
    size_t i = 0;
    while (s[i]) {
        if (s[i] == ';')
            return i + 1;
        if (s[i] == '\'' || s[i] == '"') {
            const char *end = strchr(s + i + 1, s[i]);
            i = end ? (size_t)(end - s) + 1 : strlen(s);
        } else if (s[i] == '-' && s[i + 1] == '-') {
            i += strcspn(s + i, "\n");
        } else if (s[i] == '/' && s[i + 1] == '*') {
            const char *end = strstr(s + i + 2, "*/");
            i = end ? (size_t)(end - s) + 2 : strlen(s);
        } else if (s[i] == '$' && (i == 0 || !strchr("_0123456789", s[i - 1]))) {
            /* $tag$ ... $tag$ where tag is empty or an identifier. */
            size_t t = strspn(s + i + 1, "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
            if (s[i + 1 + t] != '$') {
                i++;
                continue;
            }
            char tag[72];
            snprintf(tag, sizeof(tag), "%.*s", (int)(t + 2), s + i);
            const char *end = strstr(s + i + t + 2, tag);
            i = end ? (size_t)(end - s) + t + 2 : strlen(s);
        } else {
            i++;
        }
    }
    return i;
}

/* Whether the text holds anything but blanks and comments. */
static int has_code(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-' && i + 1 < n && s[i + 1] == '-')
            i += strcspn(s + i, "\n");
        else if (!strchr(" \t\r\n;", s[i]))
            return 1;
    }
    return 0;
}

static int run_statements(store_conn_t *c, const char *sql, avp_error_t *err)
{
    for (size_t n; *sql; sql += n) {
        n = statement_len(sql);
        if (!has_code(sql, n))
            continue;
        char *one = avp_malloc(n + 1);
        memcpy(one, sql, n);
        one[n] = '\0';
        int rc = store_exec(c, one, err);
        avp_free(one);
        if (rc)
            return rc;
    }
    return AVP_OK;
}

static int record(store_conn_t *c, const store_migration_t *m, avp_error_t *err)
{
    char version[16];
    snprintf(version, sizeof(version), "%d", m->version);
    const char *vals[] = {version, m->name};
    PGresult *res = PQexecParams(c->pg,
        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
        2, NULL, vals, NULL, NULL, 0);
    int rc = store__check(err, c->pg, res, PGRES_COMMAND_OK, "schema_migrations");
    if (!rc)
        PQclear(res);
    return rc;
}

static int apply_one(store_conn_t *c, const store_migration_t *m, avp_error_t *err)
{
    int rc;
    if (strstr(m->sql, NO_TX_MARKER)) {
        rc = run_statements(c, m->sql, err);
        if (!rc)
            rc = record(c, m, err);
    } else {
        rc = store_exec(c, "BEGIN", err);
        if (!rc)
            rc = store_exec(c, m->sql, err);
        if (!rc)
            rc = record(c, m, err);
        if (!rc)
            rc = store_exec(c, "COMMIT", err);
        if (rc)
            store__rollback(c);
    }
    if (rc)
        avp_error_prefix(err, "migration %s", m->name);
    return rc;
}

static int is_applied(store_conn_t *c, int version, int *out, avp_error_t *err)
{
    char sql[96];
    snprintf(sql, sizeof(sql),
             "SELECT true FROM schema_migrations WHERE version = %d", version);
    return query_bool(c, sql, out, err);
}

static int check_order(const store_migration_t *list, size_t n, avp_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].version <= 0 || (i && list[i].version <= list[i - 1].version))
            return avp_error_set(err, AVP_EINVAL,
                                 "migration %s: version %d out of order",
                                 list[i].name, list[i].version);
    }
    return AVP_OK;
}

static int apply_missing(store_conn_t *c, const store_migration_t *list,
                         size_t n, int *applied, avp_error_t *err)
{
    int rc = store_exec(c,
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())", err);
    for (size_t i = 0; !rc && i < n; i++) {
        int done = 0;
        rc = is_applied(c, list[i].version, &done, err);
        if (rc || done)
            continue;
        rc = apply_one(c, &list[i], err);
        if (!rc)
            (*applied)++;
    }
    return rc;
}

int store_migrate(store_conn_t *c, const store_migration_t *list, size_t n,
                  int *applied, avp_error_t *err)
{
    int count = 0;
    if (applied)
        *applied = 0;
    int rc = check_order(list, n, err);
    if (!rc)
        rc = lock_migrations(c, err);
    if (rc)
        return rc;
    rc = apply_missing(c, list, n, &count, err);
    store__rollback(c);
    /* Unlocking can only fail with the connection gone, which released
     * the lock anyway. */
    PQclear(PQexec(c->pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
    if (applied)
        *applied = count;
    return rc;
}

/* Fills applied_at from one row of schema_migrations per applied version;
 * returns how many rows name a version list lacks. */
static int fill_status(PGresult *res, const store_migration_t *list,
                       size_t n, char (*applied_at)[STORE_APPLIED_AT_MAX])
{
    int unknown = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        int version = atoi(PQgetvalue(res, r, 0)), known = 0;
        for (size_t i = 0; i < n; i++)
            if (list[i].version == version) {
                snprintf(applied_at[i], STORE_APPLIED_AT_MAX, "%s",
                         PQgetvalue(res, r, 1));
                known = 1;
            }
        unknown += !known;
    }
    return unknown;
}

int store_migrate_status(store_conn_t *c, const store_migration_t *list,
                         size_t n, char (*applied_at)[STORE_APPLIED_AT_MAX],
                         int *unknown, avp_error_t *err)
{
    *unknown = 0;
    for (size_t i = 0; i < n; i++)
        applied_at[i][0] = '\0';
    int exists = 0;
    int rc = query_bool(c, "SELECT to_regclass('schema_migrations') IS NOT NULL",
                        &exists, err);
    if (rc || !exists)
        return rc;
    PGresult *res = PQexec(c->pg, "SELECT version, date_trunc('second', "
                           "applied_at) FROM schema_migrations");
    rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "schema_migrations");
    if (rc)
        return rc;
    *unknown = fill_status(res, list, n, applied_at);
    PQclear(res);
    return AVP_OK;
}
