/* routes_auth.c - the auth_store_t on PostgreSQL (server/auth.h calls it
 * on every authenticated request) and the API key routes. */
#include "server/routes_internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The auth store's connection: AVP_EUNAVAILABLE when none can be had. */
static int take(void *ctx, store_conn_t **c)
{
    routes_t *r = ctx;
    avp_error_t err;
    return store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, c, &err) < 0
               ? AVP_EUNAVAILABLE
               : AVP_OK;
}

/* Gives c back; AVP_ENOTFOUND passes, any other failure means the store
 * cannot answer (auth.h: 503). */
static int give(store_conn_t *c, int rc)
{
    store_pool_release(c);
    return rc == AVP_OK || rc == AVP_ENOTFOUND ? rc : AVP_EUNAVAILABLE;
}

static int to_auth_user(int rc, const store_user_t *s, auth_user_t *u)
{
    if (rc == AVP_OK) {
        u->id = s->id;
        snprintf(u->name, sizeof u->name, "%s", s->name);
        u->admin = s->admin;
    }
    return rc;
}

static int user_by_name(void *ctx, const char *name, auth_user_t *user,
                        char *hash, size_t hash_cap)
{
    store_conn_t *c;
    store_user_t su;
    avp_error_t err;
    if (take(ctx, &c) < 0)
        return AVP_EUNAVAILABLE;
    int rc = store_user_by_name(c, name, &su, hash, hash_cap, &err);
    return give(c, to_auth_user(rc, &su, user));
}

static int session_insert(void *ctx, const uint8_t hash[AUTH_HASH_LEN],
                          int64_t user_id, int64_t expires_unix)
{
    store_conn_t *c;
    avp_error_t err;
    if (take(ctx, &c) < 0)
        return AVP_EUNAVAILABLE;
    return give(c, store_session_insert(c, hash, user_id, expires_unix, &err));
}

/* ---- credentials seen recently ------------------------------------------
 * Every request authenticates, and a database round trip for it would
 * double the cost of a cached list. Tokens found valid are remembered for
 * AUTH_CACHE_S seconds in a direct-mapped table (a collision just costs a
 * lookup). A logout or key revocation on this server forgets at once; one
 * made through another server instance is seen here within AUTH_CACHE_S. */
#define AUTH_CACHE_S 5
#define AUTH_CACHE_SLOTS 1024

typedef struct auth_slot {
    uint8_t hash[AUTH_HASH_LEN];
    auth_user_t user;
    double until; /* avp_now() */
} auth_slot_t;

static pthread_mutex_t auth_mu = PTHREAD_MUTEX_INITIALIZER;
static auth_slot_t auth_slots[AUTH_CACHE_SLOTS];

static auth_slot_t *slot_of(const uint8_t hash[AUTH_HASH_LEN])
{
    uint32_t i;
    memcpy(&i, hash, sizeof i); /* a SHA-256 is uniform already */
    return &auth_slots[i % AUTH_CACHE_SLOTS];
}

static int cache_find(const uint8_t hash[AUTH_HASH_LEN], auth_user_t *user)
{
    pthread_mutex_lock(&auth_mu);
    auth_slot_t *s = slot_of(hash);
    int hit = s->until > avp_now() && !memcmp(s->hash, hash, AUTH_HASH_LEN);
    if (hit)
        *user = s->user;
    pthread_mutex_unlock(&auth_mu);
    return hit;
}

static int cache_put(int rc, const uint8_t hash[AUTH_HASH_LEN],
                     const auth_user_t *user)
{
    if (rc != AVP_OK)
        return rc;
    pthread_mutex_lock(&auth_mu);
    auth_slot_t *s = slot_of(hash);
    memcpy(s->hash, hash, AUTH_HASH_LEN);
    s->user = *user;
    s->until = avp_now() + AUTH_CACHE_S;
    pthread_mutex_unlock(&auth_mu);
    return rc;
}

/* Forgets one token, or every token (hash NULL: a key was revoked, and
 * only its id is known). */
static void cache_forget(const uint8_t *hash)
{
    pthread_mutex_lock(&auth_mu);
    if (hash)
        slot_of(hash)->until = 0;
    else
        for (int i = 0; i < AUTH_CACHE_SLOTS; i++)
            auth_slots[i].until = 0;
    pthread_mutex_unlock(&auth_mu);
}

