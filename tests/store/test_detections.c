#include "pgtest.h"

#include <float.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>

#define MAX_BOXES 40

static char *url;
static store_pool_t *pool;

/* The detections of frame f: deterministic, 0..39 boxes, three classes,
 * scores spread over [0, 1), so filters select irregular subsets. */
static int gen_frame(int32_t f, store_box_t *boxes)
{
    int n = f % 11 == 3 ? 0 : (int)((f * 7u) % MAX_BOXES);
    for (int j = 0; j < n; j++) {
        boxes[j].cls = (f + j) % 3;
        boxes[j].score = (float)((f * 31 + j * 17) % 100) / 100.0f;
        for (int k = 0; k < 4; k++)
            boxes[j].box[k] = (float)(f * 0.5 + j * 3.25 + k * 100.125);
    }
    return n;
}

static double frame_t(int32_t f) { return f / 25.0; }

/* Appends frames [from, to) in batches of `batch` frames. */
static int append_range(store_conn_t *c, int64_t run, int32_t from, int32_t to,
                        int batch, avp_error_t *err)
{
    static store_box_t boxes[64][MAX_BOXES];
    store_frame_t frames[64];
    for (int32_t f0 = from; f0 < to; f0 += batch) {
        int n = 0;
        for (int32_t f = f0; f < to && f < f0 + batch; f++, n++) {
            frames[n] = (store_frame_t){f, frame_t(f), boxes[n], 0};
            frames[n].nboxes = gen_frame(f, boxes[n]);
        }
        int32_t end = f0 + n;
        int rc = store_detections_append(c, run, f0, end, frames, n, err);
        if (rc)
            return rc;
    }
    return AVP_OK;
}

/* All detections of frames [0, frames) in stored order. */
static store_det_t *expected_rows(int32_t frames, int *count)
{
    store_det_t *rows = malloc((size_t)frames * MAX_BOXES * sizeof(*rows));
    store_box_t boxes[MAX_BOXES];
    int n = 0;
    for (int32_t f = 0; f < frames; f++) {
        int nb = gen_frame(f, boxes);
        for (int j = 0; j < nb; j++, n++) {
            rows[n] = (store_det_t){0, f, frame_t(f), boxes[j].cls, boxes[j].score,
                                    {0}};
            memcpy(rows[n].box, boxes[j].box, sizeof(rows[n].box));
        }
    }
    *count = n;
    return rows;
}

static int same_det(const store_det_t *a, const store_det_t *b)
{
    return a->frame == b->frame && a->t == b->t && a->cls == b->cls &&
           a->score == b->score && !memcmp(a->box, b->box, sizeof(a->box));
}

static int64_t new_run(store_conn_t *c)
{
    store_exec(c, "INSERT INTO projects (name) SELECT 'p' WHERE NOT EXISTS"
                  " (SELECT 1 FROM projects);"
                  "INSERT INTO videos (project_id, filename, path)"
                  " SELECT min(id), 'v.mp4', '/v.mp4' FROM projects;"
                  "INSERT INTO models (name, path, sha256, family, input_w, input_h,"
                  " num_classes) VALUES ('m', '/m.onnx', repeat('a', 64), 'yolox',"
                  " 416, 416, 80)", NULL);
    return pgtest_int(c, "INSERT INTO detection_runs (video_id, model_id, conf, iou)"
                         " SELECT max(v.id), max(m.id), 0.25, 0.45 FROM videos v,"
                         " models m RETURNING id");
}

/* Whether rows[0..n) are frames [0, frames) of the generator in stored
 * order; ids must grow within a frame (across frames they need not: each
 * backend takes ids from its own cached block of the sequence). */
static int rows_match(const store_det_t *rows, int n, int32_t frames)
{
    int want_n;
    store_det_t *want = expected_rows(frames, &want_n);
    int ok = n == want_n;
    for (int i = 0; ok && i < n; i++)
        ok = same_det(&rows[i], &want[i]) &&
             (i == 0 || rows[i].frame > rows[i - 1].frame ||
              rows[i].id > rows[i - 1].id);
    free(want);
    return ok;
}

