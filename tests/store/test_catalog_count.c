/* test_catalog_count.c - the frame counts an upload leaves for later
 * (catalog_count.c): a video stored with the container's estimate serves
 * it marked as such, refuses frame checks until the count is exact, is
 * claimed by one counter at a time, comes back when its counter died
 * (the claim lapses), failed (the claim is released) or stopped (the
 * try handed back), keeps its estimate after STORE_COUNT_MAX_TRIES, and
 * takes the exact count once. */
#include "pgtest.h"

static store_pool_t *pool;
static int64_t alice, project;

/* The row of an upload whose probe found frames (exact or not); its id,
 * 0 when the insert failed. */
static int64_t upload(store_conn_t *c, const char *path, int64_t frames,
                      int exact, char **json)
{
    store_video_new_t v = {project, alice, "clip.mp4", path, 1000, 20.0, 25.0,
                           64, 48, 64, 48, 0, 0, frames, "h264",
                           "mov,mp4,m4a,3gp,3g2,mj2", NULL, exact};
    char sha[65];
    snprintf(sha, sizeof sha, "%064d", (int)frames);
    v.sha256 = sha;
    int64_t id = 0;
    avp_error_t err = {0};
    if (store_video_insert(c, &v, &id, json, &err) != AVP_OK)
        *json = avp_strdup(err.msg);
    return id;
}

static int64_t frames_of(store_conn_t *c, int64_t video, int *rc)
{
    int64_t frames = -2;
    avp_error_t err = {0};
    *rc = store_gt_frames(c, STORE_OBJ_VIDEO, video, &frames, &err);
    return frames;
}

static void test_estimate_served_and_frame_checks_wait(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    int64_t video = upload(c, "videos/a.mp4", 500, 0, &json);
    CHECK(video > 0);
    CHECK(strstr(json, "\"frame_count\" : 500"));
    CHECK(strstr(json, "\"frame_count_exact\" : false"));
    avp_free(json);
    int rc;
    frames_of(c, video, &rc);
    CHECK(rc == AVP_EUNAVAILABLE);
    store_gt_video_t geo;
    avp_error_t err = {0};
    CHECK(store_video_geometry(c, video, &geo, &err) == AVP_EUNAVAILABLE);
    store_video_file_t f;
    CHECK(store_video_file(c, video, &f, &err) == AVP_OK);
    CHECK(f.frame_count == 500); /* streaming and thumbnails go on */
    /* Counted at upload (an exact probe): nothing waits. */
    int64_t counted = upload(c, "videos/b.mp4", 120, 1, &json);
    CHECK(strstr(json, "\"frame_count_exact\" : true"));
    avp_free(json);
    CHECK(frames_of(c, counted, &rc) == 120 && rc == AVP_OK);
    store_count_job_t job;
    CHECK(store_video_count_claim(c, 60, &job, &err) == 1);
    CHECK(job.video_id == video && !strcmp(job.path, "videos/a.mp4"));
    /* Claimed: a second counter finds nothing. */
    CHECK(store_video_count_claim(c, 60, &job, &err) == 0);
    CHECK(store_video_count_end(c, video, 498, &err) == AVP_OK);
    CHECK(frames_of(c, video, &rc) == 498 && rc == AVP_OK);
    CHECK(store_video_get(c, video, 0, &json, &err) == AVP_OK);
    CHECK(strstr(json, "\"frame_count\" : 498"));
    CHECK(strstr(json, "\"frame_count_exact\" : true"));
    avp_free(json);
    /* Counted once: a late second counter changes nothing. */
    CHECK(store_video_count_end(c, video, 400, &err) == AVP_ENOTFOUND);
    CHECK(frames_of(c, video, &rc) == 498);
    store_pool_release(c);
}

static void test_died_or_failed_counts_are_retried_then_given_up(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    int64_t video = upload(c, "videos/c.mp4", 900, 0, &json);
    avp_free(json);
    store_count_job_t job;
    avp_error_t err = {0};
    /* A counter claims it and dies: no end. Its claim lapses. */
    CHECK(store_video_count_claim(c, 60, &job, &err) == 1);
    CHECK(job.video_id == video);
    CHECK(store_video_count_claim(c, 60, &job, &err) == 0);
    pgtest_int(c, "WITH u AS (UPDATE videos SET count_claimed_at = now() - "
                  "interval '1 hour' RETURNING 1) SELECT count(*) FROM u");
    CHECK(store_video_count_claim(c, 60, &job, &err) == 1);
    CHECK(job.video_id == video);
    /* That counter's child failed: released at once, tried again. */
    CHECK(store_video_count_end(c, video, -1, &err) == AVP_OK);
    int rc;
    frames_of(c, video, &rc);
    CHECK(rc == AVP_EUNAVAILABLE);
    /* A counter stopped with its server hands the video back: the
     * try is not counted. */
    CHECK(store_video_count_claim(c, 60, &job, &err) == 1);
    CHECK(store_video_count_end(c, video, 0, &err) == AVP_OK);
    CHECK(pgtest_int(c, "SELECT count_tries FROM videos WHERE "
                        "path = 'videos/c.mp4'") == 2);
    CHECK(store_video_count_claim(c, 60, &job, &err) == 1);
    CHECK(store_video_count_end(c, video, -1, &err) == AVP_OK);
    CHECK(STORE_COUNT_MAX_TRIES == 3);
    /* Three tries: the video keeps its estimate, for checks too. */
    CHECK(store_video_count_claim(c, 60, &job, &err) == 0);
    CHECK(frames_of(c, video, &rc) == 900 && rc == AVP_OK);
    CHECK(store_video_get(c, video, 0, &json, &err) == AVP_OK);
    CHECK(strstr(json, "\"frame_count_exact\" : false"));
    avp_free(json);
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    char *url = pgtest_fresh_db("avp_test_count");
    pool = pgtest_pool(url, 1, 1, 5000);
    pgtest_migrate(pool);
    store_conn_t *c = pgtest_conn(pool);
    alice = (int64_t)pgtest_int(c, "INSERT INTO users (username, "
                                   "password_hash) VALUES ('alice', 'x') "
                                   "RETURNING id");
    project = (int64_t)pgtest_int(c, "INSERT INTO projects (name) VALUES "
                                     "('p') RETURNING id");
    store_pool_release(c);
    RUN(test_estimate_served_and_frame_checks_wait);
    RUN(test_died_or_failed_counts_are_retried_then_given_up);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
