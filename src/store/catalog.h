/*
 * catalog.h - the platform's catalog in PostgreSQL: accounts (users,
 * sessions, API keys), projects and their members, videos, models, detect
 * tasks and runs, dashboard statistics and the audit log. Included at the
 * end of store.h; the implementation is in catalog_*.c.
 *
 * DESIGN
 * - Every statement is parameterized (PQexecParams); no caller text is ever
 *   spliced into SQL.
 * - Objects come back as JSON text made by PostgreSQL (json_build_object),
 *   because the API server sends JSON and caches JSON: building it where the
 *   rows are saves a decode and an encode per object, and one function per
 *   object kind is the single place that decides its public shape.
 * - Lists are keyset pages (never OFFSET): newest first on (created_at, id),
 *   or ascending on an id. The caller passes the key of the last item it
 *   saw (store_list_t.key of the previous page) and gets `limit` items and
 *   whether more follow. Keys of created_at are microseconds since 1970.
 * - Access control is membership: store_object_access() answers which
 *   project an object (project, video, run, task) lives in and the caller's
 *   role there, or AVP_ENOTFOUND for objects the caller may not see (the
 *   same answer as for objects that do not exist, so ids leak nothing).
 *
 * Errors as in store.h; AVP_ENOTFOUND for a missing object, AVP_EINVAL for
 * values the database refuses (a constraint, a taken name).
 *
 * Ownership: JSON strings and lists returned here belong to the caller:
 * avp_free() the strings, store_list_free() the lists.
 *
 * Thread model: as store.h, a store_conn_t is used by one thread at a time.
 */
#ifndef AVP_STORE_CATALOG_H
#define AVP_STORE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

/* ---- pages (catalog_util.c) -------------------------------------------- */

#define STORE_LIST_MAX 200 /* largest limit of a catalog page */

typedef struct store_list {
    char *json;     /* "[{...},...]": the page's items */
    int count;      /* items in json */
    int more;       /* another page follows */
    int64_t key[2]; /* keyset of the last item: the next page's `after` */
} store_list_t;

void store_list_free(store_list_t *l); /* frees json; the struct may be reused */

/* ---- accounts (catalog_auth.c) ----------------------------------------- */

#define STORE_NAME_MAX 128
#define STORE_TOKEN_HASH_LEN 32 /* SHA-256 of a session token or API key */

typedef struct store_user {
    int64_t id;
    char name[STORE_NAME_MAX];
    int admin;
} store_user_t;

/* The user and the encoded password hash (hash_cap bytes); a disabled
 * user is AVP_ENOTFOUND, here and for its sessions and keys. */
int store_user_by_name(store_conn_t *c, const char *name, store_user_t *u,
                       char *hash, size_t hash_cap, avp_error_t *err);

/* A new user with an encoded password hash (made by the caller), for the
 * command line's accounts. AVP_EINVAL when the name is taken. */
int store_user_create(store_conn_t *c, const char *name,
                      const char *password_hash, int admin, avp_error_t *err);
/* How many users there are. */
int store_user_count(store_conn_t *c, int64_t *n, avp_error_t *err);

int store_session_insert(store_conn_t *c,
                         const uint8_t hash[STORE_TOKEN_HASH_LEN],
                         int64_t user_id, int64_t expires_unix,
                         avp_error_t *err);
/* A session that has not expired at now_unix, with its user. */
int store_session_find(store_conn_t *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
                       int64_t now_unix, store_user_t *u, avp_error_t *err);
int store_session_delete(store_conn_t *c,
                         const uint8_t hash[STORE_TOKEN_HASH_LEN],
                         avp_error_t *err);

int store_api_key_find(store_conn_t *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
                       store_user_t *u, avp_error_t *err);
/* Stores a key of user_id; *json is the key's record (no secret in it). */
int store_api_key_create(store_conn_t *c, int64_t user_id, const char *name,
                         const uint8_t hash[STORE_TOKEN_HASH_LEN], char **json,
                         avp_error_t *err);
/* The user's keys by ascending id after key after[0] (NULL: from the start). */
int store_api_key_list(store_conn_t *c, int64_t user_id, const int64_t *after,
                       int limit, store_list_t *out, avp_error_t *err);
/* AVP_ENOTFOUND unless user_id owns key_id. */
int store_api_key_delete(store_conn_t *c, int64_t user_id, int64_t key_id,
                         avp_error_t *err);

/* ---- account management (catalog_users.c) ------------------------------ */

/* Every account by ascending id after after[0] (NULL: from the start):
 * {id, username, admin, disabled, created_at}. */
int store_user_list(store_conn_t *c, const int64_t *after, int limit,
                    store_list_t *out, avp_error_t *err);
/* Replaces the user's password hash; end_sessions also deletes its
 * sessions (an admin's reset). AVP_ENOTFOUND for an unknown user. */
int store_user_set_password(store_conn_t *c, int64_t user_id,
                            const char *password_hash, int end_sessions,
                            avp_error_t *err);
/* Turns the account off (deleting its sessions) or on; *json is the
 * account as store_user_list gives it. AVP_ENOTFOUND for an unknown user. */
int store_user_set_disabled(store_conn_t *c, int64_t user_id, int disabled,
                            char **json, avp_error_t *err);
/* Deletes every session and API key of the user. */
int store_user_logout_all(store_conn_t *c, int64_t user_id, avp_error_t *err);
/* (Model quotas, also catalog_users.c, are with the models below.) */

