/* bufpool.c - see bufpool.h. One aligned slab cut into buffers and a stack
 * of free pointers under a mutex. */
#include "bufpool.h"
#include "avp.h"

#include <pthread.h>
#include <stdbool.h>

struct bufpool {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    unsigned char *slab;
    void **free_list;
    size_t nfree, count, size;
    bool closed;
};

int bufpool_create(size_t count, size_t size, bufpool_t **out)
{
    *out = NULL;
    size = (size + 63) & ~(size_t)63;
    bufpool_t *p = avp_calloc(1, sizeof(*p));
    p->slab = avp_try_malloc_aligned(count * size);
    if (!p->slab) {
        avp_free(p);
        return AVP_ENOMEM;
    }
    p->free_list = avp_calloc(count, sizeof(void *));
    for (size_t i = 0; i < count; i++)
        p->free_list[i] = p->slab + i * size;
    p->nfree = p->count = count;
    p->size = size;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->freed, NULL);
    *out = p;
    return AVP_OK;
}

void bufpool_destroy(bufpool_t *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->freed);
    avp_free_aligned(p->slab);
    avp_free(p->free_list);
    avp_free(p);
}

void *bufpool_acquire(bufpool_t *p)
{
    void *buf = NULL;
    pthread_mutex_lock(&p->mu);
    while (!p->closed && p->nfree == 0)
        pthread_cond_wait(&p->freed, &p->mu);
    if (!p->closed)
        buf = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return buf;
}

void bufpool_release(bufpool_t *p, void *buf)
{
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = buf;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}

void bufpool_close(bufpool_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->closed = true;
    pthread_cond_broadcast(&p->freed);
    pthread_mutex_unlock(&p->mu);
}

size_t bufpool_size(const bufpool_t *p) { return p->size; }
