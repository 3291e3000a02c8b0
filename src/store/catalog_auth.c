/* catalog_auth.c - accounts: users, sessions and API keys. Tokens are
 * stored as SHA-256 only (http/auth.h says why); they travel here as
 * bytea hex text. */
#include "store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads columns (id, username, is_admin) of row 0 into u. */
static void user_from(PGresult *r, store_user_t *u)
{
    u->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(u->name, sizeof u->name, "%s", PQgetvalue(r, 0, 1));
    u->admin = PQgetvalue(r, 0, 2)[0] == 't';
}

/* Runs a query returning (id, username, is_admin[, hash]) and fills u. */
static int find_user(store_conn_t *c, const char *what, const char *sql,
                     int n, const char *const *v, store_user_t *u,
                     char *hash, size_t hash_cap, avp_error_t *err)
{
    PGresult *r = store__run(c, what, sql, n, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "%s: not found", what);
    else {
        user_from(r, u);
        if (hash)
            snprintf(hash, hash_cap, "%s", PQgetvalue(r, 0, 3));
    }
    PQclear(r);
    return rc;
}

int store_user_by_name(store_conn_t *c, const char *name, store_user_t *u,
                       char *hash, size_t hash_cap, avp_error_t *err)
{
    const char *v[] = {name};
    return find_user(c, "user",
                     "SELECT id, username, is_admin, password_hash FROM users "
                     "WHERE username = $1 AND NOT disabled",
                     1, v, u, hash, hash_cap, err);
}

int store_user_id_by_name(store_conn_t *c, const char *name, int64_t *id,
                          avp_error_t *err)
{
    store_user_t u;
    int rc = store_user_by_name(c, name, &u, NULL, 0, err);
    *id = rc ? 0 : u.id;
    return rc;
}

int store_user_create(store_conn_t *c, const char *name,
                      const char *password_hash, int admin, avp_error_t *err)
{
    char what[STORE_NAME_MAX + 16];
    snprintf(what, sizeof what, "creating user %s", name);
    const char *v[] = {name, password_hash, admin ? "true" : "false"};
    PGresult *r = store__run(c, what,
        "INSERT INTO users (username, password_hash, is_admin) "
        "VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING "
        "RETURNING id", 3, v, err);
    if (!r)
        return err->code;
    int rc = PQntuples(r) == 0
        ? avp_error_set(err, AVP_EINVAL, "user %s exists already", name)
        : AVP_OK;
    PQclear(r);
    return rc;
}

int store_user_count(store_conn_t *c, int64_t *n, avp_error_t *err)
{
    PGresult *r = store__run(c, "users", "SELECT count(*) FROM users", 0,
                             NULL, err);
    if (!r)
        return err->code;
    *n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

int store_session_insert(store_conn_t *c,
                         const uint8_t hash[STORE_TOKEN_HASH_LEN],
                         int64_t user_id, int64_t expires_unix,
                         avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    store__num_t uid = store__i64(user_id), exp = store__i64(expires_unix);
    const char *v[] = {h.s, uid.s, exp.s};
    /* Expired sessions of this user go on the way, so the table stays the
     * size of the live ones without a sweeper. */
    return store__run_one(c, "session",
        "WITH gone AS (DELETE FROM sessions WHERE user_id = $2 "
        "AND expires_at < now()) "
        "INSERT INTO sessions (token_hash, user_id, expires_at) "
        "VALUES ($1::bytea, $2, to_timestamp($3::bigint))",
        3, v, err);
}

int store_session_find(store_conn_t *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
                       int64_t now_unix, store_user_t *u, avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    store__num_t now = store__i64(now_unix);
    const char *v[] = {h.s, now.s};
    return find_user(c, "session",
        "SELECT u.id, u.username, u.is_admin FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1::bytea "
        "AND s.expires_at > to_timestamp($2::bigint) AND NOT u.disabled",
        2, v, u, NULL, 0, err);
}

int store_session_delete(store_conn_t *c,
                         const uint8_t hash[STORE_TOKEN_HASH_LEN],
                         avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    const char *v[] = {h.s};
    PGresult *r = store__run(c, "session",
        "DELETE FROM sessions WHERE token_hash = $1::bytea", 1, v, err);
    PQclear(r);
    return r ? AVP_OK : err->code;
}

int store_api_key_find(store_conn_t *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
                       store_user_t *u, avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    const char *v[] = {h.s};
    return find_user(c, "api key",
        "SELECT u.id, u.username, u.is_admin FROM api_keys k "
        "JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1::bytea "
        "AND NOT u.disabled",
        1, v, u, NULL, 0, err);
}

#define KEY_JSON "json_build_object('id', k.id, 'name', k.name, " \
                 "'created_at', k.created_at, 'last_used_at', k.last_used_at)::text"

int store_api_key_create(store_conn_t *c, int64_t user_id, const char *name,
                         const uint8_t hash[STORE_TOKEN_HASH_LEN], char **json,
                         avp_error_t *err)
{
    store__hex_t h = store__hash_hex(hash);
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s, name, h.s};
    return store__run_json(c, "api key",
        "INSERT INTO api_keys AS k (user_id, name, key_hash) "
        "VALUES ($1, $2, $3::bytea) RETURNING " KEY_JSON,
        3, v, json, err);
}

int store_api_key_list(store_conn_t *c, int64_t user_id, const int64_t *after,
                       int limit, store_list_t *out, avp_error_t *err)
{
    store__num_t uid = store__i64(user_id), lim = store__i64(limit + 1);
    store__num_t a = store__i64(after ? after[0] : 0);
    const char *v[] = {uid.s, a.s, lim.s};
    return store__run_list(c, "api keys",
        "SELECT " KEY_JSON ", k.id FROM api_keys k WHERE k.user_id = $1 "
        "AND k.id > $2 ORDER BY k.id LIMIT $3",
        3, v, limit, out, err);
}

int store_api_key_delete(store_conn_t *c, int64_t user_id, int64_t key_id,
                         avp_error_t *err)
{
    store__num_t uid = store__i64(user_id), kid = store__i64(key_id);
    const char *v[] = {uid.s, kid.s};
    return store__run_one(c, "api key",
        "DELETE FROM api_keys WHERE user_id = $1 AND id = $2", 2, v, err);
}