/* Reads the whole run through the stream and compares it to frames
 * [0, frames) of the generator. */
static int stream_matches(store_conn_t *c, int64_t run, int32_t frames, int batch)
{
    store_det_t *rows = malloc((size_t)frames * MAX_BOXES * sizeof(*rows));
    store_det_iter_t *it;
    int ok = store_det_iter_open(c, run, batch, &it, NULL) == AVP_OK;
    int n = 0, rc = 0;
    while (ok && n < frames * MAX_BOXES &&
           (rc = store_det_iter_next(it, &rows[n], NULL)) == 1)
        n++;
    ok = ok && rc == 0 && rows_match(rows, n, frames);
    store_det_iter_close(it);
    free(rows);
    return ok;
}

static void test_detections_append_moves_mark(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c), mark = -1, count = -1;
    CHECK(run > 0);
    CHECK(store_detections_mark(c, run, &mark, &count, &err) == AVP_OK);
    CHECK(mark == 0 && count == 0);
    CHECK(append_range(c, run, 0, 30, 10, &err) == AVP_OK);
    int n;
    free(expected_rows(30, &n));
    CHECK(store_detections_mark(c, run, &mark, &count, &err) == AVP_OK);
    CHECK(mark == 30 && count == n);
    CHECK(stream_matches(c, run, 30, 1000));
    /* A replay of an old batch is refused and changes nothing. */
    CHECK(append_range(c, run, 10, 20, 10, &err) == AVP_ECANCELLED);
    CHECK(strstr(err.msg, "mark is 30, not 10") != NULL);
    CHECK(store_detections_mark(c, run, &mark, &count, &err) == AVP_OK);
    CHECK(mark == 30 && count == n);
    CHECK(pgtest_int(c, "SELECT count(*) FROM detections") == n);
    /* Frames outside [expected, new) and bad runs. */
    store_box_t box = {1, 0.5f, {1, 2, 3, 4}};
    store_frame_t fr = {29, 1.0, &box, 1};
    CHECK(store_detections_append(c, run, 30, 40, &fr, 1, &err) == AVP_EINVAL);
    fr.frame = 40;
    CHECK(store_detections_append(c, run, 30, 40, &fr, 1, &err) == AVP_EINVAL);
    box.cls = -1, fr.frame = 30;
    CHECK(store_detections_append(c, run, 30, 40, &fr, 1, &err) == AVP_EINVAL);
    CHECK(store_detections_append(c, run + 1000, 0, 1, NULL, 0, &err) == AVP_ENOTFOUND);
    CHECK(store_detections_mark(c, run + 1000, &mark, NULL, &err) == AVP_ENOTFOUND);
    /* Frames with no boxes still move the mark. */
    CHECK(store_detections_append(c, run, 30, 35, NULL, 0, &err) == AVP_OK);
    CHECK(store_detections_mark(c, run, &mark, &count, &err) == AVP_OK);
    CHECK(mark == 35 && count == n);
    CHECK(PQtransactionStatus(store__conn_pg(c)) == PQTRANS_IDLE);
    store_pool_release(c);
}

/* A worker process appends the run and is killed with SIGKILL mid-way;
 * resuming from the committed mark must give exactly the rows of an
 * uninterrupted run. */
static void worker_process(int64_t run)
{
    store_pool_t *own = pgtest_pool(url, 1, 1, 5000);
    store_conn_t *c;
    if (store_pool_acquire(own, -1, &c, NULL) ||
        append_range(c, run, 0, 100000, 40, NULL))
        _exit(1);
    _exit(0);
}

