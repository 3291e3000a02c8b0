/* limit.c - the login limiter's table: keyed slots, windows, and the rule
 * that a locked entry stays until its window ends (limit.h: why). */
#include "http/limit.h"

#include "util/avp.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

typedef struct slot {
    uint64_t key; /* 0: free */
    double window_start;
    int failures;
} slot_t;

struct http_limit {
    http_limit_options_t opt;
    uint8_t secret[crypto_shorthash_KEYBYTES];
    pthread_mutex_t mu;
    size_t untracked;
    slot_t *slots;
};

http_limit_t *http__limit_create(const http_limit_options_t *opt)
{
    http_limit_t *l = avp_calloc(1, sizeof *l);
    l->opt = *opt;
    if (!l->opt.slots)
        l->opt.slots = HTTP_LIMIT_SLOTS;
    l->slots = avp_calloc(l->opt.slots, sizeof *l->slots);
    pthread_mutex_init(&l->mu, NULL);
    crypto_shorthash_keygen(l->secret);
    return l;
}

void http__limit_destroy(http_limit_t *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    avp_free(l->slots);
    avp_free(l);
}

/* SipHash of "a\0address" or "p\0address\0account": the NULs keep
 * ("x", "y\0z") and ("x\0y", "z") apart, and names cannot hold NUL. */
static uint64_t key_of(const http_limit_t *l, const char *address,
                       const char *account)
{
    size_t na = strlen(address), nn = account ? strlen(account) : 0;
    uint8_t *buf = avp_malloc(na + nn + 3), out[crypto_shorthash_BYTES];
    buf[0] = account ? 'p' : 'a';
    buf[1] = 0;
    memcpy(buf + 2, address, na + 1);
    if (account)
        memcpy(buf + 3 + na, account, nn);
    crypto_shorthash(out, buf, 2 + na + (account ? 1 + nn : 0), l->secret);
    avp_free(buf);
    uint64_t k;
    memcpy(&k, out, sizeof k);
    return k | 1; /* 0 marks a free slot */
}

static int limit_of(const http_limit_t *l, const slot_t *s)
{
    return (s->key & 2) ? l->opt.max_address_failures : l->opt.max_failures;
}

static int expired(const http_limit_t *l, const slot_t *s, double now)
{
    return now - s->window_start >= l->opt.window_s;
}

static int locked(const http_limit_t *l, const slot_t *s, double now)
{
    return s->key && !expired(l, s, now) && s->failures >= limit_of(l, s);
}

/* The slot of key; with insert, a new one in the stalest slot of the probe
 * run that is free, expired or not locked. NULL when not tracked. Called
 * with l->mu held. */
static slot_t *find(http_limit_t *l, uint64_t key, int insert, double now)
{
    slot_t *victim = NULL;
    for (size_t i = 0; i < HTTP_LIMIT_PROBES; i++) {
        slot_t *s = &l->slots[(key + i) % l->opt.slots];
        if (s->key == key) {
            if (expired(l, s, now))
                *s = (slot_t){key, now, 0};
            return s;
        }
        /* A free slot wins, else the stalest unlocked one. */
        if (!locked(l, s, now) &&
            (!victim || (victim->key && (!s->key ||
                                         s->window_start < victim->window_start))))
            victim = s;
    }
    if (!insert)
        return NULL;
    if (!victim) {
        l->untracked++;
        return NULL;
    }
    *victim = (slot_t){key, now, 0};
    return victim;
}

/* The two keys of an attempt: the pair's and the address's. Bit 1 tells
 * them apart in the table (limit_of). */
static void keys_of(const http_limit_t *l, const char *address,
                    const char *account, uint64_t keys[2])
{
    keys[0] = key_of(l, address, account) & ~(uint64_t)2;
    keys[1] = key_of(l, address, NULL) | 2;
}

int http__limit_wait(http_limit_t *l, const char *address,
                     const char *account, double now)
{
    uint64_t keys[2];
    double wait = 0;
    keys_of(l, address, account, keys);
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < 2; i++) {
        slot_t *s = find(l, keys[i], 0, now);
        double w = s ? s->window_start + l->opt.window_s - now : 0;
        if (s && locked(l, s, now) && w > wait)
            wait = w;
    }
    pthread_mutex_unlock(&l->mu);
    return wait > 0 ? (int)wait + 1 : 0;
}

void http__limit_record(http_limit_t *l, const char *address,
                        const char *account, int failed, double now)
{
    uint64_t keys[2];
    keys_of(l, address, account, keys);
    pthread_mutex_lock(&l->mu);
    if (failed) {
        for (int i = 0; i < 2; i++) {
            slot_t *s = find(l, keys[i], 1, now);
            if (s)
                s->failures++;
        }
    } else {
        /* The address's count stays: owning one account must not reset a
         * spray across others. */
        slot_t *s = find(l, keys[0], 0, now);
        if (s)
            s->failures = 0;
    }
    pthread_mutex_unlock(&l->mu);
}

size_t http__limit_untracked(http_limit_t *l)
{
    pthread_mutex_lock(&l->mu);
    size_t n = l->untracked;
    pthread_mutex_unlock(&l->mu);
    return n;
}
