/*
 * detections_read.c - reading a run's detections: keyset pages with opaque
 * cursors, and a constant-memory stream.
 *
 * Pages are keyset, not OFFSET: each page starts strictly after the (frame,
 * id) of the previous page's last row, which the index (run_id, frame, id)
 * finds directly, so page 10 000 costs what page 1 costs and rows appended
 * meanwhile never shift or repeat what a client has already seen.
 *
 * A cursor is base64url of a version byte, the run id, frame and id. The
 * run id is inside so that a cursor pasted into another run's URL is
 * rejected instead of silently starting elsewhere. Cursors are not signed:
 * a forged one can only select a starting point the caller could reach
 * anyway.
 *
 * Rows come back in PostgreSQL's binary format, which avoids formatting
 * and parsing floats and returns them bit for bit.
 */
#include "store/internal.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CURSOR_VERSION 'D'
#define CURSOR_BYTES 21 /* version, run id (8), frame (4), id (8) */
#define CURSOR_CHARS 28 /* base64 of 21 bytes, no padding needed */

#define SELECT_COLUMNS "SELECT id, frame, t, class_id, score, x1, y1, x2, y2" \
                       " FROM detections "

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void cursor_encode(int64_t run_id, const store_det_t *d, char *out)
{
    unsigned char raw[CURSOR_BYTES];
    raw[0] = CURSOR_VERSION;
    put_be(raw + 1, (uint64_t)run_id, 8);
    put_be(raw + 9, (uint32_t)d->frame, 4);
    put_be(raw + 13, (uint64_t)d->id, 8);
    for (int i = 0, o = 0; i < CURSOR_BYTES; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        for (int k = 3; k >= 0; k--)
            out[o++] = b64[(v >> (6 * k)) & 63];
    }
    out[CURSOR_CHARS] = '\0';
}

static int cursor_decode(const char *s, int64_t run_id, int32_t *frame,
                         int64_t *id, avp_error_t *err)
{
    unsigned char raw[CURSOR_BYTES];
    if (strlen(s) != CURSOR_CHARS)
        goto bad;
    for (int i = 0, o = 0; i < CURSOR_CHARS; i += 4) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            const char *at = s[i + k] ? strchr(b64, s[i + k]) : NULL;
            if (!at)
                goto bad;
            v = v << 6 | (uint32_t)(at - b64);
        }
        raw[o++] = (unsigned char)(v >> 16);
        raw[o++] = (unsigned char)(v >> 8);
        raw[o++] = (unsigned char)v;
    }
    *frame = (int32_t)get_be(raw + 9, 4);
    *id = (int64_t)get_be(raw + 13, 8);
    if (raw[0] != CURSOR_VERSION || (int64_t)get_be(raw + 1, 8) != run_id ||
        *frame < 0 || *id < 0)
        goto bad;
    return AVP_OK;
bad:
    return avp_error_set(err, AVP_EINVAL, "invalid cursor for run %lld",
                         (long long)run_id);
}

/* The result must have the columns of SELECT_COLUMNS with their binary
 * sizes; anything else means the schema and this file disagree. */
static int check_columns(PGresult *res, avp_error_t *err)
{
    static const int sizes[] = {8, 4, 8, 4, 4, 4, 4, 4, 4};
    int ok = PQnfields(res) == (int)AVP_ARRAY_LEN(sizes);
    for (int k = 0; ok && k < (int)AVP_ARRAY_LEN(sizes); k++)
        ok = PQfsize(res, k) == sizes[k] && PQfformat(res, k) == 1;
    return ok ? AVP_OK
              : avp_error_set(err, AVP_EINTERNAL,
                              "detections: unexpected result columns");
}

