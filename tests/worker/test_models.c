/* test_models.c - the worker's model cache: hits, LRU eviction under the
 * budget, pinning of lent models, stale file hashes, load errors, one
 * instance per model across threads, and the real infer loader. */
#include "check.h"
#include "worker/worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A loader whose "models" are heap blocks sized by the path ("size:N"),
 * so the cache's bookkeeping can be checked exactly. */
typedef struct fake {
    int loads, destroys, live;
} fake_t;

static int fake_load(void *ctx, const char *path, void **model, size_t *bytes,
                     avp_error_t *err)
{
    fake_t *f = ctx;
    if (strncmp(path, "size:", 5) != 0)
        return avp_error_set(err, AVP_ENOTFOUND, "%s: no such model", path);
    *bytes = (size_t)atol(path + 5);
    *model = avp_malloc(*bytes);
    f->loads++, f->live++;
    return AVP_OK;
}

static void fake_destroy(void *ctx, void *model)
{
    fake_t *f = ctx;
    avp_free(model);
    f->destroys++, f->live--;
}

static const char *H1 = "1111111111111111111111111111111111111111111111111111111111111111";
static const char *H2 = "2222222222222222222222222222222222222222222222222222222222222222";

static worker_models_t *fake_cache(fake_t *f, size_t budget)
{
    worker_model_loader_t l = {f, fake_load, fake_destroy};
    return worker_models_create(budget, &l, 1, 1);
}

/* Gets and gives back at once; returns the instance. */
static void *touch(worker_models_t *m, int64_t id, const char *sha,
                   const char *path)
{
    void *p = NULL;
    avp_error_t err;
    if (worker_models_get(m, id, sha, path, &p, &err) == AVP_OK)
        worker_models_put(m, p);
    return p;
}

static void test_models_hit_is_same_instance(void)
{
    fake_t f = {0};
    worker_models_t *m = fake_cache(&f, 1000);
    void *a = touch(m, 1, H1, "size:100");
    void *b = touch(m, 1, H1, "size:100");
    worker_models_stats_t st;
    worker_models_stats(m, &st);
    worker_models_destroy(m);
    CHECK(a && a == b);
    CHECK(f.loads == 1 && st.hits == 1 && st.loaded == 1 && st.bytes == 100);
    CHECK(f.live == 0);
}

static void test_models_evicts_least_recent(void)
{
    fake_t f = {0};
    worker_models_t *m = fake_cache(&f, 100);
    touch(m, 1, H1, "size:40");
    touch(m, 2, H1, "size:40");
    touch(m, 1, H1, "size:40"); /* 1 is now more recent than 2 */
    touch(m, 3, H1, "size:40"); /* 120 > 100: 2 goes */
    worker_models_stats_t st;
    worker_models_stats(m, &st);
    int loads_before = f.loads;
    touch(m, 1, H1, "size:40"); /* still cached */
    int after_1 = f.loads;
    touch(m, 2, H1, "size:40"); /* reloaded */
    worker_models_destroy(m);
    CHECK(st.loaded == 2 && st.bytes == 80 && st.evictions == 1);
    CHECK(after_1 == loads_before);
    CHECK(f.loads == loads_before + 1);
    CHECK(f.live == 0);
}

static void test_models_lent_model_is_pinned(void)
{
    fake_t f = {0};
    worker_models_t *m = fake_cache(&f, 100);
    void *a = NULL, *b = NULL;
    avp_error_t err;
    CHECK(worker_models_get(m, 1, H1, "size:80", &a, &err) == AVP_OK);
    CHECK(worker_models_get(m, 2, H1, "size:80", &b, &err) == AVP_OK);
    worker_models_stats_t st;
    worker_models_stats(m, &st);
    memset(a, 7, 80); /* still valid memory: not freed under the borrower */
    worker_models_put(m, a);
    worker_models_put(m, b);
    touch(m, 3, H1, "size:80"); /* now both idle: room is made */
    worker_models_stats_t st2;
    worker_models_stats(m, &st2);
    worker_models_destroy(m);
    CHECK(st.loaded == 2 && st.bytes == 160 && st.evictions == 0);
    CHECK(st2.loaded == 1 && st2.evictions == 2);
    CHECK(f.live == 0);
}

