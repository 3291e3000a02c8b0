/* login.c - the handlers of the session routes: log in (sets the session
 * cookie), log out and who am I. Password checks and sessions live in
 * auth.c; routes.c registers the routes. */
#include "http/internal.h"

#include <stdio.h>

static json_t *user_json(const http_auth_user_t *u)
{
    return json_pack("{s:I, s:s, s:b}", "id", (json_int_t)u->id, "username",
                     u->name, "admin", u->admin);
}

void http__login(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    json_t *body = http_req_body(req);
    http_auth_user_t user;
    char token[HTTP_AUTH_TOKEN_MAX], cookie[256], wait[16];
    int retry_after = 0;
    avp_error_t err;
    int rc =
        http_auth_login(srv->auth, http_req_remote_addr(req),
                        json_string_value(json_object_get(body, "username")),
                        json_string_value(json_object_get(body, "password")),
                        &user, token, &retry_after, &err);
    if (rc == AVP_EBUSY) {
        snprintf(wait, sizeof(wait), "%d", retry_after);
        http_reply_add_header(req, "Retry-After", wait);
        http_reply_error(req, 429, "too_many_requests", "%s", err.msg);
        return;
    }
    if (rc == AVP_ENOTFOUND) {
        http_reply_error(req, 401, "unauthorized", "%s", err.msg);
        return;
    }
    if (rc < 0) {
        http_reply_avp_error(req, &err);
        return;
    }
    http_auth_set_cookie(srv->auth, token, cookie, sizeof(cookie));
    http_reply_add_header(req, "Set-Cookie", cookie);
    /* The token is returned too, for scripts and WebSocket ?token=. */
    http_reply_json(
        req, 200,
        json_pack("{s:o, s:s}", "user", user_json(&user), "token", token));
}

void http__logout(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    char token[HTTP_AUTH_TOKEN_MAX], cookie[256];
    avp_error_t err;
    /* The credential the request authenticated with: a session token as a
     * Bearer (login returns it) or the cookie. An API key names no
     * session and stays valid (DELETE /api/auth/keys/{id} revokes it). */
    http_auth_credentials_t cred = {
        .authorization = http_req_header(req, "Authorization"),
        .cookie = http_req_header(req, "Cookie"),
    };
    if (http_auth_request_token(&cred, token) == AVP_OK &&
        http_auth_logout(srv->auth, token, &err) < 0) {
        http_reply_avp_error(req, &err);
        return;
    }
    http_auth_set_cookie(srv->auth, NULL, cookie, sizeof(cookie));
    http_reply_add_header(req, "Set-Cookie", cookie);
    http_reply_empty(req, 204);
}

void http__me(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_json(req, 200,
                    json_pack("{s:o}", "user", user_json(http_req_user(req))));
}
