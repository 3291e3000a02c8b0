/* catalog_gt.c - ground-truth boxes of a video (keyset pages, audited
 * edits) and the evaluations of runs against them. Each write is a single
 * statement whose CTEs change the row and append the audit record, so
 * both commit or neither does, in one round trip. */
#include "store/catalog_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A box's public shape (web/src/features/player/api/groundTruth.ts). */
#define GT_JSON                                                              \
    "json_build_object('id', g.id, 'video_id', g.video_id, 'frame', "        \
    "g.frame, 't', g.t, 'class', g.class, 'x1', g.x1, 'y1', g.y1, 'x2', "    \
    "g.x2, 'y2', g.y2, 'track_id', g.track_id, 'validated', g.validated, "   \
    "'difficult', g.difficult, 'occluded', g.occluded, 'truncated', "        \
    "g.truncated, 'crowd', g.crowd, 'area', g.area, 'source', g.source, "   \
    "'updated_at', g.updated_at)::text"

/* The flags of a new box: absent means false. */
#define GT_FLAG_NEW(name) "coalesce((f->>'" name "')::boolean, false)"
/* A field of an edit: absent keeps the stored value. */
#define GT_KEEP(col, type) col " = coalesce((f->>'" col "')::" type ", o." col ")"

int store_gt_list(store_conn_t *c, const store_gt_query_t *q,
                  store_list_t *out, avp_error_t *err)
{
    store__num_t vid = store__i64(q->video_id), lim = store__i64(q->limit + 1);
    store__num_t t0 = store__f64(q->t0), t1 = store__f64(q->t1);
    store__num_t k1 = store__i64(q->after ? q->after[0] : 0);
    store__num_t k2 = store__i64(q->after ? q->after[1] : 0);
    const char *v[] = {vid.s, isnan(q->t0) ? NULL : t0.s,
                       isnan(q->t1) ? NULL : t1.s, q->after ? k1.s : NULL,
                       k2.s, lim.s};
    return store__run_list(c, "ground truth",
        "SELECT " GT_JSON ", g.frame, g.id FROM ground_truth_objects g "
        "WHERE g.video_id = $1 AND ($2::float8 IS NULL OR g.t >= $2) "
        "AND ($3::float8 IS NULL OR g.t <= $3) AND ($4::bigint IS NULL OR "
        "(g.frame, g.id) > ($4::int, $5::bigint)) ORDER BY g.frame, g.id "
        "LIMIT $6", 6, v, q->limit, out, err);
}

int store_gt_insert(store_conn_t *c, int64_t video_id, int64_t user_id,
                    const char *fields, char **json, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), uid = store__i64(user_id);
    const char *v[] = {vid.s, uid.s, fields};
    return store__run_json(c, "ground-truth box",
        "WITH s AS (SELECT $3::jsonb AS f), "
        "g AS (INSERT INTO ground_truth_objects (video_id, frame, t, class, "
        "x1, y1, x2, y2, validated, difficult, occluded, truncated, source, "
        "created_by) SELECT $1, (f->>'frame')::int, (f->>'t')::float8, "
        "f->>'class', (f->>'x1')::real, (f->>'y1')::real, (f->>'x2')::real, "
        "(f->>'y2')::real, " GT_FLAG_NEW("validated") ", "
        GT_FLAG_NEW("difficult") ", " GT_FLAG_NEW("occluded") ", "
        GT_FLAG_NEW("truncated") ", 'human', $2 FROM s RETURNING *), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'create', 'ground_truth', g.id, "
        "json_build_object('video_id', g.video_id, 'box', s.f) FROM g, s) "
        "SELECT " GT_JSON " FROM g", 3, v, json, err);
}

