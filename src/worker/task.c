/* task.c - the worker's statements on the tasks, detection_runs, videos and
 * models tables. Each function takes a connection from the pool and gives
 * it back, so a PostgreSQL restart costs at most the statement that was
 * running (the pool reconnects on the next acquire). */
#include "internal.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGresult *worker__query(store_conn_t *c, const char *sql, int n,
                        const char *const *vals, avp_error_t *err)
{
    PGconn *pg = store_conn_pg(c);
    PGresult *r = PQexecParams(pg, sql, n, NULL, vals, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    avp_error_set(err, PQstatus(pg) == CONNECTION_BAD ? AVP_EUNAVAILABLE
                                                      : AVP_EIO,
                  "%s", PQerrorMessage(pg));
    PQclear(r);
    return NULL;
}

static void i64(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%" PRId64, v);
}

static void copy_field(char *dst, size_t cap, PGresult *r, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, 0, col));
}

int worker__task_load(store_pool_t *pool, int64_t id, worker_task_t *t,
                      avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    char sid[24];
    i64(sid, id);
    const char *v[] = {sid};
    PGresult *r = worker__query(c,
        "SELECT kind, state, attempts, max_attempts, cancel_requested, "
        "coalesce(run_id, (payload->>'run_id')::bigint, 0) "
        "FROM tasks WHERE id = $1", 1, v, err);
    if (!r)
        rc = err->code;
    else if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "task %s: no such task", sid);
    else {
        memset(t, 0, sizeof *t);
        t->id = id;
        copy_field(t->kind, sizeof t->kind, r, 0);
        copy_field(t->state, sizeof t->state, r, 1);
        t->attempts = atoi(PQgetvalue(r, 0, 2));
        t->max_attempts = atoi(PQgetvalue(r, 0, 3));
        t->cancel_requested = PQgetvalue(r, 0, 4)[0] == 't';
        t->run_id = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
    }
    PQclear(r);
    store_pool_release(c);
    return rc;
}

int worker__task_start(store_pool_t *pool, worker_task_t *t, const char *name,
                       avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    char sid[24], srun[24];
    i64(sid, t->id);
    i64(srun, t->run_id);
    const char *v[] = {sid, name, srun};
    PGresult *r = worker__query(c,
        "WITH t AS (UPDATE tasks SET state = 'running', "
        "attempts = attempts + 1, started_at = coalesce(started_at, now()), "
        "worker = $2, updated_at = now() "
        "WHERE id = $1 AND state IN ('queued', 'running') "
        "AND NOT cancel_requested RETURNING attempts), "
        "r AS (UPDATE detection_runs SET state = 'running' "
        "WHERE id = $3 AND EXISTS (SELECT 1 FROM t)) "
        "SELECT attempts FROM t", 3, v, err);
    if (!r)
        rc = err->code;
    else if (PQntuples(r) == 1) {
        t->attempts = atoi(PQgetvalue(r, 0, 0));
        rc = 1;
    }
    PQclear(r);
    store_pool_release(c);
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

static void fill_job(PGresult *r, const char *data_dir, worker_job_t *job)
{
    resolve(job->video_path, sizeof job->video_path, data_dir,
            PQgetvalue(r, 0, 0));
    resolve(job->model_path, sizeof job->model_path, data_dir,
            PQgetvalue(r, 0, 1));
    copy_field(job->sha256, sizeof job->sha256, r, 2);
    copy_field(job->family, sizeof job->family, r, 3);
    job->model_id = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
    job->conf = strtod(PQgetvalue(r, 0, 5), NULL);
    job->iou = strtod(PQgetvalue(r, 0, 6), NULL);
    job->every = atoi(PQgetvalue(r, 0, 7));
    job->frame_count = strtoll(PQgetvalue(r, 0, 8), NULL, 10);
}

int worker__job_load(store_pool_t *pool, int64_t run_id, const char *data_dir,
                     worker_job_t *job, avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    char srun[24];
    i64(srun, run_id);
    const char *v[] = {srun};
    PGresult *r = worker__query(c,
        "SELECT v.path, m.path, m.sha256, m.family, m.id, r.conf, r.iou, "
        "r.every, coalesce(v.frame_count, 0) FROM detection_runs r "
        "JOIN videos v ON v.id = r.video_id "
        "JOIN models m ON m.id = r.model_id WHERE r.id = $1", 1, v, err);
    if (!r)
        rc = err->code;
    else if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "run %s: no such run", srun);
    else {
        memset(job, 0, sizeof *job);
        job->run_id = run_id;
        fill_job(r, data_dir, job);
    }
    PQclear(r);
    store_pool_release(c);
    return rc;
}

