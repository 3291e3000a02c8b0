/* users.c - account management: a user changes its password or logs out
 * everywhere; an admin lists the accounts, resets a password and turns an
 * account off or on. Every change that ends credentials reaches the
 * credential cache of every server instance (api__auth_revoke_user) after
 * it has committed, so a session or key stops working at once. */
#include "api/internal.h"

#include <string.h>

static int admin_or_reply(http_req_t *req)
{
    if (http_req_user(req)->admin)
        return AVP_OK;
    http_reply_error(req, 403, "forbidden", "only an admin manages accounts");
    return AVP_EINVAL;
}

/* The new password's hash, or a 400 naming the rule. */
static int hash_or_reply(http_req_t *req, const char *password,
                         char hash[HTTP_AUTH_PASSWORD_HASH_MAX])
{
    avp_error_t err;
    int rc = http_auth_password_hash(password, hash,
                                     HTTP_AUTH_PASSWORD_HASH_MAX, &err);
    if (rc == AVP_EINVAL)
        http_reply_error(req, 400, "bad_request", "field 'new_password': %s",
                         err.msg);
    else if (rc < 0)
        http_reply_unavailable(req, 2, "%s", err.msg);
    return rc;
}

/* Sets user_id's password; the admin's reset (end_sessions) also ends the
 * user's sessions, since a reset usually means the password got out. */
static void set_password(api_t *r, http_req_t *req, int64_t user_id,
                         const char *password, int end_sessions)
{
    char hash[HTTP_AUTH_PASSWORD_HASH_MAX];
    avp_error_t err;
    if (hash_or_reply(req, password, hash) < 0)
        return;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_user_set_password(c, user_id, hash, end_sessions, &err);
    if (rc == AVP_OK) {
        if (end_sessions)
            api__auth_revoke_user(r, user_id);
        api__audit(c, req, "set_password", "user", user_id, NULL);
    }
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        http_reply_empty(req, 204);
}

/* POST /api/auth/password: the old password proves it is the user, not
 * someone at a session left open. */
void api__password_change(http_req_t *req, void *ctx)
{
    json_t *body = http_req_body(req);
    const char *old = json_string_value(json_object_get(body, "old_password"));
    if (http_req_password_or_reply(req, "old_password", old) < 0)
        return;
    set_password(ctx, req, http_req_user(req)->id,
                 json_string_value(json_object_get(body, "new_password")), 0);
}

/* POST /api/users/{id}/password (admin). */
void api__user_password(http_req_t *req, void *ctx)
{
    if (admin_or_reply(req) < 0)
        return;
    set_password(ctx, req, http_req_param(req, "id"),
                 json_string_value(
                     json_object_get(http_req_body(req), "new_password")),
                 1);
}

/* POST /api/auth/logout-all: every session and API key of the caller. */
void api__logout_all(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t uid = http_req_user(req)->id;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_user_logout_all(c, uid, &err);
    if (rc == AVP_OK) {
        api__auth_revoke_user(r, uid);
        api__audit(c, req, "logout_all", "user", uid, NULL);
    }
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        http_reply_empty(req, 204);
}

static int user_page(store_conn_t *c, int64_t id, const int64_t *after,
                     int limit, store_list_t *out, avp_error_t *err)
{
    (void)id; /* every account */
    return store_user_list(c, after, limit, out, err);
}

/* GET /api/users (admin): only an admin learns which names exist. */
void api__user_list(http_req_t *req, void *ctx)
{
    if (admin_or_reply(req) == AVP_OK)
        api__list_of(ctx, req, 0, user_page);
}

/* PATCH /api/users/{id} {"disabled": bool} (admin). An admin cannot turn
 * itself off, which could leave nobody to turn it back on. */
void api__user_update(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    int off = json_is_true(json_object_get(http_req_body(req), "disabled"));
    char *json;
    avp_error_t err;
    if (admin_or_reply(req) < 0)
        return;
    if (off && id == http_req_user(req)->id) {
        http_reply_error(req, 409, "conflict",
                         "an admin cannot disable its own account");
        return;
    }
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_user_set_disabled(c, id, off, &json, &err);
    if (rc == AVP_OK) {
        api__auth_revoke_user(r, id);
        api__audit(c, req, off ? "disable" : "enable", "user", id, NULL);
    }
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        api__reply_text(req, 200, json);
}
