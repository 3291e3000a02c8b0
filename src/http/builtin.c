/* builtin.c - the routes operators and load balancers use: /healthz (the
 * process answers), /readyz (it can do its work) and /metrics. */
#include "http/internal.h"

static void healthz(server_req_t *req, void *ctx)
{
    (void)ctx;
    reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static void readyz(server_req_t *req, void *ctx)
{
    server_t *srv = ctx;
    avp_error_t err = {0};
    if (srv->opt.ready && srv->opt.ready(srv->opt.ready_ctx, &err) < 0) {
        reply_unavailable(req, 5, "not ready: %s", err.msg);
        return;
    }
    reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

static void metrics(server_req_t *req, void *ctx)
{
    server_t *srv = ctx;
    char *text;
    size_t len;
    metrics_render(srv->metrics, &text, &len);
    reply_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                len);
    avp_free(text);
}

static void openapi(server_req_t *req, void *ctx)
{
    server_t *srv = ctx;
    reply_bytes(req, 200, "application/json", srv->openapi, srv->openapi_len);
}

int server__add_builtin_routes(server_t *srv, avp_error_t *err)
{
    static const schema_field_t ws_query[] = {
        {"token", SCHEMA_STRING, 0, 1, AUTH_TOKEN_MAX,
         "session token or API "
         "key, for clients that cannot send a cookie or header"},
        {0}};
    const server_route_t routes[] = {
        {"GET", "/healthz", "healthz", "The process is up", healthz, srv,
         SERVER_PUBLIC, NULL, NULL, 0},
        {"GET", "/readyz", "readyz", "Database and Redis are reachable", readyz,
         srv, SERVER_PUBLIC, NULL, NULL, 0},
        {"GET", "/metrics", "metrics", "Prometheus metrics", metrics, srv,
         SERVER_PUBLIC, NULL, NULL, 0},
        {"GET", "/api/openapi.json", "openapi", "This OpenAPI document",
         openapi, srv, SERVER_PUBLIC, NULL, NULL, 0},
        {"GET", "/ws/progress/{task_id}", "ws_progress",
         "WebSocket: progress messages of a task until it ends", NULL, NULL,
         SERVER_WEBSOCKET, NULL, ws_query, 0},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(routes); i++) {
        int rc = server_add_route(srv, &routes[i], err);
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}
