/* catalog_blobs.c - what lets a worker run without the servers' disk
 * (catalog.h): the API servers' addresses with a heartbeat, the hashes of
 * the workers' short-lived credentials, and a file's path by its sha256. */
#include "store/catalog_internal.h"

#include <stdio.h>
#include <string.h>

/* A statement whose rows nobody reads. */
static int command(store_conn_t *c, const char *what, const char *sql, int n,
                   const char *const *v, avp_error_t *err)
{
    PGresult *r = store__run(c, what, sql, n, v, err);
    PQclear(r);
    return r ? AVP_OK : err->code;
}

int store_server_beat(store_conn_t *c, const char *url, avp_error_t *err)
{
    const char *v[] = {url};
    return command(c, "server beat",
        "INSERT INTO api_servers (url) VALUES ($1) ON CONFLICT (url) "
        "DO UPDATE SET seen_at = now()", 1, v, err);
}

int store_server_leave(store_conn_t *c, const char *url, avp_error_t *err)
{
    const char *v[] = {url};
    return command(c, "server leave",
        "DELETE FROM api_servers WHERE url = $1", 1, v, err);
}

int store_servers_live(store_conn_t *c, int max_age_s,
                       char (*urls)[STORE_URL_MAX], int cap, int *n,
                       avp_error_t *err)
{
    store__num_t age = store__i64(max_age_s), lim = store__i64(cap);
    const char *v[] = {age.s, lim.s};
    PGresult *r = store__run(c, "live servers",
        "SELECT url FROM api_servers WHERE seen_at > now() - "
        "$1::int * interval '1 second' ORDER BY random() LIMIT $2", 2, v,
        err);
    if (!r)
        return err->code;
    *n = PQntuples(r);
    for (int i = 0; i < *n; i++)
        snprintf(urls[i], STORE_URL_MAX, "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    return AVP_OK;
}

int store_worker_credential_add(store_conn_t *c,
                                const uint8_t hash[STORE_TOKEN_HASH_LEN],
                                const char *worker, int ttl_s,
                                avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    store__num_t ttl = store__i64(ttl_s);
    const char *v[] = {h.s, worker, ttl.s};
    return command(c, "worker credential",
        "WITH gone AS (DELETE FROM worker_credentials "
        "WHERE expires_at < now()) "
        "INSERT INTO worker_credentials (token_hash, worker, expires_at) "
        "VALUES ($1::bytea, $2, now() + $3::int * interval '1 second')",
        3, v, err);
}

int store_worker_credential_valid(store_conn_t *c,
                                  const uint8_t hash[STORE_TOKEN_HASH_LEN],
                                  avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    const char *v[] = {h.s};
    PGresult *r = store__run(c, "worker credential",
        "SELECT 1 FROM worker_credentials WHERE token_hash = $1::bytea "
        "AND expires_at > now()", 1, v, err);
    if (!r)
        return err->code;
    int found = PQntuples(r) == 1;
    PQclear(r);
    return found;
}

int store_blob_path(store_conn_t *c, const char *sha256, char *path,
                    size_t cap, avp_error_t *err)
{
    const char *v[] = {sha256};
    PGresult *r = store__run(c, "blob",
        "SELECT path FROM videos WHERE sha256 = $1 UNION ALL "
        "SELECT path FROM models WHERE sha256 = $1 LIMIT 1", 1, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "no video or model has the "
                           "file %s", sha256);
    else
        snprintf(path, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}
