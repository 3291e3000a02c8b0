/* ops.c - the dashboard's counts (cached), Web Vitals from the UI,
 * readiness, and the platform's series on /metrics: database pool, queue
 * depth, cache hit rate, running tasks' frame rate. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

static int fill_stats(api_t *r, store_conn_t *c, void *arg, char **json,
                      avp_error_t *err)
{
    (void)r;
    return store_dashboard_stats(c, *(int64_t *)arg, json, err);
}

void api__dashboard_stats(http_req_t *req, void *ctx)
{
    int64_t uid = http_req_user(req)->id;
    char key[64], tag[32];
    snprintf(key, sizeof key, "stats:%" PRId64, uid);
    snprintf(tag, sizeof tag, "u:%" PRId64, uid);
    const char *tags[] = {tag};
    api__reply_cached(ctx, req, NULL, key, tags, 1, fill_stats, &uid);
}

/* ---- Web Vitals: the last API_VITALS_KEEP measurements, in memory ------
 * Only signed-in users report, each at most VITALS_PER_MINUTE times a
 * minute (a page load reports five), so nobody can flush the ring with
 * made-up numbers. The budget is kept per slot of a fixed table indexed
 * by user id: users who share a slot share its budget, which bounds the
 * table and the rate whatever the number of accounts. */
#define VITALS_PER_MINUTE 60
#define VITALS_SLOTS 1024

typedef struct vital {
    char name[16], rating[24], page[160];
    double value;
    int64_t at_ms;
} vital_t;

typedef struct vital_budget {
    int64_t minute; /* the window count belongs to */
    int count;
} vital_budget_t;

struct api_vitals {
    pthread_mutex_t mu;
    vital_t ring[API_VITALS_KEEP];
    uint64_t total; /* ever recorded; the ring holds the last ones */
    vital_budget_t budget[VITALS_SLOTS];
};

void api__vitals_destroy(api_vitals_t *v)
{
    if (!v)
        return;
    pthread_mutex_destroy(&v->mu);
    avp_free(v);
}

/* One of list (NULL-terminated), or absent when optional; else 400. */
static int one_of_or_reply(http_req_t *req, const char *field,
                           const char *const *list)
{
    const char *s = json_string_value(json_object_get(http_req_body(req),
                                                      field));
    for (size_t i = 0; s && list[i]; i++)
        if (!strcmp(s, list[i]))
            return AVP_OK;
    if (!s && strcmp(field, "name"))
        return AVP_OK;
    http_reply_error(req, 400, "bad_request", "field '%s' must be one of "
                     "the Web Vitals %s", field, !strcmp(field, "name")
                     ? "metrics (CLS, FCP, INP, LCP, TTFB)"
                     : "ratings (good, needs-improvement, poor)");
    return AVP_EINVAL;
}

static int vital_valid_or_reply(http_req_t *req)
{
    static const char *const names[] = {"CLS", "FCP", "INP", "LCP", "TTFB",
                                        NULL};
    static const char *const ratings[] = {"good", "needs-improvement", "poor",
                                          NULL};
    const char *page =
        json_string_value(json_object_get(http_req_body(req), "page"));
    if (one_of_or_reply(req, "name", names) < 0 ||
        one_of_or_reply(req, "rating", ratings) < 0)
        return AVP_EINVAL;
    if (page && page[0] != '/') {
        http_reply_error(req, 400, "bad_request",
                         "field 'page' must be a path starting with '/'");
        return AVP_EINVAL;
    }
    return AVP_OK;
}

/* Takes one report from the caller's budget; 429 when it is spent. */
static int vital_budget_or_reply(api_vitals_t *v, http_req_t *req,
                                 int64_t minute)
{
    int64_t uid = http_req_user(req)->id;
    pthread_mutex_lock(&v->mu);
    vital_budget_t *b = &v->budget[(uint64_t)uid % VITALS_SLOTS];
    if (b->minute != minute)
        b->minute = minute, b->count = 0;
    int ok = b->count < VITALS_PER_MINUTE;
    b->count += ok;
    pthread_mutex_unlock(&v->mu);
    if (ok)
        return AVP_OK;
    http_reply_add_header(req, "Retry-After", "60");
    http_reply_error(req, 429, "too_many_requests", "at most %d Web Vitals "
                     "reports a minute", VITALS_PER_MINUTE);
    return AVP_EBUSY;
}

void api__vitals_post(http_req_t *req, void *ctx)
{
    api_vitals_t *v = ((api_t *)ctx)->vitals;
    json_t *b = http_req_body(req);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (vital_valid_or_reply(req) < 0 ||
        vital_budget_or_reply(v, req, now.tv_sec / 60) < 0)
        return;
    vital_t x = {.value = json_number_value(json_object_get(b, "value")),
                 .at_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000};
    const char *rating = json_string_value(json_object_get(b, "rating"));
    const char *page = json_string_value(json_object_get(b, "page"));
    snprintf(x.name, sizeof x.name, "%s",
             json_string_value(json_object_get(b, "name")));
    snprintf(x.rating, sizeof x.rating, "%s", rating ? rating : "");
    snprintf(x.page, sizeof x.page, "%s", page ? page : "");
    pthread_mutex_lock(&v->mu);
    v->ring[v->total++ % API_VITALS_KEEP] = x;
    pthread_mutex_unlock(&v->mu);
    http_reply_empty(req, 204);
}