/* ---- projects and members (catalog_projects.c) ------------------------- */

typedef enum store_role {
    STORE_ROLE_NONE = 0,
    STORE_ROLE_VIEWER,
    STORE_ROLE_EDITOR,
    STORE_ROLE_OWNER
} store_role_t;

/* "owner"/"editor"/"viewer" and back; STORE_ROLE_NONE for anything else. */
store_role_t store_role_parse(const char *s);
const char *store_role_name(store_role_t r);

/* fields is a JSON object (text) with any of the project's writable fields
 * (name, description, camera_model, camera_view, lens_type, resolution,
 * frame_rate, signal_type, tolerance_ms, criteria), already validated. The
 * creator becomes the owner in the same transaction. */
int store_project_create(store_conn_t *c, int64_t user_id, const char *fields,
                         int64_t *id, char **json, avp_error_t *err);
/* Projects user_id is a member of, newest first. */
int store_project_list(store_conn_t *c, int64_t user_id, const int64_t *after,
                       int limit, store_list_t *out, avp_error_t *err);
/* The project as user_id sees it (with "role"). */
int store_project_get(store_conn_t *c, int64_t project_id, int64_t user_id,
                      char **json, avp_error_t *err);
/* Sets the fields present in fields (JSON object text). */
int store_project_update(store_conn_t *c, int64_t project_id,
                         const char *fields, avp_error_t *err);
int store_project_delete(store_conn_t *c, int64_t project_id, avp_error_t *err);

/* Members by ascending user id. */
int store_member_list(store_conn_t *c, int64_t project_id, const int64_t *after,
                      int limit, store_list_t *out, avp_error_t *err);
/* Adds user_id (or changes its role); AVP_ENOTFOUND for an unknown user,
 * AVP_EINVAL when that would leave the project without an owner. */
int store_member_set(store_conn_t *c, int64_t project_id, int64_t user_id,
                     store_role_t role, char **json, avp_error_t *err);
/* AVP_ENOTFOUND when not a member, AVP_EINVAL for the last owner. */
int store_member_remove(store_conn_t *c, int64_t project_id, int64_t user_id,
                        avp_error_t *err);
/* The ids of the project's members: *ids (avp_free) and *n. */
int store_member_ids(store_conn_t *c, int64_t project_id, int64_t **ids,
                     int *n, avp_error_t *err);
int store_user_id_by_name(store_conn_t *c, const char *name, int64_t *id,
                          avp_error_t *err);

typedef enum store_object {
    STORE_OBJ_PROJECT = 0,
    STORE_OBJ_VIDEO,
    STORE_OBJ_RUN,
    STORE_OBJ_TASK,
    STORE_OBJ_GT, /* a ground-truth box, through its video */
    STORE_OBJ_SESSION /* a test session */
} store_object_t;

/* The project of object id and user_id's role in it. user_id <= 0 asks as
 * the system (any project, role owner). AVP_ENOTFOUND when the object does
 * not exist or user_id is not a member of its project. */
int store_object_access(store_conn_t *c, store_object_t kind, int64_t id,
                        int64_t user_id, int64_t *project_id,
                        store_role_t *role, avp_error_t *err);

/* ---- videos and models (catalog_media.c) ------------------------------- */

typedef struct store_video_new {
    int64_t project_id, created_by;
    const char *filename; /* as uploaded, for people */
    const char *path;     /* relative to the data directory */
    int64_t size_bytes;
    double duration, fps;
    int width, height;    /* as displayed */
    int stored_width, stored_height, rotation, mirrored; /* media_info_t's */
    int64_t frame_count;
    const char *codec;
    const char *container; /* as probed: "matroska,webm" */
    const char *sha256;    /* 64 lowercase hex digits */
    int frame_count_exact; /* 0: frame_count is the container's estimate,
                            * the video waits for store_video_count_* */
} store_video_new_t;

int store_video_insert(store_conn_t *c, const store_video_new_t *v,
                       int64_t *id, char **json, avp_error_t *err);
/* Ready videos of a project, newest first. */
int store_video_list(store_conn_t *c, int64_t project_id, const int64_t *after,
                     int limit, store_list_t *out, avp_error_t *err);
/* A ready video user_id may see (the access check of store_object_access
 * in the same statement, for a viewer); AVP_ENOTFOUND otherwise. */
int store_video_get(store_conn_t *c, int64_t video_id, int64_t user_id,
                    char **json, avp_error_t *err);
/* What serving a video's file needs. */
typedef struct store_video_file {
    char path[4096];      /* relative to the data directory */
    double duration, fps; /* 0 when unknown */
    int64_t frame_count;  /* 0 when unknown; the estimate while counted */
    char container[64];   /* as probed; "" for videos stored before 0010 */
    char filename[256];   /* as uploaded */
} store_video_file_t;

int store_video_file(store_conn_t *c, int64_t video_id,
                     store_video_file_t *out, avp_error_t *err);

/* catalog_count.c: the exact frame counts an upload leaves for later. A
 * video waits while its frame_count is NULL (the estimate is served
 * meanwhile, with frame_count_exact false); a counter claims one for
 * lease_s seconds (a counter that dies mid-count lets the claim lapse and
 * another one tries again) and at most STORE_COUNT_MAX_TRIES times (a
 * file that never counts keeps its estimate). */
#define STORE_COUNT_MAX_TRIES 3
typedef struct store_count_job {
    int64_t video_id;
    char path[4096]; /* relative to the data directory */
} store_count_job_t;

