/* test_group.c - processing requests written in batches: each request of
 * a batch gets its own outcome (its task, or why not: no video, no model,
 * not a member, too low a role); a batch whose statement fails makes
 * nothing; the group commit gathers concurrent requests into batches,
 * makes exactly one run, task and audit record per request, and when a
 * batch fails as a whole (one request breaking a constraint) writes the
 * others one by one; a request queued behind batches stuck in PostgreSQL
 * leads its own after the acquire timeout, and gets a 503's AVP_EBUSY
 * from an exhausted pool instead of waiting for ever. */
#include "pgtest.h"

#include <pthread.h>

static store_pool_t *pool;
static char *url;
static int64_t editor, viewer, stranger, video, model;

static int64_t insert_id(store_conn_t *c, const char *fmt, long long a)
{
    char sql[512];
    snprintf(sql, sizeof sql, fmt, a);
    return (int64_t)pgtest_int(c, sql);
}

static void setup(store_conn_t *c)
{
    const char *user = "INSERT INTO users (username, password_hash) VALUES "
                       "('u%lld', 'x') RETURNING id";
    editor = insert_id(c, user, 1);
    viewer = insert_id(c, user, 2);
    stranger = insert_id(c, user, 3);
    int64_t project = insert_id(c, "INSERT INTO projects (name) VALUES "
                                   "('p%lld') RETURNING id", 1);
    char sql[256];
    snprintf(sql, sizeof sql, "WITH m AS (INSERT INTO project_members "
             "(project_id, user_id, role) VALUES (%lld, %lld, 'editor'), "
             "(%lld, %lld, 'viewer') RETURNING 1) SELECT count(*) FROM m", (long long)project, (long long)editor,
             (long long)project, (long long)viewer);
    pgtest_int(c, sql);
    video = insert_id(c, "INSERT INTO videos (project_id, filename, path, "
                         "status) VALUES (%lld, 'v', 'v', 'ready') RETURNING id",
                      (long long)project);
    model = insert_id(c, "INSERT INTO models (name, path, sha256, family, "
        "input_w, input_h, num_classes, class_names) VALUES ('m%lld', 'm', "
        "repeat('a', 64), 'yolox', 8, 8, 1, '[\"person\"]') RETURNING id", 1);
}

static store_process_t request(int64_t user, int64_t v, int64_t m, double conf)
{
    return (store_process_t){.video_id = v, .model_id = m, .user_id = user,
                             .conf = conf, .iou = 0.5, .every = 2};
}

static long long count(store_conn_t *c, const char *fmt, long long a)
{
    char sql[512];
    snprintf(sql, sizeof sql, fmt, a);
    return pgtest_int(c, sql);
}

static void test_each_request_has_its_outcome(void)
{
    store_conn_t *c = pgtest_conn(pool);
    store_process_t p[6] = {
        request(editor, video, model, 0.3), request(editor, video, model + 99, 0.3),
        request(editor, video + 99, model, 0.3), request(viewer, video, model, 0.3),
        request(stranger, video, model, 0.3), request(editor, video, model, 0.7)};
    p[5].kind = "auto_gt";
    p[5].replace = 1;
    store_process_out_t out[6];
    avp_error_t err = {0};
    long long tasks = pgtest_int(c, "SELECT count(*) FROM tasks");
    CHECK(store_process_create(c, p, 6, out, &err) == AVP_OK);
    CHECK(out[0].rc == AVP_OK && out[0].task_id > 0 && out[0].run_id > 0);
    CHECK(out[0].role == STORE_ROLE_EDITOR && out[0].nmembers == 2);
    CHECK(out[1].rc == AVP_ENOTFOUND && strstr(out[1].err.msg, "no model"));
    CHECK(out[2].rc == AVP_ENOTFOUND && strstr(out[2].err.msg, "no video"));
    CHECK(out[3].rc == AVP_OK && out[3].role == STORE_ROLE_VIEWER &&
          out[3].task_id == 0);
    CHECK(out[4].rc == AVP_ENOTFOUND);
    CHECK(out[5].rc == AVP_OK && out[5].task_id > out[0].task_id);
    CHECK(count(c, "SELECT count(*) - %lld FROM tasks", tasks) == 2);
    /* Each task, run and audit record carries its own request's values. */
    CHECK(count(c, "SELECT count(*) FROM tasks t JOIN detection_runs r ON "
                   "r.id = t.run_id WHERE t.id = %lld AND t.kind = 'detect' AND "
                   "r.conf = 0.3::real AND r.every = 2 AND NOT "
                   "(t.payload->>'replace')::boolean", (long long)out[0].task_id) == 1);
    CHECK(count(c, "SELECT count(*) FROM tasks t JOIN detection_runs r ON "
                   "r.id = t.run_id WHERE t.id = %lld AND t.kind = 'auto_gt' AND "
                   "r.conf = 0.7::real AND (t.payload->>'replace')::boolean",
                (long long)out[5].task_id) == 1);
    CHECK(count(c, "SELECT count(*) FROM audit_log WHERE action = 'process' "
                   "AND (detail->>'task_id')::bigint = %lld",
                (long long)out[5].task_id) == 1);
    for (int i = 0; i < 6; i++)
        avp_free(out[i].members);
    store_pool_release(c);
}