/* Adds x to the per-metric aggregate in agg: count, mean, share "good". */
static void aggregate(json_t *agg, const vital_t *x)
{
    json_t *a = json_object_get(agg, x->name);
    if (!a) {
        a = json_pack("{s:i, s:f, s:i}", "count", 0, "sum", 0.0, "good", 0);
        json_object_set_new(agg, x->name, a);
    }
    json_object_set_new(a, "count", json_integer(json_integer_value(
                                        json_object_get(a, "count")) + 1));
    json_object_set_new(a, "sum", json_real(json_real_value(json_object_get(
                                      a, "sum")) + x->value));
    if (!strcmp(x->rating, "good"))
        json_object_set_new(a, "good", json_integer(json_integer_value(
                                           json_object_get(a, "good")) + 1));
}

void api__vitals_get(http_req_t *req, void *ctx)
{
    api_vitals_t *v = ((api_t *)ctx)->vitals;
    int64_t limit = http_req_query_int(req, "limit", 100);
    json_t *items = json_array(), *agg = json_object();
    pthread_mutex_lock(&v->mu);
    uint64_t n = v->total < API_VITALS_KEEP ? v->total : API_VITALS_KEEP;
    for (uint64_t i = 0; i < n; i++) {
        const vital_t *x = &v->ring[(v->total - 1 - i) % API_VITALS_KEEP];
        aggregate(agg, x);
        if ((int64_t)i < limit)
            json_array_append_new(
                items, json_pack("{s:s, s:f, s:s, s:s, s:I}", "name", x->name,
                                 "value", x->value, "rating", x->rating,
                                 "page", x->page, "at", (json_int_t)x->at_ms));
    }
    pthread_mutex_unlock(&v->mu);
    http_reply_json(req, 200, json_pack("{s:o, s:n, s:o}", "items", items,
                                        "next_cursor", "aggregates", agg));
}

/* ---- readiness and metrics --------------------------------------------- */

int api__ready(void *ctx, avp_error_t *err)
{
    api_t *r = ctx;
    store_conn_t *c;
    int rc = store_pool_acquire(r->opt.pool, 1000, &c, err);
    if (rc == AVP_OK) {
        rc = store_exec(c, "SELECT 1", err);
        store_pool_release(c);
    }
    if (rc == AVP_OK && r->q)
        rc = queue_conn_ping(r->q, err);
    return rc;
}

/* Gauges named by a {name, help} table, and their values. */
static void add_gauges(http_metrics_t *m, const char *const (*t)[2], int n,
                       http_metrics_gauge_t **out)
{
    for (int i = 0; i < n; i++)
        out[i] = http_metrics_gauge(m, t[i][0], t[i][1], NULL);
}

static void set_gauges(http_metrics_gauge_t **g, const double *v, int n)
{
    for (int i = 0; i < n; i++)
        http_metrics_gauge_set(g[i], v[i]);
}

/* Tasks, and the WAL where the database user may read its size. */
static void collect_store(api_t *r)
{
    store_conn_t *c;
    avp_error_t err;
    store_task_gauges_t tg;
    double wal;
    if (store_pool_acquire(r->opt.pool, 500, &c, &err) != AVP_OK)
        return;
    if (store_task_gauges(c, &tg, &err) == AVP_OK) {
        const double task[] = {tg.fps, tg.running, tg.oldest_queued_s};
        set_gauges(r->task_g, task, (int)AVP_ARRAY_LEN(task));
    }
    /* Registered once measured (idempotent, and safe from concurrent
     * scrapes): a user without the right never shows a false 0. */
    if (store_wal_bytes(c, &wal, &err) == AVP_OK)
        http_metrics_gauge_set(http_metrics_gauge(r->metrics,
            "avp_db_wal_bytes", "Size of PostgreSQL's WAL.", NULL), wal);
    store_pool_release(c);
}

/* The data folder's file system: uploads fill it. */
static void collect_disk(api_t *r)
{
    struct statvfs st;
    if (statvfs(r->data_dir, &st) == 0) {
        http_metrics_gauge_set(r->disk_g[0], (double)st.f_bavail * st.f_frsize);
        http_metrics_gauge_set(r->disk_g[1], (double)st.f_blocks * st.f_frsize);
    }
}

