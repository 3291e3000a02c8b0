/* conn.c - plain statements on a lent connection and the translation of
 * PostgreSQL's failures into AVP error codes. */
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

struct pg_conn *store_conn_pg(store_conn_t *c) { return c->pg; }

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
