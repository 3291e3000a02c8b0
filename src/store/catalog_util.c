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

PGresult *store__run(store_conn_t *c, const char *what, const char *sql,
                     int n, const char *const *v, avp_error_t *err)
{
    PGresult *r = PQexecParams(c->pg, sql, n, NULL, v, NULL, NULL, 0);
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
