/* accounts.c - the http_auth_store_t on PostgreSQL (http/auth.h calls it
 * on every authenticated request) with its credential cache, and the API
 * key routes. */
#include "api/internal.h"

#include "api/auth_cache.h"

#include <stdio.h>
#include <string.h>

/* What the auth store keeps beyond api_t: the cache of credentials
 * found valid and the relay that keeps it in step with the other server
 * instances (auth_cache.h: how long entries are believed, and why). */
typedef struct api_auth {
    api_t *r;
    api_auth_cache_t *cache;
    api_auth_relay_t *relay; /* NULL without Redis */
    http_metrics_gauge_t *g[4];
} api_auth_t;

/* The auth store's connection: AVP_EUNAVAILABLE when none can be had. */
static int take(api_auth_t *ra, store_conn_t **c)
{
    avp_error_t err;
    return store_pool_acquire(ra->r->opt.pool, ra->r->opt.acquire_timeout_ms,
                              c, &err) < 0
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

static int to_auth_user(int rc, const store_user_t *s, http_auth_user_t *u)
{
    if (rc == AVP_OK) {
        u->id = s->id;
        snprintf(u->name, sizeof u->name, "%s", s->name);
        u->admin = s->admin;
    }
    return rc;
}

static int user_by_name(void *ctx, const char *name, http_auth_user_t *user,
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

static int session_insert(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                          int64_t user_id, int64_t expires_unix)
{
    store_conn_t *c;
    avp_error_t err;
    if (take(ctx, &c) < 0)
        return AVP_EUNAVAILABLE;
    return give(c, store_session_insert(c, hash, user_id, expires_unix, &err));
}

/* A store lookup about to happen: its ticket and when it was asked (the
 * entry's age counts from then). */
typedef struct lookup {
    uint64_t ticket;
    double at;
} lookup_t;

/* The cache's answer, unless the server runs without it
 * (AVP_AUTH_CACHE=off): then every lookup is a miss. */
static int recall(api_auth_t *ra, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                  http_auth_user_t *user)
{
    return !ra->r->opt.auth_cache_off &&
           api__auth_cache_find(ra->cache, hash, avp_now(), user);
}

static lookup_t lookup_begin(api_auth_t *ra)
{
    return (lookup_t){api__auth_cache_ticket(ra->cache), avp_now()};
}

static int remember(api_auth_t *ra, lookup_t l, int rc,
                    const uint8_t hash[HTTP_AUTH_HASH_LEN],
                    const http_auth_user_t *user, int lasting)
{
    if (rc == AVP_OK && !ra->r->opt.auth_cache_off)
        api__auth_cache_put(ra->cache, l.ticket, hash, user, lasting, l.at);
    return rc;
}

/* A session is asked about API_AUTH_CACHE_LONG_S from now first: one found
 * valid then may be believed that long. Only one expiring sooner, or none,
 * costs a second query. */
static int session_find(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        int64_t now_unix, http_auth_user_t *user)
{
    api_auth_t *ra = ctx;
    store_conn_t *c;
    store_user_t su;
    avp_error_t err;
    if (recall(ra, hash, user))
        return AVP_OK;
    lookup_t l = lookup_begin(ra);
    if (take(ra, &c) < 0)
        return AVP_EUNAVAILABLE;
    int rc = store_session_find(
        c, hash, now_unix + (int64_t)API_AUTH_CACHE_LONG_S, &su, &err);
    int lasting = rc == AVP_OK;
    if (rc == AVP_ENOTFOUND)
        rc = store_session_find(c, hash, now_unix, &su, &err);
    rc = give(c, to_auth_user(rc, &su, user));
    return remember(ra, l, rc, hash, user, lasting);
}

/* The revocation reaches this cache and the other instances' after the
 * delete has committed (auth_cache.h: ordering). */
static int session_delete(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    api_auth_t *ra = ctx;
    store_conn_t *c;
    avp_error_t err;
    if (take(ra, &c) < 0)
        return AVP_EUNAVAILABLE;
    int rc = give(c, store_session_delete(c, hash, &err));
    if (rc == AVP_OK) {
        api_auth_revocation_t rv = {.kind = API_AUTH_REVOKE_TOKEN};
        memcpy(rv.hash, hash, HTTP_AUTH_HASH_LEN);
        api__auth_relay_revoke(ra->relay, ra->cache, api__q(ra->r), &rv);
    }
    return rc;
}

/* API keys do not expire: a valid one may be believed long. */
static int api_key_find(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        http_auth_user_t *user)
{
    api_auth_t *ra = ctx;
    store_conn_t *c;
    store_user_t su;
    avp_error_t err;
    if (recall(ra, hash, user))
        return AVP_OK;
    lookup_t l = lookup_begin(ra);
    if (take(ra, &c) < 0)
        return AVP_EUNAVAILABLE;
    int rc = store_api_key_find(c, hash, &su, &err);
    rc = give(c, to_auth_user(rc, &su, user));
    return remember(ra, l, rc, hash, user, 1);
}

/* Without the relay (no Redis, or it could not start) entries last
 * API_AUTH_CACHE_SHORT_S, as the cache is never proven live. */
void api__auth_store_init(api_t *r)
{
    api_auth_t *ra = avp_calloc(1, sizeof *ra);
    avp_error_t err;
    ra->r = r;
    ra->cache = api__auth_cache_create(0);
    if (r->q && api__auth_relay_start(r->redis_url, ra->cache, r->q, &ra->relay,
                                      &err) < 0)
        fprintf(stderr, "avp serve: %s\n", err.msg);
    r->auth = (http_auth_store_t){
        .ctx = ra,
        .user_by_name = user_by_name,
        .session_insert = session_insert,
        .session_find = session_find,
        .session_delete = session_delete,
        .api_key_find = api_key_find,
    };
}

void api__auth_store_fini(api_t *r)
{
    api_auth_t *ra = r->auth.ctx;
    if (!ra)
        return;
    api__auth_relay_stop(ra->relay);
    api__auth_cache_destroy(ra->cache);
    avp_free(ra);
    r->auth.ctx = NULL;
}

static void collect(void *ctx)
{
    api_auth_t *ra = ctx;
    api_auth_cache_stats_t st;
    api__auth_cache_stats(ra->cache, avp_now(), &st);
    const double v[] = {(double)st.hits, (double)st.misses,
                        (double)st.revocations, st.live};
    for (int i = 0; i < 4; i++)
        http_metrics_gauge_set(ra->g[i], v[i]);
}

void api__accounts_metrics(api_t *r, http_metrics_t *m)
{
    api_auth_t *ra = r->auth.ctx;
    const char *help = "Credential cache lookups of this process, total.";
    ra->g[0] = http_metrics_gauge(m, "avp_auth_cache_lookups", help,
                                  "result=\"hit\"");
    ra->g[1] = http_metrics_gauge(m, "avp_auth_cache_lookups", help,
                                  "result=\"miss\"");
    ra->g[2] = http_metrics_gauge(m, "avp_auth_revocations",
                                  "Revocations applied to the credential cache "
                                  "(made here or received from Redis), total.",
                                  NULL);
    ra->g[3] =
        http_metrics_gauge(m, "avp_auth_cache_live",
                           "1 while revocations are known to arrive by "
                           "push (cached credentials last 60 s), 0 while "
                           "they last 5 s.",
                           NULL);
    http_metrics_on_collect(m, collect, ra);
}

void api__auth_revoke_user(api_t *r, int64_t user_id)
{
    api_auth_t *ra = r->auth.ctx;
    api_auth_revocation_t rv = {.kind = API_AUTH_REVOKE_USER,
                                .user_id = user_id};
    api__auth_relay_revoke(ra->relay, ra->cache, api__q(r), &rv);
}

/* POST /api/auth/keys: the secret is shown once, here, and never again. */
void api__key_create(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    json_t *body = http_req_body(req);
    const char *name = json_string_value(json_object_get(body, "name"));
    char token[HTTP_AUTH_TOKEN_MAX], *json;
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    avp_error_t err;
    http_auth_token_new(HTTP_AUTH_API_KEY_PREFIX, token);
    http_auth_token_hash(token, hash);
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (store_api_key_create(c, http_req_user(req)->id, name ? name : "",
                             hash, &json, &err) < 0) {
        store_pool_release(c);
        http_reply_avp_error(req, &err);
        return;
    }
    json_t *key = json_loads(json, 0, NULL);
    avp_free(json);
    api__audit(c, req, "create", "api_key",
               json_integer_value(json_object_get(key, "id")), NULL);
    store_pool_release(c);
    json_object_set_new(key, "key", json_string(token));
    http_reply_json(req, 201, key);
}

void api__list_of(api_t *r, http_req_t *req, int64_t id, api_list_fn list)
{
    int64_t keys[2];
    const int64_t *after;
    int limit;
    store_list_t l;
    avp_error_t err;
    if (api__page_or_reply(req, 1, keys, &after, &limit) < 0)
        return;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = list(c, id, after, limit, &l, &err);
    store_pool_release(c);
    if (rc < 0) {
        http_reply_avp_error(req, &err);
        return;
    }
    api__reply_text(req, 200, api__page_json(&l, 1));
    store_list_free(&l);
}

void api__key_list(http_req_t *req, void *ctx)
{
    api__list_of(ctx, req, http_req_user(req)->id, store_api_key_list);
}

void api__key_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_api_key_delete(c, http_req_user(req)->id, id, &err);
    if (rc == AVP_OK) {
        /* Only the key's id is known here, not its hash: every cached
         * credential of its owner goes. */
        api__auth_revoke_user(r, http_req_user(req)->id);
        api__audit(c, req, "delete", "api_key", id, NULL);
    }
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        http_reply_empty(req, 204);
}
