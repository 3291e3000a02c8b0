/* builtin.c - the routes operators and load balancers use: /healthz (the
 * process answers), /readyz (it can do its work) and /metrics. */
#include "http/internal.h"

static void healthz(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static void readyz(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    avp_error_t err = {0};
    if (srv->opt.ready && srv->opt.ready(srv->opt.ready_ctx, &err) < 0) {
        http_reply_unavailable(req, 5, "not ready: %s", err.msg);
        return;
    }
    http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

static void metrics(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    char *text;
    size_t len;
    http_metrics_render(srv->metrics, &text, &len);
    http_reply_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                     len);
    avp_free(text);
}

static void openapi(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    http_reply_bytes(req, 200, "application/json", srv->openapi,
                     srv->openapi_len);
}

int http__add_builtin_routes(http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t ws_query[] = {
        {"token", HTTP_SCHEMA_STRING, 0, 1, HTTP_AUTH_TOKEN_MAX,
         "session token or API "
         "key, for clients that cannot send a cookie or header", NULL},
        {0}};
    const http_route_t routes[] = {
        {"GET", "/healthz", "healthz", "The process is up", healthz, srv,
         HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/readyz", "readyz", "Database and Redis are reachable", readyz,
         srv, HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/metrics", "metrics", "Prometheus metrics", metrics, srv,
         HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/api/openapi.json", "openapi", "This OpenAPI document",
         openapi, srv, HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/ws/progress/{task_id}", "ws_progress",
         "WebSocket: progress messages of a task until it ends", NULL, NULL,
         HTTP_WEBSOCKET, NULL, ws_query, 0},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(routes); i++) {
        int rc = http_server_add_route(srv, &routes[i], err);
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}
