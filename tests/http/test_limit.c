/* test_limit.c - the login limiter: a lock holds whatever else is sent,
 * a stranger's failures stay on the stranger's address, spraying locks
 * the address, and a full table locks and unlocks nobody. */
#include "check.h"
#include "http/limit.h"

#include <stdio.h>

static http_limit_t *limiter(size_t slots)
{
    return http__limit_create(&(http_limit_options_t){
        .max_failures = 3, .max_address_failures = 30, .window_s = 60,
        .slots = slots});
}

static void fail_n(http_limit_t *l, const char *address, const char *account,
                   int n, double now)
{
    for (int i = 0; i < n; i++)
        http__limit_record(l, address, account, 1, now);
}

static void test_limit_locks_the_pair_for_the_window(void)
{
    http_limit_t *l = limiter(0);
    fail_n(l, "10.0.0.9", "alice", 2, 100);
    CHECK(http__limit_wait(l, "10.0.0.9", "alice", 100) == 0);
    fail_n(l, "10.0.0.9", "alice", 1, 100);
    int wait = http__limit_wait(l, "10.0.0.9", "alice", 110);
    CHECK(wait > 49 && wait <= 51);
    CHECK(http__limit_wait(l, "10.0.0.9", "alice", 160) == 0);
    http__limit_destroy(l);
}

/* The old table shared a count per user name: anyone locked anyone. */
static void test_limit_stranger_does_not_lock_the_user_out(void)
{
    http_limit_t *l = limiter(0);
    fail_n(l, "10.6.6.6", "admin", 10, 100);
    CHECK(http__limit_wait(l, "10.6.6.6", "admin", 100) > 0);
    CHECK(http__limit_wait(l, "10.0.0.1", "admin", 100) == 0);
    http__limit_destroy(l);
}

/* 100,000 other names from the attacker's and other addresses (the old
 * table evicted the stalest entry, the lock included) leave it locked. */
static void test_limit_lock_survives_a_flood(void)
{
    http_limit_t *l = limiter(1024);
    char name[32], address[32];
    fail_n(l, "10.0.0.9", "alice", 3, 100);
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "u%d", i);
        snprintf(address, sizeof address, "10.1.%d.%d", i / 250, i % 250);
        http__limit_record(l, i % 2 ? "10.0.0.9" : address, name, 1, 101);
    }
    CHECK(http__limit_wait(l, "10.0.0.9", "alice", 102) > 0);
    http__limit_destroy(l);
}

/* One password tried on many names: the address is locked for all. */
static void test_limit_spraying_locks_the_address(void)
{
    http_limit_t *l = limiter(0);
    char name[32];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "user%d", i);
        CHECK(http__limit_wait(l, "10.0.0.5", name, 100) == 0);
        http__limit_record(l, "10.0.0.5", name, 1, 100);
    }
    CHECK(http__limit_wait(l, "10.0.0.5", "someone-else", 100) > 0);
    CHECK(http__limit_wait(l, "10.0.0.6", "someone-else", 100) == 0);
    /* A success clears the pair, not the address's count. */
    http__limit_record(l, "10.0.0.5", "user0", 0, 100);
    CHECK(http__limit_wait(l, "10.0.0.5", "user0", 100) > 0);
    http__limit_destroy(l);
}

/* A table of 16 slots (one probe run) filled with locks: new keys are not
 * tracked (neither refused nor counted) and the locks stay. */
static void test_limit_full_table_locks_and_unlocks_nobody(void)
{
    http_limit_t *l = http__limit_create(&(http_limit_options_t){
        .max_failures = 1, .max_address_failures = 1000, .window_s = 60,
        .slots = HTTP_LIMIT_PROBES});
    char name[32];
    for (int i = 0; i < 2 * HTTP_LIMIT_PROBES; i++) {
        snprintf(name, sizeof name, "n%d", i);
        fail_n(l, "10.0.0.7", name, 1, 100);
    }
    CHECK(http__limit_untracked(l) > 0);
    int locked = 0;
    for (int i = 0; i < 2 * HTTP_LIMIT_PROBES; i++) {
        snprintf(name, sizeof name, "n%d", i);
        locked += http__limit_wait(l, "10.0.0.7", name, 100) > 0;
    }
    /* Every slot is a lock but perhaps the address's (not locked, so it
     * may have given its slot to a pair). */
    CHECK(locked >= HTTP_LIMIT_PROBES - 1 && locked <= HTTP_LIMIT_PROBES);
    fail_n(l, "10.9.9.9", "new", 5, 100);
    CHECK(http__limit_wait(l, "10.9.9.9", "new", 100) == 0);
    CHECK(http__limit_wait(l, "10.0.0.7", "n0", 100) > 0);
    http__limit_destroy(l);
}

int main(void)
{
    RUN(test_limit_locks_the_pair_for_the_window);
    RUN(test_limit_stranger_does_not_lock_the_user_out);
    RUN(test_limit_lock_survives_a_flood);
    RUN(test_limit_spraying_locks_the_address);
    RUN(test_limit_full_table_locks_and_unlocks_nobody);
    return CHECK_DONE();
}
