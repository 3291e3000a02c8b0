/* catalog_users.c - account management: the admin's list, password
 * changes, turning accounts off and ending every credential of one.
 * Credentials themselves live in catalog_auth.c. */
#include "store/catalog_internal.h"

#include <stdlib.h>

#define USER_JSON                                                       \
    "json_build_object('id', u.id, 'username', u.username, 'admin', "   \
    "u.is_admin, 'disabled', u.disabled, 'created_at', u.created_at)::text"

int store_user_list(store_conn_t *c, const int64_t *after, int limit,
                    store_list_t *out, avp_error_t *err)
{
    store__num_t a = store__i64(after ? after[0] : 0);
    store__num_t lim = store__i64(limit + 1);
    const char *v[] = {a.s, lim.s};
    return store__run_list(c, "users",
        "SELECT " USER_JSON ", u.id FROM users u WHERE u.id > $1 "
        "ORDER BY u.id LIMIT $2",
        2, v, limit, out, err);
}

int store_user_set_password(store_conn_t *c, int64_t user_id,
                            const char *password_hash, int end_sessions,
                            avp_error_t *err)
{
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s, password_hash, end_sessions ? "t" : "f"};
    return store__run_one(c, "user",
        "WITH gone AS (DELETE FROM sessions WHERE user_id = $1 AND $3::bool) "
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        3, v, err);
}

int store_user_set_disabled(store_conn_t *c, int64_t user_id, int disabled,
                            char **json, avp_error_t *err)
{
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s, disabled ? "t" : "f"};
    return store__run_json(c, "user",
        "WITH gone AS (DELETE FROM sessions WHERE user_id = $1 AND $2::bool) "
        "UPDATE users u SET disabled = $2::bool WHERE id = $1 "
        "RETURNING " USER_JSON,
        2, v, json, err);
}

int store_user_logout_all(store_conn_t *c, int64_t user_id, avp_error_t *err)
{
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s};
    PGresult *r = store__run(c, "sessions",
        "WITH k AS (DELETE FROM api_keys WHERE user_id = $1) "
        "DELETE FROM sessions WHERE user_id = $1",
        1, v, err);
    PQclear(r);
    return r ? AVP_OK : err->code;
}

int store_model_usage(store_conn_t *c, int64_t user_id, store_quota_t *q,
                      avp_error_t *err)
{
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s};
    PGresult *r = store__run(c, "model quota",
        "SELECT count(*), coalesce(sum(size_bytes), 0) FROM models "
        "WHERE created_by = $1",
        1, v, err);
    if (!r)
        return err->code;
    q->count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    q->bytes = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

static int within(const store_quota_t *q, int64_t size)
{
    return (!q->max_count || q->count < q->max_count) &&
           (!q->max_bytes || q->bytes + size <= q->max_bytes);
}

/* The row lock orders the user's uploads; READ COMMITTED gives the usage
 * query after it a snapshot that includes any upload committed before. */
int store_model_insert_within(store_conn_t *c, const store_model_new_t *m,
                              store_quota_t *q, int64_t *id, char **json,
                              avp_error_t *err)
{
    store__num_t uid = store__i64(m->created_by);
    const char *v[] = {uid.s};
    int rc = store_exec(c, "BEGIN", err);
    if (rc == AVP_OK)
        rc = store__run_one(c, "user",
                            "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", 1,
                            v, err);
    if (rc == AVP_OK)
        rc = store_model_usage(c, m->created_by, q, err);
    if (rc == AVP_OK && !within(q, m->size_bytes))
        rc = avp_error_set(err, AVP_EBUSY, "model quota reached");
    if (rc == AVP_OK)
        rc = store_model_insert(c, m, id, json, err);
    if (rc == AVP_OK)
        rc = store_exec(c, "COMMIT", err);
    if (rc != AVP_OK)
        store__rollback(c);
    return rc;
}
