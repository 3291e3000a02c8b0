/* catalog_test_sessions.c - test sessions of devices under test: the session
 * rows (audited create, edit, sync, delete), their detection events
 * (all-or-nothing batches, keyset pages) and what scoring reads (the
 * video's tracked ground truth, the events, the stored evaluations).
 * As in catalog_gt.c, each write is one statement whose CTEs change the
 * rows and append the audit record. */
#include "store/catalog_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A session's public shape (web/src/features/sessions/api/types.ts). */
#define SESSION_JSON(s)                                                      \
    "json_build_object('id', " s ".id, 'project_id', " s ".project_id, "     \
    "'video_id', " s ".video_id, 'name', " s ".name, 'tolerance_ms', " s     \
    ".tolerance_ms, 'criteria', " s ".criteria, 'sync_offset', " s           \
    ".sync_offset, 'state', " s ".state, 'created_at', " s ".created_at, "   \
    "'events_count', " s ".events_count)::text"

/* The audit record of a session change, from CTE `s` (the new row). */
#define SESSION_AUDIT(action, detail)                                        \
    "a AS (INSERT INTO audit_log (user_id, action, object_type, object_id, " \
    "detail) SELECT $2, '" action "', 'test_session', s.id, " detail         \
    " FROM s) "

int store_test_session_create(store_conn_t *c, int64_t project_id,
                              int64_t user_id, const char *fields,
                              char **json, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), uid = store__i64(user_id);
    const char *v[] = {pid.s, uid.s, fields};
    /* The video must be a ready one of the same project; the tolerance
     * defaults to the project's. No row means no such video there. */
    return store__run_json(c, "video",
        "WITH f AS (SELECT $3::jsonb AS f), "
        "s AS (INSERT INTO test_sessions (project_id, video_id, name, "
        "tolerance_ms, criteria, created_by) SELECT p.id, v.id, "
        "coalesce(f->>'name', ''), coalesce((f->>'tolerance_ms')::int, "
        "p.tolerance_ms), coalesce(f->'criteria', '{}'), $2 FROM f "
        "JOIN videos v ON v.id = (f->>'video_id')::bigint "
        "JOIN projects p ON p.id = v.project_id WHERE p.id = $1 "
        "AND v.status = 'ready' RETURNING *), "
        SESSION_AUDIT("create", "(SELECT f FROM f)")
        "SELECT " SESSION_JSON("s") " FROM s", 3, v, json, err);
}

int store_test_session_list(store_conn_t *c, int64_t project_id,
                            const int64_t *after, int limit,
                            store_list_t *out, avp_error_t *err)
{
    store__num_t pid = store__i64(project_id), lim = store__i64(limit + 1);
    store__num_t k1 = store__i64(after ? after[0] : 0);
    store__num_t k2 = store__i64(after ? after[1] : 0);
    const char *v[] = {pid.s, after ? k1.s : NULL, k2.s, lim.s};
    return store__run_list(c, "test sessions",
        "SELECT " SESSION_JSON("s") ", " STORE__US("s.created_at") ", s.id "
        "FROM test_sessions s WHERE s.project_id = $1 AND ($2::bigint IS NULL "
        "OR (s.created_at, s.id) < (" STORE__FROM_US("$2") ", $3::bigint)) "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT $4", 4, v, limit, out,
        err);
}

int store_test_session_get(store_conn_t *c, int64_t session_id, char **json,
                           avp_error_t *err)
{
    store__num_t sid = store__i64(session_id);
    const char *v[] = {sid.s};
    return store__run_json(c, "test session",
        "SELECT " SESSION_JSON("s") " FROM test_sessions s WHERE s.id = $1",
        1, v, json, err);
}

int store_test_session_open_ids(store_conn_t *c, int64_t project_id,
                                int64_t **ids, int *n, avp_error_t *err)
{
    return store__run_ids(c, "test sessions",
        "SELECT id FROM test_sessions WHERE project_id = $1 "
        "AND state <> 'closed'", project_id, ids, n, err);
}

int store_test_session_lock(store_conn_t *c, int64_t session_id, int *closed,
                            avp_error_t *err)
{
    store__num_t sid = store__i64(session_id);
    const char *v[] = {sid.s};
    char *json;
    int rc = store__run_json(c, "test session",
        "SELECT to_json(state = 'closed')::text FROM test_sessions "
        "WHERE id = $1 FOR UPDATE", 1, v, &json, err);
    *closed = rc == AVP_OK && !strcmp(json, "true");
    avp_free(json);
    return rc;
}

