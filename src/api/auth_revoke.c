/* auth_revoke.c - the relay of revoked credentials between server
 * instances: one thread per process subscribed to QUEUE_TOPIC_AUTH that
 * applies what comes to the auth cache and pings Redis to prove the push
 * path works (auth_cache.h says why and how long entries are believed). */
#include "api/auth_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define PING_EVERY_S 1.0
#define READ_MS 250 /* how long a read waits: the stop and retry latency */

struct api_auth_relay {
    char *url;
    api_auth_cache_t *cache;
    queue_conn_t *pub;
    pthread_t thread;
    atomic_int stop;
    /* A publish failed: revoke everything everywhere once Redis answers,
     * since the others missed something and no one knows what. */
    atomic_int owe_all;
};

/* Publishes rv; on failure the relay owes everyone a revoke-all. */
static void publish(api_auth_relay_t *rl, queue_conn_t *q,
                    const api_auth_revocation_t *rv)
{
    char msg[API_AUTH_REVOKE_MSG_MAX];
    avp_error_t err;
    api__auth_revocation_format(rv, msg);
    if (queue_publish(q, QUEUE_TOPIC_AUTH, 0, msg, &err) < 0)
        atomic_store(&rl->owe_all, 1);
}

void api__auth_relay_revoke(api_auth_relay_t *rl, api_auth_cache_t *cache,
                            queue_conn_t *q, const api_auth_revocation_t *rv)
{
    api__auth_cache_revoke(cache, rv);
    if (rl && q)
        publish(rl, q, rv);
}

static void pay_debt(api_auth_relay_t *rl)
{
    if (atomic_exchange(&rl->owe_all, 0))
        publish(rl, rl->pub,
                &(api_auth_revocation_t){.kind = API_AUTH_REVOKE_ALL});
}

static void apply(api_auth_relay_t *rl, const queue_event_t *ev)
{
    api_auth_revocation_t rv;
    if (ev->type == QUEUE_EVENT_RESUBSCRIBED) {
        api__auth_cache_lapse(rl->cache); /* the next pong forgets all */
    } else if (ev->type == QUEUE_EVENT_PONG) {
        api__auth_cache_confirm(rl->cache, strtod(ev->json, NULL), avp_now());
    } else if (ev->topic == QUEUE_TOPIC_AUTH) {
        /* A message this version cannot read still revoked something. */
        if (api__auth_revocation_parse(ev->json, &rv) < 0)
            rv = (api_auth_revocation_t){.kind = API_AUTH_REVOKE_ALL};
        api__auth_cache_revoke(rl->cache, &rv);
    }
}

static void *relay(void *arg)
{
    api_auth_relay_t *rl = arg;
    queue_sub_t *sub;
    queue_event_t ev;
    avp_error_t err;
    if (queue_sub_open(rl->url, &(queue_opts_t){.lazy = 1}, &sub, &err) < 0) {
        fprintf(stderr, "avp serve: revocation relay: %s\n", err.msg);
        return NULL; /* entries then last API_AUTH_CACHE_SHORT_S, as without */
    }
    queue_sub_add(sub, QUEUE_TOPIC_AUTH, 0, &err); /* remembered if down */
    double next_ping = 0;
    while (!atomic_load(&rl->stop)) {
        double now = avp_now();
        if (now >= next_ping) {
            char text[32];
            snprintf(text, sizeof text, "%.6f", now);
            queue_sub_ping(sub, text, &err);
            next_ping = now + PING_EVERY_S;
        }
        int rc = queue_sub_read(sub, READ_MS, &ev, &err);
        if (rc == 1)
            apply(rl, &ev);
        else if (rc < 0) /* down for the whole read: fall back at once */
            api__auth_cache_lapse(rl->cache);
        pay_debt(rl);
    }
    queue_sub_close(sub);
    return NULL;
}

int api__auth_relay_start(const char *redis_url, api_auth_cache_t *cache,
                          queue_conn_t *pub, api_auth_relay_t **out,
                          avp_error_t *err)
{
    api_auth_relay_t *rl = avp_calloc(1, sizeof *rl);
    rl->url = avp_strdup(redis_url);
    rl->cache = cache;
    rl->pub = pub;
    *out = NULL;
    if (pthread_create(&rl->thread, NULL, relay, rl) != 0) {
        avp_free(rl->url);
        avp_free(rl);
        return avp_error_set(err, AVP_ENOMEM, "cannot start the revocation "
                             "relay");
    }
    *out = rl;
    return AVP_OK;
}

void api__auth_relay_stop(api_auth_relay_t *rl)
{
    if (!rl)
        return;
    atomic_store(&rl->stop, 1);
    pthread_join(rl->thread, NULL);
    avp_free(rl->url);
    avp_free(rl);
}
