/* catalog_media.c - uploaded videos (per project) and models (global). The
 * files live under the data directory; rows keep their relative paths. */
#include "store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIDEO_JSON                                                          \
    "json_build_object('id', v.id, 'project_id', v.project_id, "           \
    "'filename', v.filename, 'size_bytes', v.size_bytes, 'duration', v.duration, "\
    "'fps', v.fps, 'width', v.width, 'height', v.height, "                 \
    "'stored_width', v.stored_width, 'stored_height', v.stored_height, "   \
    "'rotation', v.rotation, 'mirrored', v.mirrored, "                     \
    "'frame_count', coalesce(v.frame_count, v.frame_count_estimate), "     \
    "'frame_count_exact', v.frame_count IS NOT NULL, "                     \
    "'codec', v.codec, 'sha256', v.sha256, "                               \
    "'status', v.status, 'created_by', v.created_by, "                     \
    "'created_at', v.created_at)::text"

/* Runs an INSERT ... RETURNING (json, id). */
static int insert_returning(store_conn_t *c, const char *what, const char *sql,
                            int n, const char *const *v, int64_t *id,
                            char **json, avp_error_t *err)
{
    PGresult *r = store__run(c, what, sql, n, v, err);
    if (!r)
        return err->code;
    *json = avp_strdup(PQgetvalue(r, 0, 0));
    *id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

int store_video_insert(store_conn_t *c, const store_video_new_t *x,
                       int64_t *id, char **json, avp_error_t *err)
{
    store__num_t pid = store__i64(x->project_id), by = store__i64(x->created_by);
    store__num_t size = store__i64(x->size_bytes), dur = store__f64(x->duration);
    store__num_t fps = store__f64(x->fps), w = store__i64(x->width);
    store__num_t h = store__i64(x->height), fc = store__i64(x->frame_count);
    store__num_t sw = store__i64(x->stored_width);
    store__num_t sh = store__i64(x->stored_height);
    store__num_t rot = store__i64(x->rotation);
    const char *v[] = {pid.s, x->filename, x->path, size.s, dur.s, fps.s,
                       w.s, h.s, fc.s, x->codec, x->sha256, by.s,
                       x->container, sw.s, sh.s, rot.s,
                       x->mirrored ? "true" : "false",
                       x->frame_count_exact ? "true" : "false"};
    return insert_returning(c, "video",
        "INSERT INTO videos AS v (project_id, filename, path, size_bytes, "
        "duration, fps, width, height, frame_count, codec, sha256, status, "
        "created_by, container, stored_width, stored_height, rotation, "
        "mirrored, frame_count_estimate) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, CASE WHEN $18::boolean THEN $9::bigint END, $10, $11, 'ready', "
        "$12, $13, $14, $15, $16, $17, $9) RETURNING " VIDEO_JSON ", v.id",
        18, v, id, json, err);
}

int store_video_list(store_conn_t *c, int64_t project_id, const int64_t *after,
                     int limit, store_list_t *out, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), lim = store__i64(limit + 1);
    store__num_t k1 = store__i64(after ? after[0] : 0);
    store__num_t k2 = store__i64(after ? after[1] : 0);
    const char *v[] = {pid.s, after ? k1.s : NULL, k2.s, lim.s};
    return store__run_list(c, "videos",
        "SELECT " VIDEO_JSON ", " STORE__US("v.created_at") ", v.id "
        "FROM videos v WHERE v.project_id = $1 AND v.status = 'ready' "
        "AND ($2::bigint IS NULL OR (v.created_at, v.id) < ("
        STORE__FROM_US("$2") ", $3::bigint)) "
        "ORDER BY v.created_at DESC, v.id DESC LIMIT $4",
        4, v, limit, out, err);
}

