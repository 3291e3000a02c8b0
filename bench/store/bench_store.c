/*
 * bench_store.c URL [ROWS] [COPY_ROWS] - the detections table under load,
 * through the real store functions. Prints key=value lines:
 *
 * - copy: store_detections_append rows/s (median of 3) in worker-sized
 *   (320 rows) and large (10 000 rows) transactions; then, on the empty
 *   table, with 0002's narrower index instead of 0008's, with a separate
 *   class index besides (the alternative 0008 explains), without any
 *   index and without WAL (unlogged): the differences say what index
 *   maintenance and WAL cost. Client and backend CPU are reported apart:
 *   the client's share is generating the rows and their binary COPY
 *   format, the backend's is parsing, heap, WAL and indexes.
 * - page: a ROWS-row run built server-side (generate_series, indexes built
 *   afterwards), then store_detections_page from random cursors for each
 *   filter combination, 3 passes: medians of p50/p99/max. Each
 *   combination's page query first runs under auto_explain (ANALYZE,
 *   BUFFERS) and must be an index scan without a sort; during the passes
 *   the plans of pages slower than 2 ms in the server are checked too.
 *   Without window or score, the same start is also read by a plain libpq
 *   query (what the store adds, at the same moments).
 * - stream: store_det_iter rows/s over the whole run.
 * Finally `run=ID` for the peer (peer.py) to read the same run.
 */
#include "store/internal.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BOXES_PER_FRAME 10
#define FPS 25.0
#define REPS 3
#define CURSORS 400

static store_box_t boxes[1000][BOXES_PER_FRAME];
static store_frame_t frames[1000];

static void die(const char *what, const avp_error_t *err)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, err->msg);
    exit(1);
}

static void exec_or_die(store_conn_t *c, const char *sql)
{
    avp_error_t err = {0};
    if (store_exec(c, sql, &err))
        die(sql, &err);
}

static int64_t query_int(store_conn_t *c, const char *sql)
{
    PGresult *res = PQexec(store__conn_pg(c), sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench_store: %s: %s", sql, PQerrorMessage(store__conn_pg(c)));
        exit(1);
    }
    int64_t v = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static int64_t new_run(store_conn_t *c)
{
    exec_or_die(c, "INSERT INTO projects (name) VALUES ('bench');"
                   "INSERT INTO videos (project_id, filename, path)"
                   " SELECT max(id), 'b.mp4', '/b.mp4' FROM projects;"
                   "INSERT INTO models (name, path, sha256, family, input_w,"
                   " input_h, num_classes) VALUES ('m', '/m', repeat('a', 64),"
                   " 'yolox', 416, 416, 80)");
    return query_int(c, "INSERT INTO detection_runs (video_id, model_id, conf, iou)"
                        " SELECT max(v.id), max(m.id), 0.25, 0.45 FROM videos v,"
                        " models m RETURNING id");
}

/* Frame f's boxes; generate_rows() below makes the same ones in SQL. */
static void fill_batch(int32_t f0, int nframes)
{
    for (int i = 0; i < nframes; i++) {
        int32_t f = f0 + i;
        frames[i] = (store_frame_t){f, f / FPS, boxes[i], BOXES_PER_FRAME};
        for (int j = 0; j < BOXES_PER_FRAME; j++)
            boxes[i][j] = (store_box_t){(f + j) % 80, (float)((f * 7 + j) % 100) / 100,
                                        {f % 1000, j * 10.f, f % 1000 + 50.f, j * 10.f + 80}};
    }
}

static double cpu_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the server backend of c (utime + stime, fields 14-15 of
 * /proc/PID/stat; the backend runs on this machine). */
static double backend_cpu(store_conn_t *c)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", PQbackendPID(store__conn_pg(c)));
    FILE *f = fopen(path, "r");
    unsigned long ut = 0, st = 0;
    if (f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                    &ut, &st) != 2)
        ut = st = 0;
    if (f)
        fclose(f);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

