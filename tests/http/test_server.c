/* test_server.c - life cycle and route registration of server.c (requests
 * themselves are exercised by test_http.py). */
#include "check.h"
#include "http/reply.h"

#include <string.h>

static void nothing(server_req_t *req, void *ctx)
{
    (void)ctx;
    reply_empty(req, 204);
}

static void test_server_route_registration(void)
{
    avp_error_t err;
    server_t *srv = server_create(&(server_options_t){0}, &err);
    CHECK(srv);
    server_route_t r = {.method = "GET",
                        .pattern = "/api/things/{id}",
                        .name = "thing",
                        .handler = nothing};
    CHECK(server_add_route(srv, &r, &err) == AVP_OK);
    r.method = "DELETE"; /* same name, other method */
    CHECK(server_add_route(srv, &r, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "'thing' used twice"));
    r.name = "thing_delete";
    CHECK(server_add_route(srv, &r, &err) == AVP_OK);
    r.name = "thing_again";
    CHECK(server_add_route(srv, &r, &err) == AVP_EINVAL); /* same shape */
    r = (server_route_t){.method = "GET",
                         .pattern = "/api/{id",
                         .name = "broken",
                         .handler = nothing};
    CHECK(server_add_route(srv, &r, &err) == AVP_EINVAL);
    r = (server_route_t){
        .method = "GET", .pattern = "/api/x", .name = "no_handler"};
    CHECK(server_add_route(srv, &r, &err) == AVP_EINVAL);
    /* Built-in routes are taken. */
    r = (server_route_t){.method = "GET",
                         .pattern = "/metrics",
                         .name = "metrics2",
                         .handler = nothing};
    CHECK(server_add_route(srv, &r, &err) == AVP_EINVAL);
    server_destroy(srv);
}

static void test_server_start_stop_and_port_in_use(void)
{
    avp_error_t err;
    server_t *a = server_create(&(server_options_t){.threads = 2}, &err);
    CHECK(a);
    CHECK(server_port(a) == -1);
    CHECK(server_start(a, &err) == AVP_OK);
    int port = server_port(a);
    CHECK(port > 0);
    server_route_t r = {.method = "GET",
                        .pattern = "/late",
                        .name = "late",
                        .handler = nothing};
    CHECK(server_add_route(a, &r, &err) == AVP_EINVAL); /* fixed once started */
    server_t *b =
        server_create(&(server_options_t){.port = port, .threads = 2}, &err);
    CHECK(b);
    CHECK(server_start(b, &err) == AVP_EIO);
    CHECK(strstr(err.msg, "cannot listen on 127.0.0.1:"));
    CHECK(strstr(err.msg, "Address already in use"));
    server_destroy(b);
    server_stop(a);
    CHECK(server_port(a) == -1);
    server_stop(a); /* twice is harmless */
    server_destroy(a);
    server_destroy(NULL);
}

static void test_server_static_root_must_exist(void)
{
    avp_error_t err;
    server_t *s = server_create(
        &(server_options_t){.static_root = "/nonexistent/avp-ui"}, &err);
    CHECK(s);
    CHECK(server_start(s, &err) == AVP_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/avp-ui"));
    server_destroy(s);
}

int main(void)
{
    RUN(test_server_route_registration);
    RUN(test_server_start_stop_and_port_in_use);
    RUN(test_server_static_root_must_exist);
    return CHECK_DONE();
}
