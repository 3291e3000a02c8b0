/*
 * bench_store.c URL [ROWS] - the detections table under load: COPY append
 * rows/s (worker-sized and large transactions), keyset page latency
 * p50/p99 over a walk of the whole run, and the stream's rows/s. Prints
 * key=value lines. The database at URL is migrated and gets a new run.
 */
#include "store/store.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BOXES_PER_FRAME 10

static store_box_t boxes[1000][BOXES_PER_FRAME];
static store_frame_t frames[1000];

static void die(const char *what, const avp_error_t *err)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, err->msg);
    exit(1);
}

static int64_t new_run(store_conn_t *c)
{
    avp_error_t err = {0};
    if (store_exec(c, "INSERT INTO projects (name) VALUES ('bench');"
                      "INSERT INTO videos (project_id, filename, path)"
                      " SELECT max(id), 'b.mp4', '/b.mp4' FROM projects;"
                      "INSERT INTO models (name, path, sha256, family, input_w,"
                      " input_h, num_classes) VALUES ('m', '/m', repeat('a', 64),"
                      " 'yolox', 416, 416, 80)", &err))
        die("setup", &err);
    PGresult *res = PQexec(store_conn_pg(c),
        "INSERT INTO detection_runs (video_id, model_id, conf, iou)"
        " SELECT max(v.id), max(m.id), 0.25, 0.45 FROM videos v, models m"
        " RETURNING id");
    int64_t id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return id;
}

static void fill_batch(int32_t f0, int nframes)
{
    for (int i = 0; i < nframes; i++) {
        int32_t f = f0 + i;
        frames[i] = (store_frame_t){f, f / 25.0, boxes[i], BOXES_PER_FRAME};
        for (int j = 0; j < BOXES_PER_FRAME; j++)
            boxes[i][j] = (store_box_t){(f + j) % 80, (float)((f * 7 + j) % 100) / 100,
                                        {f % 1000, j * 10.f, f % 1000 + 50.f, j * 10.f + 80}};
    }
}

/* CPU seconds used by this process and by the server backend of c: on a
 * shared machine, rows per CPU second says what a free core would give. */
static double cpu_seconds(store_conn_t *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    double cpu = ts.tv_sec + ts.tv_nsec * 1e-9;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", PQbackendPID(store_conn_pg(c)));
    FILE *f = fopen(path, "r");
    unsigned long ut = 0, st = 0;
    /* Fields 14 and 15 (utime, stime) follow the command name in (). */
    if (f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                    &ut, &st) == 2)
        cpu += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    if (f)
        fclose(f);
    return cpu;
}

/* Appends `rows` rows in transactions of `per_tx` frames; prints rows/s
 * of wall time and of CPU time (client + backend). */
