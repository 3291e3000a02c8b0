/* test_catalog_tasks.c - a worker's statements on a task: start, tick,
 * every end state, the end that checks ownership, the job's paths, and
 * the reconciler's query with its backoff, its advisory lock and each
 * task's kind. */
#include "pgtest.h"

static store_pool_t *pool;
static store_conn_t *conn; /* for setting rows up and reading them back */

static void sql(const char *q)
{
    avp_error_t err = {0};
    if (store_exec(conn, q, &err)) {
        fprintf(stderr, "%s: %s\n", q, err.msg);
        exit(EXIT_FAILURE);
    }
}

/* A run of the video and model main() made, with a task of `kind` in
 * `state`, last updated `age` ago; returns the task id. */
static int64_t make_kind(const char *kind, const char *state, int attempts,
                         const char *age)
{
    char q[1024];
    snprintf(q, sizeof q,
        "WITH r AS (INSERT INTO detection_runs (video_id, model_id, conf, iou, every) "
        "VALUES (1, 1, 0.3, 0.5, 2) RETURNING id) "
        "INSERT INTO tasks (kind, state, attempts, payload, run_id, updated_at) "
        "SELECT '%s', '%s', %d, jsonb_build_object('run_id', id), id, "
        "now() - interval '%s' FROM r RETURNING id", kind, state, attempts, age);
    return pgtest_int(conn, q);
}

static int64_t make_task(const char *state, int attempts, const char *age)
{
    return make_kind("detect", state, attempts, age);
}

static void load(int64_t id, store_task_t *t)
{
    avp_error_t err = {0};
    if (store_task_load(conn, id, t, &err)) {
        fprintf(stderr, "load %lld: %s\n", (long long)id, err.msg);
        exit(EXIT_FAILURE);
    }
}

static const char *field(const char *col, int64_t task_id)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT coalesce(%s::text, '') FROM tasks t "
             "JOIN detection_runs r ON r.id = t.run_id WHERE t.id = %lld",
             col, (long long)task_id);
    return pgtest_value(conn, q);
}

static void test_task_start_counts_attempt_once_allowed(void)
{
    store_task_t t;
    avp_error_t err;
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(t.run_id > 0 && !strcmp(t.kind, "detect") && t.max_attempts == 3);
    CHECK(store_task_start(conn, &t, "w1", &err) == 1);
    CHECK(t.attempts == 1);
    CHECK(!strcmp(field("t.state", id), "running"));
    CHECK(!strcmp(field("t.worker", id), "w1"));
    CHECK(!strcmp(field("r.state", id), "running"));
    /* a reclaim by another worker takes it over and counts again */
    CHECK(store_task_start(conn, &t, "w2", &err) == 1 && t.attempts == 2);
    int64_t done = make_task("done", 1, "0 s");
    load(done, &t);
    CHECK(store_task_start(conn, &t, "w1", &err) == 0);
    CHECK(!strcmp(field("t.state", done), "done"));
}

static void test_task_tick_only_for_the_owner(void)
{
    store_task_t t;
    avp_error_t err;
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(store_task_start(conn, &t, "w1", &err) == 1);
    store_task_tick_t tk = {.frames_done = 30, .frames_total = 60, .progress = 0.5,
                        .fps = 12.5};
    CHECK(store_task_tick(conn, id, "w1", &tk, &err) == 1);
    CHECK(!tk.cancel_requested);
    CHECK(!strcmp(field("t.frames_done", id), "30"));
    CHECK(!strcmp(field("t.fps", id), "12.5"));
    CHECK(store_task_tick(conn, id, "w2", &tk, &err) == 0);
    char q[128];
    snprintf(q, sizeof q, "UPDATE tasks SET cancel_requested = true WHERE id = %lld",
             (long long)id);
    sql(q);
    CHECK(store_task_tick(conn, id, "w1", &tk, &err) == 1);
    CHECK(tk.cancel_requested);
}

/* Starts a fresh task and ends it with `end`. */
static int64_t ended(store_task_end_t end, const char *error, int64_t count)
{
    store_task_t t;
    avp_error_t err = {0};
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    if (store_task_start(conn, &t, "w1", &err) != 1 ||
        store_task_end(conn, &t, end, error, count, &err) != AVP_OK) {
        fprintf(stderr, "end %d: %s\n", (int)end, err.msg);
        return -1;
    }
    return id;
}

static void test_task_end_states(void)
{
    int64_t id = ended(STORE_TASK_DONE, NULL, 77);
    CHECK(id > 0 && !strcmp(field("t.state", id), "done"));
    CHECK(!strcmp(field("t.progress", id), "1"));
    CHECK(!strcmp(field("r.detections_count", id), "77"));
    CHECK(strcmp(field("r.finished_at", id), "") != 0);
    id = ended(STORE_TASK_RETRY, "decoder broke", 0);
    CHECK(id > 0 && !strcmp(field("t.state", id), "queued"));
    CHECK(!strcmp(field("t.error", id), "decoder broke"));
    CHECK(!strcmp(field("t.worker", id), "") && !strcmp(field("t.attempts", id), "1"));
    id = ended(STORE_TASK_FAILED, "gave up", 0);
    CHECK(id > 0 && !strcmp(field("t.state", id), "failed"));
    CHECK(!strcmp(field("r.state", id), "failed"));
    CHECK(!strcmp(field("t.error", id), "gave up"));
    id = ended(STORE_TASK_CANCELLED, NULL, 0);
    CHECK(id > 0 && !strcmp(field("r.state", id), "cancelled"));
    id = ended(STORE_TASK_HANDBACK, NULL, 0);
    CHECK(id > 0 && !strcmp(field("t.state", id), "queued"));
    CHECK(!strcmp(field("t.attempts", id), "0")); /* not counted */
}

