/* routes_detections.c - a run's detections: keyset pages with filters
 * (store_detections_page) and the whole run as NDJSON, streamed in
 * constant memory from a server-side cursor. */
#include "server/routes_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* One detection as JSON, the same shape in pages and in NDJSON. %.9g
 * keeps float32 values exact. */
static int det_format(const store_det_t *d, char *out, size_t cap)
{
    return snprintf(out, cap,
                    "{\"id\":%" PRId64 ",\"frame\":%d,\"t\":%.17g,"
                    "\"class_id\":%d,\"score\":%.9g,\"x1\":%.9g,\"y1\":%.9g,"
                    "\"x2\":%.9g,\"y2\":%.9g}",
                    d->id, (int)d->frame, d->t, (int)d->cls, (double)d->score,
                    (double)d->box[0], (double)d->box[1], (double)d->box[2],
                    (double)d->box[3]);
}

#define DET_JSON_MAX 256

static char *page_json(const store_det_page_t *p)
{
    size_t cap = (size_t)p->count * DET_JSON_MAX + 128, n = 0;
    char *s = avp_malloc(cap);
    n += (size_t)snprintf(s, cap, "{\"items\":[");
    for (int i = 0; i < p->count; i++) {
        if (i)
            s[n++] = ',';
        n += (size_t)det_format(&p->items[i], s + n, cap - n);
    }
    if (p->next_cursor[0])
        snprintf(s + n, cap - n, "],\"next_cursor\":\"%s\"}", p->next_cursor);
    else
        snprintf(s + n, cap - n, "],\"next_cursor\":null}");
    return s;
}

static double query_num(json_t *q, const char *name, double dflt)
{
    json_t *v = json_object_get(q, name);
    return v ? json_number_value(v) : dflt;
}

static void det_page(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    json_t *q = server_req_query(req);
    store_det_query_t dq = {
        .run_id = server_req_param(req, "id"),
        .cursor = json_string_value(json_object_get(q, "cursor")),
        .limit = (int)server_query_int(req, "limit", 100),
        .cls = (int32_t)server_query_int(req, "class", -1),
        .min_score = (float)query_num(q, "min_score", 0),
        .t0 = query_num(q, "t0", NAN),
        .t1 = query_num(q, "t1", NAN),
    };
    store_det_page_t page = {0};
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    if (routes__access_or_reply(r, req, c, STORE_OBJ_RUN, dq.run_id,
                                STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        if (store_detections_page(c, &dq, &page, &err) < 0)
            reply_avp_error(req, &err);
        else
            routes__reply_text(req, 200, page_json(&page));
    }
    store_det_page_free(&page);
    store_pool_release(c);
}

/* Streams rows until the end, an error or a client that went away. */
static int stream_rows(store_det_iter_t *it, reply_stream_t *s,
                       avp_error_t *err)
{
    store_det_t d;
    char line[DET_JSON_MAX];
    int rc;
    while ((rc = store_det_iter_next(it, &d, err)) == 1) {
        int n = det_format(&d, line, sizeof line - 1);
        line[n++] = '\n';
        if (reply_stream_write(s, line, (size_t)n) < 0)
            return AVP_EIO;
    }
    return rc;
}

static void det_ndjson(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    int64_t id = server_req_param(req, "id");
    store_det_iter_t *it = NULL;
    reply_stream_t s;
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    if (routes__access_or_reply(r, req, c, STORE_OBJ_RUN, id,
                                STORE_ROLE_VIEWER, NULL) < 0)
        goto out;
    if (store_det_iter_open(c, id, 2000, &it, &err) < 0) {
        reply_avp_error(req, &err);
        goto out;
    }
    reply_stream_begin(&s, req, 200, "application/x-ndjson");
    /* Once the status line is out, a failure can only cut the body short;
     * the client sees a chunked body without its final chunk. */
    if (stream_rows(it, &s, &err) < 0)
        fprintf(stderr, "avp serve: run %" PRId64 " NDJSON cut short: %s\n",
                id, err.code ? err.msg : "client went away");
    reply_stream_end(&s);
out:
    store_det_iter_close(it);
    store_pool_release(c);
}

int routes__add_detections(routes_t *r, server_t *srv, avp_error_t *err)
{
    static const schema_field_t page_query[] = {
        {"cursor", SCHEMA_STRING, 0, 1, STORE_CURSOR_MAX - 1,
         "next_cursor of the previous page"},
        {"limit", SCHEMA_INTEGER, 0, 1, STORE_PAGE_MAX, "rows (100)"},
        {"class", SCHEMA_INTEGER, 0, 0, 100000, "only this class id"},
        {"min_score", SCHEMA_NUMBER, 0, 0, 1, "only scores at or above"},
        {"t0", SCHEMA_NUMBER, 0, 0, 1e9, "from this time (s)"},
        {"t1", SCHEMA_NUMBER, 0, 0, 1e9, "to this time (s)"},
        {0}};
    const server_route_t routes[] = {
        {"GET", "/api/runs/{id}/detections", "detections_page",
         "A page of a run's detections in (frame, id) order", det_page, r, 0,
         NULL, page_query, 0},
        {"GET", "/api/runs/{id}/detections.ndjson", "detections_ndjson",
         "Every detection of a run, one JSON object per line", det_ndjson, r,
         0, NULL, NULL, 0},
    };
    return routes__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