typedef struct copy_cost {
    double wall, client_cpu, backend_cpu, wal_bytes;
} copy_cost_t;

/* Appends `rows` rows to a new run in transactions of `per_tx` frames,
 * then commits synchronously as a worker's final state update does,
 * which flushes the asynchronous commits before it. */
static copy_cost_t append_rows(store_conn_t *c, int64_t rows, int per_tx)
{
    int64_t run = new_run(c), nframes = rows / BOXES_PER_FRAME;
    avp_error_t err = {0};
    int64_t wal0 = query_int(c, "SELECT pg_current_wal_insert_lsn() - '0/0'");
    copy_cost_t k = {avp_now(), cpu_now(CLOCK_PROCESS_CPUTIME_ID), backend_cpu(c), 0};
    for (int64_t f = 0; f < nframes; f += per_tx) {
        int n = (int)(nframes - f < per_tx ? nframes - f : per_tx);
        fill_batch((int32_t)f, n);
        if (store_detections_append(c, run, f, f + n, frames, n, &err))
            die("append", &err);
    }
    char sql[96];
    snprintf(sql, sizeof(sql), "UPDATE detection_runs SET state = 'done'"
             " WHERE id = %lld", (long long)run);
    exec_or_die(c, sql);
    k.wall = avp_now() - k.wall;
    k.client_cpu = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - k.client_cpu;
    k.backend_cpu = backend_cpu(c) - k.backend_cpu;
    k.wal_bytes = (double)(query_int(c, "SELECT pg_current_wal_insert_lsn() - '0/0'") - wal0);
    return k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* REPS appends; prints the median rows/s and the median run's costs. */
static void copy_case(store_conn_t *c, const char *name, int64_t rows, int per_tx)
{
    copy_cost_t k[REPS];
    double rate[REPS], sorted[REPS];
    for (int i = 0; i < REPS; i++) {
        k[i] = append_rows(c, rows, per_tx);
        sorted[i] = rate[i] = (double)rows / k[i].wall;
    }
    qsort(sorted, REPS, sizeof(double), cmp_double);
    int m = 0;
    while (rate[m] != sorted[REPS / 2])
        m++;
    printf("copy case=%s rows=%lld rows_per_tx=%d rows_per_s=%.0f (runs %.0f %.0f %.0f)"
           " client_us_per_row=%.3f backend_us_per_row=%.3f wal_bytes_per_row=%.0f\n",
           name, (long long)rows, per_tx * BOXES_PER_FRAME, rate[m], rate[0], rate[1],
           rate[2], k[m].client_cpu * 1e6 / rows, k[m].backend_cpu * 1e6 / rows,
           k[m].wal_bytes / rows);
    fflush(stdout);
}

/* Fills sql with "CREATE INDEX ...; ..." of the detections indexes. */
static void index_defs(store_conn_t *c, char *sql, size_t size)
{
    PGresult *res = PQexec(store__conn_pg(c),
        "SELECT string_agg(indexdef, '; ') FROM pg_indexes"
        " WHERE tablename = 'detections'");
    snprintf(sql, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

static void drop_indexes(store_conn_t *c)
{
    exec_or_die(c, "DO $$ DECLARE i text; BEGIN FOR i IN SELECT indexname FROM"
                   " pg_indexes WHERE tablename = 'detections' LOOP"
                   " EXECUTE 'DROP INDEX ' || quote_ident(i); END LOOP; END $$");
}

/* Empties detections and gives it the indexes of `sql` ("": none). */
static void reindex(store_conn_t *c, const char *sql)
{
    exec_or_die(c, "TRUNCATE detections");
    drop_indexes(c);
    if (sql[0])
        exec_or_die(c, sql);
}

/* Where COPY's time goes: with migration 0008's index, with 0002's
 * narrower one, with 0008's plus a separate class index (the alternative
 * 0008 explains), without any index, and without WAL. */
static void copy_section(store_conn_t *c, int64_t rows)
{
    char indexes[2048];
    index_defs(c, indexes, sizeof(indexes));
    exec_or_die(c, "TRUNCATE detections; CHECKPOINT");
    copy_case(c, "worker_tx", rows / 5, 32);
    copy_case(c, "large_tx", rows, 1000);
    reindex(c, "CREATE INDEX ON detections (run_id, frame, id)");
    copy_case(c, "index_of_0002", rows, 1000);
    reindex(c, "CREATE INDEX ON detections (run_id, frame, id, class_id, score);"
               "CREATE INDEX ON detections (run_id, class_id, frame, id)");
    copy_case(c, "plus_class_index", rows, 1000);
    reindex(c, "");
    copy_case(c, "no_index", rows, 1000);
    exec_or_die(c, "ALTER TABLE detections SET UNLOGGED");
    copy_case(c, "no_index_no_wal", rows, 1000);
    exec_or_die(c, "TRUNCATE detections; ALTER TABLE detections SET LOGGED");
    exec_or_die(c, indexes);
}

/* The run of `rows` rows, made by the server: the same boxes as
 * fill_batch, in frame order, indexes built once afterwards. */
static int64_t build_run(store_conn_t *c, int64_t rows)
{
    char indexes[2048], sql[1024];
    int64_t run = new_run(c), nframes = rows / BOXES_PER_FRAME;
    double t0 = avp_now();
    index_defs(c, indexes, sizeof(indexes));
    drop_indexes(c);
    snprintf(sql, sizeof(sql),
             "INSERT INTO detections (run_id, frame, t, class_id, score, x1, y1, x2, y2)"
             " SELECT %lld, f, f / %g, (f + j) %% 80, ((f * 7 + j) %% 100) / 100.0,"
             " f %% 1000, j * 10, f %% 1000 + 50, j * 10 + 80"
             " FROM generate_series(0, %lld) f CROSS JOIN LATERAL"
             " generate_series(0, %d) j ORDER BY f, j;"
             "UPDATE detection_runs SET frames_done = %lld, detections_count = %lld,"
             " state = 'done' WHERE id = %lld",
             (long long)run, FPS, (long long)nframes - 1, BOXES_PER_FRAME - 1,
             (long long)nframes, (long long)rows, (long long)run);
    exec_or_die(c, sql);
    exec_or_die(c, "SET maintenance_work_mem = '256MB'");
    exec_or_die(c, indexes);
    exec_or_die(c, "VACUUM ANALYZE detections");
    printf("build rows=%lld seconds=%.1f\n", (long long)rows, avp_now() - t0);
    return run;
}

typedef struct filter {
    const char *name;
    int limit;
    int32_t cls;
    float min_score;
    double window; /* seconds from the random start; 0: no time filter */
} filter_t;

static const filter_t filters[] = {
    {"none", 100, -1, 0, 0},
    {"none", 1000, -1, 0, 0},
    {"class", 100, 7, 0, 0},
    {"min_score", 100, -1, 0.5f, 0},
    {"window_60s", 100, -1, 0, 60},
    {"class_score_window_600s", 100, 7, 0.5f, 600},
};

static store_det_query_t make_query(int64_t run, const filter_t *f, double t0,
                                    const char *cursor)
{
    return (store_det_query_t){run, cursor, f->limit, f->cls, f->min_score,
                               f->window ? t0 : NAN, f->window ? t0 + f->window : NAN};
}

/* Where a measured page starts: the cursor after the first page of the
 * filter's rows from a random time t0 (the window's start, if the filter
 * has a window), and that page's last row. cursor is "" when that page
 * was the last. */
typedef struct start {
    char cursor[STORE_CURSOR_MAX];
    double t0;
    int32_t frame;
    int64_t id;
} start_t;

static void random_start(store_conn_t *c, int64_t run, const filter_t *f,
                         double duration, start_t *s)
{
    s->t0 = duration * rand() / RAND_MAX;
    filter_t from = *f;
    from.limit = 1 + rand() % 100;
    store_det_query_t q = make_query(run, &from, s->t0, NULL);
    q.t0 = s->t0; /* the start, also for the filters without a window */
    store_det_page_t page;
    avp_error_t err = {0};
    if (store_detections_page(c, &q, &page, &err))
        die("first page", &err);
    snprintf(s->cursor, sizeof(s->cursor), "%s", page.next_cursor);
    if (page.count) {
        s->frame = page.items[page.count - 1].frame;
        s->id = page.items[page.count - 1].id;
    }
    store_det_page_free(&page);
}

/* The same page as plain libpq would ask for it (text results, no
 * cursor, no window or score support), timed at the same moments as
 * store_detections_page: what the store adds on top of the query. */
static double raw_page(store_conn_t *c, int64_t run, const filter_t *f,
                       const start_t *s)
{
    char v[5][24];
    snprintf(v[0], sizeof(v[0]), "%lld", (long long)run);
    snprintf(v[1], sizeof(v[1]), "%d", (int)s->frame);
    snprintf(v[2], sizeof(v[2]), "%lld", (long long)s->id);
    snprintf(v[3], sizeof(v[3]), "%d", (int)f->cls);
    snprintf(v[4], sizeof(v[4]), "%d", f->limit + 1);
    const char *vals[] = {v[0], v[1], v[2], f->cls < 0 ? NULL : v[3], v[4]};
    double start = avp_now();
    PGresult *res = PQexecParams(store__conn_pg(c),
        "/* raw */ SELECT id, frame, t, class_id, score, x1, y1, x2, y2"
        " FROM detections WHERE run_id = $1 AND frame >= $2::integer"
        " AND (frame > $2::integer OR id > $3::bigint)"
        " AND ($4::integer IS NULL OR class_id = $4) ORDER BY frame, id LIMIT $5",
        5, NULL, vals, NULL, NULL, 0);
    double t = avp_now() - start;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1) {
        fprintf(stderr, "bench_store: raw page: %s", PQerrorMessage(store__conn_pg(c)));
        exit(1);
    }
    PQclear(res);
    return t;
}

/* Plans that auto_explain sends as NOTICEs, [0] of the store's page
 * query, [1] of raw_page's. The window bounds query's are not counted. */
typedef struct plans {
    int count, bad;
    char first_bad[4096];
    char last[4096];
} plans_t;

/* The index walk of the plan ("Index [Only ]Scan using NAME"), or NULL. */
static const char *index_walk(const char *plan)
{
    const char *scan = strstr(plan, "Index Only Scan using ");
    return scan ? scan : strstr(plan, "Index Scan using ");
}

static int plan_ok(const char *plan)
{
    return index_walk(plan) && !strstr(plan, "Sort") &&
           !strstr(plan, "Seq Scan") && !strstr(plan, "Bitmap");
}

static void on_notice(void *arg, const char *msg)
{
    plans_t *p = (plans_t *)arg + (strstr(msg, "/* raw */") != NULL);
    if (!strstr(msg, "ORDER BY frame, id LIMIT"))
        return;
    p->count++;
    snprintf(p->last, sizeof(p->last), "%s", msg);
    if (!plan_ok(msg) && !p->bad++)
        snprintf(p->first_bad, sizeof(p->first_bad), "%s", msg);
}

/* The plan of one page of f from a random cursor, by auto_explain
 * (ANALYZE, BUFFERS) sent to this client as a NOTICE; it must walk an
 * index in order, never sort. */
static void explain_filter(store_conn_t *c, int64_t run, const filter_t *f,
                           double duration)
{
    static plans_t p[2];
    start_t s;
    do
        random_start(c, run, f, duration, &s);
    while (!s.cursor[0]);
    memset(p, 0, sizeof(p));
    PQnoticeProcessor old = PQsetNoticeProcessor(store__conn_pg(c), on_notice, p);
    exec_or_die(c, "SET auto_explain.log_analyze = on;"
                   " SET auto_explain.log_min_duration = 0");
    store_det_query_t q = make_query(run, f, s.t0, s.cursor);
    store_det_page_t page;
    avp_error_t err = {0};
    if (store_detections_page(c, &q, &page, &err))
        die("explained page", &err);
    store_det_page_free(&page);
    exec_or_die(c, "SET auto_explain.log_min_duration = -1");
    PQsetNoticeProcessor(store__conn_pg(c), old, NULL);
    const char *scan = index_walk(p[0].last);
    const char *name = scan ? strstr(scan, "using ") + 6 : "";
    const char *heap = strstr(p[0].last, "Heap Fetches: ");
    const char *bufs = strstr(p[0].last, "Buffers: ");
    int ok = p[0].count == 1 && plan_ok(p[0].last);
    printf("explain filter=%s limit=%d plan=%s%s index=%.*s heap_fetches=%d"
           " buffers=%.*s\n", f->name, f->limit, ok ? "index-scan-no-sort" : "BAD",
           scan && !strncmp(scan, "Index Only", 10) ? "-index-only" : "",
           (int)strcspn(name, " "), name, heap ? atoi(heap + 14) : -1,
           bufs ? (int)strcspn(bufs + 9, "\n") : 0, bufs ? bufs + 9 : "");
    if (!ok)
        printf("%s\n", p[0].last);
}

/* Latencies of pages of f from CURSORS random cursors, sorted, and of
 * the raw query from the same starts (when f has no window or score). */
static void page_pass(store_conn_t *c, int64_t run, const filter_t *f,
                      double duration, double *lat, double *raw)
{
    avp_error_t err = {0};
    int with_raw = !f->window && !f->min_score;
    for (int n = 0; n < CURSORS;) {
        start_t s;
        random_start(c, run, f, duration, &s);
        if (!s.cursor[0])
            continue;
        store_det_query_t q = make_query(run, f, s.t0, s.cursor);
        store_det_page_t page;
        double start = avp_now();
        if (store_detections_page(c, &q, &page, &err))
            die("page", &err);
        lat[n] = avp_now() - start;
        store_det_page_free(&page);
        raw[n++] = with_raw ? raw_page(c, run, f, &s) : 0;
    }
    qsort(lat, CURSORS, sizeof(double), cmp_double);
    qsort(raw, CURSORS, sizeof(double), cmp_double);
}

static double median3(double a, double b, double c)
{
    return a > b ? (b > c ? b : a < c ? a : c) : (a > c ? a : b < c ? b : c);
}

/* Medians over the REPS passes of lat[pass][at[k]], in ms. */
static void medians(double (*lat)[CURSORS], double ms[3])
{
    const int at[3] = {CURSORS / 2, CURSORS * 99 / 100, CURSORS - 1};
    for (int k = 0; k < 3; k++)
        ms[k] = 1e3 * median3(lat[0][at[k]], lat[1][at[k]], lat[2][at[k]]);
}

/* REPS passes of page_pass; prints the medians of their p50/p99/max. */
static void page_filter(store_conn_t *c, int64_t run, const filter_t *f,
                        double duration)
{
    static double lat[REPS][CURSORS], raw[REPS][CURSORS];
    static plans_t slow[2];
    memset(slow, 0, sizeof(slow));
    /* Pages slower than the 2 ms target log their plan (without ANALYZE,
     * which would slow every page): was it the plan or the machine? */
    PQnoticeProcessor old = PQsetNoticeProcessor(store__conn_pg(c), on_notice, slow);
    exec_or_die(c, "SET auto_explain.log_analyze = off;"
                   " SET auto_explain.log_min_duration = 2");
    for (int i = 0; i < REPS; i++)
        page_pass(c, run, f, duration, lat[i], raw[i]);
    exec_or_die(c, "SET auto_explain.log_min_duration = -1");
    PQsetNoticeProcessor(store__conn_pg(c), old, NULL);
    double ms[3], raw_ms[3];
    medians(lat, ms);
    medians(raw, raw_ms);
    printf("page filter=%s limit=%d cursors=%dx%d p50_ms=%.3f p99_ms=%.3f"
           " max_ms=%.3f (p99 of passes %.3f %.3f %.3f)", f->name, f->limit, REPS,
           CURSORS, ms[0], ms[1], ms[2], lat[0][CURSORS * 99 / 100] * 1e3,
           lat[1][CURSORS * 99 / 100] * 1e3, lat[2][CURSORS * 99 / 100] * 1e3);
    printf(" server_over_2ms=%d of_them_bad_plans=%d", slow[0].count, slow[0].bad);
    if (raw_ms[2] > 0)
        printf(" raw_libpq_p50_ms=%.3f raw_libpq_p99_ms=%.3f raw_server_over_2ms=%d"
               " of_them_bad_plans=%d", raw_ms[0], raw_ms[1], slow[1].count, slow[1].bad);
    printf("\n%s", slow[0].first_bad);
    fflush(stdout);
}

/* First pages of 2 s windows at random times: the page plus the search
 * of the window's frame bounds. */
static void first_pages(store_conn_t *c, int64_t run, double duration)
{
    double lat[CURSORS];
    avp_error_t err = {0};
    for (int i = 0; i < CURSORS; i++) {
        double t0 = duration * rand() / RAND_MAX;
        store_det_query_t q = {run, NULL, 100, -1, 0, t0, t0 + 2};
        store_det_page_t page;
        double start = avp_now();
        if (store_detections_page(c, &q, &page, &err))
            die("time window", &err);
        lat[i] = avp_now() - start;
        store_det_page_free(&page);
    }
    qsort(lat, CURSORS, sizeof(double), cmp_double);
    printf("page filter=first_page_of_2s_window limit=100 cursors=%d p50_ms=%.3f"
           " p99_ms=%.3f max_ms=%.3f\n", CURSORS, lat[CURSORS / 2] * 1e3,
           lat[CURSORS * 99 / 100] * 1e3, lat[CURSORS - 1] * 1e3);
}

static void page_section(store_conn_t *c, int64_t run, int64_t rows)
{
    double duration = (double)(rows / BOXES_PER_FRAME) / FPS;
    srand(1);
    exec_or_die(c, "LOAD 'auto_explain'; SET auto_explain.log_buffers = on;"
                   " SET auto_explain.log_level = notice;"
                   " SET auto_explain.log_min_duration = -1");
    for (size_t i = 0; i < AVP_ARRAY_LEN(filters); i++)
        explain_filter(c, run, &filters[i], duration);
    for (size_t i = 0; i < AVP_ARRAY_LEN(filters); i++)
        page_filter(c, run, &filters[i], duration);
    first_pages(c, run, duration);
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
        fprintf(stderr, "usage: bench_store URL [ROWS] [COPY_ROWS]\n");
        return 2;
    }
    int64_t rows = argc > 2 ? atoll(argv[2]) : 10000000;
    int64_t copy_rows = argc > 3 ? atoll(argv[3]) : 500000;
    avp_error_t err = {0};
    store_pool_opts_t o = {.conninfo = argv[1], .max_size = 2};
    store_pool_t *pool;
    store_conn_t *c;
    size_t nm;
    const store_migration_t *m = store_migrations(&nm);
    if (store_pool_create(&o, &pool, &err) || store_pool_acquire(pool, -1, &c, &err) ||
        store_migrate(c, m, nm, NULL, &err))
        die("setup", &err);
    copy_section(c, copy_rows);
    int64_t run = build_run(c, rows);
    page_section(c, run, rows);
    stream_all(c, run);
    PGresult *res = PQexec(store__conn_pg(c),
        "SELECT pg_size_pretty(pg_total_relation_size('detections'))");
    printf("table_size=%s\nrun=%lld\n", PQgetvalue(res, 0, 0), (long long)run);
    PQclear(res);
    store_pool_release(c);
    store_pool_destroy(pool);
    return 0;
}
