/* login.c - the handlers of the session routes: log in (sets the session
 * cookie), log out and who am I. Password checks and sessions live in
 * auth.c; routes.c registers the routes. */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>

static json_t *user_json(const http_auth_user_t *u)
{
    return json_pack("{s:I, s:s, s:b}", "id", (json_int_t)u->id, "username",
                     u->name, "admin", u->admin);
}

/* The session cookie: Secure when the server is configured so (TLS) or
 * this request came through a trusted proxy's TLS, so the browser never
 * sends it over plain HTTP. token NULL clears it. */
static void add_session_cookie(http_req_t *req, const char *token)
{
    char cookie[288];
    http_auth_set_cookie(req->srv->auth, token, cookie, sizeof(cookie));
    size_t n = strlen(cookie);
    if (http__request_https(req) && !strstr(cookie, "; Secure"))
        snprintf(cookie + n, sizeof(cookie) - n, "; Secure");
    http_reply_add_header(req, "Set-Cookie", cookie);
}

/* Replies to a failed password check (rc < 0) with wrong_status for a
 * wrong password; returns rc. */
static int password_failed_reply(http_req_t *req, int rc, int retry_after,
                                 int wrong_status, const avp_error_t *err)
{
    char wait[16];
    if (rc == AVP_EBUSY) {
        snprintf(wait, sizeof(wait), "%d", retry_after);
        http_reply_add_header(req, "Retry-After", wait);
        http_reply_error(req, 429, "too_many_requests", "%s", err->msg);
    } else if (rc == AVP_ENOTFOUND)
        http_reply_error(req, wrong_status,
                         wrong_status == 401 ? "unauthorized" : "forbidden",
                         "%s", err->msg);
    else
        http_reply_unavailable(req, 2, "%s", err->msg);
    return rc;
}

int http_req_password_or_reply(http_req_t *req, const char *field,
                               const char *password)
{
    const http_auth_user_t *u = http_req_user(req);
    http_auth_user_t user;
    int retry_after = 0;
    avp_error_t err;
    if (!password)
        password = "";
    int rc = http_auth_verify(req->srv->auth, http_req_remote_addr(req),
                              u->name, password, &user, &retry_after, &err);
    if (rc == AVP_ENOTFOUND)
        avp_error_set(&err, rc, "field '%s' is not the current password",
                      field);
    return rc < 0 ? password_failed_reply(req, rc, retry_after, 403, &err)
                  : AVP_OK;
}

void http__login(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    json_t *body = http_req_body(req);
    http_auth_user_t user;
    char token[HTTP_AUTH_TOKEN_MAX];
    int retry_after = 0;
    avp_error_t err;
    int rc =
        http_auth_login(srv->auth, http_req_remote_addr(req),
                        json_string_value(json_object_get(body, "username")),
                        json_string_value(json_object_get(body, "password")),
                        &user, token, &retry_after, &err);
    if (rc < 0) {
        password_failed_reply(req, rc, retry_after, 401, &err);
        return;
    }
    /* The token is in the HttpOnly cookie only, out of reach of any
     * script in the page; scripts use API keys (POST /api/auth/keys). */
    add_session_cookie(req, token);
    http_reply_json(req, 200, json_pack("{s:o}", "user", user_json(&user)));
}

void http__logout(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    char token[HTTP_AUTH_TOKEN_MAX];
    avp_error_t err;
    /* The credential the request authenticated with: a session token as a
     * Bearer (copied from the cookie) or the cookie. An API key names no
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
    add_session_cookie(req, NULL);
    http_reply_empty(req, 204);
}

void http__me(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_json(req, 200,
                    json_pack("{s:o}", "user", user_json(http_req_user(req))));
}
