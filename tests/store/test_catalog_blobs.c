/* test_catalog_blobs.c - what workers without the servers' disk read:
 * registered servers age out and leave, a worker credential is valid only
 * by its hash and until it expires, and a file's path is found by its
 * sha256 among videos and models. */
#include "pgtest.h"

#include "store/catalog.h"

static store_pool_t *pool;
static char *url;

static void test_servers_beat_age_and_leave(void)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    char urls[4][STORE_URL_MAX];
    int n = -1;
    CHECK(store_server_beat(c, "http://10.0.0.1:8080", &err) == AVP_OK);
    CHECK(store_server_beat(c, "https://b.example", &err) == AVP_OK);
    CHECK(store_server_beat(c, "http://10.0.0.1:8080", &err) == AVP_OK);
    CHECK(store_servers_live(c, 15, urls, 4, &n, &err) == AVP_OK && n == 2);
    CHECK(store_servers_live(c, 15, urls, 1, &n, &err) == AVP_OK && n == 1);
    pgtest_exec_or_die(url, "UPDATE api_servers SET seen_at = now() - "
                       "interval '1 minute' WHERE url = 'https://b.example'",
                       NULL);
    CHECK(store_servers_live(c, 15, urls, 4, &n, &err) == AVP_OK && n == 1);
    CHECK(!strcmp(urls[0], "http://10.0.0.1:8080"));
    CHECK(store_server_leave(c, "http://10.0.0.1:8080", &err) == AVP_OK);
    CHECK(store_servers_live(c, 15, urls, 4, &n, &err) == AVP_OK && n == 0);
    /* Not a base URL: the table's CHECK refuses it. */
    CHECK(store_server_beat(c, "http://x/path", &err) < 0);
    store_pool_release(c);
}

static void test_worker_credential_by_hash_until_it_expires(void)
{
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    uint8_t live[STORE_TOKEN_HASH_LEN], other[STORE_TOKEN_HASH_LEN],
        gone[STORE_TOKEN_HASH_LEN];
    memset(live, 1, sizeof live);
    memset(other, 2, sizeof other);
    memset(gone, 3, sizeof gone);
    CHECK(store_worker_credential_add(c, live, "w1", 60, &err) == AVP_OK);
    CHECK(store_worker_credential_add(c, gone, "w2", -1, &err) == AVP_OK);
    CHECK(store_worker_credential_valid(c, live, &err) == 1);
    CHECK(store_worker_credential_valid(c, other, &err) == 0);
    CHECK(store_worker_credential_valid(c, gone, &err) == 0);
    /* The next credential sweeps the expired ones away. */
    CHECK(store_worker_credential_add(c, other, "w3", 60, &err) == AVP_OK);
    CHECK(store_worker_credential_valid(c, other, &err) == 1);
    store_pool_release(c);
}

static void test_blob_path_by_sha256(void)
{
    static const char sha[] =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    store_conn_t *c = pgtest_conn(pool);
    avp_error_t err = {0};
    char path[256];
    CHECK(store_blob_path(c, sha, path, sizeof path, &err) == AVP_ENOTFOUND);
    CHECK(strstr(err.msg, sha) != NULL);
    pgtest_exec_or_die(url, "INSERT INTO models (name, path, sha256, family, "
                       "input_w, input_h, num_classes) VALUES ('m', "
                       "'models/ba78-x.onnx', 'ba7816bf8f01cfea414140de5dae2223"
                       "b00361a396177a9cb410ff61f20015ad', 'yolox', 416, 416, "
                       "80)", NULL);
    CHECK(store_blob_path(c, sha, path, sizeof path, &err) == AVP_OK);
    CHECK(!strcmp(path, "models/ba78-x.onnx"));
    store_pool_release(c);
}

int main(void)
{
    pgtest_dir();
    url = pgtest_fresh_db("avp_test_catalog_blobs");
    pool = pgtest_pool(url, 1, 2, 5000);
    pgtest_migrate(pool);
    RUN(test_servers_beat_age_and_leave);
    RUN(test_worker_credential_by_hash_until_it_expires);
    RUN(test_blob_path_by_sha256);
    store_pool_destroy(pool);
    free(url);
    return CHECK_DONE();
}
