/* test_auth.c - argon2id hashes, tokens, sessions, API keys and the login
 * limiter, against an in-memory http_auth_store_t that lives only here. */
#include "check.h"
#include "http/auth.h"

#include <string.h>

/* ---- the in-memory store ---- */

typedef struct mem_session {
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    int64_t user_id, expires;
} mem_session_t;

typedef struct mem_store {
    http_auth_user_t user;
    char password_hash[HTTP_AUTH_PASSWORD_HASH_MAX];
    uint8_t key_hash[HTTP_AUTH_HASH_LEN];
    mem_session_t sessions[8];
    int nsessions;
    int down; /* simulate an unreachable database */
} mem_store_t;

static int mem_user(void *ctx, const char *name, http_auth_user_t *user,
                    char *hash, size_t cap)
{
    mem_store_t *s = ctx;
    if (s->down)
        return AVP_EUNAVAILABLE;
    if (strcmp(name, s->user.name))
        return AVP_ENOTFOUND;
    *user = s->user;
    snprintf(hash, cap, "%s", s->password_hash);
    return AVP_OK;
}

static int mem_session_insert(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                              int64_t user_id, int64_t expires)
{
    mem_store_t *s = ctx;
    if (s->nsessions == 8)
        return AVP_EUNAVAILABLE;
    mem_session_t *m = &s->sessions[s->nsessions++];
    memcpy(m->hash, hash, HTTP_AUTH_HASH_LEN);
    m->user_id = user_id;
    m->expires = expires;
    return AVP_OK;
}

static int mem_session_find(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                            int64_t now, http_auth_user_t *user)
{
    mem_store_t *s = ctx;
    for (int i = 0; i < s->nsessions; i++)
        if (!memcmp(s->sessions[i].hash, hash, HTTP_AUTH_HASH_LEN) &&
            s->sessions[i].expires > now) {
            *user = s->user;
            return AVP_OK;
        }
    return AVP_ENOTFOUND;
}

static int mem_session_delete(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    mem_store_t *s = ctx;
    for (int i = 0; i < s->nsessions; i++)
        if (!memcmp(s->sessions[i].hash, hash, HTTP_AUTH_HASH_LEN)) {
            s->sessions[i] = s->sessions[--s->nsessions];
            return AVP_OK;
        }
    return AVP_ENOTFOUND;
}

static int mem_key_find(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        http_auth_user_t *user)
{
    mem_store_t *s = ctx;
    if (memcmp(hash, s->key_hash, HTTP_AUTH_HASH_LEN))
        return AVP_ENOTFOUND;
    *user = s->user;
    return AVP_OK;
}

static http_auth_store_t mem_table(mem_store_t *s)
{
    return (http_auth_store_t){s,
                               mem_user,
                               mem_session_insert,
                               mem_session_find,
                               mem_session_delete,
                               mem_key_find};
}

static void mem_init(mem_store_t *s, const char *password)
{
    memset(s, 0, sizeof(*s));
    s->user.id = 7;
    snprintf(s->user.name, sizeof(s->user.name), "alice");
    http_auth_password_hash(password, s->password_hash,
                            sizeof(s->password_hash), NULL);
}

/* ---- tests ---- */

static void test_auth_password_hash_verify(void)
{
    char h1[HTTP_AUTH_PASSWORD_HASH_MAX], h2[HTTP_AUTH_PASSWORD_HASH_MAX];
    CHECK(http_auth_password_hash("correct horse", h1, sizeof(h1), NULL) ==
          AVP_OK);
    CHECK(http_auth_password_hash("correct horse", h2, sizeof(h2), NULL) ==
          AVP_OK);
    CHECK(!strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31));
    CHECK(strcmp(h1, h2)); /* fresh salt each time */
    CHECK(http_auth_password_verify(h1, "correct horse") == AVP_OK);
    CHECK(http_auth_password_verify(h2, "correct horse") == AVP_OK);
    CHECK(http_auth_password_verify(h1, "correct horsE") == AVP_ENOTFOUND);
    CHECK(http_auth_password_verify(h1, "") == AVP_ENOTFOUND);
    CHECK(http_auth_password_verify("$2b$10$notargon", "x") == AVP_EFORMAT);
    CHECK(http_auth_password_verify("$argon2id$v=19$garbage", "x") ==
          AVP_EFORMAT);
    char small[16];
    avp_error_t err;
    CHECK(http_auth_password_hash("correct horse", small, sizeof(small),
                                  &err) < 0);
}