static int session_find(void *ctx, const uint8_t hash[AUTH_HASH_LEN],
                        int64_t now_unix, auth_user_t *user)
{
    store_conn_t *c;
    store_user_t su;
    avp_error_t err;
    if (cache_find(hash, user))
        return AVP_OK;
    if (take(ctx, &c) < 0)
        return AVP_EUNAVAILABLE;
    int rc = store_session_find(c, hash, now_unix, &su, &err);
    return cache_put(give(c, to_auth_user(rc, &su, user)), hash, user);
}

static int session_delete(void *ctx, const uint8_t hash[AUTH_HASH_LEN])
{
    store_conn_t *c;
    avp_error_t err;
    cache_forget(hash);
    if (take(ctx, &c) < 0)
        return AVP_EUNAVAILABLE;
    return give(c, store_session_delete(c, hash, &err));
}

static int api_key_find(void *ctx, const uint8_t hash[AUTH_HASH_LEN],
                        auth_user_t *user)
{
    store_conn_t *c;
    store_user_t su;
    avp_error_t err;
    if (cache_find(hash, user))
        return AVP_OK;
    if (take(ctx, &c) < 0)
        return AVP_EUNAVAILABLE;
    int rc = store_api_key_find(c, hash, &su, &err);
    return cache_put(give(c, to_auth_user(rc, &su, user)), hash, user);
}

void routes__auth_store_init(routes_t *r)
{
    r->auth = (auth_store_t){
        .ctx = r,
        .user_by_name = user_by_name,
        .session_insert = session_insert,
        .session_find = session_find,
        .session_delete = session_delete,
        .api_key_find = api_key_find,
    };
}

/* POST /api/auth/keys: the secret is shown once, here, and never again. */
static void key_create(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    json_t *body = server_req_body(req);
    const char *name = json_string_value(json_object_get(body, "name"));
    char token[AUTH_TOKEN_MAX], *json;
    uint8_t hash[AUTH_HASH_LEN];
    avp_error_t err;
    auth_token_new(AUTH_API_KEY_PREFIX, token);
    auth_token_hash(token, hash);
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    if (store_api_key_create(c, server_req_user(req)->id, name ? name : "",
                             hash, &json, &err) < 0) {
        store_pool_release(c);
        reply_avp_error(req, &err);
        return;
    }
    json_t *key = json_loads(json, 0, NULL);
    avp_free(json);
    routes__audit(c, req, "create", "api_key",
                  json_integer_value(json_object_get(key, "id")), NULL);
    store_pool_release(c);
    json_object_set_new(key, "key", json_string(token));
    reply_json(req, 201, key);
}

static void key_list(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    int64_t keys[2];
    const int64_t *after;
    int limit;
    store_list_t l;
    avp_error_t err;
    if (routes__page_or_reply(req, 1, keys, &after, &limit) < 0)
        return;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_api_key_list(c, server_req_user(req)->id, after, limit, &l,
                                &err);
    store_pool_release(c);
    if (rc < 0) {
        reply_avp_error(req, &err);
        return;
    }
    routes__reply_text(req, 200, routes__page_json(&l, 1));
    store_list_free(&l);
}

static void key_delete(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    int64_t id = server_req_param(req, "id");
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_api_key_delete(c, server_req_user(req)->id, id, &err);
    if (rc == AVP_OK) {
        cache_forget(NULL);
        routes__audit(c, req, "delete", "api_key", id, NULL);
    }
    store_pool_release(c);
    if (rc < 0)
        reply_avp_error(req, &err);
    else
        reply_empty(req, 204);
}

int routes__add_auth(routes_t *r, server_t *srv, avp_error_t *err)
{
    static const schema_field_t key_body[] = {
        {"name", SCHEMA_STRING, 0, 0, 200, "what the key is for"}, {0}};
    const server_route_t routes[] = {
        {"POST", "/api/auth/keys", "keys_create",
         "Create an API key (its secret is in this answer only)", key_create,
         r, 0, key_body, NULL, 0},
        {"GET", "/api/auth/keys", "keys_list", "The caller's API keys",
         key_list, r, 0, NULL, routes__list_query, 0},
        {"DELETE", "/api/auth/keys/{id}", "keys_delete", "Revoke an API key",
         key_delete, r, 0, NULL, NULL, 0},
    };
    return routes__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
