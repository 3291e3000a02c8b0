/* ws.c - WebSocket plumbing for the /ws/<topic>/{id} routes (task
 * progress, test-session results).
 *
 * DESIGN: civetweb does the handshake and framing and runs one worker
 * thread per open WebSocket. On connect we match the route, check the
 * Origin (a page of another site could otherwise watch with the visitor's
 * cookie) and the query, authenticate (Authorization header or the session
 * cookie, which browsers send on the upgrade; never a token in the URL)
 * and check access, answering 403/400/401/404 as JSON before any
 * upgrade. Ready connections join the registry: a list guarded
 * by one mutex. Pushes come from any thread (the future Redis pub/sub
 * subscriber) and write while holding the mutex, which is what keeps a
 * connection alive during the write: the close handler must take the same
 * mutex to unlink it. A push costs O(open connections), which is fine for
 * progress messages at a few per second and connections in the hundreds.
 * Keepalive pings on idle connections are civetweb's
 * (enable_websocket_ping_pong, see server.c). */
#include "http/internal.h"

#include <string.h>

typedef struct ws_conn {
    struct mg_connection *conn;
    const char *topic; /* the route's name (static) */
    int64_t id;
    int linked, ended;
    struct ws_conn *prev, *next;
} ws_conn_t;

struct http_ws_registry {
    pthread_mutex_t mu;
    ws_conn_t *head;
    http_metrics_gauge_t *open;
    http_metrics_counter_t *sent;
};

http_ws_registry_t *http__ws_create(http_server_t *srv)
{
    http_ws_registry_t *ws = avp_calloc(1, sizeof(*ws));
    pthread_mutex_init(&ws->mu, NULL);
    ws->open = http_metrics_gauge(srv->metrics, "avp_ws_connections",
                                  "Open WebSocket connections.", NULL);
    ws->sent =
        http_metrics_counter(srv->metrics, "avp_ws_messages_sent_total",
                             "Messages pushed to WebSocket clients.", NULL);
    return ws;
}

void http__ws_destroy(http_ws_registry_t *ws)
{
    if (!ws)
        return;
    /* http_server_stop has closed every connection, and each close unlinked
     * and freed its record. */
    pthread_mutex_destroy(&ws->mu);
    avp_free(ws);
}

/* Checks the upgrade's origin and query (the route's schema: a ?token=
 * that older clients send is refused, not ignored), then the caller. */
static int ws_authenticate_or_reply(http_req_t *req)
{
    avp_error_t err;
    if (http__origin_ok_or_reply(req) < 0)
        return AVP_EINVAL;
    if (http_schema_parse_query(req->rec->route.query, req->ri->query_string,
                                &req->query, &err) < 0) {
        http_reply_error(req, 400, "bad_request", "%s", err.msg);
        return AVP_EINVAL;
    }
    return http__authenticate_or_reply(req);
}

/* Checks route, caller and access; replies on failure. */
static int ws_admit_or_reply(http_req_t *req)
{
    http_server_t *srv = req->srv;
    const char *path = req->ri->local_uri_raw;
    if (!path ||
        http_router_match(srv->router, "GET", path, &req->match) !=
            HTTP_ROUTER_FOUND ||
        !(srv->routes[req->match.route].route.flags & HTTP_WEBSOCKET)) {
        http_reply_error(req, 404, "not_found", "no WebSocket endpoint at %s",
                         path ? path : "?");
        return AVP_ENOTFOUND;
    }
    req->rec = &srv->routes[req->match.route];
    int rc = ws_authenticate_or_reply(req);
    if (rc < 0)
        return rc;
    int64_t id = req->match.values[0];
    const char *topic = req->rec->route.name;
    rc = srv->opt.ws_access
             ? srv->opt.ws_access(srv->opt.ws_access_ctx, req->user, topic, id)
             : AVP_OK;
    if (rc == AVP_ENOTFOUND)
        http_reply_error(req, 404, "not_found", "nothing to watch at %s", path);
    else if (rc < 0)
        http_reply_unavailable(req, 2, "cannot check access to %s", path);
    return rc;
}

static int on_connect(const struct mg_connection *cconn, void *cbdata)
{
    /* civetweb passes the connection as const because the handshake has
     * not been sent; writing a complete HTTP error reply instead of it is
     * what lets clients see 401/404 rather than a dropped connection. */
    struct mg_connection *conn = (struct mg_connection *)cconn;
    double t0 = avp_now();
    http_req_t req;
    http__req_init(&req, cbdata, conn);
    req.raw_head = 1;
    int rc = ws_admit_or_reply(&req);
    json_decref(req.query);
    http__observe(req.rec, rc < 0 ? req.status : 101, t0);
    if (rc < 0)
        return 1;
    ws_conn_t *wc = avp_calloc(1, sizeof(*wc));
    wc->conn = conn;
    wc->topic = req.rec->route.name;
    wc->id = req.match.values[0];
    mg_set_user_connection_data(conn, wc);
    return 0;
}

/* Sends the first message to a connection that just joined (after
 * joining, so a push cannot fall between the two), and ends it at once if
 * what it watches is over. */
