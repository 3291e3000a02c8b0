/* server.c - life cycle, civetweb glue and the request dispatcher; the
 * DESIGN is in http.h. */
#include "http/internal.h"
#include "http/tls.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

/* Debian's libcivetweb creates its threads with a fixed 100 KiB stack
 * (USE_STACK_SIZE). civetweb itself is ~29 KiB deep when it calls a
 * handler, a cached read goes ~23 KiB deeper, and an upload runs
 * libavformat's probe and a video decoder on top, twice as deep again
 * under ASan. This definition in the executable comes before libc's for
 * every shared library, so civetweb's request for a small stack is raised
 * here. Only the pages a thread touches are resident, so the larger size
 * costs address space, not memory (~44 KiB per thread after a burst of
 * cached reads, bench/api). */
#define HTTP_MIN_THREAD_STACK (512 * 1024)
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
    static int (*real)(pthread_attr_t *, size_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pthread_attr_setstacksize");
    return real(attr, size < HTTP_MIN_THREAD_STACK ? HTTP_MIN_THREAD_STACK
                                                     : size);
}

/* Request duration buckets: 0.5 ms (a cached read) to 10 s (an upload). */
static const double duration_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                         0.025,  0.05,  0.1,    0.25,  0.5,
                                         1,      2.5,   5,      10};

/* civetweb reports why mg_start failed (a port in use) only through
 * log_message, called on the thread running mg_start: keep the first
 * message of that thread for http_server_start's error. */
static _Thread_local char start_error[256];

static int on_log(const struct mg_connection *conn, const char *msg)
{
    (void)conn;
    if (!start_error[0])
        snprintf(start_error, sizeof(start_error), "%s", msg);
    fprintf(stderr, "avp server: %s\n", msg);
    return 1;
}

static const char *error_code(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 429: return "too_many_requests";
    case 431: return "headers_too_large";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "bad_request";
    }
}

/* Errors civetweb raises itself (a malformed request line, headers over
 * 16 KiB) get the same JSON shape as ours. */
static int on_http_error(struct mg_connection *conn, int status,
                         const char *msg)
{
    http_req_t req;
    http__req_init(&req, mg_get_user_data(mg_get_context(conn)), conn);
    req.raw_head = 1;
    http_reply_error(&req, status, error_code(status), "%s", msg);
    return 0;
}

int http__status_class(int status)
{
    int c = status / 100 - 1;
    return c < 0 ? 4 : c >= HTTP_STATUS_CLASSES ? 4 : c;
}

void http__route_metrics(http_server_t *srv, http_route_rec_t *rec)
{
    for (int c = 0; c < HTTP_STATUS_CLASSES; c++) {
        char labels[160];
        snprintf(labels, sizeof(labels), "route=\"%s\",status=\"%dxx\"",
                 rec->route.name, c + 1);
        rec->duration[c] = http_metrics_histogram(
            srv->metrics, "avp_http_request_duration_seconds",
            "Time from request to reply, per route and status class.", labels,
            duration_bounds, (int)AVP_ARRAY_LEN(duration_bounds));
    }
}

void http__observe(const http_route_rec_t *rec, int status, double t0)
{
    http_metrics_histogram_observe(rec->duration[http__status_class(status)],
                                   avp_now() - t0);
}

void http__req_init(http_req_t *req, http_server_t *srv,
                    struct mg_connection *conn)
{
    req->srv = srv;
    req->conn = conn;
    req->ri = mg_get_request_info(conn);
    req->rec = &srv->unmatched;
    req->user = NULL;
    req->query = req->body = NULL;
    req->body_read = 0;
    req->status = 0;
    req->raw_head = 0;
    req->headers[0] = '\0';
    req->defer = 0;
    memset(&req->pending, 0, sizeof req->pending);
    req->id[0] = '\0';
    memset(&req->match, 0, sizeof(req->match));
    http__client_addr_init(req);
}