static void append_rows(store_conn_t *c, int64_t run, int64_t rows, int per_tx)
{
    int64_t nframes = rows / BOXES_PER_FRAME;
    avp_error_t err = {0};
    double cpu0 = cpu_seconds(c);
    double t0 = avp_now();
    for (int64_t f = 0; f < nframes; f += per_tx) {
        int n = (int)(nframes - f < per_tx ? nframes - f : per_tx);
        fill_batch((int32_t)f, n);
        if (store_detections_append(c, run, f, f + n, frames, n, &err))
            die("append", &err);
    }
    /* The run's final state commits synchronously, as a worker's does,
     * which flushes the asynchronous commits before it to disk. */
    char sql[96];
    snprintf(sql, sizeof(sql), "UPDATE detection_runs SET state = 'done'"
             " WHERE id = %lld", (long long)run);
    if (store_exec(c, sql, &err))
        die("finish", &err);
    double n = (double)(nframes * BOXES_PER_FRAME);
    printf("copy rows=%.0f rows_per_tx=%d rows_per_s=%.0f rows_per_cpu_s=%.0f\n",
           n, per_tx * BOXES_PER_FRAME, n / (avp_now() - t0),
           n / (cpu_seconds(c) - cpu0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Walks every page of the run; prints p50/p99 of the page calls. */
static void walk_pages(store_conn_t *c, int64_t run, int limit, int cls,
                       int max_pages)
{
    double *lat = malloc((size_t)max_pages * sizeof(double));
    char cursor[STORE_CURSOR_MAX] = "";
    avp_error_t err = {0};
    int n = 0;
    int64_t rows = 0;
    do {
        store_det_query_t q = {run, cursor, limit, cls, 0, NAN, NAN};
        store_det_page_t page;
        double t0 = avp_now();
        if (store_detections_page(c, &q, &page, &err))
            die("page", &err);
        lat[n++] = avp_now() - t0;
        rows += page.count;
        snprintf(cursor, sizeof(cursor), "%s", page.next_cursor);
        store_det_page_free(&page);
    } while (cursor[0] && n < max_pages);
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    printf("page limit=%d class=%d pages=%d rows=%lld p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           limit, cls, n, (long long)rows, lat[n / 2] * 1e3,
           lat[(int)(n * 0.99)] * 1e3, lat[n - 1] * 1e3);
    free(lat);
}

/* First pages of time windows [t0, t0 + 2 s] at random places in the run:
 * the index walk must start at t0's frame, not at frame 0. */
static void time_windows(store_conn_t *c, int64_t run, double duration)
{
    enum { N = 200 };
    double lat[N];
    avp_error_t err = {0};
    srand(1);
    for (int i = 0; i < N; i++) {
        double t0 = duration * rand() / RAND_MAX;
        store_det_query_t q = {run, NULL, 100, -1, 0, t0, t0 + 2};
        store_det_page_t page;
        double start = avp_now();
        if (store_detections_page(c, &q, &page, &err))
            die("time window", &err);
        lat[i] = avp_now() - start;
        store_det_page_free(&page);
    }
    qsort(lat, N, sizeof(double), cmp_double);
    printf("page limit=100 window=2s pages=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           N, lat[N / 2] * 1e3, lat[N * 99 / 100] * 1e3, lat[N - 1] * 1e3);
}

static void stream_all(store_conn_t *c, int64_t run)
{
    store_det_iter_t *it;
    store_det_t row;
    avp_error_t err = {0};
    int64_t n = 0;
    double t0 = avp_now();
    if (store_det_iter_open(c, run, 2000, &it, &err))
        die("stream", &err);
    int rc;
    while ((rc = store_det_iter_next(it, &row, &err)) == 1)
        n++;
    store_det_iter_close(it);
    if (rc)
        die("stream", &err);
    printf("stream rows=%lld rows_per_s=%.0f\n", (long long)n, n / (avp_now() - t0));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store URL [ROWS]\n");
        return 2;
    }
    int64_t rows = argc > 2 ? atoll(argv[2]) : 1000000;
    avp_error_t err = {0};
    store_pool_opts_t o = {.conninfo = argv[1], .max_size = 2};
    store_pool_t *pool;
    store_conn_t *c;
    size_t nm;
    const store_migration_t *m = store_migrations(&nm);
    if (store_pool_create(&o, &pool, &err) || store_pool_acquire(pool, -1, &c, &err) ||
        store_migrate(c, m, nm, NULL, &err))
        die("setup", &err);

    /* Worker-sized transactions (32 frames of 10 boxes), then large ones. */
    append_rows(c, new_run(c), rows / 10 < 200000 ? rows / 10 : 200000, 32);
    int64_t run = new_run(c);
    append_rows(c, run, rows, 1000);
    store_exec(c, "VACUUM ANALYZE detections", &err);

    int64_t pages = rows / 100 + 2;
    walk_pages(c, run, 100, -1, (int)(pages < 200000 ? pages : 200000));
    walk_pages(c, run, 1000, -1, (int)(rows / 1000 + 2));
    walk_pages(c, run, 100, 7, 2000);
    time_windows(c, run, (double)(rows / BOXES_PER_FRAME) / 25.0);
    stream_all(c, run);
    PGresult *res = PQexec(store_conn_pg(c),
        "SELECT pg_size_pretty(pg_total_relation_size('detections'))");
    printf("table_size=%s\n", PQgetvalue(res, 0, 0));
    PQclear(res);
    store_pool_release(c);
    store_pool_destroy(pool);
    return 0;
}
