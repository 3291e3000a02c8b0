/* detections.c - a run's detections: keyset pages with filters
 * (store_detections_page) and the whole run as NDJSON or as a COCO results
 * array, streamed in constant memory a page at a time (store_det_walk_t),
 * with a database connection only while a page is read. */
#include "api/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* The run and filters of the request (the page's and the counts'). */
static store_det_query_t det_query(http_req_t *req)
{
    json_t *q = http_req_query(req);
    return (store_det_query_t){
        .run_id = http_req_param(req, "id"),
        .cursor = json_string_value(json_object_get(q, "cursor")),
        .limit = (int)http_req_query_int(req, "limit", 100),
        .cls = (int32_t)http_req_query_int(req, "class", -1),
        .min_score = (float)query_num(q, "min_score", 0),
        .t0 = query_num(q, "t0", NAN),
        .t1 = query_num(q, "t1", NAN),
    };
}

void api__det_page(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    store_det_query_t dq = det_query(req);
    store_det_page_t page = {0};
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_RUN, dq.run_id,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        if (store_detections_page(c, &dq, &page, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 200, page_json(&page));
    }
    store_det_page_free(&page);
    store_pool_release(c);
}

/* A whole-run summary the store computes from a request's parameters. */
typedef int (*summary_fn)(store_conn_t *c, const void *arg, char **json,
                          avp_error_t *err);

/* Replies the summary of run_id after the viewer's access check. */
static void summary_reply(api_t *r, http_req_t *req, int64_t run_id,
                          summary_fn read, const void *arg)
{
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_RUN, run_id,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        if (read(c, arg, &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 200, json);
    }
    store_pool_release(c);
}

static int class_counts(store_conn_t *c, const void *arg, char **json,
                        avp_error_t *err)
{
    return store_run_class_counts(c, arg, json, err);
}

/* Counts per class of the whole run under the list's filters, so that the
 * list never shows counts of only the rows it has loaded. */
void api__det_classes(http_req_t *req, void *ctx)
{
    store_det_query_t dq = det_query(req);
    summary_reply(ctx, req, dq.run_id, class_counts, &dq);
}

typedef struct timeline_arg {
    int64_t run_id;
    int buckets;
} timeline_arg_t;

static int timeline(store_conn_t *c, const void *arg, char **json,
                    avp_error_t *err)
{
    const timeline_arg_t *t = arg;
    return store_run_timeline(c, t->run_id, t->buckets, json, err);
}

/* The whole run's timeline, ?buckets= of them (600 when not given). */
void api__run_timeline(http_req_t *req, void *ctx)
{
    timeline_arg_t t = {http_req_param(req, "id"),
                        (int)http_req_query_int(req, "buckets", 600)};
    summary_reply(ctx, req, t.run_id, timeline, &t);
}

/* How a whole run is streamed: each row formatted into a buffer of
 * DET_JSON_MAX bytes, rows separated by sep, inside open ... close. */
typedef struct det_stream_fmt {
    const char *mime, *open, *sep, *close;
    int (*row)(const store_det_t *d, char *out, size_t cap);
} det_stream_fmt_t;

static int ndjson_row(const store_det_t *d, char *out, size_t cap)
{
    int n = det_format(d, out, cap - 1);
    out[n++] = '\n';
    return n;
}

/* A COCO results entry: image_id is the frame, category_id the model's
 * class index, bbox [x, y, w, h]. */
static int coco_row(const store_det_t *d, char *out, size_t cap)
{
    return snprintf(out, cap,
                    "{\"image_id\":%d,\"category_id\":%d,\"bbox\":[%.9g,"
                    "%.9g,%.9g,%.9g],\"score\":%.9g}",
                    (int)d->frame, (int)d->cls, (double)d->box[0],
                    (double)d->box[1], (double)(d->box[2] - d->box[0]),
                    (double)(d->box[3] - d->box[1]), (double)d->score);
}

