/*
 * queue.c - the bounded frame queue of the video pipeline (see internal.h
 * and the DESIGN comment in pipeline.c). The ring is allocated once; push
 * and pop only move pointers and frame records.
 */
#include "detect/internal.h"

#include <string.h>

void detect__queue_init(detect__queue_t *q, int cap)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->changed, NULL);
    q->ring = avp_calloc((size_t)cap, sizeof(*q->ring));
    q->cap = cap;
}

void detect__queue_fini(detect__queue_t *q)
{
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->changed);
    avp_free(q->ring);
    q->ring = NULL;
}

int detect__queue_push(detect__queue_t *q, float *buf, const media_frame_t *f)
{
    int rc = AVP_OK;
    pthread_mutex_lock(&q->mu);
    if (q->count == q->cap) {
        rc = AVP_EINTERNAL;
    } else {
        q->ring[(q->head + q->count) % q->cap] = (detect__slot_t){buf, *f};
        q->count++;
        pthread_cond_signal(&q->changed);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void detect__queue_finish(detect__queue_t *q, int status, const avp_error_t *err)
{
    pthread_mutex_lock(&q->mu);
    q->done = 1;
    q->status = status;
    if (status < 0 && err)
        q->err = *err;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->mu);
}

int detect__queue_pop(detect__queue_t *q, detect__slot_t *out)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->done)
        pthread_cond_wait(&q->changed, &q->mu);
    int rc = q->status;
    if (q->count > 0) {
        *out = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        rc = 1;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}
