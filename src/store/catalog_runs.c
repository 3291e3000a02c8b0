/* catalog_runs.c - detect runs as the API sees them (creation with their
 * tasks, lists), the dashboard's counts and the audit log. The tasks'
 * states are catalog_tasks.c's. */
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

/* One statement for a whole batch of requests (store_process_create says
 * why): the requests arrive as parallel arrays, numbered n; for each, the
 * access check of store_object_access for its video, then the run, the
 * task and the audit record when the role allows, and the members to
 * invalidate. The ids come from the sequences beforehand, as INSERT ...
 * RETURNING cannot tell which request a row was made for, and in request
 * order, so that tasks queue in the order they were asked for. */
static const char process_sql[] =
    "WITH q AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::real[], "
    "$4::real[], $5::integer[], $6::bigint[], $7::text[], $8::boolean[], "
    "$9::text[]) WITH ORDINALITY AS q(video_id, model_id, conf, iou, every, "
    "uid, kind, replace, preprocess, n)), "
    "acc AS MATERIALIZED (SELECT q.*, v.project_id AS pid, coalesce(m.role, "
    "'owner') AS role FROM q JOIN videos v ON v.id = q.video_id AND v.status "
    "= 'ready' LEFT JOIN project_members m ON m.project_id = v.project_id AND "
    "m.user_id = q.uid WHERE q.uid <= 0 OR m.role IS NOT NULL), "
    "ok AS MATERIALIZED (SELECT o.*, "
    "nextval(pg_get_serial_sequence('detection_runs', 'id')) AS run_id, "
    "nextval(pg_get_serial_sequence('tasks', 'id')) AS task_id FROM (SELECT "
    "acc.* FROM acc JOIN models mo ON mo.id = acc.model_id WHERE acc.role IN "
    "('owner', 'editor') ORDER BY acc.n) o), "
    "r AS (INSERT INTO detection_runs (id, video_id, model_id, conf, iou, "
    "every, preprocess, created_by) OVERRIDING SYSTEM VALUE SELECT run_id, "
    "video_id, model_id, conf, iou, every, preprocess, uid FROM ok), "
    "t AS (INSERT INTO tasks (id, kind, payload, run_id, project_id, "
    "created_by) OVERRIDING SYSTEM VALUE SELECT task_id, kind, "
    "json_build_object('run_id', run_id, 'replace', replace), run_id, pid, "
    "uid FROM ok), "
    "a AS (INSERT INTO audit_log (user_id, action, object_type, object_id, "
    "detail) SELECT uid, 'process', 'video', video_id, json_build_object("
    "'task_id', task_id, 'run_id', run_id, 'kind', kind) FROM ok) "
    "SELECT acc.n, acc.pid, acc.role, ok.task_id, ok.run_id, (SELECT "
    "coalesce(string_agg(user_id::text, ','), '') FROM project_members WHERE "
    "project_id = acc.pid) FROM acc LEFT JOIN ok ON ok.n = acc.n";

enum { PROCESS_COLUMNS = 9, PROCESS_VALUE_MAX = 32 };

/* The value of request p in column k, as array element text. */
static void process_value(const store_process_t *p, int k, char *s)
{
    switch (k) {
    case 0: snprintf(s, PROCESS_VALUE_MAX, "%lld", (long long)p->video_id); break;
    case 1: snprintf(s, PROCESS_VALUE_MAX, "%lld", (long long)p->model_id); break;
    case 2: snprintf(s, PROCESS_VALUE_MAX, "%.17g", p->conf); break;
    case 3: snprintf(s, PROCESS_VALUE_MAX, "%.17g", p->iou); break;
    case 4: snprintf(s, PROCESS_VALUE_MAX, "%d", p->every); break;
    case 5: snprintf(s, PROCESS_VALUE_MAX, "%lld", (long long)p->user_id); break;
    case 6: snprintf(s, PROCESS_VALUE_MAX, "%s", p->kind ? p->kind : "detect"); break;
    case 7: snprintf(s, PROCESS_VALUE_MAX, "%s", p->replace ? "t" : "f"); break;
    default:
        snprintf(s, PROCESS_VALUE_MAX, "%s", p->preprocess ? p->preprocess : "exact");
    }
}

/* Column k of n requests as an array literal "{a,b,...}" (avp_free). The
 * kinds are plain words (store_process_t), so nothing needs quoting. */
static char *process_column(const store_process_t *p, int n, int k)
{
    char *s = avp_malloc((size_t)n * (PROCESS_VALUE_MAX + 1) + 3), *at = s;
    *at++ = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            *at++ = ',';
        process_value(&p[i], k, at);
        at += strlen(at);
    }
    memcpy(at, "}", 2);
    return s;
}

