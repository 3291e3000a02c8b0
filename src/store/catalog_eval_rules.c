/* catalog_eval_rules.c - evaluation rules stored per project and per
 * video (migrations/0024): read, replaced or cleared with their audit
 * record in one statement, and the ones an evaluation of a video falls
 * back on. The rules are checked by the caller (eval_rules_parse). */
#include "store/catalog_internal.h"

/* One statement per table: the table's name is never spliced from input. */
static const char *const get_sql[] = {
    [STORE_OBJ_PROJECT] = "SELECT coalesce(eval_rules, 'null')::text FROM "
                          "projects WHERE id = $1",
    [STORE_OBJ_VIDEO] = "SELECT coalesce(eval_rules, 'null')::text FROM "
                        "videos WHERE id = $1",
};

#define PUT_SQL(table, type)                                                 \
    "WITH b AS (SELECT eval_rules FROM " table " WHERE id = $1), "           \
    "u AS (UPDATE " table " SET eval_rules = $3::jsonb WHERE id = $1 "       \
    "RETURNING eval_rules), "                                                \
    "a AS (INSERT INTO audit_log (user_id, action, object_type, object_id, " \
    "detail) SELECT $2, 'eval_rules', '" type "', $1, jsonb_build_object("  \
    "'before', b.eval_rules, 'after', $3::jsonb) FROM b) "                   \
    "SELECT coalesce(eval_rules, 'null')::text FROM u"

static const char *const put_sql[] = {
    [STORE_OBJ_PROJECT] = PUT_SQL("projects", "project"),
    [STORE_OBJ_VIDEO] = PUT_SQL("videos", "video"),
};

static int kind_or_error(store_object_t kind, avp_error_t *err)
{
    if (kind != STORE_OBJ_PROJECT && kind != STORE_OBJ_VIDEO)
        return avp_error_set(err, AVP_EINTERNAL,
                             "evaluation rules: a project or a video");
    return AVP_OK;
}

int store_eval_rules_get(store_conn_t *c, store_object_t kind, int64_t id,
                         char **json, avp_error_t *err)
{
    store__num_t n = store__i64(id);
    const char *v[] = {n.s};
    int rc = kind_or_error(kind, err);
    return rc ? rc : store__run_json(c, "evaluation rules", get_sql[kind], 1,
                                     v, json, err);
}

int store_eval_rules_put(store_conn_t *c, store_object_t kind, int64_t id,
                         int64_t user_id, const char *rules, char **json,
                         avp_error_t *err)
{
    store__num_t n = store__i64(id), uid = store__i64(user_id);
    const char *v[] = {n.s, uid.s, rules};
    int rc = kind_or_error(kind, err);
    return rc ? rc : store__run_json(c, "evaluation rules", put_sql[kind], 3,
                                     v, json, err);
}

int store_eval_rules_for_video(store_conn_t *c, int64_t video_id,
                               char **json, avp_error_t *err)
{
    store__num_t n = store__i64(video_id);
    const char *v[] = {n.s};
    return store__run_json(c, "evaluation rules",
        "SELECT json_build_object('rules', coalesce(v.eval_rules, "
        "p.eval_rules), 'source', CASE WHEN v.eval_rules IS NOT NULL THEN "
        "'video' WHEN p.eval_rules IS NOT NULL THEN 'project' END)::text "
        "FROM videos v JOIN projects p ON p.id = v.project_id "
        "WHERE v.id = $1", 1, v, json, err);
}