http_server_t *http_server_create(const http_server_options_t *opt,
                                  avp_error_t *err)
{
    http_server_t *srv = avp_calloc(1, sizeof(*srv));
    srv->opt = *opt;
    if (!srv->opt.listen_addr)
        srv->opt.listen_addr = "127.0.0.1";
    /* civetweb gives a connection its thread until the connection closes,
     * and the platform must serve 500 open connections at once. Fewer
     * threads do not refuse the rest, they starve them in the accept
     * queue: wrk with 500 connections on 64 threads showed fine
     * percentiles for the 64 lucky connections and nothing for the others.
     * A thread costs ~16 KiB resident idle and ~44 KiB once used. */
    if (srv->opt.threads <= 0)
        srv->opt.threads = 512;
    if (!srv->opt.max_body)
        srv->opt.max_body = 1 << 20;
    if (srv->opt.ws_ping_s <= 0)
        srv->opt.ws_ping_s = 20;
    if (srv->opt.header_timeout_ms <= 0)
        srv->opt.header_timeout_ms = 5000;
    /* A quarter of the workers: a few clients behind one NAT still fit,
     * and one address never takes the pool; at least what a few browsers
     * open (six each). */
    if (srv->opt.conns_per_addr <= 0)
        srv->opt.conns_per_addr =
            srv->opt.threads / 4 > 24 ? srv->opt.threads / 4 : 24;
    if (!srv->opt.csp)
        srv->opt.csp = HTTP_CSP_NONE;
    if (!srv->opt.static_csp)
        srv->opt.static_csp = HTTP_CSP_SELF;
    srv->router = http_router_create();
    srv->metrics = http_metrics_create();
    http_metrics_add_process_gauges(srv->metrics);
    srv->in_flight =
        http_metrics_gauge(srv->metrics, "avp_http_requests_in_flight",
                           "Requests being handled.", NULL);
    srv->unmatched.route.name = "unmatched";
    srv->static_files.route.name = "static";
    http__route_metrics(srv, &srv->unmatched);
    http__route_metrics(srv, &srv->static_files);
    if (opt->auth_store)
        srv->auth = http_auth_create(&(http_auth_options_t){
            .store = opt->auth_store,
            .secure_cookie = opt->secure_cookie || opt->tls_cert});
    srv->ws = http__ws_create(srv);
    srv->gate = http__gate_create(
        &(http_gate_options_t){.header_timeout_ms = srv->opt.header_timeout_ms,
                               .per_addr = srv->opt.conns_per_addr,
                               .csp = srv->opt.csp,
                               .tls_port = srv->opt.tls_cert ||
                                               srv->opt.tls_key
                                           ? srv->opt.port
                                           : 0},
        srv->metrics, err);
    if (!srv->gate || http__add_builtin_routes(srv, err) < 0) {
        http_server_destroy(srv);
        return NULL;
    }
    return srv;
}

void http_server_destroy(http_server_t *srv)
{
    if (!srv)
        return;
    http_server_stop(srv);
    http__ws_destroy(srv->ws);
    http__gate_destroy(srv->gate);
    http_auth_destroy(srv->auth);
    http_router_destroy(srv->router);
    http_metrics_destroy(srv->metrics);
    avp_free(srv->routes);
    avp_free(srv->openapi);
    avp_free(srv->static_real);
    avp_free(srv);
}

int http_server_add_route(http_server_t *srv, const http_route_t *route,
                          avp_error_t *err)
{
    if (srv->mg)
        return avp_error_set(err, AVP_EINVAL, "routes are fixed once started");
    if (!route->method || !route->pattern || !route->name ||
        (!route->handler && !(route->flags & HTTP_WEBSOCKET)))
        return avp_error_set(
            err, AVP_EINVAL,
            "a route needs a method, pattern, name and handler");
    for (int i = 0; i < srv->nroutes; i++)
        if (!strcmp(srv->routes[i].route.name, route->name))
            return avp_error_set(err, AVP_EINVAL, "route name '%s' used twice",
                                 route->name);
    int rc = http_router_add(srv->router, route->method, route->pattern, err);
    if (rc < 0)
        return rc;
    if (srv->nroutes == srv->cap) {
        srv->cap = srv->cap ? 2 * srv->cap : 32;
        srv->routes =
            avp_realloc(srv->routes, (size_t)srv->cap * sizeof(*srv->routes));
    }
    http_route_rec_t *rec = &srv->routes[srv->nroutes++];
    rec->route = *route;
    http__route_metrics(srv, rec);
    return AVP_OK;
}

