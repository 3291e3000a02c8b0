/* auth.c - password hashes, tokens, request authentication and the login
 * rate limiter; see auth.h for the choices. */
#include "http/auth.h"

#include "http/limit.h"

#include <argon2.h>
#include <civetweb.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* argon2id parameters: OWASP's baseline (19 MiB, 2 passes, 1 lane). */
#define HASH_T_COST 2
#define HASH_M_COST_KIB 19456
#define HASH_LANES 1
#define HASH_SALT_LEN 16
#define HASH_LEN 32
#define TOKEN_BYTES 32

/* Verified against when the user name does not exist, so that an unknown
 * name costs as much time as a wrong password and names cannot be probed
 * by timing. Same parameters as real hashes. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=19456,t=2,p=1$YXZwLWR1bW15LXNhbHQxNg$"
    "iS4uhACnbyWRaR7Rr+4li+K043Fr33TNzR87eMUVHvI";

struct http_auth {
    http_auth_store_t store;
    http_auth_options_t opt;
    http_limit_t *limit;
};

static void sodium_once(void)
{
    /* sodium_init is thread-safe and idempotent; it fails only without a
     * random source, where tokens must not be issued at all. */
    if (sodium_init() < 0) {
        fprintf(stderr, "avp: libsodium cannot initialize\n");
        abort();
    }
}

/* Every argon2 run of the process (logins, password changes, accounts
 * made) takes a place here first: each holds 19 MiB. */
static sem_t hashing;
static pthread_once_t hashing_once = PTHREAD_ONCE_INIT;

static void hashing_init(void)
{
    sem_init(&hashing, 0, HTTP_AUTH_MAX_PARALLEL_HASHES);
}

static void hashing_enter(void)
{
    pthread_once(&hashing_once, hashing_init);
    while (sem_wait(&hashing) < 0 && errno == EINTR) {}
}

/* Characters as people count them: UTF-8 code points. */
static size_t password_chars(const char *p)
{
    size_t n = 0;
    for (; *p; p++)
        n += ((uint8_t)*p & 0xC0) != 0x80;
    return n;
}

int http_auth_password_check(const char *password, avp_error_t *err)
{
    size_t n = password ? password_chars(password) : 0;
    if (n < HTTP_AUTH_PASSWORD_MIN || n > HTTP_AUTH_PASSWORD_MAX)
        return avp_error_set(err, AVP_EINVAL,
                             "a password must have %d to %d characters",
                             HTTP_AUTH_PASSWORD_MIN, HTTP_AUTH_PASSWORD_MAX);
    return AVP_OK;
}

int http_auth_password_hash(const char *password, char *out, size_t cap,
                            avp_error_t *err)
{
    uint8_t salt[HASH_SALT_LEN];
    int rc = http_auth_password_check(password, err);
    if (rc < 0)
        return rc;
    sodium_once();
    randombytes_buf(salt, sizeof(salt));
    hashing_enter();
    rc = argon2id_hash_encoded(HASH_T_COST, HASH_M_COST_KIB, HASH_LANES,
                               password, strlen(password), salt, sizeof(salt),
                               HASH_LEN, out, cap);
    sem_post(&hashing);
    if (rc != ARGON2_OK)
        return avp_error_set(
            err, rc == ARGON2_MEMORY_ALLOCATION_ERROR ? AVP_ENOMEM : AVP_EINVAL,
            "argon2id: %s", argon2_error_message(rc));
    return AVP_OK;
}

int http_auth_password_verify(const char *encoded, const char *password)
{
    if (strncmp(encoded, "$argon2id$", 10))
        return AVP_EFORMAT;
    hashing_enter();
    int rc = argon2id_verify(encoded, password, strlen(password));
    sem_post(&hashing);
    if (rc == ARGON2_OK)
        return AVP_OK;
    return rc == ARGON2_VERIFY_MISMATCH ? AVP_ENOTFOUND : AVP_EFORMAT;
}