/* 1 and *out: claimed; 0: nothing waits. */
int store_video_count_claim(store_conn_t *c, int lease_s,
                            store_count_job_t *out, avp_error_t *err);
/* frames > 0: the exact count, stored; 0: handed back (the counter is
 * stopping), the claim released and the try not counted; < 0: the try
 * failed and the claim is released (the next pass tries again, if tries
 * remain). */
int store_video_count_end(store_conn_t *c, int64_t video_id, int64_t frames,
                          avp_error_t *err);

/* Deletes the row (its runs and detections go with it) and returns the
 * path of the file, which the caller removes. */
int store_video_delete(store_conn_t *c, int64_t video_id, char *path,
                       size_t cap, avp_error_t *err);

/* ---- frame times (catalog_frame_times.c) -------------------------------- */

/* Each frame's presentation time of a video (media_frame_t.t), frame k at
 * t[k], stored in chunks of STORE_FRAME_TIMES_CHUNK frames. */
#define STORE_FRAME_TIMES_CHUNK 65536
#define STORE_FRAME_TIMES_MAX (1 << 26) /* frames: 310 hours at 60 fps */
/* Stores the n times of every frame of the video of run_id (a run decodes
 * all its video's frames from 0), in one transaction; times already stored
 * for that video stay (the same decode gives the same times). AVP_EINVAL
 * for n outside 1..STORE_FRAME_TIMES_MAX. */
int store_frame_times_put(store_conn_t *c, int64_t run_id, const double *t,
                          int64_t n, avp_error_t *err);
/* The stored times of video_id in *t (avp_free) and their count in *n;
 * n = 0 and t = NULL when none were recorded. No access check: the caller
 * checks the video's. */
int store_frame_times_get(store_conn_t *c, int64_t video_id, double **t,
                          int64_t *n, avp_error_t *err);

typedef struct store_model_new {
    int64_t created_by;
    const char *name, *path, *sha256, *family;
    int input_w, input_h, num_classes;
    const char *class_names; /* JSON array text */
    int64_t size_bytes;
} store_model_new_t;

int store_model_insert(store_conn_t *c, const store_model_new_t *m,
                       int64_t *id, char **json, avp_error_t *err);

/* A user's models against its quota (limits of 0: none). */
typedef struct store_quota {
    int64_t max_count, max_bytes; /* the limits, given by the caller */
    int64_t count, bytes;         /* the models the user uploaded, filled */
} store_quota_t;

/* Fills q's count and bytes for user_id. */
int store_model_usage(store_conn_t *c, int64_t user_id, store_quota_t *q,
                      avp_error_t *err);
/* store_model_insert (above) if the user's models stay within q with this
 * one: else AVP_EBUSY, q filled with the usage before it. Uploads of one
 * user are serialized (its row is locked), so two cannot both pass. */
int store_model_insert_within(store_conn_t *c, const store_model_new_t *m,
                              store_quota_t *q, int64_t *id, char **json,
                              avp_error_t *err);

int store_model_list(store_conn_t *c, const int64_t *after, int limit,
                     store_list_t *out, avp_error_t *err);
int store_model_get(store_conn_t *c, int64_t model_id, char **json,
                    avp_error_t *err);
/* Deletes the model if user_id uploaded it or admin is set, and no run
 * uses it (runs belong to projects the caller may not be in); the file's
 * path goes to path. AVP_ENOTFOUND for no such model, AVP_EUNSUPPORTED
 * when the caller may not delete it, AVP_EBUSY with *uses when runs use
 * it: new JSON text (avp_free) {"runs": n, "projects": [{"id", "name",
 * "runs"}] of the projects user_id is a member of (every one for an
 * admin), "other_projects": n, "other_runs": n}. *uses is NULL otherwise. */
int store_model_delete(store_conn_t *c, int64_t model_id, int64_t user_id,
                       int admin, char *path, size_t cap, char **uses,
                       avp_error_t *err);

/* ---- runs, statistics, audit (catalog_runs.c) -------------------------- */

typedef struct store_process {
    int64_t video_id, model_id, user_id;
    double conf, iou;
    int every;
    const char *kind; /* the task's kind: "detect" (NULL) or "auto_gt" */
    const char *preprocess; /* "exact" (NULL) or "fast" (media_preprocess_t) */
    int replace;      /* auto_gt: replace the video's model-made boxes */
} store_process_t;

/* The result of one request of store_process_create. */
typedef struct store_process_out {
    int rc;              /* AVP_OK or why nothing was made (err says) */
    avp_error_t err;
    int64_t project_id;  /* the video's */
    store_role_t role;   /* the user's in it */
    int64_t task_id, run_id; /* 0 when the role is below editor */
    int64_t *members; /* the project's members (avp_free) */
    int nmembers;
} store_process_out_t;

enum { STORE_PROCESS_BATCH_MAX = 64 };

/* For each of the n requests (1..STORE_PROCESS_BATCH_MAX): checks that
 * user_id may edit the video's project (store_object_access's rule) and
 * creates a queued detection run, its task and the audit record, and
 * returns the project's members, whose cached views the caller
 * invalidates. All n in one statement, so one transaction and one commit:
 * this is the API's busiest write, and group.c gathers concurrent
 * requests into such batches. out[i].rc is AVP_ENOTFOUND when request i's
 * video (or the user's membership) or model does not exist; a role below
 * editor creates nothing and says so in out[i].role. An error returned
 * means the statement failed and nothing was made. */