int store_video_get(store_conn_t *c, int64_t video_id, int64_t user_id,
                    char **json, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), uid = store__i64(user_id);
    const char *v[] = {vid.s, uid.s};
    int rc = store__run_json(c, "video",
        "SELECT " VIDEO_JSON " FROM videos v "
        "LEFT JOIN project_members m ON m.project_id = v.project_id "
        "AND m.user_id = $2 WHERE v.id = $1 AND v.status = 'ready' "
        "AND ($2::bigint <= 0 OR m.role IS NOT NULL)", 2, v, json, err);
    if (rc == AVP_ENOTFOUND) /* worded as store_object_access words it */
        avp_error_set(err, rc, "no video %lld", (long long)video_id);
    return rc;
}

/* The one row a statement about one video returns, or NULL with err set
 * (AVP_ENOTFOUND when there is none). */
static PGresult *video_row(store_conn_t *c, const char *sql, int64_t id,
                           avp_error_t *err)
{
    store__num_t vid = store__i64(id);
    const char *v[] = {vid.s};
    PGresult *r = store__run(c, "video", sql, 1, v, err);
    if (r && PQntuples(r) == 0) {
        PQclear(r);
        avp_error_set(err, AVP_ENOTFOUND, "no such video");
        return NULL;
    }
    return r;
}

