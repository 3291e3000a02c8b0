/*
 * catalog_internal.h - what the catalog_*.c files share: running one
 * parameterized statement and turning its rows into the JSON text and
 * keyset pages of catalog.h.
 */
#ifndef AVP_STORE_CATALOG_INTERNAL_H
#define AVP_STORE_CATALOG_INTERNAL_H

#include "store/internal.h"

/* Decimal text of v, for a text parameter. */
typedef struct store__num {
    char s[32];
} store__num_t;
store__num_t store__i64(int64_t v);
store__num_t store__f64(double v);

/* "\x<64 hex>": a token hash as bytea input text. */
typedef struct store__hex {
    char s[2 + 2 * STORE_TOKEN_HASH_LEN + 1];
} store__hex_t;
store__hex_t store__hash_hex(const uint8_t hash[STORE_TOKEN_HASH_LEN]);

/* Runs sql with n text parameters (NULL entries are SQL NULL). Returns the
 * result (rows or command done) or NULL with err set; `what` prefixes the
 * message. */
PGresult *store__run(store_conn_t *c, const char *what, const char *sql,
                     int n, const char *const *v, avp_error_t *err);

/* For a statement returning one text column: the first row's value as a
 * new string in *json, AVP_ENOTFOUND (message: what) when no row came. */
int store__run_json(store_conn_t *c, const char *what, const char *sql, int n,
                    const char *const *v, char **json, avp_error_t *err);

/* For a statement of one parameter, id, returning one bigint column: its
 * values in *ids (avp_free; room for one more) and their count in *n. */
int store__run_ids(store_conn_t *c, const char *what, const char *sql,
                   int64_t id, int64_t **ids, int *n, avp_error_t *err);

/* A video's frame count for checking frame numbers against: -1 while it
 * is being counted (only an estimate is known), the estimate once the
 * counters gave up (as the probe did before counting moved out of the
 * upload), 0 when unknown. */
#define STORE__FRAMES_OR_PENDING(v)                                         \
    "coalesce(" v ".frame_count, CASE WHEN " v ".count_tries < "            \
    AVP_STR(STORE_COUNT_MAX_TRIES) " THEN -(" v ".frame_count_estimate "     \
    "IS NOT NULL)::int ELSE " v ".frame_count_estimate END, 0)"
/* AVP_EUNAVAILABLE when frames is STORE__FRAMES_OR_PENDING's -1: a frame
 * check against the estimate would refuse real frames or accept missing
 * ones, so the caller tries again once the count is exact. */
int store__frames_known(int64_t frames, avp_error_t *err);

/* For a statement that must touch a row: AVP_ENOTFOUND when none. */
int store__run_one(store_conn_t *c, const char *what, const char *sql, int n,
                   const char *const *v, avp_error_t *err);

/* For a page query selecting (json text, key1 bigint[, key2 bigint]) and
 * fetching limit + 1 rows: fills out with up to limit items. */
int store__run_list(store_conn_t *c, const char *what, const char *sql, int n,
                    const char *const *v, int limit, store_list_t *out,
                    avp_error_t *err);

/* SQL for the created_at key of a newest-first page. */
#define STORE__US(col) "(extract(epoch FROM " col ") * 1000000)::bigint"
#define STORE__FROM_US(p) "('epoch'::timestamptz + " p "::bigint * interval '1 microsecond')"

/* Checks limit against 1..STORE_LIST_MAX. */
int store__check_limit(int limit, avp_error_t *err);

#endif
