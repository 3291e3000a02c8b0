/*
 * store.h - AVP's PostgreSQL storage: a libpq connection pool, the schema
 * migrations embedded in the binary, and the detections table (bulk append
 * with the run's progress mark, keyset pages, streaming).
 *
 * DESIGN
 * - The pool owns every connection. A caller acquires a store_conn_t, uses
 *   it through the functions below and catalog.h (all of AVP's SQL is in
 *   src/store) and releases it. Acquire never hangs: when all connections are taken it
 *   waits up to a timeout and fails with AVP_EBUSY, which the server turns
 *   into HTTP 503 + Retry-After.
 * - Connections are checked when they leave the pool. One that the server
 *   closed (PostgreSQL restarted, idle timeout, network) is reconnected
 *   there, so a restart of PostgreSQL costs the requests that were running
 *   at that moment and nothing else; no process restart is needed. When
 *   the database is down, acquire fails with AVP_EUNAVAILABLE.
 * - A connection is given back in a clean state: release rolls back an open
 *   transaction and drops a connection that broke while it was lent.
 * - Migrations are the files migrations/NNNN_name.sql, compiled into the
 *   library; store_migrate() applies the missing ones in order under an
 *   advisory lock, so many servers may start at once.
 * - Detections are appended with COPY in one transaction together with the
 *   run's progress mark (see detections.c for the resume protocol).
 *
 * Errors: AVP_EUNAVAILABLE (database unreachable or connection lost),
 * AVP_EBUSY (pool exhausted, or PostgreSQL out of resources/serialization),
 * AVP_EINVAL (bad argument, bad cursor, constraint violated), AVP_ENOTFOUND,
 * AVP_ECANCELLED (progress mark moved: another worker owns the run),
 * AVP_EIO (any other SQL error; the message has PostgreSQL's text).
 *
 * Thread model: the pool is safe to use from any thread. A store_conn_t and
 * the iterators made on it belong to one thread at a time, from acquire to
 * release.
 */
#ifndef AVP_STORE_STORE_H
#define AVP_STORE_STORE_H

#include "util/avp.h"

#include <stddef.h>
#include <stdint.h>

/* ---- connection pool (pool.c) ------------------------------------------ */

typedef struct store_pool store_pool_t;
typedef struct store_conn store_conn_t;

typedef struct store_pool_opts {
    const char *conninfo;   /* URL or "key=value ..." (libpq syntax) */
    int min_size;           /* opened by create (default 1) */
    int max_size;           /* grown to on demand, then kept (default 10) */
    int acquire_timeout_ms; /* default wait in acquire (default 5000) */
    int connect_timeout_s;  /* per connection attempt (default 5) */
    const char *application_name; /* shown in pg_stat_activity ("avp") */
} store_pool_opts_t;

/* Opens min_size connections; fails (AVP_EUNAVAILABLE) if the first cannot
 * be made, so a wrong URL is reported at start-up. *out is NULL on error. */
int store_pool_create(const store_pool_opts_t *opts, store_pool_t **out,
                      avp_error_t *err);
/* All connections must have been released. NULL is a no-op. */
void store_pool_destroy(store_pool_t *pool);

/* Takes a healthy connection, waiting up to timeout_ms (< 0: the pool's
 * default, 0: no wait). AVP_EBUSY when none became free in time,
 * AVP_EUNAVAILABLE when the database cannot be reached. */
int store_pool_acquire(store_pool_t *pool, int timeout_ms, store_conn_t **out,
                       avp_error_t *err);
/* Gives c back (NULL is a no-op); see DESIGN for what it cleans. */
void store_pool_release(store_conn_t *c);

/* Utilization, for Prometheus. Counters are totals since create. */
typedef struct store_pool_stats {
    int size;             /* open connections */
    int in_use;           /* lent out */
    int waiters;          /* threads waiting in acquire now */
    int max_size;
    uint64_t acquires;    /* successful acquires */
    uint64_t waits;       /* acquires that had to wait */
    uint64_t timeouts;    /* acquires that failed with AVP_EBUSY */
    uint64_t broken;      /* connections found broken and closed */
    uint64_t connect_failures;
    double wait_seconds;  /* total time spent waiting */
} store_pool_stats_t;
void store_pool_stats(store_pool_t *pool, store_pool_stats_t *out);

/* Runs one or more SQL statements without parameters or results. */
int store_exec(store_conn_t *c, const char *sql, avp_error_t *err);

/* Connects to conninfo (a maintenance database such as "postgres"), trying
 * for up to wait_ms while the server is still starting, and creates
 * database `name` there unless it exists; for a private cluster that
 * `avp up` starts. AVP_EUNAVAILABLE when no connection was made. */
int store_database_ensure(const char *conninfo, const char *name,
                          int wait_ms, avp_error_t *err);

/* ---- migrations (migrate.c) -------------------------------------------- */

typedef struct store_migration {
    int version;      /* NNNN of the file name; strictly increasing */
    const char *name; /* "0001_init" */
    const char *sql;
} store_migration_t;

/* The migrations compiled in from migrations/NNNN_name.sql, in version order. */
const store_migration_t *store_migrations(size_t *count);

/* Applies, in order, those of list[0..n) that schema_migrations does not
 * record. Each runs in its own transaction together with its record,
 * unless its text contains "-- avp:no-transaction": then its statements
 * are sent one by one outside a transaction (CREATE INDEX CONCURRENTLY)
 * and must be safe to repeat (IF NOT EXISTS), since a failure part way
 * leaves the earlier ones done. *applied (may be NULL) receives how many
 * this call applied. Safe to run from many processes at once: a caller
 * waits, without a time limit, while another one holds the lock. */
