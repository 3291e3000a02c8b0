/*
 * internal.h - what the files of src/store share: the connection record
 * and the mapping from libpq failures to AVP error codes.
 */
#ifndef AVP_STORE_INTERNAL_H
#define AVP_STORE_INTERNAL_H

#include "store/store.h"

#include <libpq-fe.h>

/* COPY data is sent in chunks of this size from a buffer kept with the
 * connection, so appending allocates nothing in steady state. */
#define STORE__COPY_CHUNK (64 * 1024)

struct store_conn {
    PGconn *pg;          /* NULL while the slot has no connection */
    store_pool_t *pool;
    int slot;
    unsigned char *copy_buf; /* STORE__COPY_CHUNK bytes, made on first use */
    struct store__stmt *stmts; /* prepared on pg (catalog_util.c) */
    int nstmts;
};

/* The libpq connection, for the store's tests and bench/store. Do not
 * close it or leave it inside a COPY. */
PGconn *store__conn_pg(store_conn_t *c);

/* Forgets the statements prepared on c's connection: called when the
 * connection is replaced or closed. */
void store__stmts_forget(store_conn_t *c);

/* Fills err from a failed command (res may be NULL: the connection's
 * message is used) and returns the AVP code: AVP_EUNAVAILABLE for a lost
 * connection, AVP_EBUSY for retryable conditions, AVP_EINVAL for data and
 * constraint errors, AVP_EIO otherwise. err->log_only is set: the text is
 * PostgreSQL's, for the log and never for a client. Clears res. */
int store__pg_error(avp_error_t *err, PGconn *pg, PGresult *res,
                    const char *what);

/* Checks that res has the expected status; on failure returns the mapped
 * error (res cleared), on success AVP_OK (res kept). */
int store__check(avp_error_t *err, PGconn *pg, PGresult *res,
                 ExecStatusType want, const char *what);

/* Ends whatever transaction c is in; used on error paths. */
void store__rollback(store_conn_t *c);

/* Where a detections page walk stands (cursor.c). */
typedef struct store__cursor {
    int64_t run_id;
    int32_t frame;    /* the last row returned */
    int64_t id;
    double t0;        /* the window start the walk began at (NAN: none) */
    double t1;        /* the window end frame_hi belongs to (NAN: none) */
    int32_t frame_hi; /* last frame with t <= t1, -1 if none */
} store__cursor_t;

/* out holds STORE_CURSOR_MAX bytes. */
void store__cursor_encode(const store__cursor_t *c, char *out);
/* AVP_EINVAL for anything that is not a cursor of run_id. */
int store__cursor_decode(const char *s, int64_t run_id, store__cursor_t *c,
                         avp_error_t *err);

/* Builds the migrations table; generated from migrations/ at build time. */
extern const store_migration_t store__embedded_migrations[];
extern const size_t store__embedded_count;

#endif