static void test_detections_resume_after_kill(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c), mark = 0, count;
    pid_t pid = fork();
    if (pid == 0)
        worker_process(run);
    CHECK(pid > 0);
    double t0 = avp_now();
    while (mark < 400 && avp_now() - t0 < 30)
        CHECK(store_detections_mark(c, run, &mark, NULL, &err) == AVP_OK);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(store_detections_mark(c, run, &mark, &count, &err) == AVP_OK);
    CHECK(mark >= 400 && mark % 40 == 0 && mark < 100000);
    /* What is stored is exactly frames [0, mark). */
    CHECK(pgtest_int(c, "SELECT count(*) FROM detections d JOIN detection_runs r"
                        " ON r.id = d.run_id WHERE d.frame >= r.frames_done") == 0);
    /* The killed worker's first batches, replayed, are refused. */
    CHECK(append_range(c, run, 0, 40, 40, &err) == AVP_ECANCELLED);
    /* Resume with another batch size, to a shorter end. The killed
     * worker's last batch may still commit after the mark was read (its
     * data had all reached the server): the resumer is then refused and
     * resumes again from the new mark. */
    int32_t end = (int32_t)mark + 333;
    int rc = AVP_ECANCELLED;
    for (int tries = 0; rc == AVP_ECANCELLED && tries < 3; tries++) {
        CHECK(store_detections_mark(c, run, &mark, NULL, &err) == AVP_OK);
        rc = append_range(c, run, (int32_t)mark, end, 7, &err);
    }
    CHECK(rc == AVP_OK);
    int n;
    free(expected_rows(end, &n));
    CHECK(store_detections_mark(c, run, &mark, &count, &err) == AVP_OK);
    CHECK(mark == end && count == n);
    CHECK(stream_matches(c, run, end, 997));
    store_pool_release(c);
}

/* Walks all pages of q and checks they hold exactly the rows of `want`
 * that pass the filter, once each, in order. */
static int pages_match(store_conn_t *c, store_det_query_t q, const store_det_t *want,
                       int n)
{
    char cursor[STORE_CURSOR_MAX] = "";
    int i = 0, pages = 0;
    for (;;) {
        store_det_page_t page;
        q.cursor = cursor;
        if (store_detections_page(c, &q, &page, NULL) != AVP_OK)
            return 0;
        pages++;
        for (int k = 0; k < page.count; k++) {
            while (i < n && ((q.cls >= 0 && want[i].cls != q.cls) ||
                             want[i].score < q.min_score ||
                             (!isnan(q.t0) && want[i].t < q.t0) ||
                             (!isnan(q.t1) && want[i].t > q.t1)))
                i++;
            if (i >= n || !same_det(&page.items[k], &want[i++])) {
                store_det_page_free(&page);
                return 0;
            }
        }
        int full = page.count == q.limit;
        snprintf(cursor, sizeof(cursor), "%s", page.next_cursor);
        store_det_page_free(&page);
        if (!cursor[0])
            break;
        if (!full)
            return 0;
    }
    /* Nothing that passes the filter is left over. */
    for (; i < n; i++)
        if ((q.cls < 0 || want[i].cls == q.cls) && want[i].score >= q.min_score &&
            (isnan(q.t0) || want[i].t >= q.t0) && (isnan(q.t1) || want[i].t <= q.t1))
            return 0;
    return pages > 0;
}

