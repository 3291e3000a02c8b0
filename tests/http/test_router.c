/* test_router.c - route matching, typed parameters, 404/405/400 outcomes. */
#include "check.h"
#include "http/router.h"

#include <string.h>

static router_t *make(void)
{
    router_t *r = router_create();
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
        if (router_add(r, routes[i][0], routes[i][1], NULL) != AVP_OK)
            return NULL;
    return r;
}

static void test_router_literal_and_params(void)
{
    router_t *r = make();
    CHECK(r);
    router_match_t m;
    CHECK(router_match(r, "GET", "/api/projects", &m) == ROUTER_FOUND);
    CHECK(m.route == 0 && m.nparams == 0);
    CHECK(router_match(r, "POST", "/api/projects", &m) == ROUTER_FOUND);
    CHECK(m.route == 1);
    CHECK(router_match(r, "GET", "/api/projects/42/videos", &m) ==
          ROUTER_FOUND);
    CHECK(m.route == 4 && m.nparams == 1 && !strcmp(m.names[0], "id"));
    CHECK(m.values[0] == 42);
    CHECK(router_match(r, "GET", "/api/projects/9223372036854775807", &m) ==
          ROUTER_FOUND);
    CHECK(m.values[0] == INT64_MAX);
    CHECK(router_match(r, "GET", "/api/projects/3/members/8", &m) ==
          ROUTER_FOUND);
    CHECK(m.nparams == 2 && m.values[0] == 3 && m.values[1] == 8);
    CHECK(!strcmp(m.names[1], "uid"));
    CHECK(router_match(r, "GET", "/api/runs/7/detections.ndjson", &m) ==
          ROUTER_FOUND);
    CHECK(m.route == 6);
    router_destroy(r);
}

static void test_router_literal_beats_param(void)
{
    router_t *r = make();
    router_match_t m;
    CHECK(router_match(r, "GET", "/api/runs/latest", &m) == ROUTER_FOUND);
    CHECK(m.route == 7 && m.nparams == 0);
    /* Registered in the other order, the literal still wins. */
    router_t *r2 = router_create();
    CHECK(router_add(r2, "GET", "/a/{id}", NULL) == AVP_OK);
    CHECK(router_add(r2, "GET", "/a/new", NULL) == AVP_OK);
    CHECK(router_match(r2, "GET", "/a/new", &m) == ROUTER_FOUND &&
          m.route == 1);
    CHECK(router_match(r2, "GET", "/a/5", &m) == ROUTER_FOUND && m.route == 0);
    router_destroy(r2);
    router_destroy(r);
}

static void test_router_bad_params(void)
{
    router_t *r = make();
    router_match_t m;
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
        CHECK(router_match(r, "GET", bad[i], &m) == ROUTER_BAD_PARAM);
        CHECK(strstr(m.msg, "'id'") && strstr(m.msg, "positive integer"));
    }
    router_destroy(r);
}

static void test_router_not_found_and_methods(void)
{
    router_t *r = make();
    router_match_t m;
    CHECK(router_match(r, "GET", "/api/nothing", &m) == ROUTER_NOT_FOUND);
    CHECK(router_match(r, "GET", "/api/projects/", &m) == ROUTER_NOT_FOUND);
    CHECK(router_match(r, "GET", "/api//projects", &m) == ROUTER_NOT_FOUND);
    CHECK(router_match(r, "GET", "/api/projects/1/videos/2", &m) ==
          ROUTER_NOT_FOUND);
    CHECK(router_match(r, "GET", "relative", &m) == ROUTER_NOT_FOUND);
    CHECK(router_match(r, "PUT", "/api/projects", &m) == ROUTER_BAD_METHOD);
    CHECK(!strcmp(m.allow, "GET, POST"));
    CHECK(router_match(r, "POST", "/api/projects/5", &m) == ROUTER_BAD_METHOD);
    CHECK(!strcmp(m.allow, "GET, DELETE"));
    router_destroy(r);
}

static void test_router_rejects_bad_patterns(void)
{
    router_t *r = router_create();
    avp_error_t err;
    CHECK(router_add(r, "GET", "/a/{id}", &err) == AVP_OK);
    CHECK(router_add(r, "GET", "/a/{other}", &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "duplicate"));
    CHECK(router_add(r, "POST", "/a/{id}", &err) == AVP_OK);
    CHECK(router_add(r, "GET", "/a/{", &err) == AVP_EINVAL);
    CHECK(router_add(r, "GET", "/a/x{id}", &err) == AVP_EINVAL);
    CHECK(router_add(r, "GET", "no-slash", &err) == AVP_EINVAL);
    CHECK(router_add(r, "GET", "/a//b", &err) == AVP_EINVAL);
    CHECK(router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}", &err) == AVP_EINVAL);
    CHECK(router_count(r) == 2);
    const char *names[ROUTER_MAX_PARAMS];
    CHECK(router_params(r, 1, names) == 1 && !strcmp(names[0], "id"));
    router_destroy(r);
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