int store_video_file(store_conn_t *c, int64_t video_id,
                     store_video_file_t *out, avp_error_t *err)
{
    PGresult *r = video_row(c,
        "SELECT path, coalesce(duration, 0), coalesce(fps, 0), "
        "coalesce(container, ''), filename, "
        "coalesce(frame_count, frame_count_estimate, 0) "
        "FROM videos WHERE id = $1", video_id, err);
    if (!r)
        return err->code;
    snprintf(out->path, sizeof out->path, "%s", PQgetvalue(r, 0, 0));
    out->duration = strtod(PQgetvalue(r, 0, 1), NULL);
    out->fps = strtod(PQgetvalue(r, 0, 2), NULL);
    snprintf(out->container, sizeof out->container, "%s", PQgetvalue(r, 0, 3));
    snprintf(out->filename, sizeof out->filename, "%s", PQgetvalue(r, 0, 4));
    out->frame_count = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

int store_video_delete(store_conn_t *c, int64_t video_id, char *path,
                       size_t cap, avp_error_t *err)
{
    PGresult *r = video_row(c, "DELETE FROM videos WHERE id = $1 RETURNING path",
                            video_id, err);
    if (!r)
        return err->code;
    snprintf(path, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return AVP_OK;
}

#define MODEL_JSON                                                          \
    "json_build_object('id', m.id, 'name', m.name, 'sha256', m.sha256, "   \
    "'family', m.family, 'input_w', m.input_w, 'input_h', m.input_h, "     \
    "'num_classes', m.num_classes, 'class_names', m.class_names, "         \
    "'size_bytes', m.size_bytes, 'created_by', m.created_by, "                   \
    "'created_at', m.created_at)::text"

int store_model_insert(store_conn_t *c, const store_model_new_t *x,
                       int64_t *id, char **json, avp_error_t *err)
{
    store__num_t w = store__i64(x->input_w), h = store__i64(x->input_h);
    store__num_t nc = store__i64(x->num_classes), sz = store__i64(x->size_bytes);
    store__num_t by = store__i64(x->created_by);
    const char *v[] = {x->name, x->path, x->sha256, x->family, w.s, h.s,
                       nc.s, x->class_names, sz.s, by.s};
    return insert_returning(c, "model",
        "INSERT INTO models AS m (name, path, sha256, family, input_w, "
        "input_h, num_classes, class_names, size_bytes, created_by) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10) "
        "RETURNING " MODEL_JSON ", m.id",
        10, v, id, json, err);
}

int store_model_list(store_conn_t *c, const int64_t *after, int limit,
                     store_list_t *out, avp_error_t *err)
{
    store__num_t lim = store__i64(limit + 1);
    store__num_t k1 = store__i64(after ? after[0] : 0);
    store__num_t k2 = store__i64(after ? after[1] : 0);
    const char *v[] = {after ? k1.s : NULL, k2.s, lim.s};
    return store__run_list(c, "models",
        "SELECT " MODEL_JSON ", " STORE__US("m.created_at") ", m.id "
        "FROM models m WHERE $1::bigint IS NULL OR (m.created_at, m.id) < ("
        STORE__FROM_US("$1") ", $2::bigint) "
        "ORDER BY m.created_at DESC, m.id DESC LIMIT $3",
        3, v, limit, out, err);
}

int store_model_get(store_conn_t *c, int64_t model_id, char **json,
                    avp_error_t *err)
{
    store__num_t mid = store__i64(model_id);
    const char *v[] = {mid.s};
    return store__run_json(c, "model",
        "SELECT " MODEL_JSON " FROM models m WHERE m.id = $1", 1, v, json, err);
}

/* The runs that use a model, per project, as store_model_delete's *uses:
 * names only of the projects the caller may see (a member's, or every
 * one for an admin), a count of the others. */
static const char model_uses_sql[] =
    "SELECT json_build_object('runs', coalesce(sum(u.n), 0), 'projects', "
    "coalesce(json_agg(json_build_object('id', u.pid, 'name', u.name, "
    "'runs', u.n) ORDER BY u.name, u.pid) FILTER (WHERE u.seen), '[]'), "
    "'other_projects', count(*) FILTER (WHERE NOT u.seen), 'other_runs', "
    "coalesce(sum(u.n) FILTER (WHERE NOT u.seen), 0))::text, "
    "coalesce(sum(u.n), 0) FROM (SELECT p.id AS pid, p.name, count(*) AS n, "
    "$3::boolean OR EXISTS (SELECT 1 FROM project_members m WHERE "
    "m.project_id = p.id AND m.user_id = $2) AS seen "
    "FROM detection_runs r JOIN videos v ON v.id = r.video_id "
    "JOIN projects p ON p.id = v.project_id WHERE r.model_id = $1 "
    "GROUP BY p.id, p.name) u";

/* Inside the transaction, with the model's row locked: deletes it when no
 * run uses it, else hands out the uses. */
static int delete_unused(store_conn_t *c, const char *const *v, char *path,
                         size_t cap, char **uses, avp_error_t *err)
{
    PGresult *r = store__run(c, "model", model_uses_sql, 3, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (strcmp(PQgetvalue(r, 0, 1), "0")) {
        *uses = avp_strdup(PQgetvalue(r, 0, 0));
        rc = avp_error_set(err, AVP_EBUSY, "model %s is used by %s runs",
                           v[0], PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    if (rc != AVP_OK)
        return rc;
    r = store__run(c, "model", "DELETE FROM models WHERE id = $1 RETURNING "
                   "path", 1, v, err);
    if (!r)
        return err->code;
    snprintf(path, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return AVP_OK;
}

int store_model_delete(store_conn_t *c, int64_t model_id, int64_t user_id,
                       int admin, char *path, size_t cap, char **uses,
                       avp_error_t *err)
{
    store__num_t mid = store__i64(model_id), uid = store__i64(user_id);
    const char *v[] = {mid.s, uid.s, admin ? "true" : "false"};
    *uses = NULL;
    /* The row lock waits for a run being made with the model (its foreign
     * key check holds a share lock on the row until it commits) and holds
     * off new ones, so the count that follows sees every run there is. */
    int rc = store_exec(c, "BEGIN", err);
    PGresult *r = rc ? NULL : store__run(c, "model",
        "SELECT $3::boolean OR created_by = $2 FROM models WHERE id = $1 "
        "FOR UPDATE", 3, v, err);
    if (!r)
        rc = rc ? rc : err->code;
    else if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "no model %s", mid.s);
    else if (PQgetvalue(r, 0, 0)[0] != 't')
        rc = avp_error_set(err, AVP_EUNSUPPORTED, "only its uploader or an "
                           "admin may delete model %s", mid.s);
    PQclear(r);
    if (rc == AVP_OK)
        rc = delete_unused(c, v, path, cap, uses, err);
    if (rc == AVP_OK)
        rc = store_exec(c, "COMMIT", err);
    if (rc != AVP_OK)
        store__rollback(c);
    return rc;
}
