/* test_policy.c - the worker's pure decisions: backoff, give-up rule,
 * frame totals, the progress message and the tick throttle. */
#include "check.h"
#include "worker/worker.h"

#include <jansson.h>
#include <string.h>

static void test_policy_backoff_doubles_then_caps(void)
{
    CHECK(worker_backoff_s(0) == 1);
    CHECK(worker_backoff_s(1) == 2);
    CHECK(worker_backoff_s(2) == 4);
    CHECK(worker_backoff_s(8) == 256);
    CHECK(worker_backoff_s(9) == 300);
    CHECK(worker_backoff_s(1000) == 300);
    CHECK(worker_backoff_s(-3) == 1);
}

static void test_policy_gives_up_at_max_attempts(void)
{
    CHECK(worker_after_failure(1, 3) == WORKER_RETRY);
    CHECK(worker_after_failure(2, 3) == WORKER_RETRY);
    CHECK(worker_after_failure(3, 3) == WORKER_GIVE_UP);
    CHECK(worker_after_failure(1, 1) == WORKER_GIVE_UP);
}

static void test_policy_frames_total(void)
{
    CHECK(worker_frames_total(60, 1) == 60);
    CHECK(worker_frames_total(60, 7) == 9); /* frames 0,7,...,56 */
    CHECK(worker_frames_total(61, 3) == 21);
    CHECK(worker_frames_total(0, 2) == 0);
    CHECK(worker_frames_total(10, 0) == 10);
}

/* Parses the message back, so the test checks JSON, not formatting. */
static json_t *parse(const worker_progress_t *p)
{
    char buf[512];
    int n = worker_progress_json(p, buf, sizeof buf);
    if (n <= 0 || (size_t)n >= sizeof buf)
        return NULL;
    return json_loads(buf, 0, NULL);
}

static void test_policy_progress_message(void)
{
    worker_progress_t p = {42, "running", 30, 120, 10.0};
    json_t *j = parse(&p);
    CHECK(j);
    int ok = json_integer_value(json_object_get(j, "task_id")) == 42 &&
             !strcmp(json_string_value(json_object_get(j, "state")), "running") &&
             json_integer_value(json_object_get(j, "frames_done")) == 30 &&
             json_integer_value(json_object_get(j, "frames_total")) == 120;
    double progress = json_number_value(json_object_get(j, "progress"));
    double fps = json_number_value(json_object_get(j, "fps"));
    double eta = json_number_value(json_object_get(j, "eta"));
    json_decref(j);
    CHECK(ok);
    CHECK_NEAR(progress, 0.25, 1e-6);
    CHECK_NEAR(fps, 10.0, 1e-6);
    CHECK_NEAR(eta, 9.0, 1e-6); /* 90 frames left at 10 fps */
}

static void test_policy_progress_unknown_total_and_done(void)
{
    worker_progress_t p = {1, "running", 30, 0, 0};
    json_t *j = parse(&p);
    CHECK(j);
    int eta_null = json_is_null(json_object_get(j, "eta"));
    double progress = json_number_value(json_object_get(j, "progress"));
    json_decref(j);
    CHECK(eta_null);
    CHECK_NEAR(progress, 0, 0);
    worker_progress_t d = {1, "done", 59, 60, 5};
    CHECK_NEAR(worker_progress_fraction(&d), 1.0, 0);
    worker_progress_t over = {1, "running", 70, 60, 5};
    CHECK_NEAR(worker_progress_fraction(&over), 1.0, 0);
}

static void test_policy_throttle(void)
{
    worker_throttle_t t = {0.25, 0};
    CHECK(worker_throttle_due(&t, 100.0) == 1); /* first tick at once */
    CHECK(worker_throttle_due(&t, 100.1) == 0);
    CHECK(worker_throttle_due(&t, 100.24) == 0);
    CHECK(worker_throttle_due(&t, 100.26) == 1);
    CHECK(worker_throttle_due(&t, 100.30) == 0);
}

int main(void)
{
    RUN(test_policy_backoff_doubles_then_caps);
    RUN(test_policy_gives_up_at_max_attempts);
    RUN(test_policy_frames_total);
    RUN(test_policy_progress_message);
    RUN(test_policy_progress_unknown_total_and_done);
    RUN(test_policy_throttle);
    return CHECK_DONE();
}