static const det_stream_fmt_t ndjson_fmt = {"application/x-ndjson", "", "",
                                            "", ndjson_row};
static const det_stream_fmt_t coco_fmt = {"application/json", "[", ",",
                                          "]\n", coco_row};

/* Rows of a stream read per page: 160 KB of rows, a few ms of the
 * database's time. */
#define DET_STREAM_PAGE 4096

/* The next page of the walk on a connection borrowed for that page only,
 * so that a client reading slowly holds its thread, never one of the
 * pool's connections: how many rows, 0 at the end, or an error. */
static int next_page(api_t *r, store_det_walk_t *w, store_det_t *rows,
                     avp_error_t *err)
{
    store_conn_t *c;
    if (w->done)
        return 0;
    int rc = store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c,
                                err);
    if (rc < 0)
        return rc;
    rc = store_det_walk_next(c, w, rows, DET_STREAM_PAGE, err);
    store_pool_release(c);
    return rc;
}

/* Streams the n rows in hand and the walk's later pages until the end, an
 * error or a client that went away. */
static int stream_rows(api_t *r, store_det_walk_t *w, store_det_t *rows,
                       int n, http_reply_stream_t *s,
                       const det_stream_fmt_t *f, avp_error_t *err)
{
    char line[DET_JSON_MAX];
    int first = 1;
    if (http_reply_stream_write(s, f->open, strlen(f->open)) < 0)
        return AVP_EIO;
    for (; n > 0; n = next_page(r, w, rows, err))
        for (int i = 0; i < n; i++, first = 0) {
            int len = f->row(&rows[i], line, sizeof line);
            if ((!first &&
                 http_reply_stream_write(s, f->sep, strlen(f->sep)) < 0) ||
                http_reply_stream_write(s, line, (size_t)len) < 0)
                return AVP_EIO;
        }
    if (n < 0)
        return n;
    return http_reply_stream_write(s, f->close, strlen(f->close)) < 0
               ? AVP_EIO
               : AVP_OK;
}

/* The access check, the walk's start and its first page, on one
 * connection given back before the first byte goes out: the first page's
 * row count, or < 0 after replying. */
static int first_page_or_reply(api_t *r, http_req_t *req, int64_t id,
                               store_det_walk_t *w, store_det_t *rows)
{
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return AVP_EUNAVAILABLE;
    int n = api__access_or_reply(r, req, c, STORE_OBJ_RUN, id,
                                 STORE_ROLE_VIEWER, NULL);
    if (n == AVP_OK &&
        ((n = store_det_walk_begin(c, id, w, &err)) < 0 ||
         (n = store_det_walk_next(c, w, rows, DET_STREAM_PAGE, &err)) < 0))
        http_reply_avp_error(req, &err);
    store_pool_release(c);
    return n;
}

static void det_stream(http_req_t *req, api_t *r,
                       const det_stream_fmt_t *f)
{
    int64_t id = http_req_param(req, "id");
    store_det_t *rows = avp_malloc(DET_STREAM_PAGE * sizeof *rows);
    store_det_walk_t w;
    http_reply_stream_t s;
    avp_error_t err = {0};
    int n = first_page_or_reply(r, req, id, &w, rows);
    if (n >= 0) {
        http_reply_stream_begin(&s, req, 200, f->mime);
        /* Once the status line is out, a failure can only cut the body
         * short; the client sees a chunked body without its final chunk. */
        if (stream_rows(r, &w, rows, n, &s, f, &err) < 0)
            fprintf(stderr,
                    "avp serve: run %" PRId64 " stream cut short: %s\n", id,
                    err.code ? err.msg : "client went away");
        http_reply_stream_end(&s);
    }
    avp_free(rows);
}

void api__det_ndjson(http_req_t *req, void *ctx)
{
    det_stream(req, ctx, &ndjson_fmt);
}

void api__det_coco(http_req_t *req, void *ctx)
{
    det_stream(req, ctx, &coco_fmt);
}
