/* catalog_util.c - running the catalog's statements and turning their rows
 * into JSON text and keyset pages (catalog_internal.h). */
#include "store/catalog_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

store__num_t store__i64(int64_t v)
{
    store__num_t n;
    snprintf(n.s, sizeof n.s, "%" PRId64, v);
    return n;
}

store__num_t store__f64(double v)
{
    store__num_t n;
    snprintf(n.s, sizeof n.s, "%.17g", v);
    return n;
}

store__hex_t store__hash_hex(const uint8_t hash[STORE_TOKEN_HASH_LEN])
{
    static const char digits[] = "0123456789abcdef";
    store__hex_t h;
    h.s[0] = '\\', h.s[1] = 'x';
    for (int i = 0; i < STORE_TOKEN_HASH_LEN; i++) {
        h.s[2 + 2 * i] = digits[hash[i] >> 4];
        h.s[3 + 2 * i] = digits[hash[i] & 15];
    }
    h.s[sizeof h.s - 1] = 0;
    return h;
}

/* ---- prepared statements -----------------------------------------------
 * Each catalog statement is prepared once per connection and afterwards
 * only executed, so PostgreSQL parses and analyzes it once instead of on
 * every request (and may keep its plan). The statement's text is its key:
 * the catalog's SQL is static text, and a statement built at run time is
 * simply another key. A connection keeps at most STORE__STMT_MAX of them;
 * past that, statements run unprepared as before. */
#define STORE__STMT_MAX 128

struct store__stmt {
    uint64_t hash;
    char *sql;
};

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

void store__stmts_forget(store_conn_t *c)
{
    for (int i = 0; i < c->nstmts; i++)
        avp_free(c->stmts[i].sql);
    avp_free(c->stmts);
    c->stmts = NULL;
    c->nstmts = 0;
}

/* Puts in name the statement sql prepared on c, preparing it first if
 * needed. 0 when it cannot be prepared: the caller runs it unprepared,
 * which reports whatever is wrong with it. */
static int prepared(store_conn_t *c, const char *sql, int n, char name[16])
{
    uint64_t h = sql_hash(sql);
    for (int i = 0; i < c->nstmts; i++)
        if (c->stmts[i].hash == h && !strcmp(c->stmts[i].sql, sql)) {
            snprintf(name, 16, "avp_%d", i);
            return 1;
        }
    if (c->nstmts == STORE__STMT_MAX)
        return 0;
    if (!c->stmts)
        c->stmts = avp_calloc(STORE__STMT_MAX, sizeof *c->stmts);
    snprintf(name, 16, "avp_%d", c->nstmts);
    PGresult *r = PQprepare(c->pg, name, sql, n, NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok)
        c->stmts[c->nstmts++] = (struct store__stmt){h, avp_strdup(sql)};
    return ok;
}

PGresult *store__run(store_conn_t *c, const char *what, const char *sql,
                     int n, const char *const *v, avp_error_t *err)
{
    char name[16];
    PGresult *r = prepared(c, sql, n, name)
                      ? PQexecPrepared(c->pg, name, n, v, NULL, NULL, 0)
                      : PQexecParams(c->pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    store__pg_error(err, c->pg, r, what);
    return NULL;
}

int store__run_json(store_conn_t *c, const char *what, const char *sql, int n,
                    const char *const *v, char **json, avp_error_t *err)
{
    *json = NULL;
    PGresult *r = store__run(c, what, sql, n, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0))
        rc = avp_error_set(err, AVP_ENOTFOUND, "%s: not found", what);
    else
        *json = avp_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

int store__run_ids(store_conn_t *c, const char *what, const char *sql,
                   int64_t id, int64_t **ids, int *n, avp_error_t *err)
{
    store__num_t key = store__i64(id);
    const char *v[] = {key.s};
    *ids = NULL, *n = 0;
    PGresult *r = store__run(c, what, sql, 1, v, err);
    if (!r)
        return err->code;
    *n = PQntuples(r);
    *ids = avp_calloc((size_t)*n + 1, sizeof **ids);
    for (int i = 0; i < *n; i++)
        (*ids)[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

int store__run_one(store_conn_t *c, const char *what, const char *sql, int n,
                   const char *const *v, avp_error_t *err)
{
    PGresult *r = store__run(c, what, sql, n, v, err);
    if (!r)
        return err->code;
    const char *touched = PQcmdTuples(r);
    int rc = PQntuples(r) > 0 || (touched[0] && strcmp(touched, "0"))
                 ? AVP_OK
                 : avp_error_set(err, AVP_ENOTFOUND, "%s: not found", what);
    PQclear(r);
    return rc;
}

int store__check_limit(int limit, avp_error_t *err)
{
    if (limit < 1 || limit > STORE_LIST_MAX)
        return avp_error_set(err, AVP_EINVAL, "limit %d outside 1..%d", limit,
                             STORE_LIST_MAX);
    return AVP_OK;
}

/* Joins the first `count` json values of r into "[a,b,...]". */
static char *join_items(PGresult *r, int count)
{
    size_t len = 2;
    for (int i = 0; i < count; i++)
        len += (size_t)PQgetlength(r, i, 0) + 1;
    char *s = avp_malloc(len + 1), *p = s;
    *p++ = '[';
    for (int i = 0; i < count; i++) {
        if (i)
            *p++ = ',';
        size_t n = (size_t)PQgetlength(r, i, 0);
        memcpy(p, PQgetvalue(r, i, 0), n);
        p += n;
    }
    *p++ = ']';
    *p = 0;
    return s;
}

int store__run_list(store_conn_t *c, const char *what, const char *sql, int n,
                    const char *const *v, int limit, store_list_t *out,
                    avp_error_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = store__check_limit(limit, err);
    if (rc)
        return rc;
    PGresult *r = store__run(c, what, sql, n, v, err);
    if (!r)
        return err->code;
    int rows = PQntuples(r);
    out->more = rows > limit;
    out->count = rows > limit ? limit : rows;
    out->json = join_items(r, out->count);
    if (out->count > 0)
        for (int k = 1; k < PQnfields(r) && k <= 2; k++)
            out->key[k - 1] = strtoll(PQgetvalue(r, out->count - 1, k), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

void store_list_free(store_list_t *l)
{
    if (!l)
        return;
    avp_free(l->json);
    l->json = NULL;
}
