/* catalog_projects.c - projects, their members and the access check every
 * request makes: which project an object lives in and the caller's role. */
#include "store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {"", "viewer", "editor", "owner"};

store_role_t store_role_parse(const char *s)
{
    for (int r = STORE_ROLE_VIEWER; r <= STORE_ROLE_OWNER; r++)
        if (s && !strcmp(s, role_names[r]))
            return (store_role_t)r;
    return STORE_ROLE_NONE;
}

const char *store_role_name(store_role_t r)
{
    return r >= STORE_ROLE_VIEWER && r <= STORE_ROLE_OWNER ? role_names[r] : "";
}

/* A project row p as JSON, with the caller's role given by expression role. */
#define PROJECT_JSON(role)                                                   \
    "json_build_object('id', p.id, 'name', p.name, 'description', "         \
    "p.description, 'camera_model', p.camera_model, 'camera_view', "        \
    "p.camera_view, 'lens_type', p.lens_type, 'resolution', p.resolution, " \
    "'frame_rate', p.frame_rate, 'signal_type', p.signal_type, "            \
    "'tolerance_ms', p.tolerance_ms, 'criteria', p.criteria, "              \
    "'created_by', p.created_by, 'created_at', p.created_at, "              \
    "'updated_at', p.updated_at, 'role', " role ")::text"

int store_project_create(store_conn_t *c, int64_t user_id, const char *fields,
                         int64_t *id, char **json, avp_error_t *err)
{
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s, fields};
    PGresult *r = store__run(c, "project",
        "WITH p AS (INSERT INTO projects (name, description, camera_model, "
        "camera_view, lens_type, resolution, frame_rate, signal_type, "
        "tolerance_ms, criteria, created_by) SELECT f->>'name', "
        "coalesce(f->>'description', ''), coalesce(f->>'camera_model', ''), "
        "coalesce(f->>'camera_view', ''), coalesce(f->>'lens_type', ''), "
        "coalesce(f->>'resolution', ''), (f->>'frame_rate')::float8, "
        "coalesce(f->>'signal_type', ''), "
        "coalesce((f->>'tolerance_ms')::int, 500), "
        "coalesce(f->'criteria', '{}'), $1 FROM (SELECT $2::jsonb AS f) x "
        "RETURNING *), "
        "m AS (INSERT INTO project_members (project_id, user_id, role) "
        "SELECT id, $1, 'owner' FROM p) "
        "SELECT " PROJECT_JSON("'owner'") ", p.id FROM p",
        2, v, err);
    if (!r)
        return err->code;
    *json = avp_strdup(PQgetvalue(r, 0, 0));
    *id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

int store_project_list(store_conn_t *c, int64_t user_id, const int64_t *after,
                       int limit, store_list_t *out, avp_error_t *err)
{
    store__num_t uid = store__i64(user_id), lim = store__i64(limit + 1);
    store__num_t k1 = store__i64(after ? after[0] : 0);
    store__num_t k2 = store__i64(after ? after[1] : 0);
    const char *v[] = {uid.s, after ? k1.s : NULL, k2.s, lim.s};
    return store__run_list(c, "projects",
        "SELECT " PROJECT_JSON("m.role") ", " STORE__US("p.created_at")
        ", p.id FROM projects p JOIN project_members m ON m.project_id = p.id "
        "AND m.user_id = $1 WHERE $2::bigint IS NULL OR (p.created_at, p.id) "
        "< (" STORE__FROM_US("$2") ", $3::bigint) "
        "ORDER BY p.created_at DESC, p.id DESC LIMIT $4",
        4, v, limit, out, err);
}

int store_project_get(store_conn_t *c, int64_t project_id, int64_t user_id,
                      char **json, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), uid = store__i64(user_id);
    const char *v[] = {pid.s, uid.s};
    return store__run_json(c, "project",
        "SELECT " PROJECT_JSON("m.role") " FROM projects p "
        "JOIN project_members m ON m.project_id = p.id AND m.user_id = $2 "
        "WHERE p.id = $1",
        2, v, json, err);
}

int store_project_update(store_conn_t *c, int64_t project_id,
                         const char *fields, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id);
    const char *v[] = {pid.s, fields};
    return store__run_one(c, "project",
        "UPDATE projects p SET name = coalesce(f->>'name', name), "
        "description = coalesce(f->>'description', description), "
        "camera_model = coalesce(f->>'camera_model', camera_model), "
        "camera_view = coalesce(f->>'camera_view', camera_view), "
        "lens_type = coalesce(f->>'lens_type', lens_type), "
        "resolution = coalesce(f->>'resolution', resolution), "
        "frame_rate = coalesce((f->>'frame_rate')::float8, frame_rate), "
        "signal_type = coalesce(f->>'signal_type', signal_type), "
        "tolerance_ms = coalesce((f->>'tolerance_ms')::int, tolerance_ms), "
        "criteria = coalesce(f->'criteria', criteria), updated_at = now() "
        "FROM (SELECT $2::jsonb AS f) x WHERE p.id = $1",
        2, v, err);
}

int store_project_delete(store_conn_t *c, int64_t project_id, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id);
    const char *v[] = {pid.s};
    return store__run_one(c, "project", "DELETE FROM projects WHERE id = $1",
                          1, v, err);
}

#define MEMBER_JSON                                                        \
    "json_build_object('user_id', m.user_id, 'username', u.username, "    \
    "'role', m.role, 'created_at', m.created_at)::text"

