/* routes.c - the routes every server has, registered here and served by
 * builtin.c (health, readiness, metrics, the OpenAPI document) and login.c
 * (the session routes, which only exist when the server has an auth
 * store). */
#include "http/internal.h"

static const http_schema_field_t login_body[] = {
    {"username", HTTP_SCHEMA_STRING, 1, 1, HTTP_AUTH_NAME_MAX - 1, NULL, NULL},
    {"password", HTTP_SCHEMA_STRING, 1, 1, 1024, NULL, NULL},
    {0}};

int http__add_builtin_routes(http_server_t *srv, avp_error_t *err)
{
    const http_route_t ops[] = {
        {"GET", "/healthz", "healthz", "The process is up", http__healthz, srv,
         HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/readyz", "readyz", "Database and Redis are reachable",
         http__readyz, srv, HTTP_PUBLIC, NULL, NULL, 0},
        /* Public to the dispatcher: the handler takes the metrics token
         * as well as an admin's credential. */
        {"GET", "/metrics", "metrics",
         "Prometheus metrics (an admin, or the metrics token)",
         http__metrics_page, srv, HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/api/openapi.json", "openapi", "This OpenAPI document",
         http__openapi_page, srv, HTTP_PUBLIC, NULL, NULL, 0},
    };
    const http_route_t session[] = {
        {"POST", "/api/auth/login", "auth_login",
         "Log in: sets the avp_session cookie", http__login, srv, HTTP_PUBLIC,
         login_body, NULL, 4096},
        {"POST", "/api/auth/logout", "auth_logout",
         "Log out: ends the session", http__logout, srv, 0, NULL, NULL, 0},
        {"GET", "/api/auth/me", "auth_me", "The caller", http__me, srv, 0, NULL,
         NULL, 0},
    };
    int rc = http_server_add_routes(srv, ops, AVP_ARRAY_LEN(ops), err);
    if (rc == AVP_OK && srv->auth)
        rc = http_server_add_routes(srv, session, AVP_ARRAY_LEN(session), err);
    return rc;
}
