/* test_router.c - route matching, typed parameters, 404/405/400 outcomes. */
#include "check.h"
#include "http/router.h"

#include <string.h>

static http_router_t *make(void)
{
    http_router_t *r = http_router_create();
    static const char *const routes[][2] = {
        {"GET", "/api/projects"},
        {"POST", "/api/projects"},
        {"GET", "/api/projects/{id}"},
        {"DELETE", "/api/projects/{id}"},
        {"GET", "/api/projects/{id}/videos"},
        {"GET", "/api/runs/{id}/detections"},
        {"GET", "/api/runs/{id}/detections.ndjson"},
        {"GET", "/api/runs/latest"},
        {"GET", "/api/projects/{pid}/members/{uid}"},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(routes); i++)
        if (http_router_add(r, routes[i][0], routes[i][1], NULL) != AVP_OK)
            return NULL;
    return r;
}

static void test_router_literal_and_params(void)
{
    http_router_t *r = make();
    CHECK(r);
    http_router_match_t m;
    CHECK(http_router_match(r, "GET", "/api/projects", &m) ==
          HTTP_ROUTER_FOUND);
    CHECK(m.route == 0 && m.nparams == 0);
    CHECK(http_router_match(r, "POST", "/api/projects", &m) ==
          HTTP_ROUTER_FOUND);
    CHECK(m.route == 1);
    CHECK(http_router_match(r, "GET", "/api/projects/42/videos", &m) ==
          HTTP_ROUTER_FOUND);
    CHECK(m.route == 4 && m.nparams == 1 && !strcmp(m.names[0], "id"));
    CHECK(m.values[0] == 42);
    CHECK(http_router_match(r, "GET", "/api/projects/9223372036854775807",
                            &m) == HTTP_ROUTER_FOUND);
    CHECK(m.values[0] == INT64_MAX);
    CHECK(http_router_match(r, "GET", "/api/projects/3/members/8", &m) ==
          HTTP_ROUTER_FOUND);
    CHECK(m.nparams == 2 && m.values[0] == 3 && m.values[1] == 8);
    CHECK(!strcmp(m.names[1], "uid"));
    CHECK(http_router_match(r, "GET", "/api/runs/7/detections.ndjson", &m) ==
          HTTP_ROUTER_FOUND);
    CHECK(m.route == 6);
    http_router_destroy(r);
}

static void test_router_literal_beats_param(void)
{
    http_router_t *r = make();
    http_router_match_t m;
    CHECK(http_router_match(r, "GET", "/api/runs/latest", &m) ==
          HTTP_ROUTER_FOUND);
    CHECK(m.route == 7 && m.nparams == 0);
    /* Registered in the other order, the literal still wins. */
    http_router_t *r2 = http_router_create();
    CHECK(http_router_add(r2, "GET", "/a/{id}", NULL) == AVP_OK);
    CHECK(http_router_add(r2, "GET", "/a/new", NULL) == AVP_OK);
    CHECK(http_router_match(r2, "GET", "/a/new", &m) == HTTP_ROUTER_FOUND &&
          m.route == 1);
    CHECK(http_router_match(r2, "GET", "/a/5", &m) == HTTP_ROUTER_FOUND &&
          m.route == 0);
    http_router_destroy(r2);
    http_router_destroy(r);
}

static void test_router_bad_params(void)
{
    http_router_t *r = make();
    http_router_match_t m;
    static const char *const bad[] = {"/api/projects/0",
                                      "/api/projects/-1",
                                      "/api/projects/abc",
                                      "/api/projects/1e3",
                                      "/api/projects/+5",
                                      "/api/projects/0x10",
                                      "/api/projects/9223372036854775808",
                                      "/api/projects/12345678901234567890",
                                      "/api/projects/ 1"};
    for (size_t i = 0; i < AVP_ARRAY_LEN(bad); i++) {
        CHECK(http_router_match(r, "GET", bad[i], &m) == HTTP_ROUTER_BAD_PARAM);
        CHECK(strstr(m.msg, "'id'") && strstr(m.msg, "positive integer"));
    }
    http_router_destroy(r);
}

static void test_router_not_found_and_methods(void)
{
    http_router_t *r = make();
    http_router_match_t m;
    CHECK(http_router_match(r, "GET", "/api/nothing", &m) ==
          HTTP_ROUTER_NOT_FOUND);
    CHECK(http_router_match(r, "GET", "/api/projects/", &m) ==
          HTTP_ROUTER_NOT_FOUND);
    CHECK(http_router_match(r, "GET", "/api//projects", &m) ==
          HTTP_ROUTER_NOT_FOUND);
    CHECK(http_router_match(r, "GET", "/api/projects/1/videos/2", &m) ==
          HTTP_ROUTER_NOT_FOUND);
    CHECK(http_router_match(r, "GET", "relative", &m) == HTTP_ROUTER_NOT_FOUND);
    CHECK(http_router_match(r, "PUT", "/api/projects", &m) ==
          HTTP_ROUTER_BAD_METHOD);
    CHECK(!strcmp(m.allow, "GET, POST"));
    CHECK(http_router_match(r, "POST", "/api/projects/5", &m) ==
          HTTP_ROUTER_BAD_METHOD);
    CHECK(!strcmp(m.allow, "GET, DELETE"));
    http_router_destroy(r);
}

static void test_router_rejects_bad_patterns(void)
{
    http_router_t *r = http_router_create();
    avp_error_t err;
    CHECK(http_router_add(r, "GET", "/a/{id}", &err) == AVP_OK);
    CHECK(http_router_add(r, "GET", "/a/{other}", &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "duplicate"));
    CHECK(http_router_add(r, "POST", "/a/{id}", &err) == AVP_OK);
    CHECK(http_router_add(r, "GET", "/a/{", &err) == AVP_EINVAL);
    CHECK(http_router_add(r, "GET", "/a/x{id}", &err) == AVP_EINVAL);
    CHECK(http_router_add(r, "GET", "no-slash", &err) == AVP_EINVAL);
    CHECK(http_router_add(r, "GET", "/a//b", &err) == AVP_EINVAL);
    CHECK(http_router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}", &err) ==
          AVP_EINVAL);
    CHECK(http_router_count(r) == 2);
    const char *names[HTTP_ROUTER_MAX_PARAMS];
    CHECK(http_router_params(r, 1, names) == 1 && !strcmp(names[0], "id"));
    http_router_destroy(r);
}

int main(void)
{
    RUN(test_router_literal_and_params);
    RUN(test_router_literal_beats_param);
    RUN(test_router_bad_params);
    RUN(test_router_not_found_and_methods);
    RUN(test_router_rejects_bad_patterns);
    return CHECK_DONE();
}