static void test_detections_keyset_pages(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c);
    CHECK(append_range(c, run, 0, 200, 25, &err) == AVP_OK);
    int n;
    store_det_t *want = expected_rows(200, &n);
    store_det_query_t q = {.run_id = run, .limit = 7, .cls = -1, .t0 = NAN, .t1 = NAN};
    int ok = pages_match(c, q, want, n);
    q.limit = 1000;
    ok = ok && pages_match(c, q, want, n);
    q.limit = 13, q.cls = 1;
    ok = ok && pages_match(c, q, want, n);
    q.cls = -1, q.min_score = 0.7f;
    ok = ok && pages_match(c, q, want, n);
    q.cls = 2, q.min_score = 0.3f, q.t0 = 1.0, q.t1 = 5.0;
    ok = ok && pages_match(c, q, want, n);
    /* Time windows: open on either side, inside, at frame boundaries,
     * around frames without detections, and past either end. */
    const double windows[][2] = {{3.0, NAN}, {NAN, 2.5}, {0.12, 0.12}, {0.1, 0.16},
                                 {5.5, 5.62}, {-1, 0}, {7.96, NAN}, {100, NAN},
                                 {NAN, -1}};
    for (size_t w = 0; w < AVP_ARRAY_LEN(windows); w++) {
        q = (store_det_query_t){.run_id = run, .limit = 9, .cls = -1,
                                .t0 = windows[w][0], .t1 = windows[w][1]};
        ok = ok && pages_match(c, q, want, n);
    }
    free(want);
    CHECK(ok);
    store_pool_release(c);
}

/* auto_explain's NOTICE of the page query, kept by on_plan. */
static void on_plan(void *arg, const char *msg)
{
    if (strstr(msg, "ORDER BY frame, id LIMIT"))
        snprintf(arg, 4096, "%s", msg);
}

/* Every kind of page is planned as a walk of the keyset index alone
 * (migration 0009 says why): an index-only scan, which visits a table page
 * only where VACUUM has not yet marked it all-visible. Guards the index's
 * INCLUDE list against a column added to the page's SELECT. */
static void test_detections_pages_are_index_only(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c);
    CHECK(append_range(c, run, 0, 200, 25, &err) == AVP_OK);
    PGconn *pg = store__conn_pg(c);
    PQclear(PQexec(pg, "VACUUM detections"));
    PQclear(PQexec(pg, "LOAD 'auto_explain'; SET auto_explain.log_analyze = on;"
                       " SET auto_explain.log_level = notice;"
                       " SET auto_explain.log_min_duration = 0;"
                       " SET enable_seqscan = off"));
    static char plan[4096];
    PQnoticeProcessor old = PQsetNoticeProcessor(pg, on_plan, plan);
    const store_det_query_t qs[] = {
        {.run_id = run, .limit = 7, .cls = -1, .t0 = NAN, .t1 = NAN},
        {.run_id = run, .limit = 13, .cls = 2, .min_score = 0.3f, .t0 = 1.0, .t1 = 5.0}};
    for (size_t i = 0; i < AVP_ARRAY_LEN(qs); i++) {
        plan[0] = '\0';
        store_det_page_t page;
        CHECK(store_detections_page(c, &qs[i], &page, &err) == AVP_OK && page.count > 0);
        store_det_page_free(&page);
        CHECK(strstr(plan, "Index Only Scan using detections_run_frame_id") != NULL);
    }
    PQsetNoticeProcessor(pg, old, NULL);
    PQclear(PQexec(pg, "SET auto_explain.log_min_duration = -1; RESET enable_seqscan"));
    store_pool_release(c);
}

/* Rows from the cursor to the end of the walk of q. */
static int rows_after(store_conn_t *c, store_det_query_t q, const char *from)
{
    char cursor[STORE_CURSOR_MAX];
    snprintf(cursor, sizeof(cursor), "%s", from);
    int rows = 0;
    do {
        store_det_page_t page;
        q.cursor = cursor;
        if (store_detections_page(c, &q, &page, NULL) != AVP_OK)
            return -1;
        rows += page.count;
        snprintf(cursor, sizeof(cursor), "%s", page.next_cursor);
        store_det_page_free(&page);
    } while (cursor[0]);
    return rows;
}

/* The window end's frame bound travels in the cursor; a cursor taken with
 * one window end and used with another must not stop at the old one, and
 * one taken without a window start and used with one must not return rows
 * before it (rows are not filtered by t, the walk starts at its frame). */