void http_auth_token_new(const char *prefix, char out[HTTP_AUTH_TOKEN_MAX])
{
    uint8_t raw[TOKEN_BYTES];
    sodium_once();
    randombytes_buf(raw, sizeof(raw));
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    sodium_bin2base64(out + n, HTTP_AUTH_TOKEN_MAX - n, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void http_auth_token_hash(const char *token, uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    crypto_hash_sha256(hash, (const uint8_t *)token, strlen(token));
}

http_auth_t *http_auth_create(const http_auth_options_t *opt)
{
    http_auth_t *a = avp_calloc(1, sizeof(*a));
    a->store = *opt->store;
    a->opt = *opt;
    if (a->opt.session_ttl_s <= 0)
        a->opt.session_ttl_s = 7 * 24 * 3600;
    if (a->opt.login_max_failures <= 0)
        a->opt.login_max_failures = 10;
    if (a->opt.login_window_s <= 0)
        a->opt.login_window_s = 900;
    if (a->opt.login_max_address_failures <= 0)
        a->opt.login_max_address_failures = 10 * a->opt.login_max_failures;
    a->limit = http__limit_create(&(http_limit_options_t){
        .max_failures = a->opt.login_max_failures,
        .max_address_failures = a->opt.login_max_address_failures,
        .window_s = a->opt.login_window_s});
    sodium_once();
    return a;
}

void http_auth_destroy(http_auth_t *a)
{
    if (!a)
        return;
    http__limit_destroy(a->limit);
    avp_free(a);
}

int http_auth_cookie_token(const char *cookie, char token[HTTP_AUTH_TOKEN_MAX])
{
    if (!cookie || mg_get_cookie(cookie, HTTP_AUTH_COOKIE, token,
                                 HTTP_AUTH_TOKEN_MAX) <= 0)
        return AVP_ENOTFOUND;
    return AVP_OK;
}

void http_auth_set_cookie(const http_auth_t *a, const char *token, char *out,
                          size_t cap)
{
    snprintf(out, cap, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s",
             HTTP_AUTH_COOKIE, token ? token : "",
             token ? a->opt.session_ttl_s : 0,
             a->opt.secure_cookie ? "; Secure" : "");
}

int http_auth_request_token(const http_auth_credentials_t *c,
                            char token[HTTP_AUTH_TOKEN_MAX])
{
    const char *t = NULL;
    if (c->authorization) {
        if (strncasecmp(c->authorization, "Bearer ", 7))
            return AVP_ENOTFOUND;
        t = c->authorization + 7;
    } else {
        return http_auth_cookie_token(c->cookie, token);
    }
    size_t n = strlen(t);
    if (n == 0 || n >= HTTP_AUTH_TOKEN_MAX)
        return AVP_ENOTFOUND;
    memcpy(token, t, n + 1);
    return AVP_OK;
}

int http_auth_authenticate(http_auth_t *a, const http_auth_credentials_t *cred,
                           http_auth_user_t *user, avp_error_t *err)
{
    char token[HTTP_AUTH_TOKEN_MAX];
    if (http_auth_request_token(cred, token) < 0)
        return avp_error_set(err, AVP_ENOTFOUND, "authentication required");
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    http_auth_token_hash(token, hash);
    int rc;
    if (!strncmp(token, HTTP_AUTH_API_KEY_PREFIX,
                 strlen(HTTP_AUTH_API_KEY_PREFIX)))
        rc = a->store.api_key_find(a->store.ctx, hash, user);
    else
        rc = a->store.session_find(a->store.ctx, hash, (int64_t)time(NULL),
                                   user);
    if (rc == AVP_ENOTFOUND)
        return avp_error_set(err, rc, "invalid or expired credentials");
    if (rc < 0)
        return avp_error_set(err, AVP_EUNAVAILABLE,
                             "cannot check credentials: %s", avp_strerror(rc));
    return AVP_OK;
}

/* Checks name and password: AVP_OK, AVP_ENOTFOUND or AVP_EUNAVAILABLE. */
static int check_password(http_auth_t *a, const char *name,
                          const char *password, http_auth_user_t *user)
{
    char hash[HTTP_AUTH_PASSWORD_HASH_MAX];
    int rc =
        a->store.user_by_name(a->store.ctx, name, user, hash, sizeof(hash));
    if (rc == AVP_ENOTFOUND) {
        http_auth_password_verify(dummy_hash, password); /* same cost, see above */
        return AVP_ENOTFOUND;
    }
    if (rc < 0)
        return AVP_EUNAVAILABLE;
    return http_auth_password_verify(hash, password) == AVP_OK ? AVP_OK : AVP_ENOTFOUND;
}

int http_auth_verify(http_auth_t *a, const char *ip, const char *username,
                     const char *password, http_auth_user_t *user,
                     int *retry_after_s, avp_error_t *err)
{
    *retry_after_s = http__limit_wait(a->limit, ip, username, avp_now());
    if (*retry_after_s > 0)
        return avp_error_set(err, AVP_EBUSY,
                             "too many failed logins; retry in %d s",
                             *retry_after_s);
    int rc = check_password(a, username, password, user);
    if (rc == AVP_EUNAVAILABLE)
        return avp_error_set(err, rc, "cannot check the password now");
    http__limit_record(a->limit, ip, username, rc < 0, avp_now());
    if (rc < 0)
        return avp_error_set(err, rc, "invalid user name or password");
    return AVP_OK;
}

int http_auth_login(http_auth_t *a, const char *ip, const char *username,
                    const char *password, http_auth_user_t *user,
                    char token[HTTP_AUTH_TOKEN_MAX], int *retry_after_s,
                    avp_error_t *err)
{
    int rc = http_auth_verify(a, ip, username, password, user, retry_after_s,
                              err);
    if (rc < 0)
        return rc;
    http_auth_token_new("", token);
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    http_auth_token_hash(token, hash);
    rc = a->store.session_insert(a->store.ctx, hash, user->id,
                                 (int64_t)time(NULL) + a->opt.session_ttl_s);
    if (rc < 0)
        return avp_error_set(err, AVP_EUNAVAILABLE, "cannot open a session: %s",
                             avp_strerror(rc));
    return AVP_OK;
}

int http_auth_logout(http_auth_t *a, const char *token, avp_error_t *err)
{
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    http_auth_token_hash(token, hash);
    int rc = a->store.session_delete(a->store.ctx, hash);
    if (rc < 0 && rc != AVP_ENOTFOUND)
        return avp_error_set(err, AVP_EUNAVAILABLE,
                             "cannot close the session: %s", avp_strerror(rc));
    return AVP_OK;
}
