/*
 * auth.h - who is calling: argon2id password hashes, session tokens, API
 * keys, and the login rate limiter.
 *
 * Passwords are hashed with argon2id in the PHC string format
 * ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), so parameters can be raised
 * later without breaking old hashes: verify reads them from the string. The
 * parameters (m = 19 MiB, t = 2, p = 1) are OWASP's baseline for argon2id;
 * one hash takes ~30-60 ms on one core. Because every hash holds 19 MiB, at
 * most AUTH_MAX_PARALLEL_HASHES run at once (the rest wait), so a burst of
 * logins cannot exhaust memory.
 *
 * Tokens (sessions and API keys) are 32 bytes from getrandom(), written as
 * unpadded base64url; API keys carry the prefix "avpk_" so leaked keys are
 * recognisable. Only SHA-256 of a token is stored: a database leak reveals
 * no usable credential, and with 256 bits of entropy a fast hash suffices.
 *
 * Storage is reached through auth_store_t, a table of functions, so the
 * logic here is tested now against an in-memory table and runs later on the
 * libpq one. A request authenticates with (first match wins):
 *   Authorization: Bearer <API key or session token>,
 *   ?token=<...> (WebSocket clients cannot set headers), or
 *   Cookie: avp_session=<session token>.
 *
 * Thread model: an auth_t is safe to use from any thread once created; the
 * store functions must be too.
 */
#ifndef AVP_HTTP_AUTH_H
#define AVP_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "util/avp.h"

#define AUTH_HASH_LEN 32           /* SHA-256 of a token */
#define AUTH_TOKEN_MAX 64          /* token text incl. prefix and NUL */
#define AUTH_PASSWORD_HASH_MAX 128 /* encoded argon2id string incl. NUL */
#define AUTH_NAME_MAX 128
#define AUTH_COOKIE "avp_session"
#define AUTH_API_KEY_PREFIX "avpk_"
#define AUTH_MAX_PARALLEL_HASHES 2

typedef struct auth_user {
    int64_t id;
    char name[AUTH_NAME_MAX];
    int admin;
} auth_user_t;

/* The storage auth needs. Every function returns AVP_OK, AVP_ENOTFOUND or
 * AVP_EUNAVAILABLE (the database is down: the request gets a 503). */
typedef struct auth_store {
    void *ctx;
    /* Fills *user and the encoded password hash (hash_cap bytes). */
    int (*user_by_name)(void *ctx, const char *name, auth_user_t *user,
                        char *hash, size_t hash_cap);
    int (*session_insert)(void *ctx, const uint8_t hash[AUTH_HASH_LEN],
                          int64_t user_id, int64_t expires_unix);
    /* Finds a session that has not expired at now_unix. */
    int (*session_find)(void *ctx, const uint8_t hash[AUTH_HASH_LEN],
                        int64_t now_unix, auth_user_t *user);
    int (*session_delete)(void *ctx, const uint8_t hash[AUTH_HASH_LEN]);
    int (*api_key_find)(void *ctx, const uint8_t hash[AUTH_HASH_LEN],
                        auth_user_t *user);
} auth_store_t;

/* Hashes password into out (AUTH_PASSWORD_HASH_MAX bytes) with a fresh
 * salt. Returns AVP_OK or AVP_EINVAL/AVP_ENOMEM with err set. */
int auth_password_hash(const char *password, char *out, size_t cap,
                       avp_error_t *err);

/* AVP_OK if password matches encoded, AVP_ENOTFOUND if it does not,
 * AVP_EFORMAT if encoded is not an argon2id hash. */
int auth_password_verify(const char *encoded, const char *password);

/* A new random token with prefix ("" for sessions) into out
 * (AUTH_TOKEN_MAX bytes). */
void auth_token_new(const char *prefix, char out[AUTH_TOKEN_MAX]);
void auth_token_hash(const char *token, uint8_t hash[AUTH_HASH_LEN]);

typedef struct auth_options {
    const auth_store_t *store; /* required; copied */
    int secure_cookie;         /* add "Secure" (the server is behind TLS) */
    int session_ttl_s;         /* default 7 days */
    int login_max_failures;    /* per IP and per user name; default 10 */
    int login_window_s;        /* default 900 */
} auth_options_t;

typedef struct auth auth_t;

auth_t *auth_create(const auth_options_t *opt);
void auth_destroy(auth_t *a); /* NULL is a no-op */

/* What a request carries; any of them may be NULL. */
typedef struct auth_credentials {
    const char *authorization; /* the Authorization header */
    const char *query_token;   /* the decoded ?token= value */
    const char *cookie;        /* the Cookie header */
} auth_credentials_t;

/* AVP_OK with *user filled; AVP_ENOTFOUND when there are no or no valid
 * credentials (401); AVP_EUNAVAILABLE when the store is down (503). */
int auth_authenticate(auth_t *a, const auth_credentials_t *cred,
                      auth_user_t *user, avp_error_t *err);

/* Checks a password and opens a session: AVP_OK with *user and the session
 * token (AUTH_TOKEN_MAX bytes) filled; AVP_ENOTFOUND for a wrong user name
 * or password (same message and about the same time for both);
 * AVP_EBUSY when ip or username failed too often (*retry_after_s set);
 * AVP_EUNAVAILABLE when the store is down. */
int auth_login(auth_t *a, const char *ip, const char *username,
               const char *password, auth_user_t *user,
               char token[AUTH_TOKEN_MAX], int *retry_after_s,
               avp_error_t *err);

/* Deletes the session token names (a missing one is not an error). */
int auth_logout(auth_t *a, const char *token, avp_error_t *err);

/* The token a request presents, copied into token; the Authorization
 * header wins over ?token=, which wins over the cookie. AVP_ENOTFOUND
 * when there is none. */
int auth_request_token(const auth_credentials_t *c, char token[AUTH_TOKEN_MAX]);

/* The session token in a Cookie header, or AVP_ENOTFOUND. */
int auth_cookie_token(const char *cookie, char token[AUTH_TOKEN_MAX]);

/* The Set-Cookie value for token; token NULL makes a cookie that clears
 * the session in the browser. */
void auth_set_cookie(const auth_t *a, const char *token, char *out, size_t cap);

#endif