static void test_detections_cursor_with_other_window(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c);
    CHECK(append_range(c, run, 0, 200, 50, &err) == AVP_OK);
    int n, upto5 = 0, from3 = 0;
    store_det_t *want = expected_rows(200, &n);
    for (int i = 0; i < n; i++) {
        upto5 += want[i].t <= 5.0;
        from3 += want[i].t >= 3.0;
    }
    free(want);
    store_det_query_t q = {.run_id = run, .limit = 5, .cls = -1, .t0 = NAN, .t1 = 2.0};
    store_det_page_t page;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_OK);
    CHECK(page.count == 5 && page.next_cursor[0]);
    q.limit = 11;
    q.t1 = NAN;
    CHECK(rows_after(c, q, page.next_cursor) == n - 5);
    q.t1 = 5.0;
    CHECK(rows_after(c, q, page.next_cursor) == upto5 - 5);
    q.t0 = 3.0, q.t1 = NAN;
    CHECK(from3 > 0 && rows_after(c, q, page.next_cursor) == from3);
    store_det_page_free(&page);
    store_pool_release(c);
}

static void test_detections_bad_cursor(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c), other = new_run(c);
    CHECK(append_range(c, run, 0, 20, 20, &err) == AVP_OK);
    store_det_query_t q = {.run_id = run, .limit = 5, .cls = -1, .t0 = NAN, .t1 = NAN};
    store_det_page_t page;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_OK);
    char good[STORE_CURSOR_MAX];
    snprintf(good, sizeof(good), "%s", page.next_cursor);
    store_det_page_free(&page);
    CHECK(strlen(good) > 0);
    q.cursor = good;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_OK);
    CHECK(page.count == 5);
    store_det_page_free(&page);

    char bad[STORE_CURSOR_MAX];
    const char *garbage[] = {"x", "not a cursor at all!!!!!!!!!", "../../etc/passwd",
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < AVP_ARRAY_LEN(garbage); i++) {
        q.cursor = garbage[i];
        CHECK(store_detections_page(c, &q, &page, &err) == AVP_EINVAL);
        CHECK(page.count == 0 && page.items == NULL);
    }
    snprintf(bad, sizeof(bad), "%s", good);
    bad[5] = bad[5] == 'A' ? 'B' : 'A'; /* inside the run id */
    q.cursor = bad;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "invalid cursor") != NULL);
    q.cursor = good, q.run_id = other; /* another run's cursor */
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_EINVAL);
    q.cursor = NULL, q.limit = 0;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_EINVAL);
    q.limit = STORE_PAGE_MAX + 1;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_EINVAL);
    store_pool_release(c);
}

static void test_detections_stream_batches(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c);
    CHECK(append_range(c, run, 0, 60, 60, &err) == AVP_OK);
    int n;
    free(expected_rows(60, &n));
    /* Batches that divide the count exactly, do not, and exceed it. */
    CHECK(stream_matches(c, run, 60, 1));
    CHECK(stream_matches(c, run, 60, n));
    CHECK(stream_matches(c, run, 60, n / 3 + 1));
    CHECK(stream_matches(c, run, 60, n + 1));
    CHECK(PQtransactionStatus(store__conn_pg(c)) == PQTRANS_IDLE);
    /* An empty run streams nothing. */
    int64_t empty = new_run(c);
    store_det_iter_t *it;
    store_det_t row;
    CHECK(store_det_iter_open(c, empty, 10, &it, &err) == AVP_OK);
    CHECK(store_det_iter_next(it, &row, &err) == 0);
    CHECK(store_det_iter_next(it, &row, &err) == 0);
    store_det_iter_close(it);
    store_det_iter_close(NULL);
    store_pool_release(c);
}

/* Walks run w began on, cap rows a page, on a connection taken anew for
 * each page and given back idle; the rows read go into rows (room for
 * max), their count into *n. */
