/*
 * detections_read.c - reading a run's detections: keyset pages with opaque
 * cursors (cursor.c), and a constant-memory stream.
 *
 * Pages are keyset, not OFFSET: each page starts strictly after the (frame,
 * id) of the previous page's last row, which the index (run_id, frame, id)
 * finds directly, so page 10 000 costs what page 1 costs and rows appended
 * meanwhile never shift or repeat what a client has already seen.
 *
 * A time window becomes frame bounds of that index walk (migration 0003):
 * the start only matters on the first page (later pages start at their
 * cursor, which remembers that start), the end is searched for once and
 * then carried in the cursor. Rows are not filtered by t besides: t never
 * decreases as frame grows (0003 relies on that too), so the bounds select
 * exactly the window. A t filter would also mislead the planner, which
 * takes t and frame for independent and, multiplying their selectivities,
 * expects a 60 s window to hold 1 % of its rows: it then preferred a bitmap
 * scan and a sort of the whole window (4-5 ms) to the ordered index walk.
 *
 * Rows come back in PostgreSQL's binary format, which avoids formatting
 * and parsing floats and returns them bit for bit.
 */
#include "store/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SELECT_COLUMNS "SELECT id, frame, t, class_id, score, x1, y1, x2, y2" \
                       " FROM detections "

static uint64_t get_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
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

/* The walk's frame range: lo from t0 unless the cursor's walk began at
 * this t0 (and so at or after lo), hi from t1 unless the cursor already
 * carries it for this t1. */
typedef struct walk {
    store__cursor_t at; /* frame -1 before the first page */
    int has_lo, has_hi;
    int32_t lo, hi;
} walk_t;

static int walk_bounds(store_conn_t *c, const store_det_query_t *q, walk_t *w,
                       avp_error_t *err)
{
    int need_lo = !isnan(q->t0) && w->at.t0 != q->t0;
    w->has_hi = !isnan(q->t1) && w->at.t1 == q->t1;
    w->hi = w->at.frame_hi;
    int need_hi = !isnan(q->t1) && !w->has_hi;
    if (!need_lo && !need_hi)
        return AVP_OK;
    char v[3][32];
    snprintf(v[0], sizeof(v[0]), "%lld", (long long)q->run_id);
    snprintf(v[1], sizeof(v[1]), "%.17g", q->t0);
    snprintf(v[2], sizeof(v[2]), "%.17g", q->t1);
    const char *vals[] = {v[0], need_lo ? v[1] : NULL, need_hi ? v[2] : NULL};
    PGresult *res = PQexecParams(c->pg,
        "SELECT detections_first_frame($1, $2), detections_last_frame($1, $3)",
        3, NULL, vals, NULL, NULL, 0);
    int rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "detections window");
    if (rc)
        return rc;
    if ((w->has_lo = need_lo))
        w->lo = (int32_t)atoi(PQgetvalue(res, 0, 0));
    if (need_hi) {
        w->has_hi = 1;
        w->hi = (int32_t)atoi(PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return AVP_OK;
}

/* The keyset condition is spelled out rather than written as the row
 * comparison (frame, id) > (a, b): the btree cannot combine a row
 * comparison with the window's frame bounds, and the planner misjudges its
 * selectivity enough to pick a parallel bitmap scan (20 ms for 100 rows).
 * It is "not (frame = a and id <= b)" rather than "frame > a or id > b",
 * which means the same after frame >= a: the planner estimates an OR as
 * keeping a tenth of the rows, and near the end of a run (few rows after
 * the cursor) that too made it choose a bitmap scan and a sort. */
static PGresult *page_query(store_conn_t *c, const store_det_query_t *q,
                            const walk_t *w)
{
    /* Start at the cursor or at the window's first frame, whichever is
     * later; (lo, -1) means all of frame lo, ids being positive. */
    int late = w->has_lo && w->lo > w->at.frame;
    char v[7][32];
    snprintf(v[0], sizeof(v[0]), "%lld", (long long)q->run_id);
    snprintf(v[1], sizeof(v[1]), "%d", (int)(late ? w->lo : w->at.frame));
    snprintf(v[2], sizeof(v[2]), "%lld", late ? -1LL : (long long)w->at.id);
    snprintf(v[3], sizeof(v[3]), "%d", (int)q->cls);
    snprintf(v[4], sizeof(v[4]), "%.9g", (double)q->min_score);
    snprintf(v[5], sizeof(v[5]), "%d", q->limit + 1);
    snprintf(v[6], sizeof(v[6]), "%d", (int)w->hi);
    const char *vals[] = {v[0], v[1], v[2], q->cls < 0 ? NULL : v[3], v[4], v[5],
                          w->has_hi ? v[6] : NULL};
    /* One row more than asked tells whether there is a next page. */
    return PQexecParams(c->pg, SELECT_COLUMNS
        "WHERE run_id = $1 AND frame >= $2::integer"
        " AND NOT (frame = $2::integer AND id <= $3::bigint)"
        " AND ($7::integer IS NULL OR frame <= $7)"
        " AND ($4::integer IS NULL OR class_id = $4)"
        " AND score >= $5::real"
        " ORDER BY frame, id LIMIT $6",
        7, NULL, vals, NULL, NULL, 1);
}

static void fill_page(PGresult *res, const store_det_query_t *q, const walk_t *w,
                      store_det_page_t *page)
{
    int n = PQntuples(res);
    page->count = n > q->limit ? q->limit : n;
    page->items = avp_malloc((size_t)page->count * sizeof(*page->items));
    for (int i = 0; i < page->count; i++)
        row_from(res, i, &page->items[i]);
    if (n <= q->limit)
        return;
    const store_det_t *last = &page->items[page->count - 1];
    store__cursor_t next = {q->run_id, last->frame, last->id, q->t0, q->t1,
                            w->has_hi ? w->hi : -1};
    store__cursor_encode(&next, page->next_cursor);
}

int store_detections_page(store_conn_t *c, const store_det_query_t *q,
                          store_det_page_t *page, avp_error_t *err)
{
    *page = (store_det_page_t){0};
    walk_t w = {.at = {q->run_id, -1, -1, NAN, NAN, -1}};
    int rc = check_query(q, err);
    if (!rc && q->cursor && q->cursor[0])
        rc = store__cursor_decode(q->cursor, q->run_id, &w.at, err);
    if (!rc)
        rc = walk_bounds(c, q, &w, err);
    if (rc)
        return rc;
    PGresult *res = page_query(c, q, &w);
    rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "detections page");
    if (rc)
        return rc;
    rc = check_columns(res, err);
    if (!rc)
        fill_page(res, q, &w, page);
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

int store_det_walk_begin(store_conn_t *c, int64_t run_id, store_det_walk_t *w,
                         avp_error_t *err)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)run_id);
    const char *vals[] = {v};
    *w = (store_det_walk_t){.run_id = run_id, .frame = -1, .id = -1};
    /* The index (run_id, frame, id) read backwards: one entry. */
    PGresult *res = PQexecParams(c->pg,
        "SELECT frame, id FROM detections WHERE run_id = $1"
        " ORDER BY frame DESC, id DESC LIMIT 1", 1, NULL, vals, NULL, NULL, 0);
    int rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "detections walk");
    if (rc)
        return rc;
    w->done = PQntuples(res) == 0;
    if (!w->done) {
        w->last_frame = (int32_t)atoi(PQgetvalue(res, 0, 0));
        w->last_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    return AVP_OK;
}

