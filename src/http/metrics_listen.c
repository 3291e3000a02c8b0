/* metrics_listen.c - a registry served alone on its own address, for the
 * processes that have metrics but no API (`avp worker`): Prometheus
 * scrapes each worker where it runs, and a worker that dies drops out of
 * `up` by itself, with no server having to notice. The address is meant
 * to be private (loopback, or a network only Prometheus reaches), as the
 * server's AVP_METRICS_LISTEN is: nothing here is secret, and an
 * exporter with a token would need Prometheus to hold one per worker. */
#include "http/metrics.h"

#include <civetweb.h>
#include <stdio.h>
#include <string.h>

struct http_metrics_listener {
    struct mg_context *mg;
    http_metrics_t *m;
    int port;
};

static _Thread_local char start_error[256];

static int on_log(const struct mg_connection *conn, const char *msg)
{
    (void)conn;
    if (!start_error[0])
        snprintf(start_error, sizeof start_error, "%s", msg);
    fprintf(stderr, "avp metrics: %s\n", msg);
    return 1;
}

static int on_metrics(struct mg_connection *conn, void *ctx)
{
    http_metrics_listener_t *l = ctx;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    if (strcmp(ri->request_method, "GET") || strcmp(ri->local_uri, "/metrics")) {
        static const char body[] =
            "{\"error\":\"not_found\",\"message\":\"this address serves "
            "only GET /metrics\"}";
        mg_printf(conn, "HTTP/1.1 404 Not Found\r\nContent-Type: "
                  "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                  sizeof body - 1, body);
        return 404;
    }
    char *text;
    size_t len;
    http_metrics_render(l->m, &text, &len);
    mg_printf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
              "version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
              len);
    mg_write(conn, text, len);
    avp_free(text);
    return 200;
}

int http_metrics_listen(http_metrics_t *m, const char *addr,
                        http_metrics_listener_t **out, avp_error_t *err)
{
    *out = NULL;
    http_metrics_listener_t *l = avp_calloc(1, sizeof *l);
    l->m = m;
    /* Two threads: a scrape never waits behind a slow one. */
    const char *options[] = {"listening_ports", addr, "num_threads", "2",
                             "request_timeout_ms", "10000", NULL};
    struct mg_callbacks cb = {.log_message = on_log};
    mg_init_library(0);
    start_error[0] = '\0';
    l->mg = mg_start(&cb, l, options);
    if (!l->mg) {
        mg_exit_library();
        avp_free(l);
        return avp_error_set(err, AVP_EIO, "cannot listen on %s: %s", addr,
                             start_error[0] ? start_error : "mg_start failed");
    }
    mg_set_request_handler(l->mg, "/", on_metrics, l);
    struct mg_server_port port;
    l->port = mg_get_server_ports(l->mg, 1, &port) == 1 ? port.port : 0;
    *out = l;
    return AVP_OK;
}

int http_metrics_listener_port(const http_metrics_listener_t *l)
{
    return l ? l->port : 0;
}

void http_metrics_listener_stop(http_metrics_listener_t *l)
{
    if (!l)
        return;
    mg_stop(l->mg);
    mg_exit_library();
    avp_free(l);
}