int store_test_session_update(store_conn_t *c, int64_t session_id,
                              int64_t user_id, const char *action,
                              const char *fields, char **json,
                              avp_error_t *err)
{
    store__num_t sid = store__i64(session_id), uid = store__i64(user_id);
    const char *v[] = {sid.s, uid.s, fields, action};
    /* FOR UPDATE in `before` orders this after an events insert in flight,
     * so a close never lands between an insert's check and its rows. */
    return store__run_json(c, "test session",
        "WITH f AS (SELECT $3::jsonb AS f), "
        "before AS (SELECT to_jsonb(b) AS row FROM test_sessions b "
        "WHERE b.id = $1 FOR UPDATE), "
        "s AS (UPDATE test_sessions o SET name = coalesce(f->>'name', o.name), "
        "tolerance_ms = coalesce((f->>'tolerance_ms')::int, o.tolerance_ms), "
        "criteria = coalesce(f->'criteria', o.criteria), "
        "state = coalesce(f->>'state', o.state), "
        "sync_offset = coalesce((f->>'sync_offset')::float8, o.sync_offset) "
        "FROM f, before WHERE o.id = $1 RETURNING o.*), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, $4, 'test_session', s.id, "
        "json_build_object('changes', f.f, 'before', before.row) "
        "FROM s, f, before) "
        "SELECT " SESSION_JSON("s") " FROM s", 4, v, json, err);
}

int store_test_session_delete(store_conn_t *c, int64_t session_id,
                              int64_t user_id, avp_error_t *err)
{
    store__num_t sid = store__i64(session_id), uid = store__i64(user_id);
    const char *v[] = {sid.s, uid.s};
    return store__run_one(c, "test session",
        "WITH s AS (DELETE FROM test_sessions WHERE id = $1 RETURNING *), "
        SESSION_AUDIT("delete", "json_build_object('before', to_jsonb(s))")
        "SELECT s.id FROM s", 2, v, err);
}

/* The outcome row of an insert: the session's state and whether it has a
 * sync, then the number inserted (0 when refused). */
static int events_outcome(PGresult *r, int64_t *inserted, avp_error_t *err)
{
    if (PQntuples(r) == 0)
        return avp_error_set(err, AVP_ENOTFOUND, "test session: not found");
    if (!strcmp(PQgetvalue(r, 0, 0), "closed"))
        return avp_error_set(err, AVP_EBUSY, "the session is closed");
    if (PQgetvalue(r, 0, 1)[0] != 't')
        return avp_error_set(err, AVP_EUNSUPPORTED, "events in device time "
                             "need a sync first (POST .../sync)");
    *inserted = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    return AVP_OK;
}

int store_test_session_events_insert(store_conn_t *c, int64_t session_id,
                                     int64_t user_id, const char *events,
                                     int64_t *inserted, avp_error_t *err)
{
    store__num_t sid = store__i64(session_id), uid = store__i64(user_id);
    const char *v[] = {sid.s, uid.s, events};
    /* One statement: the session row is locked, checked (open, and synced
     * when any event is in device time), the events converted with the
     * sync of that same row and inserted, the count and the audit record
     * written; a refusal inserts nothing. Video seconds are rounded to the
     * microsecond so the events' keyset (store_test_session_events_page) is
     * exact. */
    PGresult *r = store__run(c, "test session events",
        "WITH e AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS e("
        "class text, confidence real, box real[], t float8, "
        "device_time float8)), "
        "s0 AS (SELECT * FROM test_sessions WHERE id = $1 FOR UPDATE), "
        "ok AS (SELECT s0.* FROM s0 WHERE state <> 'closed' AND (sync_offset "
        "IS NOT NULL OR NOT EXISTS (SELECT 1 FROM e WHERE t IS NULL))), "
        "i AS (INSERT INTO detection_events (test_session_id, class, "
        "confidence, x1, y1, x2, y2, \"timestamp\", device_time) "
        "SELECT ok.id, e.class, e.confidence, e.box[1], e.box[2], e.box[3], "
        "e.box[4], round(coalesce(e.t, e.device_time - ok.sync_offset)"
        "::numeric, 6)::float8, e.device_time FROM ok, e RETURNING 1), "
        "n AS (SELECT count(*) AS n FROM i), "
        "s AS (UPDATE test_sessions u SET events_count = u.events_count + n.n "
        "FROM n, ok WHERE u.id = ok.id RETURNING u.id), "
        SESSION_AUDIT("events", "json_build_object('inserted', "
                      "(SELECT n FROM n))")
        "SELECT s0.state, s0.sync_offset IS NOT NULL OR NOT EXISTS "
        "(SELECT 1 FROM e WHERE t IS NULL), (SELECT n FROM n) FROM s0",
        3, v, err);
    if (!r)
        return err->code;
    int rc = events_outcome(r, inserted, err);
    PQclear(r);
    return rc;
}

/* Video seconds (rounded to the microsecond on insert) as a key and back:
 * the (timestamp, id) keyset compares exactly. */
#define EVENT_KEY "round(e.\"timestamp\" * 1000000)::bigint"
#define EVENT_FROM_KEY(p) "(" p "::numeric / 1000000)::float8"

