/* builtin.c - the handlers of the routes operators, load balancers and
 * clients use: /healthz (the process answers), /readyz (it can do its
 * work), /metrics and the OpenAPI document. routes.c registers them. */
#include "http/internal.h"

void http__healthz(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void http__readyz(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    avp_error_t err = {0};
    if (srv->opt.ready && srv->opt.ready(srv->opt.ready_ctx, &err) < 0) {
        http_reply_error_from(req, 503, "unavailable", &err);
        return;
    }
    http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

void http__metrics_page(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    char *text;
    size_t len;
    http_metrics_render(srv->metrics, &text, &len);
    http_reply_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                     len);
    avp_free(text);
}

void http__openapi_page(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    http_reply_bytes(req, 200, "application/json", srv->openapi,
                     srv->openapi_len);
}
