/*
 * bufpool.h - a fixed number of equal, 64-byte aligned buffers allocated
 * once. The video pipeline takes frame tensors from here so that steady
 * state allocates nothing; when all buffers are out, bufpool_acquire()
 * blocks, which is the pipeline's backpressure.
 *
 * Thread model: acquire and release are safe from any thread.
 */
#ifndef AVP_UTIL_BUFPOOL_H
#define AVP_UTIL_BUFPOOL_H

#include <stddef.h>

typedef struct bufpool bufpool_t;

/* Returns AVP_OK or AVP_ENOMEM. *out is NULL on failure. */
int bufpool_create(size_t count, size_t size, bufpool_t **out);
void bufpool_destroy(bufpool_t *p); /* all buffers must be back; NULL ok */

/* Blocks until a buffer is free or bufpool_close() was called (NULL). */
void *bufpool_acquire(bufpool_t *p);
void bufpool_release(bufpool_t *p, void *buf);

/* Wakes every waiter; later acquires return NULL at once. */
void bufpool_close(bufpool_t *p);

size_t bufpool_size(const bufpool_t *p); /* bytes per buffer */

#endif
