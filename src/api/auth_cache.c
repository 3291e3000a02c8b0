/* auth_cache.c - the table of credentials found valid recently: how long
 * an entry is believed, revocations, and the generation that keeps an
 * answer read before a revocation out of the table (auth_cache.h). */
#include "api/auth_cache.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct slot {
    uint8_t hash[HTTP_AUTH_HASH_LEN];
    http_auth_user_t user;
    double put; /* when stored; 0: empty */
    int lasting;
} slot_t;

struct api_auth_cache {
    pthread_mutex_t mu;
    slot_t *slots;
    size_t nslots;
    uint64_t gen;      /* bumped by every revocation */
    double live_until; /* the push path is proven until then */
    api_auth_cache_stats_t stats;
};

api_auth_cache_t *api__auth_cache_create(size_t slots)
{
    api_auth_cache_t *c = avp_calloc(1, sizeof *c);
    c->nslots = slots ? slots : API_AUTH_CACHE_SLOTS;
    c->slots = avp_calloc(c->nslots, sizeof *c->slots);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void api__auth_cache_destroy(api_auth_cache_t *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    avp_free(c->slots);
    avp_free(c);
}

static slot_t *slot_of(api_auth_cache_t *c,
                       const uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    uint32_t i;
    memcpy(&i, hash, sizeof i); /* a SHA-256 is uniform already */
    return &c->slots[i % c->nslots];
}

int api__auth_cache_find(api_auth_cache_t *c,
                         const uint8_t hash[HTTP_AUTH_HASH_LEN], double now,
                         http_auth_user_t *user)
{
    pthread_mutex_lock(&c->mu);
    slot_t *s = slot_of(c, hash);
    double life = s->lasting && now < c->live_until ? API_AUTH_CACHE_LONG_S
                                                     : API_AUTH_CACHE_SHORT_S;
    int hit = s->put > 0 && now - s->put < life &&
              !memcmp(s->hash, hash, HTTP_AUTH_HASH_LEN);
    if (hit)
        *user = s->user;
    c->stats.hits += hit;
    c->stats.misses += !hit;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

uint64_t api__auth_cache_ticket(api_auth_cache_t *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t gen = c->gen;
    pthread_mutex_unlock(&c->mu);
    return gen;
}

int api__auth_cache_put(api_auth_cache_t *c, uint64_t ticket,
                        const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        const http_auth_user_t *user, int lasting, double now)
{
    pthread_mutex_lock(&c->mu);
    int fresh = ticket == c->gen;
    if (fresh) {
        slot_t *s = slot_of(c, hash);
        memcpy(s->hash, hash, HTTP_AUTH_HASH_LEN);
        s->user = *user;
        s->put = now;
        s->lasting = lasting;
    }
    c->stats.stale += !fresh;
    pthread_mutex_unlock(&c->mu);
    return fresh;
}

/* Called with c->mu held. */
static void forget_all(api_auth_cache_t *c)
{
    c->gen++;
    for (size_t i = 0; i < c->nslots; i++)
        c->slots[i].put = 0;
}

void api__auth_cache_revoke(api_auth_cache_t *c,
                            const api_auth_revocation_t *rv)
{
    pthread_mutex_lock(&c->mu);
    /* The bump refuses the answers of lookups in flight (see DESIGN). */
    c->gen++;
    c->stats.revocations++;
    if (rv->kind == API_AUTH_REVOKE_TOKEN) {
        slot_t *s = slot_of(c, rv->hash);
        if (!memcmp(s->hash, rv->hash, HTTP_AUTH_HASH_LEN))
            s->put = 0;
    } else if (rv->kind == API_AUTH_REVOKE_USER) {
        for (size_t i = 0; i < c->nslots; i++)
            if (c->slots[i].user.id == rv->user_id)
                c->slots[i].put = 0;
    } else {
        forget_all(c);
    }
    pthread_mutex_unlock(&c->mu);
}

void api__auth_cache_confirm(api_auth_cache_t *c, double sent_at, double now)
{
    double until = sent_at + API_AUTH_CACHE_LIVE_S;
    pthread_mutex_lock(&c->mu);
    if (now < until && until > c->live_until) {
        /* Not live before: revocations may have been missed meanwhile. */
        if (now >= c->live_until)
            forget_all(c);
        c->live_until = until;
    }
    pthread_mutex_unlock(&c->mu);
}

void api__auth_cache_lapse(api_auth_cache_t *c)
{
    pthread_mutex_lock(&c->mu);
    c->live_until = 0;
    pthread_mutex_unlock(&c->mu);
}

void api__auth_cache_stats(api_auth_cache_t *c, double now,
                           api_auth_cache_stats_t *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    out->live = now < c->live_until;
    pthread_mutex_unlock(&c->mu);
}

void api__auth_revocation_format(const api_auth_revocation_t *rv,
                                 char out[API_AUTH_REVOKE_MSG_MAX])
{
    if (rv->kind == API_AUTH_REVOKE_TOKEN) {
        char hex[2 * HTTP_AUTH_HASH_LEN + 1];
        for (int i = 0; i < HTTP_AUTH_HASH_LEN; i++)
            snprintf(hex + 2 * i, 3, "%02x", rv->hash[i]);
        snprintf(out, API_AUTH_REVOKE_MSG_MAX, "{\"token\":\"%s\"}", hex);
    } else if (rv->kind == API_AUTH_REVOKE_USER) {
        snprintf(out, API_AUTH_REVOKE_MSG_MAX, "{\"user\":%" PRId64 "}",
                 rv->user_id);
    } else {
        snprintf(out, API_AUTH_REVOKE_MSG_MAX, "{\"all\":true}");
    }
}

static int parse_hex(const char *hex, uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    if (!hex || strlen(hex) != 2 * HTTP_AUTH_HASH_LEN)
        return AVP_EFORMAT;
    for (int i = 0; i < HTTP_AUTH_HASH_LEN; i++) {
        unsigned b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1)
            return AVP_EFORMAT;
        hash[i] = (uint8_t)b;
    }
    return AVP_OK;
}

int api__auth_revocation_parse(const char *msg, api_auth_revocation_t *rv)
{
    json_t *j = json_loads(msg, 0, NULL);
    json_t *token = json_object_get(j, "token"), *user = json_object_get(j, "user");
    int rc = AVP_OK;
    *rv = (api_auth_revocation_t){.kind = API_AUTH_REVOKE_ALL};
    if (token) {
        rv->kind = API_AUTH_REVOKE_TOKEN;
        rc = parse_hex(json_string_value(token), rv->hash);
    } else if (json_is_integer(user)) {
        rv->kind = API_AUTH_REVOKE_USER;
        rv->user_id = json_integer_value(user);
    } else if (!json_is_true(json_object_get(j, "all"))) {
        rc = AVP_EFORMAT;
    }
    json_decref(j);
    return rc;
}
