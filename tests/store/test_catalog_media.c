/* test_catalog_media.c - deleting a model (catalog_media.c): only its
 * uploader or an admin may; while runs use it nothing is deleted and the
 * uses come back, naming only the projects the caller is a member of (all
 * of them for an admin); unused, the row goes and its path comes back; and
 * PostgreSQL itself refuses to cascade from a model to its runs. Also the
 * frame count the ground-truth writes check (catalog_gt.c). */
#include "pgtest.h"

static store_pool_t *pool;
static int64_t alice, bob, mine, theirs;

static int64_t insert_id(store_conn_t *c, const char *sql)
{
    return (int64_t)pgtest_int(c, sql);
}

/* A model uploaded by user, and a run of it on a new video of each of the
 * n projects. */
static int64_t model_used_in(store_conn_t *c, int64_t user,
                             const int64_t *projects, int n)
{
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO models (name, path, sha256, "
             "family, input_w, input_h, num_classes, created_by) VALUES "
             "('m', 'models/m.onnx', repeat('a', 64), 'yolox', 416, 416, 80, "
             "%lld) RETURNING id", (long long)user);
    int64_t model = insert_id(c, sql);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "WITH v AS (INSERT INTO videos (project_id, "
                 "filename, path, frame_count) VALUES (%lld, 'v.mp4', "
                 "'videos/v.mp4', 120) RETURNING id) INSERT INTO "
                 "detection_runs (video_id, model_id, conf, iou) SELECT v.id, "
                 "%lld, 0.25, 0.45 FROM v RETURNING id",
                 (long long)projects[i], (long long)model);
        insert_id(c, sql);
    }
    return model;
}

static void test_model_delete_refused_while_used(void)
{
    store_conn_t *c = pgtest_conn(pool);
    const int64_t both[] = {mine, theirs};
    int64_t model = model_used_in(c, alice, both, 2);
    char path[256] = "", *uses = NULL;
    avp_error_t err = {0};
    CHECK(store_model_delete(c, model, alice, 0, path, sizeof path, &uses,
                             &err) == AVP_EBUSY);
    char want[256];
    snprintf(want, sizeof want, "{\"runs\" : 2, \"projects\" : [{\"id\" : "
             "%lld, \"name\" : \"mine\", \"runs\" : 1}], \"other_projects\" : "
             "1, \"other_runs\" : 1}", (long long)mine);
    CHECK(uses && !strcmp(uses, want));
    avp_free(uses);
    /* An admin sees both projects and is refused all the same. */
    CHECK(store_model_delete(c, model, bob, 1, path, sizeof path, &uses,
                             &err) == AVP_EBUSY);
    CHECK(strstr(uses, "\"mine\"") && strstr(uses, "\"theirs\""));
    CHECK(strstr(uses, "\"other_projects\" : 0"));
    avp_free(uses);
    CHECK(path[0] == '\0');
    CHECK(pgtest_int(c, "SELECT count(*) FROM detection_runs") == 2);
    store_pool_release(c);
}

static void test_model_delete_by_others_forbidden(void)
{
    store_conn_t *c = pgtest_conn(pool);
    int64_t model = model_used_in(c, alice, NULL, 0);
    char path[256], *uses = NULL;
    avp_error_t err = {0};
    CHECK(store_model_delete(c, model, bob, 0, path, sizeof path, &uses,
                             &err) == AVP_EUNSUPPORTED);
    CHECK(uses == NULL);
    CHECK(store_model_delete(c, 999999, alice, 1, path, sizeof path, &uses,
                             &err) == AVP_ENOTFOUND);
    CHECK(uses == NULL);
    store_pool_release(c);
}

