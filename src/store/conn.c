/* conn.c - plain statements on a lent connection, the translation of
 * PostgreSQL's failures into AVP error codes, and the making of a
 * database. */
#include "store/internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

PGconn *store__conn_pg(store_conn_t *c) { return c->pg; }

/* SQLSTATE classes: 08 connection exception, 57P0x the server is going
 * away; 40 serialization/deadlock, 53 out of resources, 55P03 lock not
 * available; 22 data exception, 23 integrity constraint. */
static int code_for_state(PGconn *pg, const char *state)
{
    if (PQstatus(pg) != CONNECTION_OK)
        return AVP_EUNAVAILABLE;
    if (!state)
        return AVP_EIO;
    if (!strncmp(state, "08", 2) || !strncmp(state, "57P0", 4))
        return AVP_EUNAVAILABLE;
    if (!strncmp(state, "40", 2) || !strncmp(state, "53", 2) ||
        !strcmp(state, "55P03"))
        return AVP_EBUSY;
    if (!strncmp(state, "22", 2) || !strncmp(state, "23", 2))
        return AVP_EINVAL;
    return AVP_EIO;
}

int store__pg_error(avp_error_t *err, PGconn *pg, PGresult *res,
                    const char *what)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg[0])
        msg = PQerrorMessage(pg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = code_for_state(pg, state);
    /* libpq messages end in a newline and may span lines; keep the first. */
    size_t len = strcspn(msg, "\n");
    if (!msg[0])
        msg = "unknown error", len = strlen(msg);
    avp_error_set(err, code, "%s: %.*s", what, (int)len, msg);
    if (err)
        err->log_only = 1;
    PQclear(res);
    return code;
}

int store__check(avp_error_t *err, PGconn *pg, PGresult *res,
                 ExecStatusType want, const char *what)
{
    if (res && PQresultStatus(res) == want)
        return AVP_OK;
    return store__pg_error(err, pg, res, what);
}

int store_exec(store_conn_t *c, const char *sql, avp_error_t *err)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        PQclear(res);
        return AVP_OK;
    }
    char what[48];
    snprintf(what, sizeof(what), "'%.40s'", sql);
    return store__pg_error(err, c->pg, res, what);
}

void store__rollback(store_conn_t *c)
{
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

/* Connects, trying every 100 ms for up to wait_ms; NULL when it never
 * succeeded. */
static PGconn *connect_waiting(const char *conninfo, int wait_ms)
{
    for (int waited = 0;; waited += 100, usleep(100 * 1000)) {
        PGconn *pg = PQconnectdb(conninfo);
        if (PQstatus(pg) == CONNECTION_OK)
            return pg;
        PQfinish(pg);
        if (waited >= wait_ms)
            return NULL;
    }
}

/* Creates database name on pg (an identifier cannot be a parameter: it
 * is quoted instead). */
static int create_database(PGconn *pg, const char *name, avp_error_t *err)
{
    char *id = PQescapeIdentifier(pg, name, strlen(name));
    char sql[160], what[80];
    snprintf(sql, sizeof sql, "CREATE DATABASE %.120s", id ? id : "");
    snprintf(what, sizeof what, "CREATE DATABASE %.60s", name);
    PQfreemem(id);
    PGresult *r = PQexec(pg, sql);
    int rc = store__check(err, pg, r, PGRES_COMMAND_OK, what);
    if (rc == AVP_OK)
        PQclear(r);
    return rc;
}

int store_database_ensure(const char *conninfo, const char *name,
                          int wait_ms, avp_error_t *err)
{
    PGconn *pg = connect_waiting(conninfo, wait_ms);
    if (!pg)
        return avp_error_set(err, AVP_EUNAVAILABLE, "PostgreSQL (%s) did not "
                             "accept connections", conninfo);
    const char *v[] = {name};
    PGresult *r = PQexecParams(pg, "SELECT 1 FROM pg_database WHERE "
                               "datname = $1", 1, NULL, v, NULL, NULL, 0);
    int rc = store__check(err, pg, r, PGRES_TUPLES_OK, "looking for database");
    if (rc == AVP_OK) {
        int missing = PQntuples(r) == 0;
        PQclear(r);
        if (missing)
            rc = create_database(pg, name, err);
    }
    PQfinish(pg);
    return rc;
}
