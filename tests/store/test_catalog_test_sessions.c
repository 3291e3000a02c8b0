/* test_catalog_test_sessions.c - test sessions in the catalog: creation takes
 * the project's tolerance and only its own ready videos; events go in all
 * or nothing, need a sync for device times (converted and kept), are
 * refused once closed, and page exactly by (timestamp, id). */
#include "pgtest.h"

static store_pool_t *pool;
static int64_t project, other_project, user, video, other_video;

/* A new session on video: its id. */
static int64_t new_session(store_conn_t *c, int64_t vid)
{
    char fields[64], *json = NULL;
    avp_error_t err = {0};
    snprintf(fields, sizeof fields, "{\"video_id\": %lld}", (long long)vid);
    if (store_test_session_create(c, project, user, fields, &json, &err) < 0)
        return -1;
    avp_free(json);
    return pgtest_int(c, "SELECT max(id) FROM test_sessions");
}

static long long count(store_conn_t *c, const char *fmt, int64_t id)
{
    char sql[256];
    snprintf(sql, sizeof sql, fmt, (long long)id);
    return pgtest_int(c, sql);
}

static void test_session_create_defaults_and_video(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    int64_t id = new_session(c, video);
    CHECK(id > 0);
    CHECK(store_test_session_get(c, id, &json, &err) == AVP_OK);
    CHECK(strstr(json, "\"tolerance_ms\" : 750") &&
          strstr(json, "\"state\" : \"open\"") &&
          strstr(json, "\"sync_offset\" : null") &&
          strstr(json, "\"events_count\" : 0"));
    avp_free(json);
    /* Another project's video is no video of this project. */
    CHECK(new_session(c, other_video) == -1);
    CHECK(count(c, "SELECT count(*) FROM audit_log WHERE object_type = "
                   "'test_session' AND object_id = %lld", id) == 1);
    store_pool_release(c);
}

static void test_session_events_all_or_nothing(void)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    int64_t id = new_session(c, video), n = -1;
    /* The second event breaks a table check: neither goes in. */
    CHECK(store_test_session_events_insert(c, id, user,
        "[{\"class\":\"car\",\"t\":1},{\"class\":\"car\",\"t\":2,"
        "\"confidence\":2}]", &n, &err) == AVP_EINVAL);
    CHECK(count(c, "SELECT count(*) FROM detection_events WHERE "
                   "test_session_id = %lld", id) == 0);
    CHECK(count(c, "SELECT events_count FROM test_sessions WHERE id = %lld",
                id) == 0);
    CHECK(store_test_session_events_insert(c, id, user,
        "[{\"class\":\"car\",\"t\":1,\"box\":[1,2,3,4]},{\"class\":\"car\","
        "\"t\":2}]", &n, &err) == AVP_OK && n == 2);
    CHECK(count(c, "SELECT events_count FROM test_sessions WHERE id = %lld",
                id) == 2);
    CHECK(count(c, "SELECT count(*) FROM audit_log WHERE action = 'events' "
                   "AND object_id = %lld", id) == 1);
    store_pool_release(c);
}

static void test_session_device_time_needs_sync(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    int64_t id = new_session(c, video), n = -1;
    const char *ev = "[{\"class\":\"car\",\"device_time\":1700000104.2}]";
    CHECK(store_test_session_events_insert(c, id, user, ev, &n, &err) ==
          AVP_EUNSUPPORTED);
    CHECK(store_test_session_update(c, id, user, "sync",
                                    "{\"sync_offset\":1700000100}", &json,
                                    &err) == AVP_OK);
    avp_free(json);
    CHECK(store_test_session_events_insert(c, id, user, ev, &n, &err) ==
          AVP_OK && n == 1);
    /* Video seconds to the microsecond, the device's time as posted. */
    CHECK(count(c, "SELECT count(*) FROM detection_events WHERE "
                   "test_session_id = %lld AND \"timestamp\" = 4.2 AND "
                   "device_time = 1700000104.2", id) == 1);
    store_pool_release(c);
}

static void test_session_closed_takes_no_events(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    int64_t id = new_session(c, video), n = -1;
    CHECK(store_test_session_update(c, id, user, "update",
                                    "{\"state\":\"closed\"}", &json,
                                    &err) == AVP_OK);
    avp_free(json);
    CHECK(store_test_session_events_insert(c, id, user,
        "[{\"class\":\"car\",\"t\":1}]", &n, &err) == AVP_EBUSY);
    CHECK(store_test_session_events_insert(c, 999999, user,
        "[{\"class\":\"car\",\"t\":1}]", &n, &err) == AVP_ENOTFOUND);
    CHECK(count(c, "SELECT count(*) FROM detection_events WHERE "
                   "test_session_id = %lld", id) == 0);
    store_pool_release(c);
}

/* Times closer than a microsecond, equal times, and one page per event:
 * every event once, in (timestamp, id) order. */
static void test_session_events_page_exactly(void)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    int64_t id = new_session(c, video), n;
    CHECK(store_test_session_events_insert(c, id, user,
        "[{\"class\":\"a\",\"t\":1.0000006},{\"class\":\"b\",\"t\":1.0000004},"
        "{\"class\":\"c\",\"t\":0.5},{\"class\":\"d\",\"t\":1},"
        "{\"class\":\"e\",\"t\":0.1}]", &n, &err) == AVP_OK && n == 5);
    char seen[8] = "";
    int64_t keys[2];
    const int64_t *after = NULL;
    for (int page = 0; page < 6; page++) {
        store_list_t l;
        CHECK(store_test_session_events_page(c, id, after, 1, &l, &err) ==
              AVP_OK);
        const char *cls = strstr(l.json, "\"class\" : \"");
        if (l.count == 1 && cls)
            strncat(seen, cls + 11, 1);
        keys[0] = l.key[0], keys[1] = l.key[1];
        after = keys;
        int more = l.more;
        store_list_free(&l);
        if (!more)
            break;
    }
    CHECK(!strcmp(seen, "ecbda")); /* b and d are both 1.000000 */
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    char *url = pgtest_fresh_db("avp_test_sessions");
    pool = pgtest_pool(url, 1, 1, 5000);
    pgtest_migrate(pool);
    store_conn_t *c = pgtest_conn(pool);
    project = pgtest_int(c, "INSERT INTO projects (name, tolerance_ms) "
                            "VALUES ('a', 750) RETURNING id");
    other_project = pgtest_int(c, "INSERT INTO projects (name) VALUES ('b') "
                                  "RETURNING id");
    user = pgtest_int(c, "INSERT INTO users (username, password_hash) "
                         "VALUES ('u', 'x') RETURNING id");
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO videos (project_id, filename, "
             "path, sha256, status) VALUES (%lld, 'v', 'v', repeat('0', 64), "
             "'ready') RETURNING id", (long long)project);
    video = pgtest_int(c, sql);
    snprintf(sql, sizeof sql, "INSERT INTO videos (project_id, filename, "
             "path, sha256, status) VALUES (%lld, 'w', 'w', repeat('1', 64), "
             "'ready') RETURNING id", (long long)other_project);
    other_video = pgtest_int(c, sql);
    store_pool_release(c);
    RUN(test_session_create_defaults_and_video);
    RUN(test_session_events_all_or_nothing);
    RUN(test_session_device_time_needs_sync);
    RUN(test_session_closed_takes_no_events);
    RUN(test_session_events_page_exactly);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
