/* policy.c - the worker's small decisions, kept free of I/O so they can be
 * tested alone: retry backoff, give-up rule, frame totals, the progress
 * message and the progress tick's throttle. */
#include "worker.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define BACKOFF_MAX_S 300

int worker_backoff_s(int attempts)
{
    if (attempts < 0)
        attempts = 0;
    /* 2^9 already passes the cap; stop before the shift overflows. */
    if (attempts >= 9)
        return BACKOFF_MAX_S;
    int s = 1 << attempts;
    return s > BACKOFF_MAX_S ? BACKOFF_MAX_S : s;
}

worker_verdict_t worker_after_failure(int attempts, int max_attempts)
{
    return attempts < max_attempts ? WORKER_RETRY : WORKER_GIVE_UP;
}

int64_t worker_frames_total(int64_t frame_count, int every)
{
    if (frame_count <= 0)
        return 0;
    if (every < 1)
        every = 1;
    return (frame_count + every - 1) / every;
}

double worker_progress_fraction(const worker_progress_t *p)
{
    if (p->state && !strcmp(p->state, "done"))
        return 1.0;
    if (p->frames_total <= 0)
        return 0.0;
    double f = (double)p->frames_done / (double)p->frames_total;
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

int worker_progress_json(const worker_progress_t *p, char *buf, size_t cap)
{
    char eta[32] = "null";
    int64_t left = p->frames_total - p->frames_done;
    if (p->fps > 0 && p->frames_total > 0)
        snprintf(eta, sizeof eta, "%.1f", left > 0 ? (double)left / p->fps : 0.0);
    double fps = isfinite(p->fps) && p->fps > 0 ? p->fps : 0.0;
    return snprintf(buf, cap,
                    "{\"task_id\":%lld,\"state\":\"%s\",\"progress\":%.4f,"
                    "\"frames_done\":%lld,\"frames_total\":%lld,"
                    "\"fps\":%.2f,\"eta\":%s}",
                    (long long)p->task_id, p->state,
                    worker_progress_fraction(p), (long long)p->frames_done,
                    (long long)p->frames_total, fps, eta);
}

int worker_throttle_due(worker_throttle_t *t, double now)
{
    if (t->last > 0 && now - t->last < t->period_s)
        return 0;
    t->last = now;
    return 1;
}
