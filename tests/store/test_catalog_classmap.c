/* test_catalog_classmap.c - a project's class map: empty by default,
 * replaced whole (entries removed, changed, added) with one audit record
 * holding before and after, per project, refused whole on bad input. */
#include "pgtest.h"

static store_pool_t *pool;
static int64_t project_a, project_b, user;

static void test_class_map_empty_by_default(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    CHECK(store_class_map_get(c, project_a, &json, &err) == AVP_OK);
    CHECK(!strcmp(json, "{}"));
    avp_free(json);
    store_pool_release(c);
}

static void test_class_map_put_replaces_whole_map(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    CHECK(store_class_map_put(c, project_a, user,
                              "{\"person\":\"pedestrian\",\"bicycle\":"
                              "\"cyclist\"}", &json, &err) == AVP_OK);
    CHECK(!strcmp(json, "{ \"bicycle\" : \"cyclist\", \"person\" : "
                        "\"pedestrian\" }"));
    avp_free(json);
    /* bicycle goes, person changes, motorcycle comes. */
    CHECK(store_class_map_put(c, project_a, user,
                              "{\"person\":\"vru\",\"motorcycle\":"
                              "\"motorcyclist\"}", &json, &err) == AVP_OK);
    avp_free(json);
    CHECK(store_class_map_get(c, project_a, &json, &err) == AVP_OK);
    CHECK(!strcmp(json, "{ \"motorcycle\" : \"motorcyclist\", \"person\" : "
                        "\"vru\" }"));
    avp_free(json);
    CHECK(pgtest_int(c, "SELECT count(*) FROM class_maps") == 2);
    store_pool_release(c);
}

static void test_class_map_put_audited(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL, sql[256];
    avp_error_t err = {0};
    long long before = pgtest_int(c, "SELECT count(*) FROM audit_log");
    CHECK(store_class_map_put(c, project_a, user, "{\"car\":\"vehicle\"}",
                              &json, &err) == AVP_OK);
    avp_free(json);
    CHECK(pgtest_int(c, "SELECT count(*) FROM audit_log") == before + 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
             "action = 'class_map' AND object_type = 'project' AND "
             "object_id = %lld AND user_id = %lld AND detail->'after' = "
             "'{\"car\":\"vehicle\"}' AND detail->'before' ? 'person'",
             (long long)project_a, (long long)user);
    CHECK(pgtest_int(c, sql) == 1);
    store_pool_release(c);
}

static void test_class_map_per_project(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    CHECK(store_class_map_put(c, project_b, user, "{\"dog\":\"animal\"}",
                              &json, &err) == AVP_OK);
    avp_free(json);
    CHECK(store_class_map_get(c, project_a, &json, &err) == AVP_OK);
    CHECK(!strcmp(json, "{ \"car\" : \"vehicle\" }"));
    avp_free(json);
    CHECK(store_class_map_put(c, project_b, user, "{}", &json, &err) ==
          AVP_OK);
    CHECK(!strcmp(json, "{}"));
    avp_free(json);
    CHECK(store_class_map_get(c, project_b, &json, &err) == AVP_OK);
    CHECK(!strcmp(json, "{}"));
    avp_free(json);
    store_pool_release(c);
}

/* Input that is not an object changes nothing and writes no audit row. */
static void test_class_map_bad_input_changes_nothing(void)
{
    store_conn_t *c = pgtest_conn(pool);
    char *json = NULL;
    avp_error_t err = {0};
    long long audits = pgtest_int(c, "SELECT count(*) FROM audit_log");
    CHECK(store_class_map_put(c, project_a, user, "[\"car\"]", &json,
                              &err) == AVP_EINVAL);
    CHECK(json == NULL);
    CHECK(store_class_map_put(c, project_a, user, "{bad", &json, &err) ==
          AVP_EINVAL);
    CHECK(pgtest_int(c, "SELECT count(*) FROM audit_log") == audits);
    CHECK(store_class_map_get(c, project_a, &json, &err) == AVP_OK);
    CHECK(!strcmp(json, "{ \"car\" : \"vehicle\" }"));
    avp_free(json);
    store_pool_release(c);
}

static int64_t insert_id(store_conn_t *c, const char *sql)
{
    return (int64_t)pgtest_int(c, sql);
}

int main(void)
{
    pgtest_dir();
    char *url = pgtest_fresh_db("avp_test_classmap");
    pool = pgtest_pool(url, 1, 1, 5000);
    pgtest_migrate(pool);
    store_conn_t *c = pgtest_conn(pool);
    project_a = insert_id(c, "INSERT INTO projects (name) VALUES ('a') "
                             "RETURNING id");
    project_b = insert_id(c, "INSERT INTO projects (name) VALUES ('b') "
                             "RETURNING id");
    user = insert_id(c, "INSERT INTO users (username, password_hash) VALUES "
                        "('u', 'x') RETURNING id");
    store_pool_release(c);
    RUN(test_class_map_empty_by_default);
    RUN(test_class_map_put_replaces_whole_map);
    RUN(test_class_map_put_audited);
    RUN(test_class_map_per_project);
    RUN(test_class_map_bad_input_changes_nothing);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
