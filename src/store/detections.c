/*
 * detections.c - appending a run's detections with its progress mark.
 *
 * DESIGN: the resume protocol
 * detection_runs.frames_done is the run's committed mark: every frame below
 * it has its detections stored, no frame at or above it has any. A worker
 * that starts or resumes a run reads the mark (store_detections_mark) and
 * processes frames from there. Each batch is one transaction:
 *
 *   BEGIN
 *   UPDATE detection_runs SET frames_done = new, detections_count += rows
 *       WHERE id = run AND frames_done = expected   -- expected = old mark
 *   COPY detections FROM STDIN (binary)             -- frames in [old, new)
 *   COMMIT
 *
 * sent as one query string (one round trip besides the COPY data).
 *
 * - A worker killed at any point before COMMIT leaves neither rows nor a
 *   moved mark, so the next worker redoes exactly that batch: nothing is
 *   lost and nothing is stored twice.
 * - The UPDATE comes first, so its row lock serializes writers of one run
 *   and keeps the run from being deleted before the COPY commits; that is
 *   why detections needs no (costly, per-row) foreign key. A run deleted
 *   first makes the UPDATE match nothing: AVP_ENOTFOUND, nothing written.
 *   A worker that resumed from a stale mark (the old owner, still alive
 *   after its task was reclaimed) finds the mark moved: zero rows updated,
 *   the transaction is rolled back and it gets AVP_ECANCELLED.
 * - The commit is asynchronous (synchronous_commit off): PostgreSQL may
 *   lose the last few batches in a crash of the database server itself,
 *   but always rows and mark together, so resuming stays exact. Any later
 *   synchronous commit (the task's final state) flushes them all.
 *
 * COPY's binary format: a header, then per row a 16-bit field count and for
 * each field a 32-bit length and the value in network byte order; a 16-bit
 * -1 ends the data. libpq has no encoder for it (PQputCopyData takes bytes),
 * hence the rows are built here, into 64 KiB chunks sent with one call
 * each. It saves PostgreSQL parsing text numbers and sends floats bit for
 * bit. Where an append's time goes (bench/store/run): building the rows
 * here is about 0.05 us a row; the backend spends about 0.8 us on parsing
 * and the heap, and index maintenance as much again, which is what bounds
 * the rate.
 */
#include "store/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS 9 /* run_id, frame, t, class_id, score, x1, y1, x2, y2 */
#define ROW_BYTES (2 + NFIELDS * 4 + 8 + 4 + 8 + 4 + 4 * 5)

static const unsigned char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

typedef struct copy_out {
    store_conn_t *c;
    size_t used;
} copy_out_t;

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    v = htonl(v);
    memcpy(p, &v, 4);
    return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
    p = put32(p, (uint32_t)(v >> 32));
    return put32(p, (uint32_t)v);
}

static unsigned char *put_f32(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return put32(put32(p, 4), v);
}

static int copy_flush(copy_out_t *o, avp_error_t *err)
{
    if (o->used && PQputCopyData(o->c->pg, (const char *)o->c->copy_buf,
                                 (int)o->used) != 1)
        return store__pg_error(err, o->c->pg, NULL, "COPY detections");
    o->used = 0;
    return AVP_OK;
}

static int copy_row(copy_out_t *o, int64_t run_id, const store_frame_t *f,
                    const store_box_t *b, avp_error_t *err)
{
    if (o->used + ROW_BYTES > STORE__COPY_CHUNK) {
        int rc = copy_flush(o, err);
        if (rc)
            return rc;
    }
    unsigned char *p = o->c->copy_buf + o->used;
    uint64_t t;
    memcpy(&t, &f->t, 8);
    p[0] = 0, p[1] = NFIELDS, p += 2;
    p = put64(put32(p, 8), (uint64_t)run_id);
    p = put32(put32(p, 4), (uint32_t)f->frame);
    p = put64(put32(p, 8), t);
    p = put32(put32(p, 4), (uint32_t)b->cls);
    p = put_f32(p, b->score);
    for (int k = 0; k < 4; k++)
        p = put_f32(p, b->box[k]);
    o->used = (size_t)(p - o->c->copy_buf);
    return AVP_OK;
}

/* Sends the rows of frames[0..n) as the COPY's data, or only ends the COPY
 * with an error when `send` is 0, which makes the server abort it. */
static int send_rows(store_conn_t *c, int64_t run_id, const store_frame_t *frames,
                     int n, int send, avp_error_t *err)
{
    int rc = AVP_OK;
    if (!c->copy_buf)
        c->copy_buf = avp_malloc(STORE__COPY_CHUNK);
    copy_out_t o = {c, sizeof(copy_header)};
    memcpy(c->copy_buf, copy_header, sizeof(copy_header));
    for (int i = 0; send && !rc && i < n; i++)
        for (int j = 0; !rc && j < frames[i].nboxes; j++)
            rc = copy_row(&o, run_id, &frames[i], &frames[i].boxes[j], err);
    if (send && !rc) {
        c->copy_buf[o.used++] = 0xff; /* trailer: field count -1 */
        c->copy_buf[o.used++] = 0xff;
        rc = copy_flush(&o, err);
    }
    /* The COPY must be ended even after a failure, to get the connection
     * out of COPY state; an error message makes the server discard it. */
    const char *abort_msg = !send ? "progress mark moved" : rc ? "aborted" : NULL;
    if (PQputCopyEnd(c->pg, abort_msg) != 1 && !rc)
        rc = store__pg_error(err, c->pg, NULL, "COPY detections");
    return rc;
}