static void test_models_new_hash_reloads(void)
{
    fake_t f = {0};
    worker_models_t *m = fake_cache(&f, 1000);
    touch(m, 1, H1, "size:10");
    touch(m, 1, H2, "size:20");
    worker_models_stats_t st;
    worker_models_stats(m, &st);
    worker_models_destroy(m);
    CHECK(f.loads == 2 && f.destroys == 2);
    CHECK(st.loaded == 1 && st.bytes == 20); /* one instance per model */
}

static void test_models_load_error(void)
{
    fake_t f = {0};
    worker_models_t *m = fake_cache(&f, 1000);
    void *p = (void *)1;
    avp_error_t err = {0};
    int rc = worker_models_get(m, 1, H1, "missing.onnx", &p, &err);
    worker_models_stats_t st;
    worker_models_stats(m, &st);
    worker_models_destroy(m);
    CHECK(rc == AVP_ENOTFOUND && p == NULL);
    CHECK(strstr(err.msg, "missing.onnx") != NULL);
    CHECK(st.loaded == 0 && st.bytes == 0);
}

typedef struct borrower {
    worker_models_t *m;
    void *got;
    double waited;
} borrower_t;

static void *borrow(void *arg)
{
    borrower_t *b = arg;
    avp_error_t err;
    double t0 = avp_now();
    if (worker_models_get(b->m, 1, H1, "size:50", &b->got, &err) == AVP_OK)
        worker_models_put(b->m, b->got);
    b->waited = avp_now() - t0;
    return NULL;
}

/* A second borrower of a lent model waits for it rather than loading a
 * second instance. */
static void test_models_one_instance_across_threads(void)
{
    fake_t f = {0};
    worker_models_t *m = fake_cache(&f, 1000);
    void *mine = NULL;
    avp_error_t err;
    CHECK(worker_models_get(m, 1, H1, "size:50", &mine, &err) == AVP_OK);
    borrower_t b = {.m = m};
    pthread_t th;
    pthread_create(&th, NULL, borrow, &b);
    usleep(200 * 1000);
    worker_models_put(m, mine);
    pthread_join(th, NULL);
    worker_models_destroy(m);
    CHECK(b.got == mine);
    CHECK(b.waited >= 0.15);
    CHECK(f.loads == 1);
}

static void test_models_real_yolox(void)
{
    const char *dir = getenv("AVP_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/models/yolox_nano.onnx", dir ? dir : "");
    if (!dir || access(path, R_OK) != 0)
        CHECK_SKIP("../shared/models/yolox_nano.onnx is absent");
    worker_models_t *m = worker_models_create((size_t)512 << 20, NULL, 2, 1);
    void *a = touch(m, 7, H1, path), *b = touch(m, 7, H1, path);
    worker_models_stats_t st;
    worker_models_stats(m, &st);
    const infer_info_t *info = a ? infer_model_info(a) : NULL;
    int batch = info ? (int)info->inputs[0].dims[0] : 0;
    worker_models_destroy(m);
    CHECK(a && a == b);
    CHECK(batch == 2);
    /* file (~3.6 MB) plus an arena: more than the file alone */
    CHECK(st.loaded == 1 && st.bytes > (size_t)3 << 20);
}

int main(void)
{
    RUN(test_models_hit_is_same_instance);
    RUN(test_models_evicts_least_recent);
    RUN(test_models_lent_model_is_pinned);
    RUN(test_models_new_hash_reloads);
    RUN(test_models_load_error);
    RUN(test_models_one_instance_across_threads);
    RUN(test_models_real_yolox);
    return CHECK_DONE();
}
