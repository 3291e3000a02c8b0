/* test_coalesce.c - the pacing of live pushes (coalesce.c): the
 * first change of an id comes due at once, later ones at most once per
 * gap, a burst of marks is one push, and quiet ids are forgotten. */
#include "check.h"
#include "api/internal.h"

static void test_coalesce_first_mark_is_due_at_once(void)
{
    api_coalesce_t c;
    int64_t due[4];
    double next;
    api__coalesce_init(&c, 0.25);
    CHECK(api__coalesce_due(&c, 100.0, due, 4, &next) == 0);
    CHECK_NEAR(next, 100.25, 1e-9);
    api__coalesce_mark(&c, 7);
    CHECK(api__coalesce_due(&c, 100.0, due, 4, &next) == 1 && due[0] == 7);
    /* Done: nothing more until another mark. */
    CHECK(api__coalesce_due(&c, 100.5, due, 4, &next) == 0);
    api__coalesce_fini(&c);
}

static void test_coalesce_burst_is_one_push_per_gap(void)
{
    api_coalesce_t c;
    int64_t due[4];
    double next;
    int pushes = 0;
    api__coalesce_init(&c, 0.25);
    /* 50 changes a second for a second, the pusher asking whenever told. */
    double ask = 0;
    for (int i = 0; i < 50; i++) {
        double now = 10.0 + i * 0.02;
        api__coalesce_mark(&c, 3);
        if (now >= ask) {
            pushes += (int)api__coalesce_due(&c, now, due, 4, &next);
            ask = next;
        }
    }
    /* The last change still comes out, one gap after the last push. */
    size_t n = api__coalesce_due(&c, ask, due, 4, &next);
    CHECK(n == 1 && due[0] == 3);
    pushes += (int)n;
    CHECK(pushes >= 4 && pushes <= 6); /* ~1 s / 0.25 s, not 50 */
    api__coalesce_fini(&c);
}

static void test_coalesce_ids_are_apart_and_capped(void)
{
    api_coalesce_t c;
    int64_t due[2];
    double next;
    api__coalesce_init(&c, 0.25);
    api__coalesce_mark(&c, 1);
    CHECK(api__coalesce_due(&c, 5.0, due, 2, &next) == 1);
    api__coalesce_mark(&c, 1); /* paced until 5.25 */
    api__coalesce_mark(&c, 2); /* never pushed: due now */
    api__coalesce_mark(&c, 3);
    CHECK(api__coalesce_due(&c, 5.1, due, 1, &next) == 1 && due[0] == 2);
    CHECK(api__coalesce_due(&c, 5.1, due, 2, &next) == 1 && due[0] == 3);
    CHECK_NEAR(next, 5.25, 1e-9);
    CHECK(api__coalesce_due(&c, 5.25, due, 2, &next) == 1 && due[0] == 1);
    /* Quiet for a gap: forgotten, so the table stays small. */
    CHECK(api__coalesce_due(&c, 6.0, due, 2, &next) == 0 && c.n == 0);
    api__coalesce_fini(&c);
}

int main(void)
{
    RUN(test_coalesce_first_mark_is_due_at_once);
    RUN(test_coalesce_burst_is_one_push_per_gap);
    RUN(test_coalesce_ids_are_apart_and_capped);
    return CHECK_DONE();
}