static int walk_all(store_det_walk_t *w, int cap, store_det_t *rows, int max,
                    int *n)
{
    store_det_t *page = malloc((size_t)cap * sizeof(*page));
    int got, ok = 1;
    *n = 0;
    do {
        store_conn_t *c;
        ok = store_pool_acquire(pool, -1, &c, NULL) == AVP_OK;
        got = ok ? store_det_walk_next(c, w, page, cap, NULL) : -1;
        ok = got >= 0 && got <= cap && *n + got <= max &&
             PQtransactionStatus(store__conn_pg(c)) == PQTRANS_IDLE;
        if (ok)
            memcpy(rows + *n, page, (size_t)got * sizeof(*page));
        *n += ok ? got : 0;
        store_pool_release(c);
    } while (ok && got > 0);
    free(page);
    return ok;
}

static int walk_matches(int64_t run, int32_t frames, int cap)
{
    store_det_walk_t w;
    store_conn_t *c;
    store_det_t *rows = malloc((size_t)frames * MAX_BOXES * sizeof(*rows));
    int n = 0;
    int ok = store_pool_acquire(pool, -1, &c, NULL) == AVP_OK &&
             store_det_walk_begin(c, run, &w, NULL) == AVP_OK;
    store_pool_release(c);
    ok = ok && walk_all(&w, cap, rows, frames * MAX_BOXES, &n) &&
         rows_match(rows, n, frames);
    free(rows);
    return ok;
}

/* A walk gives what the stream gives, page by page on whatever
 * connection, and ends where the run ended when it began. */
static void test_detections_walk_pages(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c);
    CHECK(append_range(c, run, 0, 60, 60, &err) == AVP_OK);
    store_pool_release(c);
    int n;
    free(expected_rows(60, &n));
    /* Pages that divide the count exactly, do not, and exceed it. */
    CHECK(walk_matches(run, 60, 1));
    CHECK(walk_matches(run, 60, n));
    CHECK(walk_matches(run, 60, n / 3 + 1));
    CHECK(walk_matches(run, 60, n + 1));
    /* Frames appended after the walk began are not in it. */
    store_det_walk_t w;
    store_det_t *rows = malloc((size_t)70 * MAX_BOXES * sizeof(*rows));
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    CHECK(store_det_walk_begin(c, run, &w, &err) == AVP_OK);
    CHECK(append_range(c, run, 60, 70, 10, &err) == AVP_OK);
    store_pool_release(c);
    CHECK(walk_all(&w, 7, rows, 70 * MAX_BOXES, &n) && rows_match(rows, n, 60));
    free(rows);
    CHECK(walk_matches(run, 70, 50));
    /* An empty run walks nothing. */
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t empty = new_run(c);
    store_det_t row;
    CHECK(store_det_walk_begin(c, empty, &w, &err) == AVP_OK);
    CHECK(store_det_walk_next(c, &w, &row, 1, &err) == 0);
    store_pool_release(c);
}

/* detections has no foreign key; deleting a run, or the video above it,
 * must still take its detections along. */
static void test_detections_deleted_with_run(void)
{
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t a = new_run(c), b = new_run(c);
    CHECK(append_range(c, a, 0, 20, 20, &err) == AVP_OK);
    CHECK(append_range(c, b, 0, 20, 20, &err) == AVP_OK);
    long long before = pgtest_int(c, "SELECT count(*) FROM detections");
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM detections WHERE run_id = %lld",
             (long long)a);
    long long in_a = pgtest_int(c, sql);
    CHECK(in_a > 0);
    snprintf(sql, sizeof(sql), "DELETE FROM detection_runs WHERE id = %lld", (long long)a);
    CHECK(store_exec(c, sql, &err) == AVP_OK);
    CHECK(pgtest_int(c, "SELECT count(*) FROM detections") == before - in_a);
    CHECK(append_range(c, a, 20, 40, 20, &err) == AVP_ENOTFOUND);
    snprintf(sql, sizeof(sql), "DELETE FROM videos WHERE id = (SELECT video_id FROM"
             " detection_runs WHERE id = %lld)", (long long)b);
    CHECK(store_exec(c, sql, &err) == AVP_OK);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM detections WHERE run_id = %lld",
             (long long)b);
    CHECK(pgtest_int(c, sql) == 0);
    store_pool_release(c);
}

