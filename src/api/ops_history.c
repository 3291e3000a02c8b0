/* ops_history.c - the operations page's history and firing alerts, from
 * the Prometheus that `avp up --monitoring` runs (AVP_PROMETHEUS_URL).
 * The API server asks it on the admin's behalf, with queries of its own
 * choosing: the browser needs no route to Prometheus, and nobody sends
 * PromQL through AVP. Prometheus' answers are bounded (PROM_BODY_MAX),
 * parsed with jansson and reshaped; its failures are a 502, its absence a
 * 503, both with a message saying which. */
#include "api/internal.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROM_TIMEOUT_S 5L
#define PROM_BODY_MAX ((size_t)8 << 20)
#define HISTORY_POINTS 120

/* The series the page draws, by name: recording rules of
 * deploy/prometheus/rules where there is one. */
static const char *const history_series[][2] = {
    {"p99", "max(avp:http_request_duration_seconds:p99_5m)"},
    {"requests", "sum(avp:http_requests:rate5m)"},
    {"rss", "sum by (job) (process_resident_memory_bytes"
            "{job=~\"avp-server|avp-worker\"})"},
    {"fps", "sum(avp:worker_frames:rate1m)"},
    {"queue", "sum(avp_queue_depth{kind=\"length\"})"},
    {"cache_hit", "avp:cache_hit:ratio_rate5m"},
};

typedef struct body {
    char *p;
    size_t len;
    bool too_big;
} body_t;

static size_t on_data(char *ptr, size_t size, size_t n, void *user)
{
    body_t *b = user;
    size_t add = size * n;
    if (b->len + add > PROM_BODY_MAX) {
        b->too_big = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    b->p = avp_realloc(b->p, b->len + add + 1);
    memcpy(b->p + b->len, ptr, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

/* GET path (with its query) from Prometheus: the "data" member of its
 * answer, or NULL once the reply is sent. */
static json_t *prom_get(api_t *r, http_req_t *req, const char *path)
{
    if (!r->opt.prometheus_url) {
        http_reply_error(req, 503, "no_prometheus", "no Prometheus is "
                         "configured: run avp up --monitoring, or set "
                         "AVP_PROMETHEUS_URL for avp serve");
        return NULL;
    }
    char url[2048];
    snprintf(url, sizeof url, "%s%s", r->opt.prometheus_url, path);
    body_t b = {0};
    CURL *c = curl_easy_init();
    CURLcode rc = CURLE_FAILED_INIT;
    long status = 0;
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, PROM_TIMEOUT_S);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
    }
    json_t *doc = rc == CURLE_OK && b.p ? json_loads(b.p, 0, NULL) : NULL;
    avp_free(b.p);
    json_t *data = json_object_get(doc, "data");
    if (status == 200 && json_is_object(data)) {
        json_incref(data);
        json_decref(doc);
        return data;
    }
    json_decref(doc);
    http_reply_error(req, 502, "prometheus_failed", "Prometheus at %s %s",
                     r->opt.prometheus_url,
                     b.too_big ? "answered more than 8 MB"
                     : rc != CURLE_OK ? curl_easy_strerror(rc)
                                      : "did not answer with its data");
    return NULL;
}

static int admin_or_reply(http_req_t *req)
{
    if (http_req_user(req)->admin)
        return 0;
    http_reply_error(req, 403, "forbidden", "only an admin reads the "
                     "platform's history and alerts");
    return -1;
}

/* Prometheus' matrix [{metric, values: [[t, "v"]...]}] as
 * [{labels, points: [[t, v]...]}], leaving out NaN and infinities. */
static json_t *lines_of(json_t *result)
{
    json_t *lines = json_array(), *m, *pt;
    size_t i, k;
    json_array_foreach(result, i, m) {
        json_t *points = json_array();
        json_array_foreach(json_object_get(m, "values"), k, pt) {
            const char *text = json_string_value(json_array_get(pt, 1));
            double v = text ? atof(text) : NAN;
            if (isfinite(v))
                json_array_append_new(points, json_pack("[O, f]",
                                      json_array_get(pt, 0), v));
        }
        json_t *labels = json_object_get(m, "metric");
        json_array_append_new(lines, json_pack("{s:O?, s:o}", "labels",
                                               labels, "points", points));
    }
    return lines;
}

void api__ops_history(http_req_t *req, void *ctx)
{
    if (admin_or_reply(req) < 0)
        return;
    const char *name = json_string_value(json_object_get(http_req_query(req),
                                                         "series"));
    const char *query = NULL;
    for (size_t i = 0; name && i < AVP_ARRAY_LEN(history_series); i++)
        if (!strcmp(name, history_series[i][0]))
            query = history_series[i][1];
    if (!query) {
        http_reply_error(req, 400, "bad_request", "series must be one of "
                         "p99, requests, rss, fps, queue, cache_hit");
        return;
    }
    int64_t minutes = http_req_query_int(req, "minutes", 60);
    int64_t end = (int64_t)time(NULL), start = end - minutes * 60;
    int64_t step = minutes * 60 / HISTORY_POINTS;
    char *q = curl_easy_escape(NULL, query, 0), path[1024];
    snprintf(path, sizeof path, "/api/v1/query_range?query=%s&start=%lld"
             "&end=%lld&step=%lld", q ? q : "", (long long)start,
             (long long)end, (long long)(step > 0 ? step : 1));
    curl_free(q);
    json_t *data = prom_get(ctx, req, path);
    if (!data)
        return;
    http_reply_json(req, 200, json_pack(
        "{s:s, s:I, s:I, s:o}", "series", name, "step", (json_int_t)step,
        "start", (json_int_t)start, "lines",
        lines_of(json_object_get(data, "result"))));
    json_decref(data);
}

void api__ops_alerts(http_req_t *req, void *ctx)
{
    if (admin_or_reply(req) < 0)
        return;
    json_t *data = prom_get(ctx, req, "/api/v1/alerts");
    if (!data)
        return;
    json_t *items = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(data, "alerts"), i, a) {
        json_t *l = json_object_get(a, "labels"),
               *an = json_object_get(a, "annotations");
        json_array_append_new(items, json_pack(
            "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
            "name", json_object_get(l, "alertname"),
            "state", json_object_get(a, "state"),
            "severity", json_object_get(l, "severity"),
            "instance", json_object_get(l, "instance"),
            "summary", json_object_get(an, "summary"),
            "since", json_object_get(a, "activeAt")));
    }
    json_decref(data);
    http_reply_json(req, 200, json_pack("{s:o, s:n}", "items", items,
                                        "next_cursor"));
}
