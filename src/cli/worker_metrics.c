/* worker_metrics.c - a worker's series on its own metrics address; see
 * worker_metrics.h. */
#include "worker_metrics.h"

#include "http/metrics.h"

#include <stdio.h>
#include <string.h>

/* Batch latency: a batch of 8 small frames (tens of ms) to a large model
 * on a loaded machine (tens of seconds). */
static const double batch_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                      2.5,  5,     10,   30,  60};
static const char *const ends[] = {"done", "failed", "retry", "cancelled",
                                   "handback"};
#define NENDS (int)AVP_ARRAY_LEN(ends)

struct cli_worker_metrics {
    http_metrics_t *m;
    http_metrics_listener_t *listener;
    worker_models_t *models;
    worker_observer_t obs;
    http_metrics_counter_t *frames, *tasks[NENDS];
    http_metrics_histogram_t *batch;
    http_metrics_gauge_t *fps, *loaded, *bytes, *hits, *loads, *evictions;
};

static void on_batch(void *ctx, int frames, double seconds)
{
    cli_worker_metrics_t *wm = ctx;
    http_metrics_counter_add(wm->frames, (uint64_t)frames);
    http_metrics_histogram_observe(wm->batch, seconds);
    http_metrics_gauge_set(wm->fps, seconds > 0 ? frames / seconds : 0);
}

static void on_task_end(void *ctx, const char *end)
{
    cli_worker_metrics_t *wm = ctx;
    for (int i = 0; i < NENDS; i++)
        if (!strcmp(end, ends[i]))
            http_metrics_counter_add(wm->tasks[i], 1);
    http_metrics_gauge_set(wm->fps, 0); /* idle until the next batch */
}

static void collect_models(void *ctx)
{
    cli_worker_metrics_t *wm = ctx;
    worker_models_stats_t s;
    worker_models_stats(wm->models, &s);
    http_metrics_gauge_set(wm->loaded, s.loaded);
    http_metrics_gauge_set(wm->bytes, (double)s.bytes);
    http_metrics_gauge_set(wm->hits, (double)s.hits);
    http_metrics_gauge_set(wm->loads, (double)s.loads);
    http_metrics_gauge_set(wm->evictions, (double)s.evictions);
}

static void add_series(cli_worker_metrics_t *wm, const char *name)
{
    http_metrics_t *m = wm->m;
    char labels[256], safe[160];
    /* A label value may not hold a quote, backslash or newline unescaped;
     * a worker's name has no business holding one. */
    snprintf(safe, sizeof safe, "%s", name);
    for (char *p = safe; *p; p++)
        if (*p == '"' || *p == '\\' || *p == '\n')
            *p = '_';
    /* The name rides on one series only: the others join it by instance. */
    snprintf(labels, sizeof labels, "worker=\"%s\"", safe);
    http_metrics_gauge_set(http_metrics_gauge(m, "avp_worker_info",
                           "This worker's name (value 1).", labels), 1);
    wm->frames = http_metrics_counter(m, "avp_worker_frames_total",
                                      "Frames processed and stored.", NULL);
    for (int i = 0; i < NENDS; i++) {
        snprintf(labels, sizeof labels, "end=\"%s\"", ends[i]);
        wm->tasks[i] = http_metrics_counter(m, "avp_worker_tasks_total",
                                            "Attempts ended, by how.", labels);
    }
    wm->batch = http_metrics_histogram(
        m, "avp_worker_batch_seconds", "Time to decode, infer and store a "
        "batch.", NULL, batch_bounds, (int)AVP_ARRAY_LEN(batch_bounds));
    wm->fps = http_metrics_gauge(m, "avp_worker_fps", "Frame rate of the "
                                 "last batch (0 when idle).", NULL);
    wm->loaded = http_metrics_gauge(m, "avp_worker_models_loaded",
                                    "Models in the model cache.", NULL);
    wm->bytes = http_metrics_gauge(m, "avp_worker_model_cache_bytes",
                                   "Memory of the cached models.", NULL);
    const char *help = "Model cache lookups, total.";
    wm->hits = http_metrics_gauge(m, "avp_worker_model_cache_lookups", help,
                                  "result=\"hit\"");
    wm->loads = http_metrics_gauge(m, "avp_worker_model_cache_lookups", help,
                                   "result=\"load\"");
    wm->evictions = http_metrics_gauge(m, "avp_worker_model_cache_evictions",
                                       "Models evicted, total.", NULL);
}

int cli_worker_metrics_start(const char *name, const char *addr,
                             worker_models_t *models,
                             const worker_observer_t **obs,
                             cli_worker_metrics_t **out, avp_error_t *err)
{
    cli_worker_metrics_t *wm = avp_calloc(1, sizeof *wm);
    wm->m = http_metrics_create();
    wm->models = models;
    wm->obs = (worker_observer_t){wm, on_batch, on_task_end};
    add_series(wm, name);
    http_metrics_add_process_gauges(wm->m);
    http_metrics_on_collect(wm->m, collect_models, wm);
    int rc = http_metrics_listen(wm->m, addr, &wm->listener, err);
    if (rc) {
        cli_worker_metrics_stop(wm);
        *out = NULL;
        return rc;
    }
    *obs = &wm->obs;
    *out = wm;
    return AVP_OK;
}

void cli_worker_metrics_stop(cli_worker_metrics_t *wm)
{
    if (!wm)
        return;
    http_metrics_listener_stop(wm->listener);
    http_metrics_destroy(wm->m);
    avp_free(wm);
}