int store_migrate(store_conn_t *c, const store_migration_t *list, size_t n,
                  int *applied, avp_error_t *err);

/* Whether each of list[0..n) is recorded as applied: applied_at[i]
 * receives the time ("2026-12-08 01:02:03+00") or "" for a pending one
 * (STORE_APPLIED_AT_MAX bytes each); *unknown the number of applied
 * versions list does not have (a newer release's, after a rollback of
 * the binaries). Reads only: a database that was never migrated has every
 * migration pending. */
#define STORE_APPLIED_AT_MAX 40
int store_migrate_status(store_conn_t *c, const store_migration_t *list,
                         size_t n, char (*applied_at)[STORE_APPLIED_AT_MAX],
                         int *unknown, avp_error_t *err);

/* ---- detections (detections.c, detections_read.c) ---------------------- */

typedef struct store_box {
    int32_t cls;
    float score;
    float box[4]; /* x1, y1, x2, y2 in source pixels */
} store_box_t;

/* One processed frame; frames without boxes count towards progress. */
typedef struct store_frame {
    int32_t frame;
    double t; /* seconds from the start of the video */
    const store_box_t *boxes;
    int nboxes;
} store_frame_t;

/* Appends the boxes of frames[0..n) to run_id and moves the run's progress
 * mark from expected_mark to new_mark, atomically. Every frame must lie in
 * [expected_mark, new_mark). AVP_ECANCELLED (nothing written) when the mark
 * is no longer expected_mark: another worker wrote to the run, or the last
 * batch of a worker that died committed after the mark was read. Re-read
 * the mark and go on from there if this worker still owns the run's task,
 * stop otherwise. AVP_ENOTFOUND when the run does not exist.
 * The commit is asynchronous (see detections.c): make one synchronous
 * commit (any ordinary transaction) before reporting the run finished. */
int store_detections_append(store_conn_t *c, int64_t run_id,
                            int64_t expected_mark, int64_t new_mark,
                            const store_frame_t *frames, int n,
                            avp_error_t *err);

/* The run's committed mark (frames below it are stored) and row count. */
int store_detections_mark(store_conn_t *c, int64_t run_id, int64_t *mark,
                          int64_t *count, avp_error_t *err);

/* A stored detection. */
typedef struct store_det {
    int64_t id;
    int32_t frame;
    double t;
    int32_t cls;
    float score;
    float box[4];
} store_det_t;

#define STORE_PAGE_MAX 1000
#define STORE_CURSOR_MAX 64 /* bytes, with the NUL */

typedef struct store_det_query {
    int64_t run_id;
    const char *cursor; /* NULL or "" for the first page */
    int limit;          /* 1..STORE_PAGE_MAX */
    int32_t cls;        /* < 0: any class */
    float min_score;    /* 0: any */
    double t0, t1;      /* t0 <= t <= t1; NAN leaves that side open */
} store_det_query_t;

typedef struct store_det_page {
    store_det_t *items; /* owned by the page */
    int count;
    char next_cursor[STORE_CURSOR_MAX]; /* "" on the last page */
} store_det_page_t;

/* One page in (frame, id) order after the cursor. A cursor is an opaque
 * string that only this run accepts: anything else is AVP_EINVAL. Free the
 * page with store_det_page_free() whatever the result.
 * Cost: a time window becomes a range of frames (t never decreases with
 * frame), and the walk after the cursor is an index range scan over it;
 * class and score are checked on the index entries it passes, so only
 * returned rows are read from the table and a page costs in proportion to
 * the entries it skips (a rare class reads more than it returns). */
int store_detections_page(store_conn_t *c, const store_det_query_t *q,
                          store_det_page_t *page, avp_error_t *err);
void store_det_page_free(store_det_page_t *page);

/* Streams every detection of a run in (frame, id) order in constant memory
 * (a server-side cursor read `batch` rows at a time; <= 0: 1000). The
 * iterator holds c inside a read-only transaction until closed, and shows
 * the run as it was at open; one iterator per connection at a time. */
typedef struct store_det_iter store_det_iter_t;
int store_det_iter_open(store_conn_t *c, int64_t run_id, int batch,
                        store_det_iter_t **out, avp_error_t *err);
/* 1 with *row filled, 0 at the end, or an error. */
int store_det_iter_next(store_det_iter_t *it, store_det_t *row,
                        avp_error_t *err);
void store_det_iter_close(store_det_iter_t *it); /* NULL is a no-op */

/* Walks every detection of a run in (frame, id) order a page at a time,
 * holding no connection between pages: each page is one keyset query on
 * the connection the caller passes, so a stream to a client that reads
 * slowly borrows a connection only while it reads a page. The walk ends at
 * the last row the run had at store_det_walk_begin: rows a worker appends
 * later (at later frames, or later ids of the last frame) are not in it. */
typedef struct store_det_walk {
    int64_t run_id;
    int32_t frame, last_frame; /* after (frame, id), to (last_frame, last_id) */
    int64_t id, last_id;
    int done;
} store_det_walk_t;
int store_det_walk_begin(store_conn_t *c, int64_t run_id, store_det_walk_t *w,
                         avp_error_t *err);
/* Reads the next at most cap (>= 1) rows into rows and moves past them:
 * how many, 0 at the end, or an error. */
int store_det_walk_next(store_conn_t *c, store_det_walk_t *w,
                        store_det_t *rows, int cap, avp_error_t *err);

/* ---- the platform catalog (catalog.h) --------------------------------- */

#include "store/catalog.h"

#endif
