/*
 * limit.h - the login limiter: failed logins counted per (address, account)
 * and per address, in fixed windows.
 *
 * DESIGN
 *
 * What it must not allow: a stranger locking a user out (so there is no
 * count per account alone: the user's own address keeps its own count), a
 * locked pair being unlocked by flooding the table with other names, and
 * unbounded guessing. So:
 * - A pair (address, account) is locked after max_failures in a window; an
 *   address after max_address_failures over every account (spraying one
 *   password across many names). A success clears its pair only.
 * - Slots are found by SipHash-2-4 (libsodium's crypto_shorthash) under a
 *   random key made per limiter, so nobody outside can choose names that
 *   land in one probe run.
 * - A locked entry is never evicted before its window ends. A new key takes
 *   a free, expired or unlocked slot of its probe run (the stalest); when
 *   every slot of the run is locked, the key is not tracked: its attempt
 *   is neither refused nor counted, so a full table locks nobody new and
 *   unlocks nobody. Each locked entry costs an attacker max_failures
 *   password checks, which auth.c bounds (argon2id, HTTP_AUTH_MAX_PARALLEL_
 *   HASHES at once: ~60/s), so in one 15-minute window ~6,000 entries can be
 *   locked, well under HTTP_LIMIT_SLOTS; a run of HTTP_LIMIT_PROBES all
 *   locked is then too rare to aim at, and not chosen (the key is secret).
 *
 * Thread model: every function is safe to call from any thread.
 */
#ifndef AVP_HTTP_LIMIT_H
#define AVP_HTTP_LIMIT_H

#include <stddef.h>

#define HTTP_LIMIT_SLOTS 16384
#define HTTP_LIMIT_PROBES 16

typedef struct http_limit_options {
    int max_failures;         /* per (address, account) in a window */
    int max_address_failures; /* per address over all accounts */
    int window_s;
    size_t slots;             /* 0: HTTP_LIMIT_SLOTS */
} http_limit_options_t;

typedef struct http_limit http_limit_t;

/* The caller owns the limiter. */
http_limit_t *http__limit_create(const http_limit_options_t *opt);
void http__limit_destroy(http_limit_t *l); /* NULL is a no-op */

/* Times are avp_now() values, parameters so tests can move the clock. */

/* Seconds until address may try account again, or 0. */
int http__limit_wait(http_limit_t *l, const char *address,
                     const char *account, double now);

/* A failed (failed = 1) or successful login of account from address. */
void http__limit_record(http_limit_t *l, const char *address,
                        const char *account, int failed, double now);

/* Keys that found no slot (a full probe run) since creation. */
size_t http__limit_untracked(http_limit_t *l);

#endif
