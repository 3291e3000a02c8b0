/*
 * auth.h - who is calling: argon2id password hashes, session tokens, API
 * keys, and the login rate limiter.
 *
 * Passwords are hashed with argon2id in the PHC string format
 * ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), so parameters can be raised
 * later without breaking old hashes: verify reads them from the string. The
 * parameters (m = 19 MiB, t = 2, p = 1) are OWASP's baseline for argon2id;
 * one hash takes ~30-60 ms on one core. Because every hash holds 19 MiB, at
 * most HTTP_AUTH_MAX_PARALLEL_HASHES run at once in the process (the rest
 * wait), so a burst of logins or password changes cannot exhaust memory.
 *
 * Tokens (sessions and API keys) are 32 bytes from getrandom(), written as
 * unpadded base64url; API keys carry the prefix "avpk_" so leaked keys are
 * recognisable. Only SHA-256 of a token is stored: a database leak reveals
 * no usable credential, and with 256 bits of entropy a fast hash suffices.
 *
 * Storage is reached through http_auth_store_t, a table of functions, so the
 * logic here is tested now against an in-memory table and runs later on the
 * libpq one. A request authenticates with (first match wins):
 *   Authorization: Bearer <API key or session token>, or
 *   Cookie: avp_session=<session token>.
 * Never with a token in the URL, which logs, proxies and the browser's
 * history keep (browsers send the cookie on WebSocket upgrades too).
 *
 * Thread model: an http_auth_t is safe to use from any thread once created; the
 * store functions must be too.
 */
#ifndef AVP_HTTP_AUTH_H
#define AVP_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"

#define HTTP_AUTH_HASH_LEN 32           /* SHA-256 of a token */
#define HTTP_AUTH_TOKEN_MAX 64          /* token text incl. prefix and NUL */
#define HTTP_AUTH_PASSWORD_HASH_MAX 128 /* encoded argon2id string incl. NUL */
#define HTTP_AUTH_NAME_MAX 128
#define HTTP_AUTH_COOKIE "avp_session"
#define HTTP_AUTH_API_KEY_PREFIX "avpk_"
#define HTTP_AUTH_MAX_PARALLEL_HASHES 2 /* in the whole process */
/* A password has 12 to 256 characters (UTF-8 code points): 12 is NIST
 * SP 800-63B's 8 with a margin, since AVP has no breached-password list. */
#define HTTP_AUTH_PASSWORD_MIN 12
#define HTTP_AUTH_PASSWORD_MAX 256

typedef struct http_auth_user {
    int64_t id;
    char name[HTTP_AUTH_NAME_MAX];
    int admin;
} http_auth_user_t;

/* The storage auth needs. Every function returns AVP_OK, AVP_ENOTFOUND or
 * AVP_EUNAVAILABLE (the database is down: the request gets a 503). */
typedef struct auth_store {
    void *ctx;
    /* Fills *user and the encoded password hash (hash_cap bytes). */
    int (*user_by_name)(void *ctx, const char *name, http_auth_user_t *user,
                        char *hash, size_t hash_cap);
    int (*session_insert)(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                          int64_t user_id, int64_t expires_unix);
    /* Finds a session that has not expired at now_unix. */
    int (*session_find)(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        int64_t now_unix, http_auth_user_t *user);
    int (*session_delete)(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN]);
    int (*api_key_find)(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        http_auth_user_t *user);
} http_auth_store_t;

/* AVP_OK when password may be set (its length), else AVP_EINVAL with the
 * rule in err. */
int http_auth_password_check(const char *password, avp_error_t *err);

/* Hashes password into out (HTTP_AUTH_PASSWORD_HASH_MAX bytes) with a fresh
 * salt, after http_auth_password_check. Returns AVP_OK or
 * AVP_EINVAL/AVP_ENOMEM with err set. */
int http_auth_password_hash(const char *password, char *out, size_t cap,
                            avp_error_t *err);

/* AVP_OK if password matches encoded, AVP_ENOTFOUND if it does not,
 * AVP_EFORMAT if encoded is not an argon2id hash. */
int http_auth_password_verify(const char *encoded, const char *password);

/* A new random token with prefix ("" for sessions) into out
 * (HTTP_AUTH_TOKEN_MAX bytes). */
void http_auth_token_new(const char *prefix, char out[HTTP_AUTH_TOKEN_MAX]);
void http_auth_token_hash(const char *token, uint8_t hash[HTTP_AUTH_HASH_LEN]);

typedef struct http_auth_options {
    const http_auth_store_t *store; /* required; copied */
    int secure_cookie;         /* add "Secure" (the server is behind TLS) */
    int session_ttl_s;         /* default 7 days */
    int login_max_failures;    /* per (IP, user name); default 10 */
    int login_max_address_failures; /* per IP; default 10 x the above */
    int login_window_s;        /* default 900 */
} http_auth_options_t;

typedef struct http_auth http_auth_t;

http_auth_t *http_auth_create(const http_auth_options_t *opt);
void http_auth_destroy(http_auth_t *a); /* NULL is a no-op */

/* What a request carries; any of them may be NULL. */
typedef struct http_auth_credentials {
    const char *authorization; /* the Authorization header */
    const char *cookie;        /* the Cookie header */
} http_auth_credentials_t;

/* AVP_OK with *user filled; AVP_ENOTFOUND when there are no or no valid
 * credentials (401); AVP_EUNAVAILABLE when the store is down (503). */
int http_auth_authenticate(http_auth_t *a, const http_auth_credentials_t *cred,
                           http_auth_user_t *user, avp_error_t *err);

/* Checks a password through the login limiter, as a login from ip would,
 * without opening a session: AVP_OK with *user filled, or the errors of
 * http_auth_login. */
int http_auth_verify(http_auth_t *a, const char *ip, const char *username,
                     const char *password, http_auth_user_t *user,
                     int *retry_after_s, avp_error_t *err);

/* Checks a password and opens a session: AVP_OK with *user and the session
 * token (HTTP_AUTH_TOKEN_MAX bytes) filled; AVP_ENOTFOUND for a wrong user name
 * or password (same message and about the same time for both);
 * AVP_EBUSY when ip failed too often, for username or over all names
 * (*retry_after_s set; http/limit.h);
 * AVP_EUNAVAILABLE when the store is down. */
int http_auth_login(http_auth_t *a, const char *ip, const char *username,
                    const char *password, http_auth_user_t *user,
                    char token[HTTP_AUTH_TOKEN_MAX], int *retry_after_s,
                    avp_error_t *err);

/* Deletes the session token names (a missing one is not an error). */
int http_auth_logout(http_auth_t *a, const char *token, avp_error_t *err);

/* The token a request presents, copied into token; the Authorization
 * header wins over the cookie. AVP_ENOTFOUND when there is none. */
int http_auth_request_token(const http_auth_credentials_t *c,
                            char token[HTTP_AUTH_TOKEN_MAX]);

/* The session token in a Cookie header, or AVP_ENOTFOUND. */
int http_auth_cookie_token(const char *cookie, char token[HTTP_AUTH_TOKEN_MAX]);

/* The Set-Cookie value for token; token NULL makes a cookie that clears
 * the session in the browser. */
void http_auth_set_cookie(const http_auth_t *a, const char *token, char *out,
                          size_t cap);

#endif
