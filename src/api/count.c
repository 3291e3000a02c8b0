/* count.c - the exact frame counts of uploads. The upload replies with the
 * container's count or an estimate (videos.c); this thread then claims
 * each video still waiting (store_video_count_claim), has a child count
 * its packets (`avp media probe --count-seconds`, the server does not link
 * libav) and stores the count. One child at a time per server: the count
 * is a disk-bound scan, and uploads should not queue behind it.
 *
 * The row is the truth, so nothing is lost with the process: a child that
 * dies (killed, crashed, out of time) releases the claim and the next pass
 * tries again; a server that dies mid-count leaves a claim that lapses
 * after COUNT_LEASE_S and any server takes the video up again; after
 * STORE_COUNT_MAX_TRIES the video keeps its estimate. */
#include "api/internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>

/* Time the child may count, under the child's deadline; past it the try
 * fails (an hours-long file keeps its estimate after its tries). */
#define COUNT_SECONDS (API_ENGINE_TIMEOUT_S - 20)
/* Longer than a child may run: a live claim never lapses. */
#define COUNT_LEASE_S (API_ENGINE_TIMEOUT_S + 30)
/* Between passes when idle: claims that lapsed, tries to repeat, uploads
 * made through another server. */
#define COUNT_IDLE_MS 5000

struct api_counter {
    api_t *r;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int poked;
    atomic_int stop;
};

/* The exact count of the file at abs, or -1 (err says why). */
static int64_t count_file(api_counter_t *k, const char *abs, avp_error_t *err)
{
    char secs[16];
    snprintf(secs, sizeof secs, "%d", COUNT_SECONDS);
    const char *args[] = {"media", "probe", "--json", "--count-seconds",
                          secs, "--", abs, NULL};
    json_t *j;
    if (api__run_media(args, &k->stop, &j, err) < 0)
        return -1;
    int64_t n = json_is_true(json_object_get(j, "frame_count_exact"))
                    ? json_integer_value(json_object_get(j, "frame_count"))
                    : -1;
    json_decref(j);
    if (n <= 0)
        avp_error_set(err, AVP_EBUSY, "not counted within %d s",
                      COUNT_SECONDS);
    return n;
}

/* One pass: 1 when a video was claimed (counted or not), 0 when none
 * waits, < 0 when the database failed. No connection is held while the
 * child counts. */
static int count_next(api_counter_t *k)
{
    store_pool_t *pool = k->r->opt.pool;
    store_count_job_t job;
    store_conn_t *c;
    avp_error_t err;
    int rc = store_pool_acquire(pool, -1, &c, &err);
    if (rc == AVP_OK) {
        rc = store_video_count_claim(c, COUNT_LEASE_S, &job, &err);
        store_pool_release(c);
    }
    if (rc != 1)
        return rc;
    char abs[PATH_MAX];
    api__path(k->r, job.path, abs);
    int64_t n = count_file(k, abs, &err);
    if (n < 0 && atomic_load(&k->stop))
        n = 0; /* killed for the shutdown: hand it back, no try lost */
    else if (n < 0)
        fprintf(stderr, "avp serve: counting the frames of video %lld: %s\n",
                (long long)job.video_id, api__after_path(err.msg, abs));
    if (store_pool_acquire(pool, -1, &c, &err) == AVP_OK) {
        /* ENOTFOUND: deleted meanwhile, or counted by another server. A
         * database down here leaves the claim to lapse. */
        store_video_count_end(c, job.video_id, n, &err);
        store_pool_release(c);
    }
    return 1;
}

static void *counter_main(void *arg)
{
    api_counter_t *k = arg;
    while (!atomic_load(&k->stop)) {
        if (count_next(k) == 1)
            continue;
        pthread_mutex_lock(&k->mu);
        struct timespec until = avp_deadline_ms(COUNT_IDLE_MS);
        while (!k->poked && !atomic_load(&k->stop) &&
               pthread_cond_timedwait(&k->wake, &k->mu, &until) == 0)
            ;
        k->poked = 0;
        pthread_mutex_unlock(&k->mu);
    }
    return NULL;
}

int api__counter_start(api_t *r, avp_error_t *err)
{
    api_counter_t *k = avp_calloc(1, sizeof *k);
    k->r = r;
    pthread_mutex_init(&k->mu, NULL);
    avp_cond_init_monotonic(&k->wake);
    if (pthread_create(&k->thread, NULL, counter_main, k) != 0) {
        pthread_cond_destroy(&k->wake);
        pthread_mutex_destroy(&k->mu);
        avp_free(k);
        return avp_error_set(err, AVP_ENOMEM, "cannot start the frame "
                             "counter");
    }
    r->counter = k;
    return AVP_OK;
}

void api__counter_poke(api_t *r)
{
    api_counter_t *k = r->counter;
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->poked = 1;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->mu);
}

void api__counter_stop(api_t *r)
{
    api_counter_t *k = r->counter;
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    atomic_store(&k->stop, 1);
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL); /* a running child is killed (stop) */
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->mu);
    avp_free(k);
    r->counter = NULL;
}
