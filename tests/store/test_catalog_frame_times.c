/* test_catalog_frame_times.c - a video's frame times (catalog_frame_times.c):
 * stored through a run and read back bit for bit across a chunk boundary;
 * a second put keeps the first's; a video without times reads as none;
 * out-of-range counts are refused; the rows go with their video. */
#include "pgtest.h"

static store_pool_t *pool;
static int64_t project;

/* A new video and a run on it: *video its id, the run's id returned. */
static int64_t new_run(store_conn_t *c, int64_t *video)
{
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO videos (project_id, filename, "
             "path) VALUES (%lld, 'v.mp4', 'videos/v.mp4') RETURNING id",
             (long long)project);
    *video = (int64_t)pgtest_int(c, sql);
    snprintf(sql, sizeof sql, "WITH m AS (INSERT INTO models (name, path, "
             "sha256, family, input_w, input_h, num_classes) VALUES ('m', "
             "'m.onnx', repeat('a', 64), 'yolox', 416, 416, 80) RETURNING id) "
             "INSERT INTO detection_runs (video_id, model_id, conf, iou) "
             "SELECT %lld, m.id, 0.25, 0.45 FROM m RETURNING id",
             (long long)*video);
    return (int64_t)pgtest_int(c, sql);
}

static void test_round_trip_across_chunks(void)
{
    store_conn_t *c = pgtest_conn(pool);
    int64_t video, run = new_run(c, &video);
    int64_t n = STORE_FRAME_TIMES_CHUNK + 3;
    double *t = avp_malloc(sizeof *t * (size_t)n), *back = NULL;
    for (int64_t k = 0; k < n; k++) /* uneven gaps, as VFR writes them */
        t[k] = (double)k * 0.1 + (k % 3 == 1 ? 0.04 : 0) - 1.0 / 3;
    avp_error_t err = {0};
    CHECK(store_frame_times_put(c, run, t, n, &err) == AVP_OK);
    int64_t m = 0;
    CHECK(store_frame_times_get(c, video, &back, &m, &err) == AVP_OK);
    CHECK(m == n && back && !memcmp(back, t, sizeof *t * (size_t)n));
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM video_frame_times "
             "WHERE video_id = %lld", (long long)video);
    CHECK(pgtest_int(c, sql) == 2);
    /* Another run of the same video: the stored times stay. */
    t[0] = 42;
    CHECK(store_frame_times_put(c, run, t, 5, &err) == AVP_OK);
    avp_free(back);
    CHECK(store_frame_times_get(c, video, &back, &m, &err) == AVP_OK);
    CHECK(m == n && back[0] == -1.0 / 3);
    avp_free(back);
    avp_free(t);
    /* The rows go with the video. */
    snprintf(sql, sizeof sql, "DELETE FROM videos WHERE id = %lld",
             (long long)video);
    CHECK(store_exec(c, sql, &err) == AVP_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM video_frame_times "
             "WHERE video_id = %lld", (long long)video);
    CHECK(pgtest_int(c, sql) == 0);
    store_pool_release(c);
}

static void test_none_and_bad_counts(void)
{
    store_conn_t *c = pgtest_conn(pool);
    int64_t video, run = new_run(c, &video);
    double one = 0.5, *back = &one;
    int64_t m = -1;
    avp_error_t err = {0};
    CHECK(store_frame_times_get(c, video, &back, &m, &err) == AVP_OK);
    CHECK(m == 0 && back == NULL);
    CHECK(store_frame_times_get(c, 999999, &back, &m, &err) == AVP_OK);
    CHECK(m == 0 && back == NULL);
    CHECK(store_frame_times_put(c, run, &one, 0, &err) == AVP_EINVAL);
    CHECK(store_frame_times_put(c, run, &one, -1, &err) == AVP_EINVAL);
    CHECK(store_frame_times_put(c, run, &one,
                                (int64_t)STORE_FRAME_TIMES_MAX + 1, &err) ==
          AVP_EINVAL);
    /* PostgreSQL itself refuses a chunk that is not whole float8s. */
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO video_frame_times VALUES (%lld, "
             "0, '\\x0102')", (long long)video);
    CHECK(store_exec(c, sql, &err) == AVP_EINVAL);
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    char *url = pgtest_fresh_db("avp_test_frame_times");
    pool = pgtest_pool(url, 1, 1, 5000);
    pgtest_migrate(pool);
    store_conn_t *c = pgtest_conn(pool);
    project = (int64_t)pgtest_int(c, "INSERT INTO projects (name) VALUES "
                                     "('p') RETURNING id");
    store_pool_release(c);
    RUN(test_round_trip_across_chunks);
    RUN(test_none_and_bad_counts);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