static int check_batch(int64_t expected, int64_t new_mark,
                       const store_frame_t *frames, int n, int64_t *rows,
                       avp_error_t *err)
{
    if (expected < 0 || new_mark < expected || n < 0 || (n && !frames))
        return avp_error_set(err, AVP_EINVAL, "detections: bad mark %lld..%lld",
                             (long long)expected, (long long)new_mark);
    *rows = 0;
    for (int i = 0; i < n; i++) {
        const store_frame_t *f = &frames[i];
        if (f->frame < expected || f->frame >= new_mark)
            return avp_error_set(err, AVP_EINVAL,
                                 "detections: frame %d outside [%lld, %lld)",
                                 (int)f->frame, (long long)expected,
                                 (long long)new_mark);
        if (f->nboxes < 0 || (f->nboxes && !f->boxes))
            return avp_error_set(err, AVP_EINVAL,
                                 "detections: frame %d: bad box list", (int)f->frame);
        for (int j = 0; j < f->nboxes; j++)
            if (f->boxes[j].cls < 0)
                return avp_error_set(err, AVP_EINVAL,
                                     "detections: frame %d: class %d",
                                     (int)f->frame, (int)f->boxes[j].cls);
        *rows += f->nboxes;
    }
    return AVP_OK;
}

int store_detections_mark(store_conn_t *c, int64_t run_id, int64_t *mark,
                          int64_t *count, avp_error_t *err)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)run_id);
    const char *vals[] = {id};
    PGresult *res = PQexecParams(c->pg,
        "SELECT frames_done, detections_count FROM detection_runs WHERE id = $1",
        1, NULL, vals, NULL, NULL, 0);
    int rc = store__check(err, c->pg, res, PGRES_TUPLES_OK, "detection run");
    if (rc)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return avp_error_set(err, AVP_ENOTFOUND, "detection run %lld not found",
                             (long long)run_id);
    }
    *mark = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    if (count)
        *count = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return AVP_OK;
}

/* Why the mark did not move: the run is gone or another worker moved it. */
static int mark_moved_error(store_conn_t *c, int64_t run_id, int64_t expected,
                            avp_error_t *err)
{
    int64_t mark;
    int rc = store_detections_mark(c, run_id, &mark, NULL, err);
    if (rc)
        return rc;
    return avp_error_set(err, AVP_ECANCELLED,
                         "detection run %lld: progress mark is %lld, not %lld "
                         "(another writer moved it)",
                         (long long)run_id, (long long)mark, (long long)expected);
}

/* The whole transaction is one query string, so a batch costs one round
 * trip plus the COPY data: PostgreSQL runs the statements in order, stops
 * at the COPY for its data, then commits. The values are integers, safe
 * to format into the text. */
static int send_batch(store_conn_t *c, int64_t run_id, int64_t expected,
                      int64_t new_mark, int64_t rows, avp_error_t *err)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "BEGIN; SET LOCAL synchronous_commit TO off;"
             " UPDATE detection_runs SET frames_done = %lld,"
             " detections_count = detections_count + %lld"
             " WHERE id = %lld AND frames_done = %lld;"
             " COPY detections (run_id, frame, t, class_id, score, x1, y1, x2, y2)"
             " FROM STDIN (FORMAT binary);"
             " COMMIT",
             (long long)new_mark, (long long)rows, (long long)run_id,
             (long long)expected);
    if (!PQsendQuery(c->pg, sql))
        return store__pg_error(err, c->pg, NULL, "append detections");
    return AVP_OK;
}

int store_detections_append(store_conn_t *c, int64_t run_id,
                            int64_t expected_mark, int64_t new_mark,
                            const store_frame_t *frames, int n,
                            avp_error_t *err)
{
    int64_t rows = 0;
    int rc = check_batch(expected_mark, new_mark, frames, n, &rows, err);
    if (!rc)
        rc = send_batch(c, run_id, expected_mark, new_mark, rows, err);
    if (rc)
        return rc;
    /* Results arrive per statement. The UPDATE's row count decides whether
     * the COPY gets its rows or is aborted, which aborts the rest. */
    int updated = -1;
    PGresult *res;
    while ((res = PQgetResult(c->pg))) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_COPY_IN) {
            int r = send_rows(c, run_id, frames, n, updated == 1, err);
            rc = rc ? rc : r;
        } else if (st == PGRES_COMMAND_OK) {
            if (!strncmp(PQcmdStatus(res), "UPDATE", 6))
                updated = atoi(PQcmdTuples(res));
        } else if (!rc && updated != 0) {
            rc = store__pg_error(err, c->pg, res, "append detections");
            continue;
        }
        PQclear(res);
    }
    if (rc || updated != 1)
        store__rollback(c);
    if (!rc && updated != 1)
        rc = mark_moved_error(c, run_id, expected_mark, err);
    return rc;
}