int worker__task_tick(store_pool_t *pool, int64_t task_id, const char *name,
                      worker_tick_t *tick, avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    char sid[24], done[24], total[24], prog[32], fps[32];
    i64(sid, task_id);
    i64(done, tick->frames_done);
    i64(total, tick->frames_total);
    snprintf(prog, sizeof prog, "%.4f", tick->progress);
    snprintf(fps, sizeof fps, "%.2f", tick->fps);
    const char *v[] = {sid, name, prog, done, total, fps};
    PGresult *r = worker__query(c,
        "UPDATE tasks SET progress = $3, frames_done = $4, "
        "frames_total = nullif($5::bigint, 0), fps = $6, updated_at = now() "
        "WHERE id = $1 AND worker = $2 AND state = 'running' "
        "RETURNING cancel_requested", 6, v, err);
    if (!r)
        rc = err->code;
    else if (PQntuples(r) == 1) {
        tick->cancel_requested = PQgetvalue(r, 0, 0)[0] == 't';
        rc = 1;
    }
    PQclear(r);
    store_pool_release(c);
    return rc;
}

static const char *const end_sql[] = {
    [WORKER_END_DONE] =
        "WITH t AS (UPDATE tasks SET state = 'done', progress = 1, "
        "error = NULL, finished_at = now(), updated_at = now() "
        "WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'done', detections_count = $3, "
        "finished_at = now() WHERE id = $2",
    [WORKER_END_FAILED] =
        "WITH t AS (UPDATE tasks SET state = 'failed', error = $3, "
        "finished_at = now(), updated_at = now() WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'failed', finished_at = now() "
        "WHERE id = $2",
    [WORKER_END_RETRY] =
        "WITH t AS (UPDATE tasks SET state = 'queued', error = $3, "
        "worker = NULL, updated_at = now() WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'queued' WHERE id = $2",
    [WORKER_END_CANCELLED] =
        "WITH t AS (UPDATE tasks SET state = 'cancelled', "
        "finished_at = now(), updated_at = now() WHERE id = $1 RETURNING 1) "
        "UPDATE detection_runs SET state = 'cancelled', finished_at = now() "
        "WHERE id = $2",
    [WORKER_END_HANDBACK] =
        "WITH t AS (UPDATE tasks SET state = 'queued', worker = NULL, "
        "attempts = greatest(attempts - 1, 0), updated_at = now() "
        "WHERE id = $1 AND state = 'running' RETURNING 1) "
        "UPDATE detection_runs SET state = 'queued' WHERE id = $2 "
        "AND EXISTS (SELECT 1 FROM t)",
};

/* DONE: $3 is the detection count; RETRY and FAILED: $3 is the error. */
static const int end_nparams[] = {
    [WORKER_END_DONE] = 3, [WORKER_END_FAILED] = 3, [WORKER_END_RETRY] = 3,
    [WORKER_END_CANCELLED] = 2, [WORKER_END_HANDBACK] = 2,
};

int worker__task_end_on(store_conn_t *c, const worker_task_t *t,
                        worker_end_t end, const char *error,
                        int64_t detections, avp_error_t *err)
{
    char sid[24], srun[24], third[WORKER_ERROR_MAX];
    i64(sid, t->id);
    i64(srun, t->run_id);
    if (end == WORKER_END_DONE)
        snprintf(third, sizeof third, "%" PRId64, detections);
    else
        snprintf(third, sizeof third, "%s", error ? error : "");
    const char *v[] = {sid, srun, third};
    /* Detections were committed asynchronously (SET LOCAL in their own
     * transactions); this ordinary commit is synchronous, which makes
     * every earlier commit durable too. */
    PGresult *r = worker__query(c, end_sql[end], end_nparams[end], v, err);
    if (!r)
        return err->code;
    PQclear(r);
    return AVP_OK;
}

int worker__task_end(store_pool_t *pool, const worker_task_t *t,
                     worker_end_t end, const char *error, int64_t detections,
                     avp_error_t *err)
{
    store_conn_t *c;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    rc = worker__task_end_on(c, t, end, error, detections, err);
    store_pool_release(c);
    return rc;
}

int worker__tasks_orphaned(store_pool_t *pool, int stale_s, int64_t **ids,
                           int *n, avp_error_t *err)
{
    store_conn_t *c;
    *ids = NULL;
    *n = 0;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    char stale[24];
    i64(stale, stale_s);
    const char *v[] = {stale};
    /* One statement is one transaction: the xact lock is released at its
     * end, and only one process at a time gets the rows. */
    PGresult *r = worker__query(c,
        "SELECT id FROM tasks WHERE pg_try_advisory_xact_lock(4242001) AND "
        "((state = 'queued' AND updated_at < now() - "
        "make_interval(secs => least(power(2, attempts), 300))) OR "
        "(state = 'running' AND updated_at < now() - make_interval(secs => $1))) "
        "ORDER BY id LIMIT 10000", 1, v, err);
    if (!r)
        rc = err->code;
    else if ((*n = PQntuples(r)) > 0) {
        *ids = avp_malloc(sizeof **ids * (size_t)*n);
        for (int i = 0; i < *n; i++)
            (*ids)[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    }
    PQclear(r);
    store_pool_release(c);
    return rc;
}
