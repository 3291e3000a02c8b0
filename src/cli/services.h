/*
 * services.h - the private PostgreSQL 15 and Redis that `avp up` runs when
 * AVP_DATABASE_URL / AVP_REDIS_URL are unset, in C so that `avp up` works
 * from any directory (scripts/pg-private.sh and redis-private.sh do the
 * same for the tests and by hand, with the same layout):
 *   DIR/pg/data      the cluster (initdb on first start), DIR/pg/run its
 *                    Unix socket, DIR/pg/log its log; no TCP listener
 *   DIR/redis/       redis.conf, redis.sock, redis.pid, redis.log and the
 *                    append-only file; no TCP listener
 * PostgreSQL refuses to run as root: as root the cluster belongs to the
 * system user `avp` (created if missing), which must be able to reach DIR.
 * Only the user AVP runs as (and PostgreSQL's own user) reaches either
 * server: DIR/pg, its data, run and log folders and DIR/redis are 0700 and
 * the sockets too, PostgreSQL authenticates peers through a map to the
 * database user avp; every start reapplies this, so folders made by an
 * older `avp up` (trust, 0755) are tightened.
 * As root, Redis and the children of `avp up` run as that user too
 * (services_user), and the whole data folder belongs to it.
 * Both servers are started in their own session, so a Ctrl-C meant for
 * `avp up` does not reach them; `avp up` stops them itself.
 * Start on a running server reuses it. Every URL is malloc'd (avp_free).
 */
#ifndef AVP_CLI_SERVICES_H
#define AVP_CLI_SERVICES_H

#include "util/avp.h"

#include <sys/types.h>

/* The user AVP's processes run as: as root `avp` (created if missing:
 * PostgreSQL needs it anyway, and a second user would gain nothing, since
 * whoever runs as either reaches the database as its owner), else the
 * caller. */
int services_user(uid_t *uid, gid_t *gid, avp_error_t *err);
/* Everything under dir (dir too) becomes uid/gid's (when root), folders
 * 0700 and files 0600; sockets and symbolic links are left alone. Run on
 * every start, so a data folder made by an older AVP is tightened. */
int services_make_private(const char *dir, uid_t uid, gid_t gid,
                          avp_error_t *err);
/* As root: AVP_EINVAL naming path when the user `avp` cannot reach it (a
 * folder, or the program its children run). */
int services_reachable(const char *path, avp_error_t *err);

int services_pg_start(const char *dir, char **url, avp_error_t *err);
int services_pg_stop(const char *dir, avp_error_t *err);
int services_redis_start(const char *dir, char **url, avp_error_t *err);
int services_redis_stop(const char *dir, avp_error_t *err);

#endif