static void test_failed_batch_makes_nothing(void)
{
    store_conn_t *c = pgtest_conn(pool);
    store_process_t p[2] = {request(editor, video, model, 0.3),
                            request(editor, video, model, 2.0)};
    store_process_out_t out[2];
    avp_error_t err = {0};
    long long tasks = pgtest_int(c, "SELECT count(*) FROM tasks");
    CHECK(store_process_create(c, p, 2, out, &err) == AVP_EINVAL);
    CHECK(count(c, "SELECT count(*) - %lld FROM tasks", tasks) == 0);
    CHECK(store_process_create(c, p, 0, out, &err) == AVP_EINVAL);
    store_pool_release(c);
}

typedef struct submitter {
    store_group_t *g;
    store_process_t p;
    int n;
    int rc[64];
    int64_t task[64];
    double started, ended; /* avp_now() at the first call, the last answer */
} submitter_t;

static void *submit(void *arg)
{
    submitter_t *s = arg;
    s->started = avp_now();
    for (int i = 0; i < s->n; i++) {
        store_process_out_t out;
        avp_error_t err = {0};
        s->rc[i] = store_group_process(s->g, &s->p, &out, &err);
        s->task[i] = out.task_id;
        avp_free(out.members);
    }
    s->ended = avp_now();
    return NULL;
}