/* Request n's row (rows are per request that reached its video). */
static void process_row(PGresult *r, int row, const store_process_t *p,
                        store_process_out_t *out)
{
    out->project_id = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    out->role = store_role_parse(PQgetvalue(r, row, 2));
    if (out->role < STORE_ROLE_EDITOR)
        return;
    if (PQgetisnull(r, row, 3)) {
        out->rc = avp_error_set(&out->err, AVP_ENOTFOUND, "no model %lld",
                                (long long)p->model_id);
        return;
    }
    out->task_id = strtoll(PQgetvalue(r, row, 3), NULL, 10);
    out->run_id = strtoll(PQgetvalue(r, row, 4), NULL, 10);
    out->members = parse_ids(PQgetvalue(r, row, 5), &out->nmembers);
}

int store_process_create(store_conn_t *c, const store_process_t *p, int n,
                         store_process_out_t *out, avp_error_t *err)
{
    if (n < 1 || n > STORE_PROCESS_BATCH_MAX)
        return avp_error_set(err, AVP_EINVAL, "process: %d requests in one "
                             "batch, not 1..%d", n, STORE_PROCESS_BATCH_MAX);
    char *v[PROCESS_COLUMNS];
    for (int k = 0; k < PROCESS_COLUMNS; k++)
        v[k] = process_column(p, n, k);
    PGresult *r = store__run(c, "process", process_sql, PROCESS_COLUMNS,
                             (const char *const *)v, err);
    for (int k = 0; k < PROCESS_COLUMNS; k++)
        avp_free(v[k]);
    if (!r)
        return err->code;
    for (int i = 0; i < n; i++) {
        out[i] = (store_process_out_t){0};
        out[i].rc = avp_error_set(&out[i].err, AVP_ENOTFOUND, "no video %lld",
                                  (long long)p[i].video_id);
    }
    for (int row = 0; row < PQntuples(r); row++) {
        long i = strtol(PQgetvalue(r, row, 0), NULL, 10) - 1;
        out[i].rc = AVP_OK;
        process_row(r, row, &p[i], &out[i]);
    }
    PQclear(r);
    return AVP_OK;
}

#define RUN_JSON                                                            \
    "json_build_object('id', r.id, 'video_id', r.video_id, "               \
    "'model_id', r.model_id, 'conf', r.conf, 'iou', r.iou, "               \
    "'every', r.every, 'preprocess', r.preprocess, 'state', r.state, "     \
    "'frames_done', r.frames_done, "                                        \
    "'detections_count', r.detections_count, 'created_by', r.created_by, " \
    "'created_at', r.created_at, 'finished_at', r.finished_at, "           \
    "'damage', r.damage, 'task_id', t.id, 'kind', t.kind)::text"

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

int store_run_damage_set(store_conn_t *c, int64_t run_id, int64_t frames_lost,
                         int64_t frames_concealed, const char *message,
                         avp_error_t *err)
{
    store__num_t rid = store__i64(run_id), lost = store__i64(frames_lost),
                 concealed = store__i64(frames_concealed);
    const char *v[] = {rid.s, lost.s, concealed.s, message};
    PGresult *r = store__run(c, "run damage",
        "UPDATE detection_runs SET damage = jsonb_build_object('frames_lost', "
        "$2::bigint, 'frames_concealed', $3::bigint, 'message', $4::text) "
        "WHERE id = $1", 4, v, err);
    if (!r)
        return err->code;
    PQclear(r);
    return AVP_OK;
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

int store_task_gauges(store_conn_t *c, store_task_gauges_t *out,
                      avp_error_t *err)
{
    /* Both states are on the tasks_state index; done tasks are not read. */
    PGresult *r = store__run(c, "tasks",
        "SELECT coalesce(sum(fps) FILTER (WHERE state = 'running'), 0), "
        "count(*) FILTER (WHERE state = 'running'), "
        "coalesce(extract(epoch FROM now() - min(created_at) "
        "FILTER (WHERE state = 'queued')), 0) "
        "FROM tasks WHERE state IN ('running', 'queued')", 0, NULL, err);
    if (!r)
        return err->code;
    out->fps = strtod(PQgetvalue(r, 0, 0), NULL);
    out->running = atoi(PQgetvalue(r, 0, 1));
    out->oldest_queued_s = strtod(PQgetvalue(r, 0, 2), NULL);
    PQclear(r);
    return AVP_OK;
}

int store_wal_bytes(store_conn_t *c, double *bytes, avp_error_t *err)
{
    PGresult *r = store__run(c, "wal",
        "SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()", 0, NULL, err);
    if (!r)
        return err->code;
    *bytes = strtod(PQgetvalue(r, 0, 0), NULL);
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