static float get_f32(const char *p)
{
    uint32_t v = (uint32_t)get_be((const unsigned char *)p, 4);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static void row_from(PGresult *res, int i, store_det_t *d)
{
    const unsigned char *v[9];
    for (int k = 0; k < 9; k++)
        v[k] = (const unsigned char *)PQgetvalue(res, i, k);
    uint64_t t = get_be(v[2], 8);
    d->id = (int64_t)get_be(v[0], 8);
    d->frame = (int32_t)get_be(v[1], 4);
    memcpy(&d->t, &t, 8);
    d->cls = (int32_t)get_be(v[3], 4);
    d->score = get_f32((const char *)v[4]);
    for (int k = 0; k < 4; k++)
        d->box[k] = get_f32((const char *)v[5 + k]);
}

static int check_query(const store_det_query_t *q, avp_error_t *err)
{
    if (q->limit < 1 || q->limit > STORE_PAGE_MAX)
        return avp_error_set(err, AVP_EINVAL, "limit %d outside 1..%d",
                             q->limit, STORE_PAGE_MAX);
    if (isnan(q->min_score))
        return avp_error_set(err, AVP_EINVAL, "min_score is not a number");
    if (!isnan(q->t0) && !isnan(q->t1) && q->t0 > q->t1)
        return avp_error_set(err, AVP_EINVAL, "t0 %g after t1 %g", q->t0, q->t1);
    return AVP_OK;
}

static PGresult *page_query(store_conn_t *c, const store_det_query_t *q,
                            int32_t frame, int64_t id)
{
    char v[8][32];
    snprintf(v[0], sizeof(v[0]), "%lld", (long long)q->run_id);
    snprintf(v[1], sizeof(v[1]), "%d", (int)frame);
    snprintf(v[2], sizeof(v[2]), "%lld", (long long)id);
    snprintf(v[3], sizeof(v[3]), "%d", (int)q->cls);
    snprintf(v[4], sizeof(v[4]), "%.9g", (double)q->min_score);
    snprintf(v[5], sizeof(v[5]), "%.17g", q->t0);
    snprintf(v[6], sizeof(v[6]), "%.17g", q->t1);
    snprintf(v[7], sizeof(v[7]), "%d", q->limit + 1);
    const char *vals[] = {v[0], v[1], v[2], q->cls < 0 ? NULL : v[3], v[4],
                          isnan(q->t0) ? NULL : v[5], isnan(q->t1) ? NULL : v[6],
                          v[7]};
    /* One row more than asked tells whether there is a next page. */
    return PQexecParams(c->pg, SELECT_COLUMNS
        "WHERE run_id = $1 AND (frame, id) > ($2::integer, $3::bigint)"
        " AND ($4::integer IS NULL OR class_id = $4)"
        " AND score >= $5::real"
        " AND ($6::float8 IS NULL OR t >= $6) AND ($7::float8 IS NULL OR t <= $7)"
        " ORDER BY frame, id LIMIT $8",
        8, NULL, vals, NULL, NULL, 1);
}

int store_detections_page(store_conn_t *c, const store_det_query_t *q,
                          store_det_page_t *page, avp_error_t *err)
{
    *page = (store_det_page_t){0};
    int32_t frame = -1;
    int64_t id = -1;
    int rc = check_query(q, err);
    if (!rc && q->cursor && q->cursor[0])
        rc = cursor_decode(q->cursor, q->run_id, &frame, &id, err);
    if (rc)
        return rc;
    PGresult *res = page_query(c, q, frame, id);
    rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "detections page");
    if (rc)
        return rc;
    rc = check_columns(res, err);
    if (!rc) {
        int n = PQntuples(res);
        page->count = n > q->limit ? q->limit : n;
        page->items = avp_malloc((size_t)page->count * sizeof(*page->items));
        for (int i = 0; i < page->count; i++)
            row_from(res, i, &page->items[i]);
        if (n > q->limit)
            cursor_encode(q->run_id, &page->items[page->count - 1],
                          page->next_cursor);
    }
    PQclear(res);
    return rc;
}

void store_det_page_free(store_det_page_t *page)
{
    avp_free(page->items);
    *page = (store_det_page_t){0};
}

struct store_det_iter {
    store_conn_t *c;
    PGresult *res; /* the current batch */
    int row, nrows;
    int batch;
    int done;
    char fetch[64];
};

int store_det_iter_open(store_conn_t *c, int64_t run_id, int batch,
                        store_det_iter_t **out, avp_error_t *err)
{
    *out = NULL;
    char sql[256];
    /* The snapshot taken here is what the whole stream shows, even while
     * a worker keeps appending. */
    snprintf(sql, sizeof(sql),
             "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
             " DECLARE avp_det_iter NO SCROLL CURSOR FOR " SELECT_COLUMNS
             "WHERE run_id = %lld ORDER BY frame, id", (long long)run_id);
    int rc = store_exec(c, sql, err);
    if (rc) {
        store__rollback(c);
        return rc;
    }
    store_det_iter_t *it = avp_calloc(1, sizeof(*it));
    it->c = c;
    it->batch = batch > 0 ? batch : 1000;
    snprintf(it->fetch, sizeof(it->fetch), "FETCH FORWARD %d FROM avp_det_iter",
             it->batch);
    *out = it;
    return AVP_OK;
}

static int fetch_batch(store_det_iter_t *it, avp_error_t *err)
{
    PQclear(it->res);
    it->res = PQexecParams(it->c->pg, it->fetch, 0, NULL, NULL, NULL, NULL, 1);
    int rc = store__check(err, it->c->pg, it->res, PGRES_TUPLES_OK,
                          "detections stream");
    if (rc) {
        it->res = NULL; /* cleared by store__check */
        return rc;
    }
    rc = check_columns(it->res, err);
    if (rc)
        return rc;
    it->row = 0;
    it->nrows = PQntuples(it->res);
    it->done = it->nrows < it->batch;
    return AVP_OK;
}

int store_det_iter_next(store_det_iter_t *it, store_det_t *row, avp_error_t *err)
{
    if (it->row >= it->nrows) {
        if (it->done)
            return 0;
        int rc = fetch_batch(it, err);
        if (rc)
            return rc;
        if (!it->nrows)
            return 0;
    }
    row_from(it->res, it->row++, row);
    return 1;
}

void store_det_iter_close(store_det_iter_t *it)
{
    if (!it)
        return;
    PQclear(it->res);
    /* Ending the read-only transaction also closes the cursor. */
    store__rollback(it->c);
    avp_free(it);
}