static void collect(void *ctx)
{
    api_t *r = ctx;
    store_pool_stats_t ps;
    store_pool_stats(r->opt.pool, &ps);
    const double pool[] = {ps.size, ps.in_use, ps.waiters, ps.max_size,
                           (double)ps.timeouts, ps.wait_seconds};
    set_gauges(r->pool_g, pool, (int)AVP_ARRAY_LEN(pool));
    avp_error_t err;
    queue_depth_t d;
    if (r->q && queue_depth(r->q, &d, &err) == AVP_OK) {
        http_metrics_gauge_set(r->queue_g[0], (double)d.length);
        http_metrics_gauge_set(r->queue_g[1], (double)d.pending);
        http_metrics_gauge_set(r->queue_g[2], (double)d.consumers);
    }
    queue_cache_stats_t cs = {0};
    for (int i = 0; r->cache && i < API_REDIS_LINKS; i++) {
        queue_cache_stats_t one;
        queue_cache_stats(r->caches[i], &one);
        cs.hits += one.hits;
        cs.misses += one.misses;
        cs.errors += one.errors;
    }
    http_metrics_gauge_set(r->cache_g[0], (double)cs.hits);
    http_metrics_gauge_set(r->cache_g[1], (double)cs.misses);
    http_metrics_gauge_set(r->cache_g[2], (double)cs.errors);
    api_engine_stats_t es;
    api__engine_stats(&es);
    const double engine[] = {es.running, es.peak, es.max, (double)es.waits};
    set_gauges(r->engine_g, engine, (int)AVP_ARRAY_LEN(engine));
    store_group_stats_t gs;
    store_group_stats(r->group, &gs);
    const double group[] = {(double)gs.batches, (double)gs.requests};
    set_gauges(r->group_g, group, (int)AVP_ARRAY_LEN(group));
    collect_store(r);
    collect_disk(r);
}

void api__ops_init(api_t *r, http_metrics_t *m)
{
    r->vitals = avp_calloc(1, sizeof *r->vitals);
    pthread_mutex_init(&r->vitals->mu, NULL);
    static const char *const pool[][2] = {
        {"avp_db_pool_connections", "Open database connections."},
        {"avp_db_pool_in_use", "Database connections lent out."},
        {"avp_db_pool_waiters", "Requests waiting for a connection."},
        {"avp_db_pool_max", "Largest pool size."},
        {"avp_db_pool_timeouts", "Acquires that gave up (503s), total."},
        {"avp_db_pool_wait_seconds", "Time spent waiting for connections, total."}};
    add_gauges(m, pool, (int)AVP_ARRAY_LEN(pool), r->pool_g);
    const char *help = "Detect tasks in the Redis stream.";
    r->queue_g[0] =
        http_metrics_gauge(m, "avp_queue_depth", help, "kind=\"length\"");
    r->queue_g[1] =
        http_metrics_gauge(m, "avp_queue_depth", help, "kind=\"pending\"");
    r->queue_g[2] = http_metrics_gauge(m, "avp_queue_consumers",
                                       "Workers holding pending tasks.", NULL);
    help = "Cache lookups of this process, total.";
    r->cache_g[0] =
        http_metrics_gauge(m, "avp_cache_lookups", help, "result=\"hit\"");
    r->cache_g[1] =
        http_metrics_gauge(m, "avp_cache_lookups", help, "result=\"miss\"");
    r->cache_g[2] = http_metrics_gauge(
        m, "avp_cache_errors", "Cache calls Redis did not serve, total.", NULL);
    r->task_g[0] = http_metrics_gauge(
        m, "avp_tasks_fps", "Summed frame rate of running tasks.", NULL);
    r->task_g[1] =
        http_metrics_gauge(m, "avp_tasks_running", "Running tasks.", NULL);
    r->task_g[2] = http_metrics_gauge(m, "avp_queue_oldest_seconds",
                                      "Age of the oldest queued task (0: "
                                      "none waits).", NULL);
    r->metrics = m;
    r->disk_g[0] = http_metrics_gauge(m, "avp_data_disk_free_bytes",
                                      "Free space for uploads in the data "
                                      "folder's file system.", NULL);
    r->disk_g[1] = http_metrics_gauge(m, "avp_data_disk_size_bytes",
                                      "Size of the data folder's file "
                                      "system.", NULL);
    static const char *const engine[][2] = {
        {"avp_engine_children", "Child avp processes running (probes, thumbnails, model loads)."},
        {"avp_engine_children_peak", "Most child avp processes at once."},
        {"avp_engine_children_max", "Child avp processes allowed at once (AVP_ENGINE_MAX)."},
        {"avp_engine_waits", "Child runs that waited for a place, total."}};
    add_gauges(m, engine, (int)AVP_ARRAY_LEN(engine), r->engine_g);
    static const char *const group[][2] = {
        {"avp_process_batches", "Transactions that created processing tasks, total."},
        {"avp_process_requests", "Processing requests written in them, total."}};
    add_gauges(m, group, (int)AVP_ARRAY_LEN(group), r->group_g);
    r->uploads =
        http_metrics_counter(m, "avp_uploads_total", "Uploads received.", NULL);
    r->upload_bytes = http_metrics_counter(m, "avp_upload_bytes_total",
                                           "Bytes of uploads received.", NULL);
    http_metrics_on_collect(m, collect, r);
}