int store_member_list(store_conn_t *c, int64_t project_id, const int64_t *after,
                      int limit, store_list_t *out, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), lim = store__i64(limit + 1);
    store__num_t a = store__i64(after ? after[0] : 0);
    const char *v[] = {pid.s, a.s, lim.s};
    return store__run_list(c, "members",
        "SELECT " MEMBER_JSON ", m.user_id FROM project_members m "
        "JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 "
        "AND m.user_id > $2 ORDER BY m.user_id LIMIT $3",
        3, v, limit, out, err);
}

/* The number of owners other than user $2 must stay above zero when $2
 * stops being one. */
#define KEEPS_AN_OWNER                                                      \
    "(SELECT count(*) FROM project_members WHERE project_id = $1 "          \
    "AND role = 'owner' AND user_id <> $2) > 0"

int store_member_set(store_conn_t *c, int64_t project_id, int64_t user_id,
                     store_role_t role, char **json, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), uid = store__i64(user_id);
    const char *v[] = {pid.s, uid.s, store_role_name(role)};
    *json = NULL;
    PGresult *r = store__run(c, "member",
        "WITH m AS (INSERT INTO project_members (project_id, user_id, role) "
        "SELECT $1, id, $3 FROM users WHERE id = $2 "
        "ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role "
        "WHERE EXCLUDED.role = 'owner' OR project_members.role <> 'owner' "
        "OR " KEEPS_AN_OWNER " RETURNING *) "
        "SELECT (SELECT " MEMBER_JSON " FROM m JOIN users u ON u.id = m.user_id), "
        "EXISTS (SELECT 1 FROM users WHERE id = $2)",
        3, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (!PQgetisnull(r, 0, 0))
        *json = avp_strdup(PQgetvalue(r, 0, 0));
    else if (PQgetvalue(r, 0, 1)[0] != 't')
        rc = avp_error_set(err, AVP_ENOTFOUND, "no user %lld", (long long)user_id);
    else
        rc = avp_error_set(err, AVP_EINVAL, "a project keeps at least one owner");
    PQclear(r);
    return rc;
}

int store_member_remove(store_conn_t *c, int64_t project_id, int64_t user_id,
                        avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), uid = store__i64(user_id);
    const char *v[] = {pid.s, uid.s};
    PGresult *r = store__run(c, "member",
        "WITH d AS (DELETE FROM project_members WHERE project_id = $1 "
        "AND user_id = $2 AND (role <> 'owner' OR " KEEPS_AN_OWNER ") "
        "RETURNING 1) SELECT (SELECT count(*) FROM d), EXISTS (SELECT 1 FROM "
        "project_members WHERE project_id = $1 AND user_id = $2)",
        2, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (strcmp(PQgetvalue(r, 0, 0), "1"))
        rc = PQgetvalue(r, 0, 1)[0] == 't'
                 ? avp_error_set(err, AVP_EINVAL,
                                 "a project keeps at least one owner")
                 : avp_error_set(err, AVP_ENOTFOUND, "user %lld is no member",
                                 (long long)user_id);
    PQclear(r);
    return rc;
}

int store_member_ids(store_conn_t *c, int64_t project_id, int64_t **ids,
                     int *n, avp_error_t *err)
{
    return store__run_ids(c, "members",
        "SELECT user_id FROM project_members WHERE project_id = $1",
        project_id, ids, n, err);
}

/* How each kind of object reaches its project: FROM ... yielding `pid`. */
static const char *const access_sql[] = {
    [STORE_OBJ_PROJECT] = "SELECT p.id AS pid FROM projects p WHERE p.id = $1",
    [STORE_OBJ_VIDEO] = "SELECT v.project_id AS pid FROM videos v "
                        "WHERE v.id = $1 AND v.status = 'ready'",
    [STORE_OBJ_RUN] = "SELECT v.project_id AS pid FROM detection_runs r "
                      "JOIN videos v ON v.id = r.video_id WHERE r.id = $1",
    [STORE_OBJ_TASK] = "SELECT v.project_id AS pid FROM tasks t "
                       "JOIN detection_runs r ON r.id = t.run_id "
                       "JOIN videos v ON v.id = r.video_id WHERE t.id = $1",
    [STORE_OBJ_GT] = "SELECT v.project_id AS pid FROM ground_truth_objects g "
                     "JOIN videos v ON v.id = g.video_id WHERE g.id = $1",
    [STORE_OBJ_SESSION] = "SELECT s.project_id AS pid FROM test_sessions s "
                          "WHERE s.id = $1",
};

int store_object_access(store_conn_t *c, store_object_t kind, int64_t id,
                        int64_t user_id, int64_t *project_id,
                        store_role_t *role, avp_error_t *err)
{
    static const char *const names[] = {"project", "video", "run", "task",
                                        "ground-truth box", "test session"};
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT o.pid, coalesce(m.role, 'owner') FROM (%s) o "
             "LEFT JOIN project_members m ON m.project_id = o.pid "
             "AND m.user_id = $2 WHERE $2::bigint <= 0 OR m.role IS NOT NULL",
             access_sql[kind]);
    store__num_t oid = store__i64(id), uid = store__i64(user_id);
    const char *v[] = {oid.s, uid.s};
    PGresult *r = store__run(c, names[kind], sql, 2, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "no %s %lld", names[kind],
                           (long long)id);
    else {
        *project_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        *role = store_role_parse(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return rc;
}
