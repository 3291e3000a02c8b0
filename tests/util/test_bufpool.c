#include "check.h"
#include "util/avp.h"
#include "util/bufpool.h"

#include <pthread.h>
#include <stdint.h>

static void test_bufpool_gives_distinct_aligned_buffers(void)
{
    bufpool_t *p;
    CHECK(bufpool_create(4, 100, &p) == AVP_OK);
    CHECK(bufpool_size(p) == 128);
    void *b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = bufpool_acquire(p);
        CHECK(b[i] != NULL);
        CHECK(((uintptr_t)b[i] & 63) == 0);
        for (int j = 0; j < i; j++)
            CHECK(b[i] != b[j]);
    }
    for (int i = 0; i < 4; i++)
        bufpool_release(p, b[i]);
    bufpool_destroy(p);
}

static void *release_later(void *arg)
{
    void **a = arg;
    bufpool_release(a[0], a[1]);
    return NULL;
}

static void test_bufpool_blocks_until_release(void)
{
    bufpool_t *p;
    CHECK(bufpool_create(1, 64, &p) == AVP_OK);
    void *b = bufpool_acquire(p);
    void *args[2] = {p, b};
    pthread_t t;
    pthread_create(&t, NULL, release_later, args);
    void *again = bufpool_acquire(p); /* waits for the thread */
    pthread_join(t, NULL);
    CHECK(again == b);
    bufpool_release(p, again);
    bufpool_destroy(p);
}

static void test_bufpool_close_wakes_waiters(void)
{
    bufpool_t *p;
    CHECK(bufpool_create(1, 64, &p) == AVP_OK);
    void *b = bufpool_acquire(p);
    bufpool_close(p);
    CHECK(bufpool_acquire(p) == NULL);
    bufpool_release(p, b);
    bufpool_destroy(p);
}

static void test_bufpool_steady_state_allocates_nothing(void)
{
    bufpool_t *p;
    CHECK(bufpool_create(2, 4096, &p) == AVP_OK);
    uint64_t before = avp_alloc_count();
    for (int i = 0; i < 1000; i++)
        bufpool_release(p, bufpool_acquire(p));
    CHECK(avp_alloc_count() == before);
    bufpool_destroy(p);
}

int main(void)
{
    RUN(test_bufpool_gives_distinct_aligned_buffers);
    RUN(test_bufpool_blocks_until_release);
    RUN(test_bufpool_close_wakes_waiters);
    RUN(test_bufpool_steady_state_allocates_nothing);
    return CHECK_DONE();
}
