/* catalog_frame_times.c - each frame's presentation time of a video
 * (migration 0026), in chunks of little-endian float8 seconds. The bytes
 * travel as binary parameters and results, so nothing is formatted or
 * parsed as text. */
#include "store/catalog_internal.h"

#include <string.h>

#define CHUNK_FRAMES STORE_FRAME_TIMES_CHUNK

static void put_le(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static double get_le(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)p[i] << (8 * i);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Inserts chunk k of t (the times are a video's: a second run of the same
 * video decodes the same ones, so an existing chunk stays). */
static int put_chunk(store_conn_t *c, const char *run, int64_t k,
                     const double *t, int64_t n, unsigned char *buf,
                     avp_error_t *err)
{
    int64_t first = k * CHUNK_FRAMES;
    int64_t m = n - first < CHUNK_FRAMES ? n - first : CHUNK_FRAMES;
    for (int64_t i = 0; i < m; i++)
        put_le(buf + 8 * i, t[first + i]);
    store__num_t chunk = store__i64(k);
    const char *v[] = {run, chunk.s, (const char *)buf};
    const int len[] = {0, 0, (int)(8 * m)}, fmt[] = {0, 0, 1};
    PGresult *r = PQexecParams(c->pg,
        "INSERT INTO video_frame_times (video_id, chunk, times) "
        "SELECT video_id, $2, $3 FROM detection_runs WHERE id = $1 "
        "ON CONFLICT (video_id, chunk) DO NOTHING", 3, NULL, v, len, fmt, 0);
    int rc = store__check(err, c->pg, r, PGRES_COMMAND_OK, "frame times");
    if (rc == AVP_OK)
        PQclear(r);
    return rc;
}

int store_frame_times_put(store_conn_t *c, int64_t run_id, const double *t,
                          int64_t n, avp_error_t *err)
{
    if (n <= 0 || n > STORE_FRAME_TIMES_MAX)
        return avp_error_set(err, AVP_EINVAL, "frame times: %lld frames, "
                             "not 1..%d", (long long)n, STORE_FRAME_TIMES_MAX);
    store__num_t run = store__i64(run_id);
    unsigned char *buf = avp_malloc(8 * CHUNK_FRAMES);
    int rc = store_exec(c, "BEGIN", err);
    for (int64_t k = 0; rc == AVP_OK && k * CHUNK_FRAMES < n; k++) {
        rc = put_chunk(c, run.s, k, t, n, buf, err);
    }
    avp_free(buf);
    if (rc == AVP_OK)
        return store_exec(c, "COMMIT", err);
    store__rollback(c);
    return rc;
}

/* Appends one chunk's bytes to *t; AVP_EFORMAT when it is not where the
 * chunks before it end (a gap, or a short chunk before the last). */
static int take_chunk(PGresult *r, int row, double *t, int64_t *n,
                      avp_error_t *err)
{
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, 0);
    int64_t k = (int64_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
    int len = PQgetlength(r, row, 1);
    if (k * CHUNK_FRAMES != *n)
        return avp_error_set(err, AVP_EFORMAT, "frame times: chunk %lld "
                             "after %lld frames", (long long)k, (long long)*n);
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, 1);
    for (int i = 0; i < len / 8; i++)
        t[(*n)++] = get_le(p + 8 * i);
    return AVP_OK;
}

int store_frame_times_get(store_conn_t *c, int64_t video_id, double **t,
                          int64_t *n, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id);
    const char *v[] = {vid.s};
    *t = NULL, *n = 0;
    /* Binary results: the int4 chunk in network order, the raw times. */
    PGresult *r = PQexecParams(c->pg,
        "SELECT chunk, times FROM video_frame_times "
        "WHERE video_id = $1 ORDER BY chunk", 1, NULL, v, NULL, NULL, 1);
    int rc = store__check(err, c->pg, r, PGRES_TUPLES_OK, "frame times");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows > 0)
        *t = avp_malloc(sizeof **t * (size_t)rows * CHUNK_FRAMES);
    for (int i = 0; i < rows && rc == AVP_OK; i++)
        rc = take_chunk(r, i, *t, n, err);
    PQclear(r);
    if (rc) {
        avp_free(*t);
        *t = NULL, *n = 0;
    }
    return rc;
}
