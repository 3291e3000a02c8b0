/* login.c - the session routes: log in (sets the session cookie), log out
 * and who am I. Password checks and sessions live in auth.c. */
#include "http/internal.h"

#include <stdio.h>

static json_t *user_json(const auth_user_t *u)
{
    return json_pack("{s:I, s:s, s:b}", "id", (json_int_t)u->id, "username",
                     u->name, "admin", u->admin);
}

static void login(server_req_t *req, void *ctx)
{
    server_t *srv = ctx;
    json_t *body = server_req_body(req);
    auth_user_t user;
    char token[AUTH_TOKEN_MAX], cookie[256], wait[16];
    int retry_after = 0;
    avp_error_t err;
    int rc = auth_login(srv->auth, server_req_remote_addr(req),
                        json_string_value(json_object_get(body, "username")),
                        json_string_value(json_object_get(body, "password")),
                        &user, token, &retry_after, &err);
    if (rc == AVP_EBUSY) {
        snprintf(wait, sizeof(wait), "%d", retry_after);
        reply_add_header(req, "Retry-After", wait);
        reply_error(req, 429, "too_many_requests", "%s", err.msg);
        return;
    }
    if (rc == AVP_ENOTFOUND) {
        reply_error(req, 401, "unauthorized", "%s", err.msg);
        return;
    }
    if (rc < 0) {
        reply_unavailable(req, 2, "%s", err.msg);
        return;
    }
    auth_set_cookie(srv->auth, token, cookie, sizeof(cookie));
    reply_add_header(req, "Set-Cookie", cookie);
    /* The token is returned too, for scripts and WebSocket ?token=. */
    reply_json(
        req, 200,
        json_pack("{s:o, s:s}", "user", user_json(&user), "token", token));
}

static void logout(server_req_t *req, void *ctx)
{
    server_t *srv = ctx;
    char token[AUTH_TOKEN_MAX], cookie[256];
    avp_error_t err;
    /* The credential the request authenticated with: a session token as a
     * Bearer (login returns it) or the cookie. An API key names no
     * session and stays valid (DELETE /api/auth/keys/{id} revokes it). */
    auth_credentials_t cred = {
        .authorization = server_req_header(req, "Authorization"),
        .cookie = server_req_header(req, "Cookie"),
    };
    if (auth_request_token(&cred, token) == AVP_OK &&
        auth_logout(srv->auth, token, &err) < 0) {
        reply_unavailable(req, 2, "%s", err.msg);
        return;
    }
    auth_set_cookie(srv->auth, NULL, cookie, sizeof(cookie));
    reply_add_header(req, "Set-Cookie", cookie);
    reply_empty(req, 204);
}

static void me(server_req_t *req, void *ctx)
{
    (void)ctx;
    reply_json(req, 200,
               json_pack("{s:o}", "user", user_json(server_req_user(req))));
}

int server__add_auth_routes(server_t *srv, avp_error_t *err)
{
    static const schema_field_t login_body[] = {
        {"username", SCHEMA_STRING, 1, 1, AUTH_NAME_MAX - 1, NULL},
        {"password", SCHEMA_STRING, 1, 1, 1024, NULL},
        {0}};
    const server_route_t routes[] = {
        {"POST", "/api/auth/login", "auth_login",
         "Log in: sets the avp_session cookie", login, srv, SERVER_PUBLIC,
         login_body, NULL, 4096},
        {"POST", "/api/auth/logout", "auth_logout", "Log out: ends the session",
         logout, srv, 0, NULL, NULL, 0},
        {"GET", "/api/auth/me", "auth_me", "The caller", me, srv, 0, NULL, NULL,
         0},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(routes); i++) {
        int rc = server_add_route(srv, &routes[i], err);
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}
