/* test_metrics.c - registry, exposition format and concurrent updates. */
#include "check.h"
#include "http/metrics.h"

#include <pthread.h>
#include <string.h>

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p += n)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

static void test_metrics_counter_gauge_format(void)
{
    http_metrics_t *m = http_metrics_create();
    http_metrics_counter_t *c = http_metrics_counter(
        m, "avp_jobs_total", "Jobs run.", "kind=\"detect\"");
    http_metrics_counter_t *c2 = http_metrics_counter(
        m, "avp_jobs_total", "Jobs run.", "kind=\"thumb\"");
    http_metrics_gauge_t *g =
        http_metrics_gauge(m, "avp_pool_in_use", "Connections.", NULL);
    CHECK(c && c2 && g && c != c2);
    CHECK(http_metrics_counter(m, "avp_jobs_total", "Jobs run.",
                               "kind=\"detect\"") == c);
    CHECK(http_metrics_gauge(m, "avp_jobs_total", "x", NULL) ==
          NULL); /* type clash */
    http_metrics_counter_add(c, 3);
    http_metrics_counter_add(c, 2);
    http_metrics_gauge_set(g, 7);
    http_metrics_gauge_add(g, -2.5);
    char *text;
    size_t len;
    http_metrics_render(m, &text, &len);
    CHECK(len == strlen(text));
    CHECK(has_line(text, "# HELP avp_jobs_total Jobs run."));
    CHECK(has_line(text, "# TYPE avp_jobs_total counter"));
    CHECK(has_line(text, "avp_jobs_total{kind=\"detect\"} 5"));
    CHECK(has_line(text, "avp_jobs_total{kind=\"thumb\"} 0"));
    CHECK(has_line(text, "# TYPE avp_pool_in_use gauge"));
    CHECK(has_line(text, "avp_pool_in_use 4.5"));
    /* One HELP block per name, however many series. */
    const char *first = strstr(text, "# HELP avp_jobs_total");
    CHECK(first && !strstr(first + 1, "# HELP avp_jobs_total"));
    avp_free(text);
    http_metrics_destroy(m);
}

static void test_metrics_histogram_buckets(void)
{
    http_metrics_t *m = http_metrics_create();
    static const double bounds[] = {0.001, 0.01, 0.1};
    http_metrics_histogram_t *h = http_metrics_histogram(
        m, "avp_req_seconds", "Latency.", "route=\"x\"", bounds, 3);
    CHECK(h);
    http_metrics_histogram_observe(h, 0.0005); /* first bucket */
    http_metrics_histogram_observe(h, 0.001);  /* le is inclusive */
    http_metrics_histogram_observe(h, 0.05);
    http_metrics_histogram_observe(h, 3); /* +Inf only */
    CHECK(http_metrics_histogram_count(h) == 4);
    char *text;
    size_t len;
    http_metrics_render(m, &text, &len);
    CHECK(has_line(text, "# TYPE avp_req_seconds histogram"));
    CHECK(has_line(text, "avp_req_seconds_bucket{route=\"x\",le=\"0.001\"} 2"));
    CHECK(has_line(text, "avp_req_seconds_bucket{route=\"x\",le=\"0.01\"} 2"));
    CHECK(has_line(text, "avp_req_seconds_bucket{route=\"x\",le=\"0.1\"} 3"));
    CHECK(has_line(text, "avp_req_seconds_bucket{route=\"x\",le=\"+Inf\"} 4"));
    CHECK(has_line(text, "avp_req_seconds_sum{route=\"x\"} 3.0515"));
    CHECK(has_line(text, "avp_req_seconds_count{route=\"x\"} 4"));
    avp_free(text);
    http_metrics_destroy(m);
}

static void test_metrics_process_gauges(void)
{
    http_metrics_t *m = http_metrics_create();
    http_metrics_add_process_gauges(m);
    char *text;
    size_t len;
    http_metrics_render(m, &text, &len);
    const char *rss = strstr(text, "\nprocess_resident_memory_bytes ");
    const char *fds = strstr(text, "\nprocess_open_fds ");
    CHECK(rss && fds);
    CHECK(atof(rss + strlen("\nprocess_resident_memory_bytes ")) > 1e5);
    CHECK(atof(fds + strlen("\nprocess_open_fds ")) >= 3);
    avp_free(text);
    http_metrics_destroy(m);
}

typedef struct hammer {
    http_metrics_counter_t *c;
    http_metrics_gauge_t *g;
    http_metrics_histogram_t *h;
} hammer_t;

static void *hammer(void *arg)
{
    hammer_t *hm = arg;
    for (int i = 0; i < 20000; i++) {
        http_metrics_counter_add(hm->c, 1);
        http_metrics_gauge_add(hm->g, 0.5);
        http_metrics_histogram_observe(hm->h, (i % 7) * 0.001);
    }
    return NULL;
}

static void test_metrics_concurrent_updates(void)
{
    http_metrics_t *m = http_metrics_create();
    static const double bounds[] = {0.002, 0.004};
    hammer_t hm = {
        http_metrics_counter(m, "c_total", "c", NULL),
        http_metrics_gauge(m, "g", "g", NULL),
        http_metrics_histogram(m, "h_seconds", "h", NULL, bounds, 2)};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, &hm);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK(http_metrics_counter_value(hm.c) == 80000);
    CHECK_NEAR(http_metrics_gauge_value(hm.g), 40000, 0);
    CHECK(http_metrics_histogram_count(hm.h) == 80000);
    http_metrics_destroy(m);
}

int main(void)
{
    RUN(test_metrics_counter_gauge_format);
    RUN(test_metrics_histogram_buckets);
    RUN(test_metrics_process_gauges);
    RUN(test_metrics_concurrent_updates);
    return CHECK_DONE();
}