int http_server_add_routes(http_server_t *srv, const http_route_t *routes,
                           size_t n, avp_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = http_server_add_route(srv, &routes[i], err);
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}

http_metrics_t *http_server_metrics(http_server_t *srv) { return srv->metrics; }

int http_server_port(const http_server_t *srv)
{
    struct mg_server_port ports[1];
    if (!srv->mg || mg_get_server_ports(srv->mg, 1, ports) < 1)
        return -1;
    return ports[0].port;
}

/* ---- dispatch ---- */

int http__authenticate_or_reply(http_req_t *req)
{
    if (!req->srv->auth) {
        http_reply_add_header(req, "WWW-Authenticate", "Bearer");
        return http_reply_error(req, 401, "unauthorized",
                                "authentication is not configured"),
               AVP_ENOTFOUND;
    }
    http_auth_credentials_t cred = {
        .authorization = mg_get_header(req->conn, "Authorization"),
        .cookie = mg_get_header(req->conn, "Cookie"),
    };
    avp_error_t err;
    int rc =
        http_auth_authenticate(req->srv->auth, &cred, &req->user_buf, &err);
    if (rc == AVP_ENOTFOUND) {
        http_reply_add_header(req, "WWW-Authenticate", "Bearer");
        http_reply_error(req, 401, "unauthorized", "%s", err.msg);
    } else if (rc < 0) {
        http_reply_avp_error(req, &err);
    } else {
        req->user = &req->user_buf;
    }
    return rc;
}

/* Reads and checks the body the route expects. */
static int body_or_reply(http_req_t *req)
{
    const http_route_t *rt = &req->rec->route;
    size_t max = http__body_limit(req);
    if (rt->flags & HTTP_RAW_BODY)
        return AVP_OK;
    if (!rt->body) {
        /* No body expected; civetweb discards a small one. */
        if (req->ri->content_length > (long long)max) {
            mg_disable_connection_keep_alive(req->conn);
            req->raw_head = 1; /* its head says Connection: close */
            http_reply_error(req, 413, "payload_too_large",
                             "request body is larger than %zu bytes", max);
            return AVP_EINVAL;
        }
        return AVP_OK;
    }
    return http_reply_read_json_or_reply(req, max, rt->body, &req->body);
}

static void run_route(http_req_t *req)
{
    const http_route_t *rt = &req->rec->route;
    if (rt->flags & HTTP_WEBSOCKET) {
        http_reply_add_header(req, "Upgrade", "websocket");
        http_reply_error(req, 426, "upgrade_required",
                         "%s is a WebSocket endpoint", rt->pattern);
        return;
    }
    if (http__csrf_ok_or_reply(req) < 0 ||
        (!(rt->flags & HTTP_PUBLIC) && http__authenticate_or_reply(req) < 0))
        return;
    avp_error_t err;
    if (http_schema_parse_query(rt->query, req->ri->query_string, &req->query,
                                &err) < 0) {
        http_reply_error(req, 400, "bad_request", "%s", err.msg);
        return;
    }
    if (body_or_reply(req) < 0)
        return;
    req->defer = 1;
    rt->handler(req, rt->ctx);
    http__reply_flush(req);
    if (!req->status)
        http_reply_error(req, 500, "internal", "%s did not reply", rt->name);
}

