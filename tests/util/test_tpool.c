#include "check.h"
#include "util/avp.h"
#include "util/tpool.h"

#include <stdatomic.h>

typedef struct {
    atomic_int hits[1000];
    atomic_int total;
} ctx_t;

static void count_task(void *p, int task)
{
    ctx_t *c = p;
    atomic_fetch_add(&c->hits[task], 1);
    atomic_fetch_add(&c->total, 1);
}

static void test_tpool_runs_every_task_once(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        tpool_t *tp = tpool_create(threads);
        for (int round = 0; round < 50; round++) {
            static ctx_t c;
            for (int i = 0; i < 1000; i++)
                atomic_store(&c.hits[i], 0);
            atomic_store(&c.total, 0);
            int n = 1 + round * 19;
            tpool_run(tp, n, count_task, &c);
            CHECK(atomic_load(&c.total) == n);
            for (int i = 0; i < n; i++)
                CHECK(atomic_load(&c.hits[i]) == 1);
        }
        tpool_destroy(tp);
    }
}

static void test_tpool_null_runs_on_caller(void)
{
    static ctx_t c;
    tpool_run(NULL, 7, count_task, &c);
    CHECK(atomic_load(&c.total) == 7);
    CHECK(tpool_threads(NULL) == 1);
    tpool_destroy(NULL);
}

int main(void)
{
    RUN(test_tpool_runs_every_task_once);
    RUN(test_tpool_null_runs_on_caller);
    return CHECK_DONE();
}