static void test_model_delete_when_unused(void)
{
    store_conn_t *c = pgtest_conn(pool);
    int64_t model = model_used_in(c, alice, NULL, 0);
    char path[256] = "", *uses = NULL, sql[128];
    avp_error_t err = {0};
    CHECK(store_model_delete(c, model, alice, 0, path, sizeof path, &uses,
                             &err) == AVP_OK);
    CHECK(uses == NULL && !strcmp(path, "models/m.onnx"));
    snprintf(sql, sizeof sql, "SELECT count(*) FROM models WHERE id = %lld",
             (long long)model);
    CHECK(pgtest_int(c, sql) == 0);
    store_pool_release(c);
}

/* Whatever statement tries, the runs of a model stay. */
static void test_model_runs_never_cascade(void)
{
    store_conn_t *c = pgtest_conn(pool);
    const int64_t one[] = {theirs};
    int64_t model = model_used_in(c, alice, one, 1);
    char sql[128];
    avp_error_t err = {0};
    snprintf(sql, sizeof sql, "DELETE FROM models WHERE id = %lld",
             (long long)model);
    CHECK(store_exec(c, sql, &err) == AVP_EINVAL);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM detection_runs WHERE "
             "model_id = %lld", (long long)model);
    CHECK(pgtest_int(c, sql) == 1);
    store_pool_release(c);
}

static void test_gt_frames_of_video_and_box(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO videos (project_id, filename, "
             "path, frame_count) VALUES (%lld, 'v', 'v', 240) RETURNING id",
             (long long)mine);
    int64_t video = insert_id(c, sql), frames = -1;
    snprintf(sql, sizeof sql, "INSERT INTO ground_truth_objects (video_id, "
             "frame, t, class, x1, y1, x2, y2, source) VALUES (%lld, 3, 0.1, "
             "'car', 1, 2, 3, 4, 'human') RETURNING id", (long long)video);
    int64_t box = insert_id(c, sql);
    avp_error_t err = {0};
    CHECK(store_gt_frames(c, STORE_OBJ_VIDEO, video, &frames, &err) == AVP_OK);
    CHECK(frames == 240);
    frames = -1;
    CHECK(store_gt_frames(c, STORE_OBJ_GT, box, &frames, &err) == AVP_OK);
    CHECK(frames == 240);
    snprintf(sql, sizeof sql, "INSERT INTO videos (project_id, filename, "
             "path) VALUES (%lld, 'v', 'v') RETURNING id", (long long)mine);
    CHECK(store_gt_frames(c, STORE_OBJ_VIDEO, insert_id(c, sql), &frames,
                          &err) == AVP_OK);
    CHECK(frames == 0); /* unknown */
    CHECK(store_gt_frames(c, STORE_OBJ_GT, 999999, &frames, &err) ==
          AVP_ENOTFOUND);
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    char *url = pgtest_fresh_db("avp_test_media");
    pool = pgtest_pool(url, 1, 1, 5000);
    pgtest_migrate(pool);
    store_conn_t *c = pgtest_conn(pool);
    alice = insert_id(c, "INSERT INTO users (username, password_hash) "
                         "VALUES ('alice', 'x') RETURNING id");
    bob = insert_id(c, "INSERT INTO users (username, password_hash) "
                       "VALUES ('bob', 'x') RETURNING id");
    mine = insert_id(c, "INSERT INTO projects (name) VALUES ('mine') "
                        "RETURNING id");
    theirs = insert_id(c, "INSERT INTO projects (name) VALUES ('theirs') "
                          "RETURNING id");
    char sql[256];
    snprintf(sql, sizeof sql, "WITH m AS (INSERT INTO project_members "
             "VALUES (%lld, %lld, 'owner'), (%lld, %lld, 'owner') RETURNING 1) "
             "SELECT count(*) FROM m",
             (long long)mine, (long long)alice, (long long)theirs,
             (long long)bob);
    insert_id(c, sql);
    store_pool_release(c);
    RUN(test_model_delete_refused_while_used);
    RUN(test_model_delete_by_others_forbidden);
    RUN(test_model_delete_when_unused);
    RUN(test_model_runs_never_cascade);
    RUN(test_gt_frames_of_video_and_box);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