int store_gt_update(store_conn_t *c, int64_t box_id, int64_t user_id,
                    const char *fields, char **json, avp_error_t *err)
{
    store__num_t bid = store__i64(box_id), uid = store__i64(user_id);
    const char *v[] = {bid.s, uid.s, fields};
    /* Every CTE sees the snapshot from before the UPDATE: `before` is the
     * box as it was, kept in the audit record beside the change. */
    return store__run_json(c, "ground-truth box",
        "WITH s AS (SELECT $3::jsonb AS f), "
        "before AS (SELECT to_jsonb(b) AS row FROM ground_truth_objects b "
        "WHERE b.id = $1), "
        "g AS (UPDATE ground_truth_objects o SET " GT_KEEP("frame", "int") ", "
        GT_KEEP("t", "float8") ", " GT_KEEP("class", "text") ", "
        GT_KEEP("x1", "real") ", " GT_KEEP("y1", "real") ", "
        GT_KEEP("x2", "real") ", " GT_KEEP("y2", "real") ", "
        GT_KEEP("validated", "boolean") ", " GT_KEEP("difficult", "boolean")
        ", " GT_KEEP("occluded", "boolean") ", "
        GT_KEEP("truncated", "boolean") ", "
        /* A segment's area says nothing of a box redrawn by hand. */
        "area = CASE WHEN f ?| ARRAY['x1', 'y1', 'x2', 'y2'] THEN NULL "
        "ELSE o.area END, updated_at = now() FROM s "
        "WHERE o.id = $1 RETURNING o.*), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'update', 'ground_truth', g.id, "
        "json_build_object('changes', s.f, 'before', before.row) "
        "FROM g, s, before) "
        "SELECT " GT_JSON " FROM g", 3, v, json, err);
}

int store_gt_frames(store_conn_t *c, store_object_t kind, int64_t id,
                    int64_t *frames, avp_error_t *err)
{
    store__num_t key = store__i64(id);
    const char *v[] = {key.s};
    char *json;
    int rc = store__run_json(c, kind == STORE_OBJ_GT ? "ground-truth box"
                                                     : "video",
        kind == STORE_OBJ_GT
            ? "SELECT " STORE__FRAMES_OR_PENDING("v") "::text FROM "
              "ground_truth_objects g JOIN videos v ON v.id = g.video_id "
              "WHERE g.id = $1"
            : "SELECT " STORE__FRAMES_OR_PENDING("v") "::text FROM videos v "
              "WHERE id = $1",
        1, v, &json, err);
    if (rc == AVP_OK) {
        *frames = strtoll(json, NULL, 10);
        avp_free(json);
        rc = store__frames_known(*frames, err);
    }
    return rc;
}

int store_gt_delete(store_conn_t *c, int64_t box_id, int64_t user_id,
                    avp_error_t *err)
{
    store__num_t bid = store__i64(box_id), uid = store__i64(user_id);
    const char *v[] = {bid.s, uid.s};
    return store__run_one(c, "ground-truth box",
        "WITH g AS (DELETE FROM ground_truth_objects WHERE id = $1 "
        "RETURNING *), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'delete', 'ground_truth', g.id, "
        "json_build_object('before', to_jsonb(g)) FROM g) "
        "SELECT g.id FROM g", 2, v, err);
}

int store_gt_each(store_conn_t *c, int64_t video_id, int64_t frames,
                  int every, store_gt_fn fn, void *arg, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), n = store__i64(frames);
    store__num_t ev = store__i64(every);
    const char *v[] = {vid.s, n.s, ev.s};
    PGresult *r = store__run(c, "ground truth",
        "SELECT id, frame, class, x1, y1, x2, y2, difficult, t, crowd, "
        "coalesce(area, 0), coalesce(track_id, 0) FROM ground_truth_objects WHERE video_id = $1 AND frame < $2 "
        "AND frame % $3 = 0 ORDER BY frame, id", 3, v, err);
    if (!r)
        return err->code;
    for (int i = 0; i < PQntuples(r); i++) {
        store_gt_box_t b = {
            .id = strtoll(PQgetvalue(r, i, 0), NULL, 10),
            .frame = strtoll(PQgetvalue(r, i, 1), NULL, 10),
            .cls = PQgetvalue(r, i, 2),
            .difficult = PQgetvalue(r, i, 7)[0] == 't',
            .t = strtod(PQgetvalue(r, i, 8), NULL),
            .crowd = PQgetvalue(r, i, 9)[0] == 't',
            .area = strtod(PQgetvalue(r, i, 10), NULL),
            .track_id = strtoll(PQgetvalue(r, i, 11), NULL, 10),
        };
        for (int k = 0; k < 4; k++)
            b.box[k] = strtod(PQgetvalue(r, i, 3 + k), NULL);
        fn(arg, &b);
    }
    PQclear(r);
    return AVP_OK;
}

