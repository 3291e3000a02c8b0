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
};

/* Fills err from a failed command (res may be NULL: the connection's
 * message is used) and returns the AVP code: AVP_EUNAVAILABLE for a lost
 * connection, AVP_EBUSY for retryable conditions, AVP_EINVAL for data and
 * constraint errors, AVP_EIO otherwise. Clears res. */
int store__pg_error(avp_error_t *err, PGconn *pg, PGresult *res,
                    const char *what);

/* Checks that res has the expected status; on failure returns the mapped
 * error (res cleared), on success AVP_OK (res kept). */
int store__check(avp_error_t *err, PGconn *pg, PGresult *res,
                 ExecStatusType want, const char *what);

/* Ends whatever transaction c is in; used on error paths. */
void store__rollback(store_conn_t *c);

/* Builds the migrations table; generated from migrations/ at build time. */
extern const store_migration_t store__embedded_migrations[];
extern const size_t store__embedded_count;

#endif