static void test_group_writes_each_request_once(void)
{
    enum { THREADS = 12, EACH = 40 };
    store_group_t *g = store_group_create(pool, 5000);
    store_conn_t *c = pgtest_conn(pool);
    long long tasks = pgtest_int(c, "SELECT count(*) FROM tasks");
    long long first = pgtest_int(c, "SELECT coalesce(max(id), 0) FROM tasks");
    store_pool_release(c);
    submitter_t s[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (submitter_t){.g = g, .n = EACH,
                            .p = request(editor, video, model, 0.01 * (i + 1))};
        pthread_create(&th[i], NULL, submit, &s[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    c = pgtest_conn(pool);
    CHECK(count(c, "SELECT count(*) - %lld FROM tasks", tasks) == THREADS * EACH);
    /* Every answer names a distinct task of that thread's conf. */
    CHECK(count(c, "SELECT count(DISTINCT t.id) FROM tasks t JOIN "
                   "detection_runs r ON r.id = t.run_id WHERE t.id > %lld AND "
                   "t.run_id IS NOT NULL", first) == THREADS * EACH);
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < EACH; k++) {
            CHECK(s[i].rc[k] == AVP_OK);
            char sql[256];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM tasks t JOIN "
                     "detection_runs r ON r.id = t.run_id WHERE t.id = %lld "
                     "AND r.conf = %.2f::real", (long long)s[i].task[k],
                     0.01 * (i + 1));
            CHECK(pgtest_int(c, sql) == 1);
        }
    store_pool_release(c);
    store_group_stats_t st;
    store_group_stats(g, &st);
    CHECK(st.requests == THREADS * EACH && st.batches <= st.requests);
    store_group_destroy(g);
}

/* The pool's only connection is held while requests queue, so that they
 * gather into one batch with a bad one (conf 2 breaks a CHECK). */
static void test_group_failed_batch_falls_back(void)
{
    enum { GOOD = 8 };
    store_group_t *g = store_group_create(pool, 10000);
    store_conn_t *held = pgtest_conn(pool);
    long long tasks = pgtest_int(held, "SELECT count(*) FROM tasks");
    submitter_t s[GOOD + 1];
    pthread_t th[GOOD + 1];
    for (int i = 0; i <= GOOD; i++) {
        s[i] = (submitter_t){.g = g, .n = 1,
                            .p = request(editor, video, model, i < GOOD ? 0.5 : 2.0)};
        pthread_create(&th[i], NULL, submit, &s[i]);
        usleep(i == GOOD - 1 ? 300000 : 20000);
    }
    usleep(300000);
    store_pool_release(held);
    for (int i = 0; i <= GOOD; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < GOOD; i++)
        CHECK(s[i].rc[0] == AVP_OK && s[i].task[0] > 0);
    CHECK(s[GOOD].rc[0] == AVP_EINVAL && s[GOOD].task[0] == 0);
    store_group_stats_t st;
    store_group_stats(g, &st);
    CHECK(st.requests == GOOD + 1 && st.batches < st.requests);
    store_conn_t *c = pgtest_conn(pool);
    CHECK(count(c, "SELECT count(*) - %lld FROM tasks", tasks) == GOOD);
    store_pool_release(c);
    store_group_destroy(g);
}

/* The tasks table is locked: the two batches in flight wait inside
 * PostgreSQL, a third request leads after the timeout (1 s) and takes the
 * last connection, a fourth (later) finds none and answers AVP_EBUSY one
 * timeout after it came (not two: its batch does not wait for the pool
 * again), while the lock is still held. Once it goes, the three are
 * written. */
static void test_group_queued_request_does_not_hang(void)
{
    enum { N = 4 };
    store_pool_t *three = pgtest_pool(url, 1, 3, 1000);
    store_group_t *g = store_group_create(three, 1000);
    PGconn *locker = PQconnectdb(url);
    PGresult *r = PQexec(locker, "BEGIN; LOCK TABLE tasks IN EXCLUSIVE MODE");
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
    submitter_t s[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        s[i] = (submitter_t){.g = g, .n = 1,
                             .p = request(editor, video, model, 0.5)};
        pthread_create(&th[i], NULL, submit, &s[i]);
        /* The fourth comes after the third has led (a batch of its own). */
        usleep(i == 2 ? 1500000 : 50000);
    }
    sleep(3);
    double released = avp_now();
    r = PQexec(locker, "COMMIT");
    PQclear(r);
    PQfinish(locker);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    int busy = 0, made = 0;
    for (int i = 0; i < N; i++) {
        busy += s[i].rc[0] == AVP_EBUSY && s[i].ended < released;
        made += s[i].rc[0] == AVP_OK && s[i].task[0] > 0;
    }
    CHECK(busy == 1 && made == N - 1);
    CHECK(s[N - 1].rc[0] == AVP_EBUSY && s[N - 1].ended - s[N - 1].started < 1.6);
    store_group_destroy(g);
    store_pool_destroy(three);
}

int main(void)
{
    pgtest_dir();
    url = pgtest_fresh_db("avp_test_group");
    pool = pgtest_pool(url, 1, 1, 10000);
    pgtest_migrate(pool);
    store_conn_t *c = pgtest_conn(pool);
    setup(c);
    store_pool_release(c);
    RUN(test_each_request_has_its_outcome);
    RUN(test_failed_batch_makes_nothing);
    RUN(test_group_writes_each_request_once);
    RUN(test_group_failed_batch_falls_back);
    RUN(test_group_queued_request_does_not_hang);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
