/* catalog_failures.c - an evaluation's failure gallery (migrations/0023):
 * pages of its items, filtered by TIDE type and class, and one item with
 * what a crop of it needs. Both read the run's latest evaluation, as the
 * results page does; an item's id is its position in the stored array,
 * which never changes (an evaluation is never edited, a new one is a new
 * row). */
#include "store/catalog_internal.h"

/* The run's latest evaluation as e(id, manifest, failures). */
#define LATEST                                                               \
    "(SELECT id, manifest, failures FROM evaluations WHERE run_id = $1 "     \
    "ORDER BY created_at DESC, id DESC LIMIT 1) e"

int store_eval_failures(store_conn_t *c, int64_t run_id, const char *type,
                        const char *cls, const int64_t *after, int limit,
                        store_list_t *out, avp_error_t *err)
{
    store__num_t rid = store__i64(run_id), lim = store__i64(limit + 1);
    store__num_t k = store__i64(after ? after[0] : 0);
    const char *v[] = {rid.s, type, cls, after ? k.s : NULL, lim.s};
    return store__run_list(c, "failures",
        "SELECT (x.v || jsonb_build_object('id', x.n, 'evaluation_id', "
        "e.id))::text, x.n FROM " LATEST ", jsonb_array_elements("
        "coalesce(e.failures, '[]'::jsonb)) WITH ORDINALITY x(v, n) "
        "WHERE ($2::text IS NULL OR x.v->>'type' = $2) "
        "AND ($3::text IS NULL OR x.v->>'class' = $3) "
        "AND ($4::bigint IS NULL OR x.n > $4) ORDER BY x.n LIMIT $5",
        5, v, limit, out, err);
}

int store_eval_failure(store_conn_t *c, int64_t run_id, int64_t id,
                       char **json, avp_error_t *err)
{
    store__num_t rid = store__i64(run_id), n = store__i64(id);
    const char *v[] = {rid.s, n.s};
    return store__run_json(c, "failure",
        "SELECT json_build_object('evaluation_id', e.id, 'video_id', "
        "(e.manifest->>'video_id')::bigint, 'failure', "
        "e.failures->($2::int - 1))::text FROM " LATEST " WHERE $2::bigint "
        "BETWEEN 1 AND jsonb_array_length(coalesce(e.failures, '[]'))",
        2, v, json, err);
}