/* 12 characters as people count them: "é" is one, though two bytes. */
static void test_auth_password_length(void)
{
    char h[HTTP_AUTH_PASSWORD_HASH_MAX], longest[HTTP_AUTH_PASSWORD_MAX + 2];
    avp_error_t err;
    CHECK(http_auth_password_check("eleven-char", &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "12"));
    CHECK(http_auth_password_hash("eleven-char", h, sizeof h, &err) ==
          AVP_EINVAL);
    CHECK(http_auth_password_check("twelve-chars", NULL) == AVP_OK);
    CHECK(http_auth_password_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL) ==
          AVP_EINVAL); /* 11 characters in 22 bytes */
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = 0;
    CHECK(http_auth_password_check(longest, NULL) == AVP_EINVAL);
    longest[HTTP_AUTH_PASSWORD_MAX] = 0;
    CHECK(http_auth_password_check(longest, NULL) == AVP_OK);
    CHECK(http_auth_password_check(NULL, NULL) == AVP_EINVAL);
}

static int is_b64url(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static void test_auth_tokens(void)
{
    char a[HTTP_AUTH_TOKEN_MAX], b[HTTP_AUTH_TOKEN_MAX], k[HTTP_AUTH_TOKEN_MAX];
    http_auth_token_new("", a);
    http_auth_token_new("", b);
    http_auth_token_new(HTTP_AUTH_API_KEY_PREFIX, k);
    CHECK(strlen(a) == 43 && is_b64url(a)); /* 32 bytes, unpadded */
    CHECK(strcmp(a, b));
    CHECK(!strncmp(k, "avpk_", 5) && strlen(k) == 48 && is_b64url(k + 5));
    uint8_t h[HTTP_AUTH_HASH_LEN];
    http_auth_token_hash("abc", h); /* SHA-256 test vector */
    static const uint8_t want[4] = {0xba, 0x78, 0x16, 0xbf};
    CHECK(!memcmp(h, want, 4) && h[31] == 0xad);
}

static void test_auth_login_session_logout(void)
{
    mem_store_t ms;
    mem_init(&ms, "s3cret-passw0rd");
    http_auth_store_t table = mem_table(&ms);
    http_auth_t *a = http_auth_create(&(http_auth_options_t){.store = &table});
    http_auth_user_t u;
    char token[HTTP_AUTH_TOKEN_MAX];
    int wait;
    avp_error_t err;
    CHECK(http_auth_login(a, "10.0.0.1", "alice", "s3cret-passw0rd", &u, token, &wait,
                          &err) == AVP_OK);
    CHECK(u.id == 7 && ms.nsessions == 1);
    char cookie[128];
    snprintf(cookie, sizeof(cookie), "theme=dark; %s=%s; x=y", HTTP_AUTH_COOKIE,
             token);
    memset(&u, 0, sizeof(u));
    CHECK(http_auth_authenticate(a,
                                 &(http_auth_credentials_t){.cookie = cookie},
                                 &u, &err) == AVP_OK);
    CHECK(u.id == 7 && !strcmp(u.name, "alice"));
    char bearer[128];
    snprintf(bearer, sizeof(bearer), "Bearer %s", token);
    CHECK(http_auth_authenticate(
              a, &(http_auth_credentials_t){.authorization = bearer}, &u,
              &err) == AVP_OK);
    /* The session is stored hashed, never as the token. */
    CHECK(memmem(ms.sessions, sizeof(ms.sessions), token, 16) == NULL);
    CHECK(http_auth_logout(a, token, &err) == AVP_OK);
    CHECK(http_auth_authenticate(a,
                                 &(http_auth_credentials_t){.cookie = cookie},
                                 &u, &err) == AVP_ENOTFOUND);
    CHECK(http_auth_logout(a, token, &err) == AVP_OK); /* twice is fine */
    http_auth_destroy(a);
}

static void test_auth_rejects_bad_credentials(void)
{
    mem_store_t ms;
    mem_init(&ms, "s3cret-passw0rd");
    char key[HTTP_AUTH_TOKEN_MAX], bearer[128];
    http_auth_token_new(HTTP_AUTH_API_KEY_PREFIX, key);
    http_auth_token_hash(key, ms.key_hash);
    http_auth_store_t table = mem_table(&ms);
    http_auth_t *a = http_auth_create(&(http_auth_options_t){.store = &table});
    http_auth_user_t u;
    avp_error_t err;
    snprintf(bearer, sizeof(bearer), "Bearer %s", key);
    CHECK(http_auth_authenticate(
              a, &(http_auth_credentials_t){.authorization = bearer}, &u,
              &err) == AVP_OK &&
          u.id == 7);
    bearer[strlen(bearer) - 1] ^= 1;
    CHECK(http_auth_authenticate(
              a, &(http_auth_credentials_t){.authorization = bearer}, &u,
              &err) == AVP_ENOTFOUND);
    CHECK(!strcmp(err.msg, "invalid or expired credentials"));
    CHECK(http_auth_authenticate(a, &(http_auth_credentials_t){0}, &u, &err) ==
          AVP_ENOTFOUND);
    CHECK(!strcmp(err.msg, "authentication required"));
    CHECK(http_auth_authenticate(
              a, &(http_auth_credentials_t){.authorization = "Basic eDp5"}, &u,
              &err) == AVP_ENOTFOUND);
    CHECK(http_auth_authenticate(
              a, &(http_auth_credentials_t){.cookie = "other=1"}, &u, &err) ==
          AVP_ENOTFOUND);
    char token[HTTP_AUTH_TOKEN_MAX];
    int wait;
    CHECK(http_auth_login(a, "ip", "alice", "wrong", &u, token, &wait, &err) ==
          AVP_ENOTFOUND);
    CHECK(http_auth_login(a, "ip", "bob", "s3cret-passw0rd", &u, token, &wait, &err) ==
          AVP_ENOTFOUND);
    CHECK(!strcmp(err.msg, "invalid user name or password"));
    ms.down = 1;
    CHECK(http_auth_login(a, "ip", "alice", "s3cret-passw0rd", &u, token, &wait, &err) ==
          AVP_EUNAVAILABLE);
    http_auth_destroy(a);
}

static void test_auth_login_rate_limit(void)
{
    mem_store_t ms;
    mem_init(&ms, "s3cret-passw0rd");
    http_auth_store_t table = mem_table(&ms);
    http_auth_t *a = http_auth_create(&(http_auth_options_t){
        .store = &table, .login_max_failures = 3, .login_window_s = 60});
    http_auth_user_t u;
    char token[HTTP_AUTH_TOKEN_MAX];
    int wait = 0;
    avp_error_t err;
    for (int i = 0; i < 3; i++)
        CHECK(http_auth_login(a, "1.2.3.4", "alice", "bad", &u, token, &wait,
                              &err) == AVP_ENOTFOUND);
    /* Even the right password waits now, from that address... */
    CHECK(http_auth_login(a, "1.2.3.4", "alice", "s3cret-passw0rd", &u, token, &wait,
                          &err) == AVP_EBUSY);
    CHECK(wait > 0 && wait <= 61);
    /* ...but not from the user's own address: a stranger's failures do
     * not lock the user out (http/limit.h). */
    CHECK(http_auth_login(a, "5.6.7.8", "alice", "s3cret-passw0rd", &u, token, &wait,
                          &err) == AVP_OK);
    /* Other users from other addresses are unaffected. */
    CHECK(http_auth_login(a, "5.6.7.8", "carol", "x", &u, token, &wait, &err) ==
          AVP_ENOTFOUND);
    http_auth_destroy(a);
}

static void test_auth_cookie_attributes(void)
{
    mem_store_t ms;
    memset(&ms, 0, sizeof(ms));
    http_auth_store_t table = mem_table(&ms);
    http_auth_t *plain =
        http_auth_create(&(http_auth_options_t){.store = &table});
    http_auth_t *tls = http_auth_create(&(http_auth_options_t){
        .store = &table, .secure_cookie = 1, .session_ttl_s = 60});
    char c[256];
    http_auth_set_cookie(plain, "tok", c, sizeof(c));
    CHECK(!strcmp(c, "avp_session=tok; Path=/; HttpOnly; SameSite=Lax; "
                     "Max-Age=604800"));
    http_auth_set_cookie(tls, "tok", c, sizeof(c));
    CHECK(!strcmp(c, "avp_session=tok; Path=/; HttpOnly; SameSite=Lax; "
                     "Max-Age=60; Secure"));
    http_auth_set_cookie(plain, NULL, c, sizeof(c));
    CHECK(strstr(c, "avp_session=;") && strstr(c, "Max-Age=0"));
    http_auth_destroy(plain);
    http_auth_destroy(tls);
}

int main(void)
{
    RUN(test_auth_password_hash_verify);
    RUN(test_auth_password_length);
    RUN(test_auth_tokens);
    RUN(test_auth_login_session_logout);
    RUN(test_auth_rejects_bad_credentials);
    RUN(test_auth_login_rate_limit);
    RUN(test_auth_cookie_attributes);
    return CHECK_DONE();
}