int store_eval_source(store_conn_t *c, int64_t run_id, char **json,
                      avp_error_t *err)
{
    store__num_t rid = store__i64(run_id);
    const char *v[] = {rid.s};
    return store__run_json(c, "run",
        "SELECT json_build_object('state', r.state, 'video_id', r.video_id, "
        "'frames_done', r.frames_done, 'every', r.every, 'preprocess', "
        "r.preprocess, 'conf', r.conf, "
        "'iou', r.iou, 'model_id', r.model_id, 'model_sha256', m.sha256, "
        "'video_sha256', v.sha256, 'class_names', m.class_names, "
        "'video_rotation', v.rotation, 'video_mirrored', v.mirrored, "
        "'video_damage', r.damage)::text "
        "FROM detection_runs r JOIN models m ON m.id = r.model_id "
        "JOIN videos v ON v.id = r.video_id WHERE r.id = $1", 1, v, json, err);
}

/* self_scored and ground_truth repeat the manifest's, so that no reader
 * of the numbers can miss them (false and null before 0015). */
#define EVAL_JSON                                                            \
    "json_build_object('id', e.id, 'run_id', e.run_id, 'created_at', "       \
    "e.created_at, 'created_by', e.created_by, 'manifest', e.manifest, "     \
    "'results', e.results, 'self_scored', coalesce((e.manifest->"          \
    "'ground_truth'->>'self_scored')::boolean, false), 'ground_truth', "    \
    "e.manifest->'ground_truth')::text"

int store_eval_insert(store_conn_t *c, int64_t run_id, int64_t user_id,
                      const char *manifest, const char *results,
                      const char *frames, const char *failures, char **json,
                      avp_error_t *err)
{
    store__num_t rid = store__i64(run_id), uid = store__i64(user_id);
    const char *v[] = {rid.s, uid.s, manifest, results, frames, failures};
    return store__run_json(c, "evaluation",
        "WITH e AS (INSERT INTO evaluations (run_id, manifest, results, "
        "frames, failures, created_by) VALUES ($1, $3::jsonb, $4::jsonb, "
        "$5::jsonb, $6::jsonb, $2) RETURNING *), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'evaluate', 'run', $1, "
        "json_build_object('evaluation_id', e.id) FROM e) "
        "SELECT " EVAL_JSON " FROM e", 6, v, json, err);
}

