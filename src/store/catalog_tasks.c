/* catalog_tasks.c - a task's states: what the API reads and asks of it
 * (status, cancel) and how a worker moves it (load, start, tick, end) and
 * finds the tasks to enqueue again. Each worker statement is one
 * transaction unless the caller has one open, so a PostgreSQL restart
 * costs at most the statement that was running. The protocol is in the
 * DESIGN comment of worker/loop.c. */
#include "store/catalog_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_field(char *dst, size_t cap, PGresult *r, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, row, col));
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


int store_task_load(store_conn_t *c, int64_t task_id, store_task_t *t,
                    avp_error_t *err)
{
    store__num_t tid = store__i64(task_id);
    const char *v[] = {tid.s};
    PGresult *r = store__run(c, "task",
        "SELECT kind, state, attempts, max_attempts, cancel_requested, "
        "coalesce(run_id, (payload->>'run_id')::bigint, 0) "
        "FROM tasks WHERE id = $1", 1, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "task %s: no such task", tid.s);
    else {
        memset(t, 0, sizeof *t);
        t->id = task_id;
        copy_field(t->kind, sizeof t->kind, r, 0, 0);
        copy_field(t->state, sizeof t->state, r, 0, 1);
        t->attempts = atoi(PQgetvalue(r, 0, 2));
        t->max_attempts = atoi(PQgetvalue(r, 0, 3));
        t->cancel_requested = PQgetvalue(r, 0, 4)[0] == 't';
        t->run_id = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
    }
    PQclear(r);
    return rc;
}

int store_task_start(store_conn_t *c, store_task_t *t, const char *worker,
                     avp_error_t *err)
{
    store__num_t tid = store__i64(t->id), rid = store__i64(t->run_id);
    const char *v[] = {tid.s, worker, rid.s};
    PGresult *r = store__run(c, "task start",
        "WITH t AS (UPDATE tasks SET state = 'running', "
        "attempts = attempts + 1, started_at = coalesce(started_at, now()), "
        "worker = $2, updated_at = now() "
        "WHERE id = $1 AND state IN ('queued', 'running') "
        "AND NOT cancel_requested RETURNING attempts), "
        "r AS (UPDATE detection_runs SET state = 'running' "
        "WHERE id = $3 AND EXISTS (SELECT 1 FROM t)) "
        "SELECT attempts FROM t", 3, v, err);
    if (!r)
        return err->code;
    int rc = 0;
    if (PQntuples(r) == 1) {
        t->attempts = atoi(PQgetvalue(r, 0, 0));
        rc = 1;
    }
    PQclear(r);
    return rc;
}

/* Stored paths are absolute, or relative to the data directory. */
static void resolve(char *dst, size_t cap, const char *data_dir,
                    const char *path)
{
    if (path[0] == '/' || !data_dir)
        snprintf(dst, cap, "%s", path);
    else
        snprintf(dst, cap, "%s/%s", data_dir, path);
}

static void fill_job(PGresult *r, const char *data_dir, store_task_job_t *job)
{
    resolve(job->video_path, sizeof job->video_path, data_dir,
            PQgetvalue(r, 0, 0));
    resolve(job->model_path, sizeof job->model_path, data_dir,
            PQgetvalue(r, 0, 1));
    copy_field(job->sha256, sizeof job->sha256, r, 0, 2);
    copy_field(job->family, sizeof job->family, r, 0, 3);
    job->model_id = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
    job->conf = strtod(PQgetvalue(r, 0, 5), NULL);
    job->iou = strtod(PQgetvalue(r, 0, 6), NULL);
    job->every = atoi(PQgetvalue(r, 0, 7));
    job->frame_count = strtoll(PQgetvalue(r, 0, 8), NULL, 10);
    copy_field(job->preprocess, sizeof job->preprocess, r, 0, 9);
    copy_field(job->video_sha256, sizeof job->video_sha256, r, 0, 10);
}

int store_task_job(store_conn_t *c, int64_t run_id, const char *data_dir,
                   store_task_job_t *job, avp_error_t *err)
{
    store__num_t rid = store__i64(run_id);
    const char *v[] = {rid.s};
    PGresult *r = store__run(c, "run",
        "SELECT v.path, m.path, m.sha256, m.family, m.id, r.conf, r.iou, "
        "r.every, coalesce(v.frame_count, v.frame_count_estimate, 0), "
        "r.preprocess, coalesce(v.sha256, '') FROM "
        "detection_runs r "
        "JOIN videos v ON v.id = r.video_id "
        "JOIN models m ON m.id = r.model_id WHERE r.id = $1", 1, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "run %s: no such run", rid.s);
    else {
        memset(job, 0, sizeof *job);
        job->run_id = run_id;
        fill_job(r, data_dir, job);
    }
    PQclear(r);
    return rc;
}

