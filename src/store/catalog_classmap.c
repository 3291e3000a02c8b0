/* catalog_classmap.c - a project's class map (class_maps rows: from_class
 * -> to_label), read and replaced as one JSON object. The replacement is
 * one statement whose CTEs delete the entries that go, upsert the ones that
 * stay or come and append the audit record with the map before and after,
 * so the map never changes without its record and readers never see half
 * of a new map. */
#include "store/catalog_internal.h"

/* The map of project $1 as a JSON object, keys in order; {} when empty. */
#define MAP_JSON(rows)                                                       \
    "SELECT coalesce(json_object_agg(from_class, to_label ORDER BY "         \
    "from_class), '{}'::json)::text FROM " rows

int store_class_map_get(store_conn_t *c, int64_t project_id, char **json,
                        avp_error_t *err)
{
    store__num_t pid = store__i64(project_id);
    const char *v[] = {pid.s};
    return store__run_json(c, "class map",
        MAP_JSON("class_maps WHERE project_id = $1"), 1, v, json, err);
}

int store_class_map_put(store_conn_t *c, int64_t project_id, int64_t user_id,
                        const char *json_map, char **json, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), uid = store__i64(user_id);
    const char *v[] = {pid.s, uid.s, json_map};
    /* The deleted and the upserted keys are disjoint, so the two CTEs never
     * touch the same row (their order within the statement is unspecified).
     * The result is built from the input, not re-read: every CTE sees the
     * snapshot from before the statement. */
    return store__run_json(c, "class map",
        "WITH m AS (SELECT key AS from_class, value AS to_label "
        "FROM jsonb_each_text($3::jsonb)), "
        "before AS (SELECT coalesce(jsonb_object_agg(from_class, to_label), "
        "'{}'::jsonb) AS map FROM class_maps WHERE project_id = $1), "
        "d AS (DELETE FROM class_maps WHERE project_id = $1 AND from_class "
        "NOT IN (SELECT from_class FROM m)), "
        "u AS (INSERT INTO class_maps (project_id, from_class, to_label) "
        "SELECT $1, from_class, to_label FROM m ON CONFLICT (project_id, "
        "from_class) DO UPDATE SET to_label = excluded.to_label), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'class_map', 'project', $1, "
        "jsonb_build_object('before', before.map, 'after', $3::jsonb) "
        "FROM before) "
        MAP_JSON("m"), 3, v, json, err);
}