int store_process_create(store_conn_t *c, const store_process_t *p, int n,
                         store_process_out_t *out, avp_error_t *err);

/* Group commit of store_process_create (group.c): concurrent callers'
 * requests are written together, a batch at a time on a pooled
 * connection (waiting up to acquire_timeout_ms for one: AVP_EBUSY). */
typedef struct store_group store_group_t;
typedef struct store_group_stats {
    uint64_t batches, requests; /* written so far */
} store_group_stats_t;
store_group_t *store_group_create(store_pool_t *pool, int acquire_timeout_ms);
void store_group_destroy(store_group_t *g);
/* Creates p's run and task as store_process_create does for one request,
 * together with whatever other threads submit meanwhile; blocks until
 * written. Returns out->rc (err says why) or the batch's error. */
int store_group_process(store_group_t *g, const store_process_t *p,
                        store_process_out_t *out, avp_error_t *err);
void store_group_stats(store_group_t *g, store_group_stats_t *out);

/* Runs of a video, newest first. */
int store_run_list(store_conn_t *c, int64_t video_id, const int64_t *after,
                   int limit, store_list_t *out, avp_error_t *err);
int store_run_get(store_conn_t *c, int64_t run_id, char **json,
                  avp_error_t *err);
/* Records what a damaged video cost the run (media_damage_t's counts and
 * libav's message), shown with the run and in its evaluations' manifest as
 * "damage"; a later attempt's record replaces an earlier one. */
int store_run_damage_set(store_conn_t *c, int64_t run_id, int64_t frames_lost,
                         int64_t frames_concealed, const char *message,
                         avp_error_t *err);

/* Counts of what user_id can see: {projects, videos, runs, detections,
 * runs_by_state: {queued, running, done, failed, cancelled}}. */
int store_dashboard_stats(store_conn_t *c, int64_t user_id, char **json,
                          avp_error_t *err);

/* The task gauges of /metrics: the summed frame rate and number of
 * running tasks, and how long the oldest queued task has waited (0 when
 * none waits: the backlog's age, which a stuck queue grows). */
typedef struct store_task_gauges {
    double fps, oldest_queued_s;
    int running;
} store_task_gauges_t;
int store_task_gauges(store_conn_t *c, store_task_gauges_t *out,
                      avp_error_t *err);

/* Bytes of the cluster's write-ahead log. pg_ls_waldir() is a superuser's
 * or pg_monitor's right: elsewhere this fails, and callers leave the
 * figure out rather than report a 0. */
int store_wal_bytes(store_conn_t *c, double *bytes, avp_error_t *err);

/* Appends to the audit log; detail is JSON object text or NULL. */
int store_audit(store_conn_t *c, int64_t user_id, const char *action,
                const char *object_type, int64_t object_id, const char *detail,
                avp_error_t *err);

/* ---- tasks and their states (catalog_tasks.c) ------------------------- */

/* {state, progress, frames_done, frames_total, fps, eta, error, run_id}. */
int store_task_status(store_conn_t *c, int64_t task_id, char **json,
                      avp_error_t *err);

typedef enum store_cancel {
    STORE_CANCEL_DONE = 1,      /* it was queued: cancelled now */
    STORE_CANCEL_REQUESTED = 2, /* running: its worker stops at its next tick */
    STORE_CANCEL_ENDED = 3      /* it had already ended: nothing changed */
} store_cancel_t;
int store_task_cancel(store_conn_t *c, int64_t task_id, store_cancel_t *out,
                      avp_error_t *err);

/* A worker moves a task through its states with the calls below; each is
 * one statement, so one transaction unless c is inside one. A task's run
 * row follows it: running, done, failed, cancelled or queued again. */

#define STORE_TASK_KIND_MAX 32   /* "detect", "auto_gt", with the NUL */
#define STORE_TASK_ERROR_MAX 512 /* longest error text kept */

/* The tasks row, as much of it as a worker needs. */
typedef struct store_task {
    int64_t id, run_id;
    char kind[STORE_TASK_KIND_MAX];
    char state[16];
    int attempts, max_attempts;
    int cancel_requested;
} store_task_t;

/* AVP_ENOTFOUND when there is no such task. */
int store_task_load(store_conn_t *c, int64_t task_id, store_task_t *t,
                    avp_error_t *err);
/* Moves a queued (or abandoned running) task to running for `worker` and
 * counts the attempt (t->attempts is the new count). 1 when started, 0
 * when its state or a cancel request forbids it. */
int store_task_start(store_conn_t *c, store_task_t *t, const char *worker,
                     avp_error_t *err);

/* What a detect attempt needs: the run's parameters, its video and its
 * model. */
typedef struct store_task_job {
    int64_t run_id, model_id;
    char video_path[1024], model_path[1024];
    char sha256[65];       /* the model file's */
    char video_sha256[65]; /* "" for a video stored before hashes were */
    char family[32];
    double conf, iou;
    int every;
    char preprocess[8];  /* "exact" or "fast" */
    int64_t frame_count; /* 0 when the video row does not know it;
                          * the estimate while it is counted (progress
                          * totals only) */
} store_task_job_t;
/* The job of run_id; stored paths that are relative are joined to
 * data_dir (NULL: left as stored). AVP_ENOTFOUND when there is no run. */
int store_task_job(store_conn_t *c, int64_t run_id, const char *data_dir,
                   store_task_job_t *job, avp_error_t *err);

