/* test_task.c - the worker's statements on a real PostgreSQL (the store
 * tests' private cluster): start, tick, every end state, the job's paths,
 * and the reconciler's query with its backoff and advisory lock. */
#include "store/pgtest.h"
#include "worker/internal.h"

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

/* A project, a video at a relative path, a model and a run with a task in
 * `state`; returns the task id. */
static int64_t make_task(const char *state, int attempts, const char *age)
{
    char q[1024];
    snprintf(q, sizeof q,
        "WITH r AS (INSERT INTO detection_runs (video_id, model_id, conf, iou, every) "
        "VALUES (1, 1, 0.3, 0.5, 2) RETURNING id) "
        "INSERT INTO tasks (kind, state, attempts, payload, run_id, updated_at) "
        "SELECT 'detect', '%s', %d, jsonb_build_object('run_id', id), id, "
        "now() - interval '%s' FROM r RETURNING id", state, attempts, age);
    return pgtest_int(conn, q);
}

static void load(int64_t id, worker_task_t *t)
{
    avp_error_t err = {0};
    if (worker__task_load(pool, id, t, &err)) {
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
    worker_task_t t;
    avp_error_t err;
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(t.run_id > 0 && !strcmp(t.kind, "detect") && t.max_attempts == 3);
    CHECK(worker__task_start(pool, &t, "w1", &err) == 1);
    CHECK(t.attempts == 1);
    CHECK(!strcmp(field("t.state", id), "running"));
    CHECK(!strcmp(field("t.worker", id), "w1"));
    CHECK(!strcmp(field("r.state", id), "running"));
    /* a reclaim by another worker takes it over and counts again */
    CHECK(worker__task_start(pool, &t, "w2", &err) == 1 && t.attempts == 2);
    int64_t done = make_task("done", 1, "0 s");
    load(done, &t);
    CHECK(worker__task_start(pool, &t, "w1", &err) == 0);
    CHECK(!strcmp(field("t.state", done), "done"));
}

static void test_task_tick_only_for_the_owner(void)
{
    worker_task_t t;
    avp_error_t err;
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(worker__task_start(pool, &t, "w1", &err) == 1);
    worker_tick_t tk = {.frames_done = 30, .frames_total = 60, .progress = 0.5,
                        .fps = 12.5};
    CHECK(worker__task_tick(pool, id, "w1", &tk, &err) == 1);
    CHECK(!tk.cancel_requested);
    CHECK(!strcmp(field("t.frames_done", id), "30"));
    CHECK(!strcmp(field("t.fps", id), "12.5"));
    CHECK(worker__task_tick(pool, id, "w2", &tk, &err) == 0);
    char q[128];
    snprintf(q, sizeof q, "UPDATE tasks SET cancel_requested = true WHERE id = %lld",
             (long long)id);
    sql(q);
    CHECK(worker__task_tick(pool, id, "w1", &tk, &err) == 1);
    CHECK(tk.cancel_requested);
}

/* Starts a fresh task and ends it with `end`. */
static int64_t ended(worker_end_t end, const char *error, int64_t count)
{
    worker_task_t t;
    avp_error_t err = {0};
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    if (worker__task_start(pool, &t, "w1", &err) != 1 ||
        worker__task_end(pool, &t, end, error, count, &err) != AVP_OK) {
        fprintf(stderr, "end %d: %s\n", (int)end, err.msg);
        return -1;
    }
    return id;
}

static void test_task_end_states(void)
{
    int64_t id = ended(WORKER_END_DONE, NULL, 77);
    CHECK(id > 0 && !strcmp(field("t.state", id), "done"));
    CHECK(!strcmp(field("t.progress", id), "1"));
    CHECK(!strcmp(field("r.detections_count", id), "77"));
    CHECK(strcmp(field("r.finished_at", id), "") != 0);
    id = ended(WORKER_END_RETRY, "decoder broke", 0);
    CHECK(id > 0 && !strcmp(field("t.state", id), "queued"));
    CHECK(!strcmp(field("t.error", id), "decoder broke"));
    CHECK(!strcmp(field("t.worker", id), "") && !strcmp(field("t.attempts", id), "1"));
    id = ended(WORKER_END_FAILED, "gave up", 0);
    CHECK(id > 0 && !strcmp(field("t.state", id), "failed"));
    CHECK(!strcmp(field("r.state", id), "failed"));
    CHECK(!strcmp(field("t.error", id), "gave up"));
    id = ended(WORKER_END_CANCELLED, NULL, 0);
    CHECK(id > 0 && !strcmp(field("r.state", id), "cancelled"));
    id = ended(WORKER_END_HANDBACK, NULL, 0);
    CHECK(id > 0 && !strcmp(field("t.state", id), "queued"));
    CHECK(!strcmp(field("t.attempts", id), "0")); /* not counted */
}

static void test_task_job_paths(void)
{
    worker_task_t t;
    worker_job_t job;
    avp_error_t err = {0};
    int64_t id = make_task("queued", 0, "0 s");
    load(id, &t);
    CHECK(worker__job_load(pool, t.run_id, "/data", &job, &err) == AVP_OK);
    CHECK(!strcmp(job.video_path, "/data/videos/1.mp4"));
    CHECK(!strcmp(job.model_path, "/abs/m.onnx"));
    CHECK(!strcmp(job.family, "yolox") && job.every == 2 && job.frame_count == 60);
    CHECK_NEAR(job.conf, 0.3, 1e-6);
    CHECK(worker__job_load(pool, 999999, "/data", &job, &err) == AVP_ENOTFOUND);
}

static int listed(const int64_t *ids, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static void test_task_orphans_respect_backoff_and_lock(void)
{
    sql("UPDATE tasks SET state = 'done'");
    int64_t old = make_task("queued", 0, "5 s");
    int64_t waiting = make_task("queued", 2, "2 s"); /* backoff 4 s */
    int64_t stale = make_task("running", 1, "2 min");
    int64_t alive = make_task("running", 1, "1 s");
    int64_t *ids = NULL;
    int n = 0;
    avp_error_t err = {0};
    CHECK(worker__tasks_orphaned(pool, 60, &ids, &n, &err) == AVP_OK);
    int ok = n == 2 && listed(ids, n, old) && listed(ids, n, stale) &&
             !listed(ids, n, waiting) && !listed(ids, n, alive);
    avp_free(ids);
    CHECK(ok);
    /* another process is reconciling: this one gets nothing */
    sql("BEGIN; SELECT pg_advisory_xact_lock(4242001)");
    int rc = worker__tasks_orphaned(pool, 60, &ids, &n, &err);
    sql("ROLLBACK");
    CHECK(rc == AVP_OK && n == 0 && ids == NULL);
}

int main(void)
{
    char *url = pgtest_fresh_db("avp_test_worker_task");
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
    store_pool_release(conn);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