int store_task_tick(store_conn_t *c, int64_t task_id, const char *worker,
                    store_task_tick_t *tick, avp_error_t *err)
{
    store__num_t tid = store__i64(task_id);
    store__num_t done = store__i64(tick->frames_done);
    store__num_t total = store__i64(tick->frames_total);
    char prog[32], fps[32];
    snprintf(prog, sizeof prog, "%.4f", tick->progress);
    snprintf(fps, sizeof fps, "%.2f", tick->fps);
    const char *v[] = {tid.s, worker, prog, done.s, total.s, fps};
    PGresult *r = store__run(c, "task tick",
        "UPDATE tasks SET progress = $3, frames_done = $4, "
        "frames_total = nullif($5::bigint, 0), fps = $6, updated_at = now() "
        "WHERE id = $1 AND worker = $2 AND state = 'running' "
        "RETURNING cancel_requested", 6, v, err);
    if (!r)
        return err->code;
    int rc = 0;
    if (PQntuples(r) == 1) {
        tick->cancel_requested = PQgetvalue(r, 0, 0)[0] == 't';
        rc = 1;
    }
    PQclear(r);
    return rc;
}

static const char *const end_sql[] = {
    [STORE_TASK_DONE] =
        "WITH t AS (UPDATE tasks SET state = 'done', progress = 1, "
        "error = NULL, finished_at = now(), updated_at = now() "
        "WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'done', detections_count = $3, "
        "finished_at = now() WHERE id = $2",
    [STORE_TASK_FAILED] =
        "WITH t AS (UPDATE tasks SET state = 'failed', error = $3, "
        "finished_at = now(), updated_at = now() WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'failed', finished_at = now() "
        "WHERE id = $2",
    [STORE_TASK_RETRY] =
        "WITH t AS (UPDATE tasks SET state = 'queued', error = $3, "
        "worker = NULL, updated_at = now() WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'queued' WHERE id = $2",
    [STORE_TASK_CANCELLED] =
        "WITH t AS (UPDATE tasks SET state = 'cancelled', "
        "finished_at = now(), updated_at = now() WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'cancelled', finished_at = now() "
        "WHERE id = $2",
    [STORE_TASK_HANDBACK] =
        "WITH t AS (UPDATE tasks SET state = 'queued', worker = NULL, "
        "attempts = greatest(attempts - 1, 0), updated_at = now() "
        "WHERE id = $1 AND state = 'running' RETURNING 1) "
        "UPDATE detection_runs SET state = 'queued' WHERE id = $2 "
        "AND EXISTS (SELECT 1 FROM t)",
};

/* DONE: $3 is the detection count; RETRY and FAILED: $3 is the error. */
static const int end_nparams[] = {
    [STORE_TASK_DONE] = 3, [STORE_TASK_FAILED] = 3, [STORE_TASK_RETRY] = 3,
    [STORE_TASK_CANCELLED] = 2, [STORE_TASK_HANDBACK] = 2,
};

int store_task_end(store_conn_t *c, const store_task_t *t,
                   store_task_end_t end, const char *error,
                   int64_t detections, avp_error_t *err)
{
    store__num_t tid = store__i64(t->id), rid = store__i64(t->run_id);
    char third[STORE_TASK_ERROR_MAX];
    if (end == STORE_TASK_DONE)
        snprintf(third, sizeof third, "%" PRId64, detections);
    else
        snprintf(third, sizeof third, "%s", error ? error : "");
    const char *v[] = {tid.s, rid.s, third};
    /* Detections were committed asynchronously (SET LOCAL in their own
     * transactions); this ordinary commit is synchronous, which makes
     * every earlier commit durable too. */
    PGresult *r = store__run(c, "task end", end_sql[end], end_nparams[end],
                             v, err);
    if (!r)
        return err->code;
    PQclear(r);
    return AVP_OK;
}

int store_task_end_if_ours(store_conn_t *c, const store_task_t *t,
                           const char *worker, store_task_end_t end,
                           const char *error, int64_t detections,
                           avp_error_t *err)
{
    store__num_t tid = store__i64(t->id);
    const char *v[] = {tid.s, worker};
    PGresult *r = store__run(c, "task end",
        "SELECT 1 FROM tasks WHERE id = $1 AND worker = $2 "
        "AND state = 'running' FOR UPDATE", 2, v, err);
    if (!r)
        return err->code;
    int ours = PQntuples(r) == 1;
    PQclear(r);
    if (!ours)
        return avp_error_set(err, AVP_ECANCELLED, "task %s is no longer "
                             "this worker's", tid.s);
    return store_task_end(c, t, end, error, detections, err);
}

int store_task_orphaned(store_conn_t *c, int stale_s, store_task_ref_t **tasks,
                        int *n, avp_error_t *err)
{
    store__num_t stale = store__i64(stale_s);
    const char *v[] = {stale.s};
    *tasks = NULL;
    *n = 0;
    /* One statement is one transaction: the xact lock is released at its
     * end, and only one process at a time gets the rows. */
    PGresult *r = store__run(c, "orphaned tasks",
        "SELECT id, kind FROM tasks WHERE pg_try_advisory_xact_lock(4242001) "
        "AND ((state = 'queued' AND updated_at < now() - "
        "make_interval(secs => least(power(2, attempts), 300))) OR "
        "(state = 'running' AND updated_at < now() - make_interval(secs => $1))) "
        "ORDER BY id LIMIT 10000", 1, v, err);
    if (!r)
        return err->code;
    if ((*n = PQntuples(r)) > 0) {
        *tasks = avp_malloc(sizeof **tasks * (size_t)*n);
        for (int i = 0; i < *n; i++) {
            (*tasks)[i].id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
            copy_field((*tasks)[i].kind, sizeof (*tasks)[i].kind, r, i, 1);
        }
    }
    PQclear(r);
    return AVP_OK;
}