/* ---- files without a shared disk (catalog_blobs.c) --------------------- */

#define STORE_URL_MAX 256

/* The API server at url (http(s)://host[:port], no path) is alive now. */
int store_server_beat(store_conn_t *c, const char *url, avp_error_t *err);
/* It stopped: workers stop trying it at once. */
int store_server_leave(store_conn_t *c, const char *url, avp_error_t *err);
/* Up to cap servers seen within max_age_s, in random order (so workers
 * spread their fetches), into urls; their count in *n. */
int store_servers_live(store_conn_t *c, int max_age_s,
                       char (*urls)[STORE_URL_MAX], int cap, int *n,
                       avp_error_t *err);
/* Stores the hash of a worker's new credential, valid for ttl_s seconds,
 * and forgets expired ones. */
int store_worker_credential_add(store_conn_t *c,
                                const uint8_t hash[STORE_TOKEN_HASH_LEN],
                                const char *worker, int ttl_s,
                                avp_error_t *err);
/* 1 when a credential of this hash has not expired, 0 when none has. */
int store_worker_credential_valid(store_conn_t *c,
                                  const uint8_t hash[STORE_TOKEN_HASH_LEN],
                                  avp_error_t *err);
/* The stored path (relative to the data folder, or absolute) of a video or
 * model whose file has this sha256; AVP_ENOTFOUND when none has. */
int store_blob_path(store_conn_t *c, const char *sha256, char *path,
                    size_t cap, avp_error_t *err);

/* What a progress tick writes and reads back. */
typedef struct store_task_tick {
    int64_t frames_done, frames_total; /* frames_total 0: unknown */
    double progress, fps;
    int cancel_requested; /* OUT */
} store_task_tick_t;
/* Writes progress if the task is still running under `worker`: 1 when it
 * is (tick->cancel_requested read back), 0 when it is no longer its. */
int store_task_tick(store_conn_t *c, int64_t task_id, const char *worker,
                    store_task_tick_t *tick, avp_error_t *err);

/* The ends of an attempt. */
typedef enum store_task_end {
    STORE_TASK_DONE,
    STORE_TASK_FAILED,
    STORE_TASK_RETRY,     /* back to queued, error kept */
    STORE_TASK_CANCELLED,
    STORE_TASK_HANDBACK   /* graceful stop: queued, the attempt not counted;
                           * only while the task is running */
} store_task_end_t;
/* Records the end of t's attempt (t->id and t->run_id) with a synchronous
 * commit, which makes the detections' asynchronous commits durable too.
 * error (may be NULL) is kept for FAILED and RETRY; detections is the
 * run's count (DONE only). */
int store_task_end(store_conn_t *c, const store_task_t *t,
                   store_task_end_t end, const char *error,
                   int64_t detections, avp_error_t *err);
/* The same inside the caller's transaction, after locking the task's row
 * until its end: AVP_ECANCELLED (nothing changed) unless the task is
 * still running under `worker`. */
int store_task_end_if_ours(store_conn_t *c, const store_task_t *t,
                           const char *worker, store_task_end_t end,
                           const char *error, int64_t detections,
                           avp_error_t *err);

/* A task to enqueue again, with the kind its queue entry carries. */
typedef struct store_task_ref {
    int64_t id;
    char kind[STORE_TASK_KIND_MAX];
} store_task_ref_t;
/* The reconciler's pass: under a transaction-level advisory lock, the
 * tasks to enqueue again (queued and past their backoff of 2^attempts
 * seconds, at most 300, or running without an update for stale_s), by
 * ascending id. *tasks is NULL and *n 0 when another process holds the
 * lock. The caller frees *tasks with avp_free. */
int store_task_orphaned(store_conn_t *c, int stale_s, store_task_ref_t **tasks,
                        int *n, avp_error_t *err);

/* ---- ground truth and evaluations (catalog_gt.c) ---------------------- */

/* A video's boxes in (frame, id) order, optionally only those with
 * t0 <= t <= t1 (NAN: open). after is (frame, id) of the last box seen. */
typedef struct store_gt_query {
    int64_t video_id;
    double t0, t1;
    const int64_t *after;
    int limit;
} store_gt_query_t;
int store_gt_list(store_conn_t *c, const store_gt_query_t *q,
                  store_list_t *out, avp_error_t *err);

/* Every write below is one statement that also appends its audit_log row
 * (user_id, the change), so a box never changes without its record.
 * fields is a JSON object (text), already validated: frame, t, class,
 * x1, y1, x2, y2, validated, difficult, occluded, truncated (and for an
 * import crowd, area, null for w * h, and track, the file's track id or
 * null). AVP_EINVAL
 * when the box would be inverted or the class empty. *json is the box. */
int store_gt_insert(store_conn_t *c, int64_t video_id, int64_t user_id,
                    const char *fields, char **json, avp_error_t *err);
/* Sets the fields present in fields. */
int store_gt_update(store_conn_t *c, int64_t box_id, int64_t user_id,
                    const char *fields, char **json, avp_error_t *err);
int store_gt_delete(store_conn_t *c, int64_t box_id, int64_t user_id,
                    avp_error_t *err);
/* The frame count of the video of object id, a STORE_OBJ_VIDEO or a
 * STORE_OBJ_GT box (0 when unknown), which the API checks a box's frame
 * against before it writes. */
int store_gt_frames(store_conn_t *c, store_object_t kind, int64_t id,
                    int64_t *frames, avp_error_t *err);