/* Floats are stored and read back bit for bit, through pages and the
 * stream alike: values with no short decimal form, subnormals, -0 (which
 * == would not tell from 0), the extremes, infinities and a NaN. */
static void test_detections_floats_bit_exact(void)
{
    const float odd[] = {0.1f, 1.0f / 3, -0.0f, 1e-45f, FLT_MIN, FLT_MAX,
                         -FLT_MAX, nextafterf(1.0f, 2.0f), INFINITY, -INFINITY,
                         NAN, 16777217.0f, 3.4028e38f, -1e-40f};
    enum { NB = (int)AVP_ARRAY_LEN(odd) };
    store_box_t boxes[NB];
    /* Scores stay >= 0 (or -0, NaN), which the page's min_score 0 keeps. */
    for (int j = 0; j < NB; j++)
        boxes[j] = (store_box_t){j, odd[j] < 0 ? -odd[j] : odd[j], {odd[(j + 1) % NB], odd[(j + 2) % NB],
                                             odd[(j + 3) % NB], odd[(j + 4) % NB]}};
    store_frame_t fr = {5, 1.0 / 3 + 1e-12, boxes, NB};
    store_conn_t *c;
    avp_error_t err = {0};
    CHECK(store_pool_acquire(pool, -1, &c, &err) == AVP_OK);
    int64_t run = new_run(c);
    CHECK(store_detections_append(c, run, 0, 6, &fr, 1, &err) == AVP_OK);
    store_det_query_t q = {.run_id = run, .limit = 100, .cls = -1, .t0 = NAN,
                           .t1 = NAN};
    store_det_page_t page;
    CHECK(store_detections_page(c, &q, &page, &err) == AVP_OK && page.count == NB);
    store_det_iter_t *it;
    CHECK(store_det_iter_open(c, run, 3, &it, &err) == AVP_OK);
    for (int j = 0; j < page.count; j++) {
        store_det_t *d = &page.items[j], s;
        CHECK(store_det_iter_next(it, &s, &err) == 1);
        const store_box_t *b = &boxes[d->cls];
        CHECK(!memcmp(&d->t, &fr.t, 8) && !memcmp(&s.t, &fr.t, 8));
        CHECK(!memcmp(&d->score, &b->score, 4) && !memcmp(&s.score, &b->score, 4));
        CHECK(!memcmp(d->box, b->box, 16) && !memcmp(s.box, b->box, 16));
    }
    CHECK(store_det_iter_next(it, &(store_det_t){0}, &err) == 0);
    store_det_iter_close(it);
    store_det_page_free(&page);
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    url = pgtest_fresh_db("avp_test_detections");
    pool = pgtest_pool(url, 1, 2, 5000);
    store_conn_t *c;
    avp_error_t err = {0};
    size_t nm;
    const store_migration_t *m = store_migrations(&nm);
    if (store_pool_acquire(pool, -1, &c, &err) ||
        store_migrate(c, m, nm, NULL, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return EXIT_FAILURE;
    }
    store_pool_release(c);
    RUN(test_detections_append_moves_mark);
    RUN(test_detections_resume_after_kill);
    RUN(test_detections_keyset_pages);
    RUN(test_detections_pages_are_index_only);
    RUN(test_detections_cursor_with_other_window);
    RUN(test_detections_bad_cursor);
    RUN(test_detections_stream_batches);
    RUN(test_detections_walk_pages);
    RUN(test_detections_deleted_with_run);
    RUN(test_detections_floats_bit_exact);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