static void send_hello(http_server_t *srv, ws_conn_t *wc)
{
    static const char normal_closure[2] = {0x03, (char)0xe8}; /* 1000 */
    if (!srv->opt.ws_hello)
        return;
    int ended = 0;
    char *text = srv->opt.ws_hello(srv->opt.ws_hello_ctx, wc->topic, wc->id,
                                   &ended);
    pthread_mutex_lock(&srv->ws->mu);
    if (!wc->ended) {
        if (text)
            mg_websocket_write(wc->conn, MG_WEBSOCKET_OPCODE_TEXT, text,
                               strlen(text));
        if (ended) {
            mg_websocket_write(wc->conn, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE,
                               normal_closure, sizeof(normal_closure));
            wc->ended = 1;
        }
    }
    pthread_mutex_unlock(&srv->ws->mu);
    avp_free(text);
}

static void on_ready(struct mg_connection *conn, void *cbdata)
{
    http_ws_registry_t *ws = ((http_server_t *)cbdata)->ws;
    ws_conn_t *wc = mg_get_user_connection_data(conn);
    pthread_mutex_lock(&ws->mu);
    wc->next = ws->head;
    if (ws->head)
        ws->head->prev = wc;
    ws->head = wc;
    wc->linked = 1;
    pthread_mutex_unlock(&ws->mu);
    http_metrics_gauge_add(ws->open, 1);
    send_hello(cbdata, wc);
}

static int on_data(struct mg_connection *conn, int bits, char *data, size_t len,
                   void *cbdata)
{
    /* Clients have nothing to say on this endpoint; civetweb answers pings
     * and close frames. Keep the connection. */
    (void)conn, (void)bits, (void)data, (void)len, (void)cbdata;
    return 1;
}

static void on_close(const struct mg_connection *conn, void *cbdata)
{
    http_ws_registry_t *ws = ((http_server_t *)cbdata)->ws;
    ws_conn_t *wc = mg_get_user_connection_data(conn);
    if (!wc)
        return;
    pthread_mutex_lock(&ws->mu);
    if (wc->linked) {
        if (wc->prev)
            wc->prev->next = wc->next;
        else
            ws->head = wc->next;
        if (wc->next)
            wc->next->prev = wc->prev;
        http_metrics_gauge_add(ws->open, -1);
    }
    pthread_mutex_unlock(&ws->mu);
    /* civetweb reuses connection records: leave nothing stale behind. */
    mg_set_user_connection_data(conn, NULL);
    avp_free(wc);
}

void http__ws_register(http_server_t *srv)
{
    for (int i = 0; i < srv->nroutes; i++) {
        const http_route_t *rt = &srv->routes[i].route;
        if (!(rt->flags & HTTP_WEBSOCKET))
            continue;
        /* civetweb matches "/ws/progress" as a prefix of
         * "/ws/progress/42"; the router checks the rest at connect. */
        char prefix[128];
        const char *brace = strchr(rt->pattern, '{');
        size_t n =
            brace ? (size_t)(brace - rt->pattern - 1) : strlen(rt->pattern);
        snprintf(prefix, sizeof(prefix), "%.*s", (int)n, rt->pattern);
        mg_set_websocket_handler(srv->mg, prefix, on_connect, on_ready, on_data,
                                 on_close, srv);
    }
}

static int watches(const ws_conn_t *wc, const char *topic, int64_t id)
{
    return wc->id == id && !wc->ended && !strcmp(wc->topic, topic);
}

/* Writes to every live connection of (topic, id); with end, also closes
 * them. Returns how many were written to. */
static int ws_send(http_server_t *srv, const char *topic, int64_t id,
                   const char *text, int end)
{
    http_ws_registry_t *ws = srv->ws;
    static const char normal_closure[2] = {0x03, (char)0xe8}; /* 1000 */
    int n = 0;
    pthread_mutex_lock(&ws->mu);
    for (ws_conn_t *wc = ws->head; wc; wc = wc->next) {
        if (!watches(wc, topic, id))
            continue;
        int ok = !text || mg_websocket_write(wc->conn, MG_WEBSOCKET_OPCODE_TEXT,
                                             text, strlen(text)) > 0;
        if (end) {
            mg_websocket_write(wc->conn, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE,
                               normal_closure, sizeof(normal_closure));
            wc->ended = 1;
        }
        n += ok;
    }
    pthread_mutex_unlock(&ws->mu);
    if (text)
        http_metrics_counter_add(ws->sent, (uint64_t)n);
    return n;
}

int http_ws_push(http_server_t *srv, const char *topic, int64_t id,
                 const char *text)
{
    return ws_send(srv, topic, id, text, 0);
}

int http_ws_end(http_server_t *srv, const char *topic, int64_t id,
                const char *final_text)
{
    return ws_send(srv, topic, id, final_text, 1);
}

int http_ws_watchers(http_server_t *srv, const char *topic, int64_t id)
{
    int n = 0;
    pthread_mutex_lock(&srv->ws->mu);
    for (ws_conn_t *wc = srv->ws->head; wc; wc = wc->next)
        n += watches(wc, topic, id);
    pthread_mutex_unlock(&srv->ws->mu);
    return n;
}
