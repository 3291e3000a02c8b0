/* catalog_runs.c - detect tasks and runs as the API sees them (creation,
 * status, cancel, lists), the dashboard's counts and the audit log. The
 * worker moves tasks through their states (src/worker/task.c); the
 * protocol is in the platform notes. */
#include "store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "1,5,7" (string_agg of ids) into a new array. */
static int64_t *parse_ids(const char *s, int *n)
{
    int64_t *ids = avp_calloc(strlen(s) / 2 + 1, sizeof *ids);
    *n = 0;
    for (char *end; *s; s = *end ? end + 1 : end)
        ids[(*n)++] = strtoll(s, &end, 10);
    return ids;
}

/* One statement: the access check of store_object_access for a video, the
 * run, the task and the audit record when the role allows, and the members
 * to invalidate. */
static const char process_sql[] =
    "WITH acc AS (SELECT v.project_id AS pid, coalesce(m.role, 'owner') AS "
    "role FROM videos v LEFT JOIN project_members m ON m.project_id = "
    "v.project_id AND m.user_id = $6 WHERE v.id = $1 AND v.status = 'ready' "
    "AND ($6::bigint <= 0 OR m.role IS NOT NULL)), "
    "r AS (INSERT INTO detection_runs (video_id, model_id, conf, iou, every, "
    "created_by) SELECT $1, m.id, $3, $4, $5, $6 FROM models m, acc "
    "WHERE m.id = $2 AND acc.role IN ('owner', 'editor') RETURNING id), "
    "t AS (INSERT INTO tasks (kind, payload, run_id, project_id, created_by) "
    "SELECT $7, json_build_object('run_id', r.id, 'replace', $8::boolean), "
    "r.id, acc.pid, $6 FROM r, acc RETURNING id, run_id), "
    "a AS (INSERT INTO audit_log (user_id, action, object_type, object_id, "
    "detail) SELECT $6, 'process', 'video', $1, json_build_object('task_id', "
    "t.id, 'run_id', t.run_id, 'kind', $7::text) FROM t) "
    "SELECT acc.pid, acc.role, t.id, t.run_id, (SELECT coalesce(string_agg("
    "user_id::text, ','), '') FROM project_members WHERE project_id = "
    "acc.pid) FROM acc LEFT JOIN t ON true";

static int process_result(PGresult *r, const store_process_t *p,
                          store_process_out_t *out, avp_error_t *err)
{
    if (PQntuples(r) == 0)
        return avp_error_set(err, AVP_ENOTFOUND, "no video %lld",
                             (long long)p->video_id);
    out->project_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    out->role = store_role_parse(PQgetvalue(r, 0, 1));
    if (out->role < STORE_ROLE_EDITOR)
        return AVP_OK;
    if (PQgetisnull(r, 0, 2))
        return avp_error_set(err, AVP_ENOTFOUND, "no model %lld",
                             (long long)p->model_id);
    out->task_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
    out->run_id = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
    out->members = parse_ids(PQgetvalue(r, 0, 4), &out->nmembers);
    return AVP_OK;
}

int store_process_create(store_conn_t *c, const store_process_t *p,
                         store_process_out_t *out, avp_error_t *err)
{
    store__num_t vid = store__i64(p->video_id), mid = store__i64(p->model_id);
    store__num_t uid = store__i64(p->user_id), every = store__i64(p->every);
    store__num_t conf = store__f64(p->conf), iou = store__f64(p->iou);
    const char *v[] = {vid.s, mid.s, conf.s, iou.s, every.s, uid.s,
                       p->kind ? p->kind : "detect",
                       p->replace ? "true" : "false"};
    memset(out, 0, sizeof *out);
    PGresult *r = store__run(c, "process", process_sql, 8, v, err);
    if (!r)
        return err->code;
    int rc = process_result(r, p, out, err);
    PQclear(r);
    return rc;
}

int store_task_status(store_conn_t *c, int64_t task_id, char **json,
                      avp_error_t *err)
{
    store__num_t tid = store__i64(task_id);
    const char *v[] = {tid.s};
    return store__run_json(c, "task",
        "SELECT json_build_object('task_id', id, 'state', state, "
        "'progress', progress, 'frames_done', frames_done, "
        "'frames_total', frames_total, 'fps', fps, 'eta', "
        "CASE WHEN state = 'running' AND fps > 0 AND frames_total IS NOT NULL "
        "THEN greatest(frames_total - frames_done, 0) / fps END, "
        "'error', error, 'run_id', run_id, 'attempts', attempts, "
        "'created_at', created_at, 'started_at', started_at, "
        "'finished_at', finished_at)::text FROM tasks WHERE id = $1",
        1, v, json, err);
}