#define EVENT_JSON                                                           \
    "json_build_object('id', e.id, 'class', e.class, 'confidence', "         \
    "e.confidence, 'box', CASE WHEN e.x1 IS NULL THEN NULL ELSE "            \
    "json_build_array(e.x1, e.y1, e.x2, e.y2) END, 'timestamp', "            \
    "e.\"timestamp\", 'device_time', e.device_time)::text"

int store_test_session_events_page(store_conn_t *c, int64_t session_id,
                                   const int64_t *after, int limit,
                                   store_list_t *out, avp_error_t *err)
{
    store__num_t sid = store__i64(session_id), lim = store__i64(limit + 1);
    store__num_t k1 = store__i64(after ? after[0] : 0);
    store__num_t k2 = store__i64(after ? after[1] : 0);
    const char *v[] = {sid.s, after ? k1.s : NULL, k2.s, lim.s};
    return store__run_list(c, "test session events",
        "SELECT " EVENT_JSON ", " EVENT_KEY ", e.id FROM detection_events e "
        "WHERE e.test_session_id = $1 AND ($2::bigint IS NULL OR "
        "(e.\"timestamp\", e.id) > (" EVENT_FROM_KEY("$2") ", $3::bigint)) "
        "ORDER BY e.\"timestamp\", e.id LIMIT $4", 4, v, limit, out, err);
}

int store_test_session_source(store_conn_t *c, int64_t session_id,
                              char **json, avp_error_t *err)
{
    store__num_t sid = store__i64(session_id);
    const char *v[] = {sid.s};
    return store__run_json(c, "test session",
        "SELECT json_build_object('session', " SESSION_JSON("s") "::json, "
        "'video_sha256', v.sha256, 'fps', v.fps, 'width', v.width, "
        "'height', v.height, 'frame_count', v.frame_count)::text "
        "FROM test_sessions s JOIN videos v ON v.id = s.video_id "
        "WHERE s.id = $1", 1, v, json, err);
}

int store_test_session_gt_each(store_conn_t *c, int64_t video_id,
                               store_track_box_fn fn, void *arg,
                               avp_error_t *err)
{
    store__num_t vid = store__i64(video_id);
    const char *v[] = {vid.s};
    PGresult *r = store__run(c, "ground truth",
        "SELECT frame, t, class, x1, y1, x2, y2, coalesce(track_id, -1) "
        "FROM ground_truth_objects WHERE video_id = $1 AND NOT difficult "
        "ORDER BY frame, id", 1, v, err);
    if (!r)
        return err->code;
    for (int i = 0; i < PQntuples(r); i++) {
        store_track_box_t b = {
            .frame = strtoll(PQgetvalue(r, i, 0), NULL, 10),
            .t = strtod(PQgetvalue(r, i, 1), NULL),
            .cls = PQgetvalue(r, i, 2),
            .track_id = strtoll(PQgetvalue(r, i, 7), NULL, 10),
        };
        for (int k = 0; k < 4; k++)
            b.box[k] = strtod(PQgetvalue(r, i, 3 + k), NULL);
        fn(arg, &b);
    }
    PQclear(r);
    return AVP_OK;
}

int store_test_session_events_each(store_conn_t *c, int64_t session_id,
                                   store_event_fn fn, void *arg,
                                   avp_error_t *err)
{
    store__num_t sid = store__i64(session_id);
    const char *v[] = {sid.s};
    PGresult *r = store__run(c, "test session events",
        "SELECT class, coalesce(confidence, 1), \"timestamp\" "
        "FROM detection_events WHERE test_session_id = $1 "
        "ORDER BY \"timestamp\", id", 1, v, err);
    if (!r)
        return err->code;
    for (int i = 0; i < PQntuples(r); i++)
        fn(arg, PQgetvalue(r, i, 0), strtod(PQgetvalue(r, i, 1), NULL),
           strtod(PQgetvalue(r, i, 2), NULL));
    PQclear(r);
    return AVP_OK;
}

#define SESSION_EVAL_JSON                                                    \
    "json_build_object('id', e.id, 'test_session_id', e.test_session_id, "   \
    "'created_at', e.created_at, 'created_by', e.created_by, 'manifest', "   \
    "e.manifest, 'results', e.results)::text"

int store_test_session_eval_insert(store_conn_t *c, int64_t session_id,
                                   int64_t user_id, const char *manifest,
                                   const char *results, char **json,
                                   avp_error_t *err)
{
    store__num_t sid = store__i64(session_id), uid = store__i64(user_id);
    const char *v[] = {sid.s, uid.s, manifest, results};
    return store__run_json(c, "evaluation",
        "WITH e AS (INSERT INTO evaluations (test_session_id, manifest, "
        "results, created_by) VALUES ($1, $3::jsonb, $4::jsonb, $2) "
        "RETURNING *), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'evaluate', 'test_session', $1, "
        "json_build_object('evaluation_id', e.id) FROM e) "
        "SELECT " SESSION_EVAL_JSON " FROM e", 4, v, json, err);
}
