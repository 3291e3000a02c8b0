/* test_loop.c - the reconciler's pass (worker__reconcile) on the store
 * tests' private PostgreSQL and a private Redis: the tasks it enqueues
 * again each carry their own kind, so an auto_gt task left running by a
 * killed worker comes back as auto_gt. */
#include "queue/redis_test.h"
#include "store/pgtest.h"
#include "worker/internal.h"

static store_pool_t *pool;
static store_conn_t *conn; /* for setting rows up */

static void sql(const char *q)
{
    avp_error_t err = {0};
    if (store_exec(conn, q, &err)) {
        fprintf(stderr, "%s: %s\n", q, err.msg);
        exit(EXIT_FAILURE);
    }
}

/* A run with a task of `kind` left running by a worker gone 2 min ago. */
static int64_t orphan(const char *kind)
{
    char q[1024];
    snprintf(q, sizeof q,
        "WITH r AS (INSERT INTO detection_runs (video_id, model_id, conf, iou, every) "
        "VALUES (1, 1, 0.3, 0.5, 2) RETURNING id) "
        "INSERT INTO tasks (kind, state, attempts, worker, payload, run_id, "
        "updated_at) SELECT '%s', 'running', 1, 'gone', "
        "jsonb_build_object('run_id', id), id, now() - interval '2 min' "
        "FROM r RETURNING id", kind);
    return pgtest_int(conn, q);
}

static void test_loop_reconcile_enqueues_each_task_with_its_kind(void)
{
    int64_t detect = orphan("detect"), autogt = orphan("auto_gt");
    queue_opts_t o = redis_test_opts("test_loop");
    queue_conn_t *q = NULL;
    avp_error_t err = {0};
    CHECK(queue_conn_open(redis_test_url(), &o, &q, &err) == AVP_OK);
    worker__reconcile(pool, q, "w1");
    queue_msg_t m;
    int detects = 0, autogts = 0;
    while (queue_claim(q, "w1", 0, &m, &err) == 1) {
        detects += m.task_id == detect && !strcmp(m.kind, "detect");
        autogts += m.task_id == autogt && !strcmp(m.kind, "auto_gt");
    }
    CHECK(detects == 1);
    CHECK(autogts == 1);
    queue_conn_close(q);
}

int main(void)
{
    redis_test_begin();
    char *url = pgtest_fresh_db("avp_test_worker_loop");
    pool = pgtest_pool(url, 1, 4, 5000);
    pgtest_migrate(pool);
    conn = pgtest_conn(pool);
    sql("INSERT INTO projects (name) VALUES ('p');"
        "INSERT INTO videos (project_id, filename, path, frame_count) "
        "VALUES (1, 'v.mp4', 'videos/1.mp4', 60);"
        "INSERT INTO models (name, path, sha256, family, input_w, input_h, num_classes) "
        "VALUES ('m', '/abs/m.onnx', repeat('a', 64), 'yolox', 416, 416, 80)");
    RUN(test_loop_reconcile_enqueues_each_task_with_its_kind);
    store_pool_release(conn);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