static void test_task_job_paths(void)
{
    store_task_t t;
    store_task_job_t job;
    avp_error_t err = {0};
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(store_task_job(conn, t.run_id, "/data", &job, &err) == AVP_OK);
    CHECK(!strcmp(job.video_path, "/data/videos/1.mp4"));
    CHECK(!strcmp(job.model_path, "/abs/m.onnx"));
    CHECK(!strcmp(job.family, "yolox") && job.every == 2 && job.frame_count == 60);
    CHECK_NEAR(job.conf, 0.3, 1e-6);
    CHECK(store_task_job(conn, 999999, "/data", &job, &err) == AVP_ENOTFOUND);
}

/* The kind task id is listed with in tasks[0..n), or NULL. */
static const char *listed(const store_task_ref_t *tasks, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (tasks[i].id == id)
            return tasks[i].kind;
    return NULL;
}

static void test_task_orphans_respect_backoff_and_lock(void)
{
    sql("UPDATE tasks SET state = 'done'");
    int64_t old = make_task("queued", 0, "5 s");
    int64_t waiting = make_task("queued", 2, "2 s"); /* backoff 4 s */
    int64_t stale = make_task("running", 1, "2 min");
    int64_t alive = make_task("running", 1, "1 s");
    store_task_ref_t *tasks = NULL;
    int n = 0;
    avp_error_t err = {0};
    CHECK(store_task_orphaned(conn, 60, &tasks, &n, &err) == AVP_OK);
    int ok = n == 2 && listed(tasks, n, old) && listed(tasks, n, stale) &&
             !listed(tasks, n, waiting) && !listed(tasks, n, alive);
    avp_free(tasks);
    CHECK(ok);
    /* another process is reconciling: this one gets nothing */
    store_conn_t *other = pgtest_conn(pool);
    sql("BEGIN; SELECT pg_advisory_xact_lock(4242001)");
    int rc = store_task_orphaned(other, 60, &tasks, &n, &err);
    sql("ROLLBACK");
    store_pool_release(other);
    CHECK(rc == AVP_OK && n == 0 && tasks == NULL);
}

/* The reconciler enqueues each task again with the kind it has: an
 * auto_gt task left running by a killed worker is still auto_gt. */
static void test_task_orphans_keep_their_kind(void)
{
    sql("UPDATE tasks SET state = 'done'");
    int64_t detect = make_kind("detect", "running", 1, "2 min");
    int64_t autogt = make_kind("auto_gt", "running", 1, "2 min");
    store_task_ref_t *tasks = NULL;
    int n = 0;
    avp_error_t err = {0};
    CHECK(store_task_orphaned(conn, 60, &tasks, &n, &err) == AVP_OK);
    const char *k1 = listed(tasks, n, detect), *k2 = listed(tasks, n, autogt);
    CHECK(n == 2 && k1 && !strcmp(k1, "detect"));
    CHECK(k2 && !strcmp(k2, "auto_gt"));
    avp_free(tasks);
}

static void test_task_end_if_ours_only_for_the_owner(void)
{
    store_task_t t;
    avp_error_t err = {0};
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(store_task_start(conn, &t, "w1", &err) == 1);
    sql("BEGIN");
    CHECK(store_task_end_if_ours(conn, &t, "w2", STORE_TASK_DONE, NULL, 5,
                                 &err) == AVP_ECANCELLED);
    sql("ROLLBACK");
    CHECK(!strcmp(field("t.state", id), "running"));
    sql("BEGIN");
    CHECK(store_task_end_if_ours(conn, &t, "w1", STORE_TASK_DONE, NULL, 5,
                                 &err) == AVP_OK);
    sql("COMMIT");
    CHECK(!strcmp(field("t.state", id), "done"));
    CHECK(!strcmp(field("r.detections_count", id), "5"));
}

int main(void)
{
    char *url = pgtest_fresh_db("avp_test_catalog_tasks");
    pool = pgtest_pool(url, 1, 4, 5000);
    avp_error_t err = {0};
    size_t nm;
    const store_migration_t *m = store_migrations(&nm);
    if (store_pool_acquire(pool, -1, &conn, &err) ||
        store_migrate(conn, m, nm, NULL, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return EXIT_FAILURE;
    }
    sql("INSERT INTO projects (name) VALUES ('p');"
        "INSERT INTO videos (project_id, filename, path, frame_count) "
        "VALUES (1, 'v.mp4', 'videos/1.mp4', 60);"
        "INSERT INTO models (name, path, sha256, family, input_w, input_h, num_classes) "
        "VALUES ('m', '/abs/m.onnx', repeat('a', 64), 'yolox', 416, 416, 80)");
    RUN(test_task_start_counts_attempt_once_allowed);
    RUN(test_task_tick_only_for_the_owner);
    RUN(test_task_end_states);
    RUN(test_task_job_paths);
    RUN(test_task_orphans_respect_backoff_and_lock);
    RUN(test_task_orphans_keep_their_kind);
    RUN(test_task_end_if_ours_only_for_the_owner);
    store_pool_release(conn);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
