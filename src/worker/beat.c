/* beat.c - the heartbeat of a running attempt.
 *
 * Why a thread: the attempt's own tick runs only between batches, and the
 * first batch comes after the model is loaded (seconds for a large model,
 * more under a sanitizer or on a busy machine). A gap longer than
 * reclaim_idle_ms would let another worker reclaim a healthy task and run
 * it twice, each start counting as an attempt. Beating from a thread of its
 * own, every quarter of that window, keeps the entry fresh whatever the
 * attempt is doing; the attempt only reads the `lost` flag. */
#include "internal.h"

#include <errno.h>
#include <time.h>

static int64_t period_ms(const worker_ctx_t *ctx)
{
    int64_t ms = ctx->opts->reclaim_idle_ms / 4;
    return ms < 250 ? 250 : ms > 2000 ? 2000 : ms;
}

static void *beat_main(void *arg)
{
    worker_beat_t *b = arg;
    int64_t ms = period_ms(b->ctx);
    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
        struct timespec until = avp_deadline_ms(ms);
        while (!b->stop && pthread_cond_timedwait(&b->cv, &b->mu, &until) != ETIMEDOUT)
            ;
        if (b->stop)
            break;
        pthread_mutex_unlock(&b->mu);
        avp_error_t err;
        /* 0: another worker took the entry. An error (Redis down) is not
         * proof of loss; the next beat tries again. */
        if (queue_heartbeat(b->ctx->q, b->ctx->opts->name, b->entry_id, &err) == 0)
            atomic_store(&b->lost, true);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

int worker__beat_start(worker_beat_t *b, worker_ctx_t *ctx, const char *entry_id)
{
    *b = (worker_beat_t){.ctx = ctx, .entry_id = entry_id};
    atomic_init(&b->lost, false);
    pthread_mutex_init(&b->mu, NULL);
    avp_cond_init_monotonic(&b->cv);
    b->running = pthread_create(&b->thread, NULL, beat_main, b) == 0;
    return b->running ? AVP_OK : AVP_ENOMEM;
}

void worker__beat_stop(worker_beat_t *b)
{
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    if (b->running)
        pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
}

bool worker__beat_lost(worker_beat_t *b) { return atomic_load(&b->lost); }