static void not_found(http_req_t *req, const char *path)
{
    const char *m = req->ri->request_method;
    int api = !strncmp(path, "/api/", 5) || !strcmp(path, "/api") ||
              !strncmp(path, "/ws/", 4);
    if (!api && req->srv->opt.static_root &&
        (!strcmp(m, "GET") || !strcmp(m, "HEAD"))) {
        req->rec = &req->srv->static_files;
        http__static_serve(req);
        return;
    }
    http_reply_error(req, 404, "not_found", "no route for %s %s", m, path);
}

static void dispatch(http_req_t *req)
{
    /* local_uri_raw is decoded but not normalized: "/a/../b" and
     * "/%2e%2e/etc" still show their dot-dot segments here. */
    const char *path =
        req->ri->local_uri_raw ? req->ri->local_uri_raw : req->ri->local_uri;
    if (!path || http__path_has_dotdot(path)) {
        http_reply_error(req, 400, "bad_request", "path must not contain '..'");
        return;
    }
    if (http__metrics_port_reply(req))
        return;
    switch (http_router_match(req->srv->router, req->ri->request_method, path,
                              &req->match)) {
    case HTTP_ROUTER_FOUND:
        req->rec = &req->srv->routes[req->match.route];
        run_route(req);
        return;
    case HTTP_ROUTER_BAD_METHOD:
        http_reply_add_header(req, "Allow", req->match.allow);
        http_reply_error(req, 405, "method_not_allowed",
                         "%s is not allowed on %s", req->ri->request_method,
                         path);
        return;
    case HTTP_ROUTER_BAD_PARAM:
        http_reply_error(req, 400, "bad_request", "%s", req->match.msg);
        return;
    default: not_found(req, path);
    }
}

static int on_request(struct mg_connection *conn, void *cbdata)
{
    http_server_t *srv = cbdata;
    double t0 = avp_now();
    http_req_t req;
    http__req_init(&req, srv, conn);
    http_metrics_gauge_add(srv->in_flight, 1);
    dispatch(&req);
    json_decref(req.query);
    json_decref(req.body);
    http_metrics_gauge_add(srv->in_flight, -1);
    http__observe(req.rec, req.status, t0);
    return req.status ? req.status : 500;
}

/* ---- life cycle ---- */

/* The master thread accepts through the gate (gate.c). */
static void *on_init_thread(const struct mg_context *ctx, int thread_type)
{
    enum { MASTER_THREAD = 0 };
    http_server_t *srv = mg_get_user_data(ctx);
    if (thread_type == MASTER_THREAD)
        http__gate_enter(srv->gate);
    return NULL;
}

/* A connection whose TLS handshake failed has no request info. */
static void on_connection_closed(const struct mg_connection *conn)
{
    http_server_t *srv = mg_get_user_data(mg_get_context(conn));
    const struct mg_request_info *ri = mg_get_request_info(conn);
    http__gate_closed(srv->gate, ri ? ri->remote_addr : NULL);
}

static void on_handshake(void *srv, int fd)
{
    http__gate_handshake(((http_server_t *)srv)->gate, fd);
}

/* Upload probes and thumbnails decode video in handler threads, and a
 * decoder's frame buffers are blocks of a few MB. glibc raises its mmap
 * threshold to the largest mmapped block freed so far; after that such
 * blocks come from the thread's malloc arena and stay resident when freed,
 * in as many arenas as threads decoded: five thumbnails after twenty
 * uploads left the server 35 MB larger (bench/api, 49 -> 84 MB). A fixed
 * threshold (which also turns off the adjustment) keeps big blocks on
 * mmap, returned to the system at free. Process-wide, as malloc is. */
