/* builtin.c - the handlers of the routes operators, load balancers and
 * clients use: /healthz (the process answers), /readyz (it can do its
 * work), /metrics and the OpenAPI document. routes.c registers them. */
#include "http/internal.h"

#include <sodium.h>
#include <string.h>

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

/* On the main port: the metrics token, else an admin. The numbers name
 * routes, users' activity and the machine's load: not for everyone. */
static int metrics_allowed_or_reply(http_req_t *req, http_server_t *srv)
{
    const char *a = http_req_header(req, "Authorization");
    const char *tok = srv->opt.metrics_token;
    if (a && tok && *tok && !strncmp(a, "Bearer ", 7) &&
        strlen(a + 7) == strlen(tok) &&
        sodium_memcmp(a + 7, tok, strlen(tok)) == 0)
        return AVP_OK;
    if (http__authenticate_or_reply(req) < 0)
        return AVP_ENOTFOUND;
    if (!req->user->admin) {
        http_reply_error(req, 403, "forbidden", "/metrics needs an admin or "
                         "the metrics token (or use the metrics address)");
        return AVP_EUNSUPPORTED;
    }
    return AVP_OK;
}

static void metrics_send(http_req_t *req, http_server_t *srv)
{
    char *text;
    size_t len;
    http_metrics_render(srv->metrics, &text, &len);
    http_reply_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                     len);
    avp_free(text);
}

void http__metrics_page(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    if (metrics_allowed_or_reply(req, srv) == AVP_OK)
        metrics_send(req, srv);
}

int http__metrics_port_find(http_server_t *srv, avp_error_t *err)
{
    struct mg_server_port ports[2];
    srv->metrics_port = 0;
    if (!srv->opt.metrics_listen)
        return AVP_OK;
    if (mg_get_server_ports(srv->mg, 2, ports) < 2 ||
        ports[1].port == ports[0].port)
        return avp_error_set(err, AVP_EINVAL, "metrics address %s needs a "
                             "port other than the API's",
                             srv->opt.metrics_listen);
    srv->metrics_port = ports[1].port;
    return AVP_OK;
}

int http_server_metrics_port(const http_server_t *srv)
{
    return srv->mg ? srv->metrics_port : 0;
}

int http__metrics_port_reply(http_req_t *req)
{
    if (!req->srv->metrics_port ||
        req->ri->server_port != req->srv->metrics_port)
        return 0;
    const char *path = req->ri->local_uri_raw ? req->ri->local_uri_raw
                                              : req->ri->local_uri;
    if (!strcmp(req->ri->request_method, "GET") && !strcmp(path, "/metrics"))
        metrics_send(req, req->srv);
    else
        http_reply_error(req, 404, "not_found", "this address serves only "
                         "GET /metrics");
    return 1;
}

void http__openapi_page(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    http_reply_bytes(req, 200, "application/json", srv->openapi,
                     srv->openapi_len);
}