/* Adds boxes (a JSON array text of objects with every field of
 * store_gt_insert) with source 'import', the source row naming format and
 * file_name (the uploaded file's name, NULL when not given), a tracks row
 * for each of the file's track ids (the boxes linked to it) and one audit
 * record, all or nothing; *count is how many. frames, if not NULL, is the
 * file's frame set ({"first", "last", "step"} text, or {"first", "last",
 * "list": [frames]} when not evenly spaced), stored as the video's in the
 * same statement (store_gt_video_t). */
int store_gt_import(store_conn_t *c, int64_t video_id, int64_t user_id,
                    const char *format, const char *file_name,
                    const char *boxes, const char *frames, int64_t *count,
                    avp_error_t *err);

/* Where the boxes of the video on frames 0, every, 2 every... below
 * frames came from: *json (caller frees) is {boxes, frames (distinct),
 * sources: [{kind ('human', 'import' or 'model'), format, file, model_id,
 * model, model_sha256, run_id (each null when not known), boxes,
 * frames}]}, the most boxes first. */
int store_gt_provenance(store_conn_t *c, int64_t video_id, int64_t frames,
                        int every, char **json, avp_error_t *err);

/* A box as the evaluation reads it. */
typedef struct store_gt_box {
    int64_t id, frame;
    const char *cls; /* valid during the callback */
    double box[4];   /* x1, y1, x2, y2 */
    int difficult;
    double t;        /* presentation time (s) */
    int crowd;       /* COCO iscrowd (migrations/0021) */
    double area;     /* the object's own area (COCO's), 0: w * h */
    int64_t track_id; /* 0: in no track */
} store_gt_box_t;
typedef void (*store_gt_fn)(void *arg, const store_gt_box_t *b);
/* Calls fn for each box of the video on frames 0, every, 2 every, ...
 * below frames (the frames a run looked at). */
int store_gt_each(store_conn_t *c, int64_t video_id, int64_t frames,
                  int every, store_gt_fn fn, void *arg, avp_error_t *err);

/* What an evaluation of run_id needs, as JSON: {state, video_id,
 * frames_done, every, conf, iou, model_id, model_sha256, video_sha256,
 * class_names, video_rotation, video_mirrored}. */
int store_eval_source(store_conn_t *c, int64_t run_id, char **json,
                      avp_error_t *err);
/* Stores an evaluation (manifest and results are JSON object text; frames
 * the per-frame outcome, JSON text or NULL, see migrations/0007; failures
 * its failure gallery, JSON text or NULL, migrations/0023) and its
 * audit record in one statement; *json is the stored evaluation (without
 * frames). */
int store_eval_insert(store_conn_t *c, int64_t run_id, int64_t user_id,
                      const char *manifest, const char *results,
                      const char *frames, const char *failures, char **json,
                      avp_error_t *err);
/* The run's latest evaluation {id, run_id, created_at, manifest, results};
 * AVP_ENOTFOUND when it has none. */
int store_eval_latest(store_conn_t *c, int64_t run_id, char **json,
                      avp_error_t *err);
/* The per-frame outcome of the run's latest evaluation: {id, video_id,
 * frames} (frames null when that evaluation has none); AVP_ENOTFOUND when
 * the run has no evaluation. */
int store_eval_frames(store_conn_t *c, int64_t run_id, char **json,
                      avp_error_t *err);

/* ---- failure gallery (catalog_failures.c, migrations/0023) ------------- */

/* A keyset page (key: the item's id, its position from 1) of the failure
 * gallery of the run's latest evaluation, type and cls (NULL: any) as
 * filters; each item is the stored one with "id" and "evaluation_id".
 * Empty when the run has no evaluation or it has no gallery. */
int store_eval_failures(store_conn_t *c, int64_t run_id, const char *type,
                        const char *cls, const int64_t *after, int limit,
                        store_list_t *out, avp_error_t *err);
/* Item id of that gallery with what its crop needs: {evaluation_id,
 * video_id, failure}; AVP_ENOTFOUND when there is no such item. */
int store_eval_failure(store_conn_t *c, int64_t run_id, int64_t id,
                       char **json, avp_error_t *err);

/* ---- evaluation rules (catalog_eval_rules.c, migrations/0024) ---------- */

/* The rules of a project or a video (kind STORE_OBJ_PROJECT or
 * STORE_OBJ_VIDEO) as JSON text, "null" when it has none; AVP_ENOTFOUND
 * when there is no such object. Access is the caller's to check. */
int store_eval_rules_get(store_conn_t *c, store_object_t kind, int64_t id,
                         char **json, avp_error_t *err);
/* Replaces them (rules: checked JSON object text, NULL clears them) with
 * the audit record of before and after; *json is the stored rules. */
int store_eval_rules_put(store_conn_t *c, store_object_t kind, int64_t id,
                         int64_t user_id, const char *rules, char **json,
                         avp_error_t *err);
/* What an evaluation of the video uses when its request gives no rules:
 * {"rules": the video's, else its project's, else null, "source":
 * "video"|"project"|null}. */
int store_eval_rules_for_video(store_conn_t *c, int64_t video_id,
                               char **json, avp_error_t *err);

/* ---- class map per project (catalog_classmap.c) ------------------------ */

/* The project's class map as a JSON object {"from": "to", ...} ("{}" when
 * it has none) in *json (avp_free). Access is the caller's to check. */
