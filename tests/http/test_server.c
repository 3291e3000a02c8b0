/* test_server.c - life cycle and route registration of server.c (requests
 * themselves are exercised by test_http.py). */
#include "check.h"
#include "http/reply.h"

#include <string.h>

static void nothing(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_empty(req, 204);
}

static void test_server_route_registration(void)
{
    avp_error_t err;
    http_server_t *srv = http_server_create(&(http_server_options_t){0}, &err);
    CHECK(srv);
    http_route_t r = {.method = "GET",
                      .pattern = "/api/things/{id}",
                      .name = "thing",
                      .handler = nothing};
    CHECK(http_server_add_route(srv, &r, &err) == AVP_OK);
    r.method = "DELETE"; /* same name, other method */
    CHECK(http_server_add_route(srv, &r, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "'thing' used twice"));
    r.name = "thing_delete";
    CHECK(http_server_add_route(srv, &r, &err) == AVP_OK);
    r.name = "thing_again";
    CHECK(http_server_add_route(srv, &r, &err) == AVP_EINVAL); /* same shape */
    r = (http_route_t){.method = "GET",
                       .pattern = "/api/{id",
                       .name = "broken",
                       .handler = nothing};
    CHECK(http_server_add_route(srv, &r, &err) == AVP_EINVAL);
    r = (http_route_t){
        .method = "GET", .pattern = "/api/x", .name = "no_handler"};
    CHECK(http_server_add_route(srv, &r, &err) == AVP_EINVAL);
    /* Built-in routes are taken. */
    r = (http_route_t){.method = "GET",
                       .pattern = "/metrics",
                       .name = "metrics2",
                       .handler = nothing};
    CHECK(http_server_add_route(srv, &r, &err) == AVP_EINVAL);
    http_server_destroy(srv);
}

static void test_server_start_stop_and_port_in_use(void)
{
    avp_error_t err;
    http_server_t *a =
        http_server_create(&(http_server_options_t){.threads = 2}, &err);
    CHECK(a);
    CHECK(http_server_port(a) == -1);
    CHECK(http_server_start(a, &err) == AVP_OK);
    int port = http_server_port(a);
    CHECK(port > 0);
    http_route_t r = {.method = "GET",
                      .pattern = "/late",
                      .name = "late",
                      .handler = nothing};
    CHECK(http_server_add_route(a, &r, &err) ==
          AVP_EINVAL); /* fixed once started */
    http_server_t *b = http_server_create(
        &(http_server_options_t){.port = port, .threads = 2}, &err);
    CHECK(b);
    CHECK(http_server_start(b, &err) == AVP_EIO);
    CHECK(strstr(err.msg, "cannot listen on 127.0.0.1:"));
    CHECK(strstr(err.msg, "Address already in use"));
    http_server_destroy(b);
    http_server_stop(a);
    CHECK(http_server_port(a) == -1);
    http_server_stop(a); /* twice is harmless */
    http_server_destroy(a);
    http_server_destroy(NULL);
}

static void test_server_static_root_must_exist(void)
{
    avp_error_t err;
    http_server_t *s = http_server_create(
        &(http_server_options_t){.static_root = "/nonexistent/avp-ui"}, &err);
    CHECK(s);
    CHECK(http_server_start(s, &err) == AVP_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/avp-ui"));
    http_server_destroy(s);
}

int main(void)
{
    RUN(test_server_route_registration);
    RUN(test_server_start_stop_and_port_in_use);
    RUN(test_server_static_root_must_exist);
    return CHECK_DONE();
}