static void keep_big_blocks_on_mmap(void)
{
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

/* civetweb's init_ssl, called by mg_start on its thread: the certificate
 * and key are loaded here, from two files (civetweb wants one), and the
 * gate hears of each handshake (gate.c, TLS). */
static int on_init_ssl(void *ssl_ctx, void *user_data)
{
    http_server_t *srv = user_data;
    srv->tls_hook = (http_tls_hook_t){.begun = on_handshake, .arg = srv};
    http__tls_hook(ssl_ctx, &srv->tls_hook);
    return http__tls_load(ssl_ctx, srv->opt.tls_cert, srv->opt.tls_key,
                          start_error, sizeof(start_error));
}

int http_server_start(http_server_t *srv, avp_error_t *err)
{
    if (srv->mg)
        return avp_error_set(err, AVP_EINVAL, "server already started");
    /* Debian's libcivetweb has it, but a rebuilt one might not, and the
     * progress endpoint would then fail only when a browser connects. */
    if (!mg_check_feature(MG_FEATURES_WEBSOCKET))
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "libcivetweb was built without WebSocket support");
    int tls = srv->opt.tls_cert || srv->opt.tls_key;
    if (tls && !(srv->opt.tls_cert && srv->opt.tls_key))
        return avp_error_set(err, AVP_EINVAL,
                             "TLS needs both a certificate and its key");
    /* The accept gate tells the TLS port by its number (gate.c). */
    if (tls && srv->opt.port == 0)
        return avp_error_set(err, AVP_EINVAL, "TLS needs a fixed port");
    int rc = http__static_open(srv, err);
    if (rc < 0)
        return rc;
    http__openapi_build(srv);
    char listen[256], threads[16], ping[16];
    snprintf(listen, sizeof(listen), "%s:%d%s%s%s", srv->opt.listen_addr,
             srv->opt.port, tls ? "s" : "", srv->opt.metrics_listen ? "," : "",
             srv->opt.metrics_listen ? srv->opt.metrics_listen : "");
    snprintf(threads, sizeof(threads), "%d", srv->opt.threads);
    snprintf(ping, sizeof(ping), "%d", srv->opt.ws_ping_s * 1000);
    const char *options[] = {
        "listening_ports", listen, "num_threads", threads, "enable_keep_alive",
        "yes", "keep_alive_timeout_ms", "2000", "tcp_nodelay", "1",
        "request_timeout_ms", "30000",
        /* Same-origin UI only: no CORS headers for other sites. */
        "access_control_allow_origin", "",
        /* Idle WebSockets get a ping every ws_ping_s, keeping proxies
         * from dropping them and finding dead peers. */
        "enable_websocket_ping_pong", "yes", "websocket_timeout_ms", ping,
        NULL};
    struct mg_callbacks cb = {.log_message = on_log,
                              .http_error = on_http_error,
                              .init_ssl = tls ? on_init_ssl : NULL,
                              .init_thread = on_init_thread,
                              .connection_closed = on_connection_closed};
    keep_big_blocks_on_mmap();
    /* civetweb loads OpenSSL here; a port it cannot secure would still
     * open, and crash on its first connection. */
    if (!(mg_init_library(tls ? MG_FEATURES_SSL : 0) & MG_FEATURES_SSL) &&
        tls) {
        mg_exit_library();
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "civetweb cannot load OpenSSL (libssl.so, "
                             "libcrypto.so)");
    }
    start_error[0] = '\0';
    srv->mg = mg_start(&cb, srv, options);
    if (!srv->mg) {
        mg_exit_library();
        return avp_error_set(err, AVP_EIO, "cannot listen on %s: %s", listen,
                             start_error[0] ? start_error : "mg_start failed");
    }
    /* Before any request is dispatched: one on the metrics port must
     * never reach the API. */
    if ((rc = http__metrics_port_find(srv, err)) < 0) {
        http_server_stop(srv);
        return rc;
    }
    mg_set_request_handler(srv->mg, "**", on_request, srv);
    http__ws_register(srv);
    return AVP_OK;
}

void http_server_stop(http_server_t *srv)
{
    if (!srv->mg)
        return;
    mg_stop(srv->mg);
    srv->mg = NULL;
    http__gate_close(srv->gate);
    mg_exit_library();
}