int store_eval_latest(store_conn_t *c, int64_t run_id, char **json,
                      avp_error_t *err)
{
    store__num_t rid = store__i64(run_id);
    const char *v[] = {rid.s};
    return store__run_json(c, "evaluation",
        "SELECT " EVAL_JSON " FROM evaluations e WHERE e.run_id = $1 "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT 1", 1, v, json, err);
}

int store_eval_frames(store_conn_t *c, int64_t run_id, char **json,
                      avp_error_t *err)
{
    store__num_t rid = store__i64(run_id);
    const char *v[] = {rid.s};
    return store__run_json(c, "evaluation",
        "SELECT json_build_object('id', e.id, 'video_id', "
        "e.manifest->'video_id', 'frames', e.frames)::text FROM evaluations "
        "e WHERE e.run_id = $1 ORDER BY e.created_at DESC, e.id DESC "
        "LIMIT 1", 1, v, json, err);
}

int store_gt_import(store_conn_t *c, int64_t video_id, int64_t user_id,
                    const char *format, const char *file_name,
                    const char *boxes, const char *frames,
                    int64_t *count, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), uid = store__i64(user_id);
    const char *v[] = {vid.s, uid.s, boxes, format, file_name, frames};
    char *json;
    int rc = store__run_json(c, "ground-truth import",
        "WITH s AS (INSERT INTO gt_sources (video_id, kind, format, "
        "file_name, created_by) VALUES ($1, 'import', $4, $5, $2) "
        "RETURNING id), "
        "b AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS b(frame int, "
        "t float8, class text, x1 real, y1 real, x2 real, y2 real, "
        "validated boolean, difficult boolean, occluded boolean, "
        "truncated boolean, crowd boolean, area float8, track bigint)), "
        /* A row id for each of the file's tracks, taken first so that the
         * boxes can name it in this same statement. */
        "m AS MATERIALIZED (SELECT track, nextval(pg_get_serial_sequence("
        "'tracks', 'id')) AS id FROM (SELECT DISTINCT track FROM b WHERE "
        "track IS NOT NULL) x), "
        "k AS (INSERT INTO tracks (id, video_id, class, first_frame, "
        "last_frame, first_t, last_t, created_by, file_track_id) "
        "OVERRIDING SYSTEM VALUE SELECT m.id, $1, (array_agg(b.class ORDER "
        "BY b.frame))[1], min(b.frame), max(b.frame), min(b.t), max(b.t), "
        "$2, m.track FROM m JOIN b ON b.track = m.track GROUP BY m.id, "
        "m.track), "
        "g AS (INSERT INTO ground_truth_objects (video_id, frame, t, "
        "class, x1, y1, x2, y2, validated, difficult, occluded, truncated, "
        "crowd, area, track_id, source, created_by, source_id) SELECT $1, "
        "b.frame, b.t, b.class, b.x1, b.y1, b.x2, b.y2, b.validated, "
        "b.difficult, b.occluded, b.truncated, coalesce(b.crowd, false), "
        "b.area, m.id, 'import', $2, s.id FROM s, b LEFT JOIN m ON "
        "m.track = b.track RETURNING id), "
        "f AS (UPDATE videos SET gt_frames = $6::jsonb - 'list', "
        "gt_frame_list = CASE WHEN $6::jsonb ? 'list' THEN ARRAY(SELECT "
        "x::bigint FROM jsonb_array_elements_text($6::jsonb->'list') x) END "
        "WHERE id = $1 AND $6::jsonb IS NOT NULL), "
        "n AS (SELECT count(*) AS n FROM g), "
        "a AS (INSERT INTO audit_log (user_id, action, object_type, "
        "object_id, detail) SELECT $2, 'import', 'video', $1, "
        "json_build_object('format', $4::text, 'file', $5::text, 'boxes', "
        "n.n, 'frames', $6::jsonb) FROM n) "
        "SELECT n::text FROM n", 6, v, &json, err);
    if (rc == AVP_OK) {
        *count = strtoll(json, NULL, 10);
        avp_free(json);
    }
    return rc;
}

/* Boxes on the frames a run looked at, by where they came from: a source
 * row (an import, a conversion) or, without one, the box's own source
 * (drawn by hand, or stored before 0015). */
int store_gt_provenance(store_conn_t *c, int64_t video_id, int64_t frames,
                        int every, char **json, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), n = store__i64(frames);
    store__num_t ev = store__i64(every);
    const char *v[] = {vid.s, n.s, ev.s};
    return store__run_json(c, "ground truth",
        "WITH g AS (SELECT frame, source, source_id FROM ground_truth_objects "
        "WHERE video_id = $1 AND frame < $2 AND frame % $3 = 0), "
        "k AS (SELECT coalesce(s.kind, g.source) AS kind, s.format, "
        "s.file_name, s.model_id, s.model_name, s.model_sha256, s.run_id, "
        "count(*) AS boxes, count(DISTINCT g.frame) AS frames FROM g "
        "LEFT JOIN gt_sources s ON s.id = g.source_id "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7) "
        "SELECT json_build_object('boxes', (SELECT count(*) FROM g), "
        "'frames', (SELECT count(DISTINCT frame) FROM g), 'sources', "
        "coalesce((SELECT json_agg(json_build_object('kind', kind, 'format', "
        "format, 'file', file_name, 'model_id', model_id, 'model', "
        "model_name, 'model_sha256', model_sha256, 'run_id', run_id, "
        "'boxes', boxes, 'frames', frames) ORDER BY boxes DESC, kind) "
        "FROM k), '[]'))::text", 3, v, json, err);
}