int store_task_cancel(store_conn_t *c, int64_t task_id, store_cancel_t *out,
                      avp_error_t *err)
{
    store__num_t tid = store__i64(task_id);
    const char *v[] = {tid.s};
    /* A queued task is cancelled here (no worker has it; one that claims it
     * later skips it); a running one is asked to stop, and its worker ends
     * it at its next progress tick. */
    PGresult *r = store__run(c, "task",
        "WITH t AS (UPDATE tasks SET cancel_requested = true, "
        "state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END, "
        "finished_at = CASE WHEN state = 'queued' THEN now() "
        "ELSE finished_at END, updated_at = now() WHERE id = $1 "
        "AND state IN ('queued', 'running') RETURNING state, run_id), "
        "r AS (UPDATE detection_runs SET state = 'cancelled', finished_at = now() "
        "WHERE id = (SELECT run_id FROM t WHERE state = 'cancelled')) "
        "SELECT (SELECT state FROM t), EXISTS (SELECT 1 FROM tasks WHERE id = $1)",
        1, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (!PQgetisnull(r, 0, 0))
        *out = strcmp(PQgetvalue(r, 0, 0), "cancelled") ? STORE_CANCEL_REQUESTED
                                                        : STORE_CANCEL_DONE;
    else if (PQgetvalue(r, 0, 1)[0] == 't')
        *out = STORE_CANCEL_ENDED;
    else
        rc = avp_error_set(err, AVP_ENOTFOUND, "no task %lld", (long long)task_id);
    PQclear(r);
    return rc;
}

#define RUN_JSON                                                            \
    "json_build_object('id', r.id, 'video_id', r.video_id, "               \
    "'model_id', r.model_id, 'conf', r.conf, 'iou', r.iou, "               \
    "'every', r.every, 'state', r.state, 'frames_done', r.frames_done, "   \
    "'detections_count', r.detections_count, 'created_by', r.created_by, " \
    "'created_at', r.created_at, 'finished_at', r.finished_at, "           \
    "'task_id', t.id, 'kind', t.kind)::text"

/* A run and its latest task (the one whose id and kind RUN_JSON shows),
 * found once per run. */
#define RUN_FROM                                                            \
    "detection_runs r LEFT JOIN LATERAL (SELECT t.id, t.kind FROM tasks t " \
    "WHERE t.run_id = r.id ORDER BY t.id DESC LIMIT 1) t ON true"

int store_run_list(store_conn_t *c, int64_t video_id, const int64_t *after,
                   int limit, store_list_t *out, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), lim = store__i64(limit + 1);
    store__num_t k1 = store__i64(after ? after[0] : 0);
    store__num_t k2 = store__i64(after ? after[1] : 0);
    const char *v[] = {vid.s, after ? k1.s : NULL, k2.s, lim.s};
    return store__run_list(c, "runs",
        "SELECT " RUN_JSON ", " STORE__US("r.created_at") ", r.id "
        "FROM " RUN_FROM " WHERE r.video_id = $1 AND ($2::bigint IS NULL "
        "OR (r.created_at, r.id) < (" STORE__FROM_US("$2") ", $3::bigint)) "
        "ORDER BY r.created_at DESC, r.id DESC LIMIT $4",
        4, v, limit, out, err);
}

int store_run_get(store_conn_t *c, int64_t run_id, char **json,
                  avp_error_t *err)
{
    store__num_t rid = store__i64(run_id);
    const char *v[] = {rid.s};
    return store__run_json(c, "run",
        "SELECT " RUN_JSON " FROM " RUN_FROM " WHERE r.id = $1", 1, v,
        json, err);
}

int store_dashboard_stats(store_conn_t *c, int64_t user_id, char **json,
                          avp_error_t *err)
{
    store__num_t uid = store__i64(user_id);
    const char *v[] = {uid.s};
    return store__run_json(c, "stats",
        "WITH p AS (SELECT project_id FROM project_members WHERE user_id = $1), "
        "v AS (SELECT id FROM videos WHERE status = 'ready' "
        "AND project_id IN (SELECT project_id FROM p)), "
        "r AS (SELECT state, detections_count FROM detection_runs "
        "WHERE video_id IN (SELECT id FROM v)) "
        "SELECT json_build_object('projects', (SELECT count(*) FROM p), "
        "'videos', (SELECT count(*) FROM v), 'runs', (SELECT count(*) FROM r), "
        "'detections', (SELECT coalesce(sum(detections_count), 0) FROM r), "
        "'runs_by_state', (SELECT json_object_agg(s, (SELECT count(*) FROM r "
        "WHERE r.state = s)) FROM unnest(ARRAY['queued', 'running', 'done', "
        "'failed', 'cancelled']) s))::text",
        1, v, json, err);
}

int store_running_fps(store_conn_t *c, double *fps, int *running,
                      avp_error_t *err)
{
    PGresult *r = store__run(c, "tasks",
        "SELECT coalesce(sum(fps), 0), count(*) FROM tasks "
        "WHERE state = 'running'", 0, NULL, err);
    if (!r)
        return err->code;
    *fps = strtod(PQgetvalue(r, 0, 0), NULL);
    *running = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    return AVP_OK;
}

int store_audit(store_conn_t *c, int64_t user_id, const char *action,
                const char *object_type, int64_t object_id, const char *detail,
                avp_error_t *err)
{
    store__num_t uid = store__i64(user_id), oid = store__i64(object_id);
    const char *v[] = {uid.s, action, object_type, oid.s,
                       detail ? detail : "{}"};
    return store__run_one(c, "audit",
        "INSERT INTO audit_log (user_id, action, object_type, object_id, "
        "detail) VALUES ($1, $2, $3, $4, $5::jsonb)",
        5, v, err);
}
