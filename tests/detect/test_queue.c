/* The pipeline's frame queue: order across threads, end and error status. */
#include "check.h"
#include "detect/internal.h"

enum { CAP = 4, ITEMS = 2000 };
static float bufs[CAP];

typedef struct producer {
    detect__queue_t *q;
    int status;
} producer_t;

/* Pushes ITEMS frames, cycling through CAP buffers the way the pool would:
 * it only reuses a buffer after the consumer has popped it. */
static void *produce(void *arg)
{
    producer_t *p = arg;
    for (int i = 0; i < ITEMS; i++) {
        media_frame_t f = {.index = i, .t = i / 30.0};
        while (detect__queue_push(p->q, &bufs[i % CAP], &f) != AVP_OK)
            ; /* a full ring: retry until the consumer pops */
    }
    avp_error_t err;
    avp_error_set(&err, p->status, "decoder broke");
    detect__queue_finish(p->q, p->status, &err);
    return NULL;
}

static void run(int status, int *popped, int *last_rc)
{
    detect__queue_t q;
    detect__queue_init(&q, CAP);
    producer_t p = {.q = &q, .status = status};
    pthread_t t;
    pthread_create(&t, NULL, produce, &p);
    detect__slot_t s;
    int rc, in_order = 1;
    *popped = 0;
    while ((rc = detect__queue_pop(&q, &s)) == 1) {
        in_order &= s.frame.index == *popped && s.buf == &bufs[*popped % CAP];
        (*popped)++;
    }
    pthread_join(t, NULL);
    *last_rc = in_order ? rc : 99;
    /* Once finished and empty, pop keeps returning the status. */
    if (detect__queue_pop(&q, &s) != rc)
        *last_rc = 98;
    detect__queue_fini(&q);
}

static void test_queue_delivers_in_order_then_end(void)
{
    int popped, rc;
    run(AVP_OK, &popped, &rc);
    CHECK(popped == ITEMS);
    CHECK(rc == 0);
}

static void test_queue_delivers_frames_before_error(void)
{
    int popped, rc;
    run(AVP_EFORMAT, &popped, &rc);
    CHECK(popped == ITEMS);
    CHECK(rc == AVP_EFORMAT);
}

static void test_queue_full_ring_refuses_push(void)
{
    detect__queue_t q;
    detect__queue_init(&q, 1);
    media_frame_t f = {0};
    CHECK(detect__queue_push(&q, bufs, &f) == AVP_OK);
    int rc = detect__queue_push(&q, bufs, &f);
    detect__queue_fini(&q);
    CHECK(rc == AVP_EINTERNAL);
}

int main(void)
{
    RUN(test_queue_delivers_in_order_then_end);
    RUN(test_queue_delivers_frames_before_error);
    RUN(test_queue_full_ring_refuses_push);
    return CHECK_DONE();
}
