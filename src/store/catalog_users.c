/* catalog_users.c - account management: the admin's list, password
 * changes, turning accounts off and ending every credential of one.
 * Credentials themselves live in catalog_auth.c. */
#include "store/catalog_internal.h"

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