int store_class_map_get(store_conn_t *c, int64_t project_id, char **json,
                        avp_error_t *err);
/* Replaces the whole map with json_map (a JSON object of strings, already
 * validated) in one statement with one audit record (before and after);
 * *json is the new map as store_class_map_get returns it. */
int store_class_map_put(store_conn_t *c, int64_t project_id, int64_t user_id,
                        const char *json_map, char **json, avp_error_t *err);

/* ---- test sessions of devices under test (catalog_test_sessions.c) -- */

/* Every write appends its audit_log row (object_type 'test_session') in
 * the same statement. fields are JSON object text, already validated.
 * *json is the session {id, project_id, video_id, name, tolerance_ms,
 * criteria, sync_offset, state, created_at, events_count}. */

/* fields: video_id (a ready video of the project; else AVP_ENOTFOUND),
 * name, tolerance_ms (default: the project's), criteria. */
int store_test_session_create(store_conn_t *c, int64_t project_id,
                              int64_t user_id, const char *fields,
                              char **json, avp_error_t *err);
/* The project's sessions, newest first. */
int store_test_session_list(store_conn_t *c, int64_t project_id,
                            const int64_t *after, int limit,
                            store_list_t *out, avp_error_t *err);
/* The ids of the project's sessions that are not closed, whose results
 * follow its ground truth and class map. *ids is allocated (avp_free). */
int store_test_session_open_ids(store_conn_t *c, int64_t project_id,
                                int64_t **ids, int *n, avp_error_t *err);
/* Inside the caller's transaction: locks the session's row until its end
 * and says whether the session is closed. */
int store_test_session_lock(store_conn_t *c, int64_t session_id, int *closed,
                            avp_error_t *err);
int store_test_session_get(store_conn_t *c, int64_t session_id, char **json,
                           avp_error_t *err);
/* Sets the fields present (name, tolerance_ms, criteria, state,
 * sync_offset); action names the audit record ("update", "sync"). */
int store_test_session_update(store_conn_t *c, int64_t session_id,
                              int64_t user_id, const char *action,
                              const char *fields, char **json,
                              avp_error_t *err);
int store_test_session_delete(store_conn_t *c, int64_t session_id,
                              int64_t user_id, avp_error_t *err);

/* Inserts events (a JSON array text of {class, confidence?, box?: [x1, y1,
 * x2, y2], t? | device_time?}, already validated) all or nothing, with the
 * session's events_count and one audit record. device_time is converted
 * with the session's sync_offset (video = device - offset); video times
 * are stored rounded to the microsecond. AVP_ENOTFOUND (no session),
 * AVP_EBUSY (the session is closed), AVP_EUNSUPPORTED (device times and
 * no sync). */
int store_test_session_events_insert(store_conn_t *c, int64_t session_id,
                                     int64_t user_id, const char *events,
                                     int64_t *inserted, avp_error_t *err);
/* Events {id, class, confidence, box, timestamp, device_time} in
 * (timestamp, id) order; the key is (timestamp in microseconds, id). */
int store_test_session_events_page(store_conn_t *c, int64_t session_id,
                                   const int64_t *after, int limit,
                                   store_list_t *out, avp_error_t *err);

/* What scoring reads: {session: {...}, video_sha256, fps, width, height,
 * frame_count}. */
int store_test_session_source(store_conn_t *c, int64_t session_id,
                              char **json, avp_error_t *err);

/* A ground-truth box as track onsets are derived from it. */
typedef struct store_track_box {
    int64_t frame, track_id; /* track_id -1: in no track */
    double t;
    const char *cls;         /* valid during the callback */
    double box[4];           /* x1, y1, x2, y2 */
} store_track_box_t;
typedef void (*store_track_box_fn)(void *arg, const store_track_box_t *b);
/* Calls fn for each box of the video that is not `difficult`, in (frame,
 * id) order. */
int store_test_session_gt_each(store_conn_t *c, int64_t video_id,
                               store_track_box_fn fn, void *arg,
                               avp_error_t *err);
/* Calls fn for each event of the session in (timestamp, id) order; cls is
 * valid during the call, confidence 1 when the device sent none. */
typedef void (*store_event_fn)(void *arg, const char *cls, double confidence,
                               double t);
int store_test_session_events_each(store_conn_t *c, int64_t session_id,
                                   store_event_fn fn, void *arg,
                                   avp_error_t *err);
/* Stores an evaluation of the session (manifest and results are JSON
 * object text) with its audit record; *json is {id, test_session_id,
 * created_at, created_by, manifest, results}. */
int store_test_session_eval_insert(store_conn_t *c, int64_t session_id,
                                   int64_t user_id, const char *manifest,
                                   const char *results, char **json,
                                   avp_error_t *err);

/* ---- whole-run summaries (catalog_summary.c) -------------------------- */

#define STORE_TIMELINE_MAX 4000 /* buckets */

/* The run's detections and its video's ground truth counted per bucket of
 * frames over the whole video (buckets 1..STORE_TIMELINE_MAX; fewer when
 * the video has fewer frames, one frame each): *json (caller frees) is
 * {run_id, frames, fps, every, buckets, frames_per_bucket, detections:
 * [count per bucket], ground_truth: [...]}; bucket b starts at frame
 * b * frames_per_bucket. AVP_ENOTFOUND without such a run. */
int store_run_timeline(store_conn_t *c, int64_t run_id, int buckets,
                       char **json, avp_error_t *err);