/* The keyset conditions are spelled out as in page_query, for the same
 * planner's reasons. */
int store_det_walk_next(store_conn_t *c, store_det_walk_t *w,
                        store_det_t *rows, int cap, avp_error_t *err)
{
    if (w->done)
        return 0;
    char v[6][32];
    snprintf(v[0], sizeof v[0], "%lld", (long long)w->run_id);
    snprintf(v[1], sizeof v[1], "%d", (int)w->frame);
    snprintf(v[2], sizeof v[2], "%lld", (long long)w->id);
    snprintf(v[3], sizeof v[3], "%d", (int)w->last_frame);
    snprintf(v[4], sizeof v[4], "%lld", (long long)w->last_id);
    snprintf(v[5], sizeof v[5], "%d", cap);
    const char *vals[] = {v[0], v[1], v[2], v[3], v[4], v[5]};
    PGresult *res = PQexecParams(c->pg, SELECT_COLUMNS
        "WHERE run_id = $1 AND frame >= $2::integer"
        " AND NOT (frame = $2::integer AND id <= $3::bigint)"
        " AND frame <= $4::integer"
        " AND NOT (frame = $4::integer AND id > $5::bigint)"
        " ORDER BY frame, id LIMIT $6",
        6, NULL, vals, NULL, NULL, 1);
    int rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "detections walk");
    if (rc)
        return rc; /* res cleared */
    if ((rc = check_columns(res, err))) {
        PQclear(res);
        return rc;
    }
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        row_from(res, i, &rows[i]);
    PQclear(res);
    w->done = n < cap;
    if (n) {
        w->frame = rows[n - 1].frame;
        w->id = rows[n - 1].id;
    }
    return n;
}
