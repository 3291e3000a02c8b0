/* test_catalog_auth.c - users made from the command line: a new name is
 * created with its hash and role, a taken one is refused and changes
 * nothing, and the count of users follows. */
#include "pgtest.h"

static store_pool_t *pool;

static void test_user_create_and_count(void)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    int64_t n = -1;
    CHECK(store_user_count(c, &n, &err) == AVP_OK && n == 0);
    CHECK(store_user_create(c, "admin", "$argon2id$x", 1, &err) == AVP_OK);
    CHECK(store_user_create(c, "carol", "$argon2id$y", 0, &err) == AVP_OK);
    CHECK(store_user_count(c, &n, &err) == AVP_OK && n == 2);
    store_user_t u;
    char hash[64];
    CHECK(store_user_by_name(c, "admin", &u, hash, sizeof hash, &err) == AVP_OK);
    CHECK(u.admin && !strcmp(hash, "$argon2id$x"));
    CHECK(store_user_by_name(c, "carol", &u, NULL, 0, &err) == AVP_OK);
    CHECK(!u.admin);
    store_pool_release(c);
}

static void test_user_create_refuses_a_taken_name(void)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    CHECK(store_user_create(c, "dave", "$argon2id$a", 0, &err) == AVP_OK);
    CHECK(store_user_create(c, "dave", "$argon2id$b", 1, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "dave exists already") != NULL);
    store_user_t u;
    char hash[64];
    CHECK(store_user_by_name(c, "dave", &u, hash, sizeof hash, &err) == AVP_OK);
    CHECK(!u.admin && !strcmp(hash, "$argon2id$a"));
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    char *url = pgtest_fresh_db("avp_test_catalog_auth");
    pool = pgtest_pool(url, 1, 2, 5000);
    pgtest_migrate(pool);
    RUN(test_user_create_and_count);
    RUN(test_user_create_refuses_a_taken_name);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