/* The run's detections under q's filters (cursor and limit unused) counted
 * per class id: *json (caller frees) is {total, items: [{class_id,
 * count}]}, the commonest first. AVP_ENOTFOUND without such a run. */
int store_run_class_counts(store_conn_t *c, const store_det_query_t *q,
                           char **json, avp_error_t *err);

/* ---- auto ground truth, exports and tracks (catalog_autogt.c) --------- */

/* What the conversion of an auto_gt task needs besides its run's
 * detections: the video, who asked (0: nobody) and whether the video's
 * model-made boxes go first (the request's replace, true by default).
 * AVP_ENOTFOUND when the task has no run. */
typedef struct store_autogt_job {
    int64_t video_id, user_id;
    int replace;
} store_autogt_job_t;
int store_autogt_job(store_conn_t *c, int64_t task_id, store_autogt_job_t *j,
                     avp_error_t *err);

/* A run's detections as the video's model-made ground truth. det_ids[i]
 * (a detection of run_id) goes into local track tracks[i], numbered
 * 1..num_tracks (every number used). */
typedef struct store_autogt {
    int64_t video_id, run_id, task_id, user_id;
    int replace; /* first delete the video's source 'model' boxes */
    const int64_t *det_ids, *tracks;
    size_t n;
    int64_t num_tracks;
} store_autogt_t;

typedef struct store_autogt_out {
    int64_t boxes, removed_boxes, removed_tracks;
} store_autogt_out_t;

/* Called inside a transaction before its commit; an error rolls it back. */
typedef int (*store_tx_fn)(void *arg, store_conn_t *c, avp_error_t *err);

/* In one transaction (the video's row locked, so conversions of a video
 * run one after the other): with replace, deletes the video's model boxes
 * and the tracks they were in unless a human or imported box is in that
 * track too (human and imported boxes are never touched); inserts one
 * track per local track and a box per detection (source 'model', class
 * from the model's class names, frame, t and corners copied, and a
 * gt_sources row naming the run and its model); appends one
 * audit record (action 'auto_ground_truth' on the video); calls
 * before_commit (may be NULL) on c; commits. Nothing is changed unless
 * all of it is. AVP_EINVAL for a track number out of range, or a run
 * with detections on a frame at or past the video's frame_count. */
int store_autogt_commit(store_conn_t *c, const store_autogt_t *a,
                        store_tx_fn before_commit, void *arg,
                        store_autogt_out_t *out, avp_error_t *err);

typedef struct store_gt_video {
    int width, height; /* 0 when unknown */
    double fps;
    int64_t frame_count;
    /* The ground truth's annotated frames (migrations/0013): gt_first +
     * k * gt_step up to gt_last; gt_step 0 when none was stored (every
     * frame) or when they are the list gt_list (migrations/0020: gt_nlist
     * frames, increasing; NULL when not a list; freed by
     * store_gt_video_fini). */
    int64_t gt_first, gt_last, gt_step;
    int64_t *gt_list;
    size_t gt_nlist;
} store_gt_video_t;

/* A box with everything an export writes. */
typedef struct store_gt_row {
    int64_t id, frame;
    int64_t track_id;            /* the file's (0022), -1: in no track */
    double t, box[4];            /* x1, y1, x2, y2 */
    const char *cls, *source;    /* valid during the callback */
    int flags[4];                /* validated, difficult, occluded, truncated */
    int crowd;                   /* COCO iscrowd (migrations/0021) */
    double area;                 /* the object's own area, 0: w * h */
} store_gt_row_t;
typedef void (*store_gt_row_fn)(void *arg, const store_gt_row_t *b);

/* The video's geometry (for formats with normalized boxes) and ground
 * truth frame set; release with store_gt_video_fini (also after an
 * error). */
int store_video_geometry(store_conn_t *c, int64_t video_id,
                         store_gt_video_t *video, avp_error_t *err);
void store_gt_video_fini(store_gt_video_t *video);
/* Calls fn for every box of the video in (frame, id) order. */
int store_gt_rows(store_conn_t *c, int64_t video_id, store_gt_row_fn fn,
                  void *arg, avp_error_t *err);

/* The video's tracks by ascending id after after[0] (NULL: from the
 * start), each {id, video_id, class, first_frame, last_frame, first_t,
 * last_t, boxes}. */
int store_track_list(store_conn_t *c, int64_t video_id, const int64_t *after,
                     int limit, store_list_t *out, avp_error_t *err);
/* The video of a track (AVP_ENOTFOUND when there is no such track), for
 * the access check of the track edits. */
int store_track_video(store_conn_t *c, int64_t track_id, int64_t *video_id,
                      avp_error_t *err);
/* Moves every box of the tracks from[0..n) into track `into` and deletes
 * them, in one statement with its audit record. AVP_EINVAL when a track
 * is `into` itself, missing, or of another video. *json is the track
 * {id, video_id, class, first_frame, last_frame, first_t, last_t, boxes}. */
int store_track_merge(store_conn_t *c, int64_t into, const int64_t *from,
                      size_t n, int64_t user_id, char **json,
                      avp_error_t *err);
/* Moves the boxes of track_id at frame >= frame into a new track, in one
 * statement with its audit record. AVP_EINVAL when that would leave
 * either part empty. *json is {"track":{...}, "new_track":{...}}. */
int store_track_split(store_conn_t *c, int64_t track_id, int64_t frame,
                      int64_t user_id, char **json, avp_error_t *err);

#endif
