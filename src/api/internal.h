/*
 * internal.h - what the files of src/api/ share: the routes record,
 * borrowing a database connection, access checks, keyset pages, the
 * cache and its invalidation.
 */
#ifndef AVP_API_INTERNAL_H
#define AVP_API_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "detect/detect.h"
#include "gt/gt.h"
#include "queue/queue.h"
#include "api/api.h"

typedef struct api_vitals api_vitals_t;
typedef struct api_test_session_live api_test_session_live_t;
typedef struct api_counter api_counter_t;

#define API_REDIS_LINKS 8

struct api {
    api_options_t opt;
    char *data_dir;
    queue_conn_t *q;       /* NULL without Redis; = links[0] */
    queue_cache_t *cache;  /* on q; = caches[0] */
    /* A queue_conn_t serializes its calls, and every request touches the
     * cache: the request threads spread over several links (api__q)
     * instead of queueing on one. */
    queue_conn_t *links[API_REDIS_LINKS];
    queue_cache_t *caches[API_REDIS_LINKS];
    char *redis_url;
    http_auth_store_t auth;
    store_group_t *group; /* processing requests' group commit */
    http_server_t *srv;
    pthread_t sub_thread;
    int sub_started;
    api_test_session_live_t *test_session_live;
    api_counter_t *counter;
    atomic_int stop;
    api_vitals_t *vitals;
    http_metrics_gauge_t *pool_g[6], *queue_g[3], *cache_g[3], *task_g[3];
    http_metrics_gauge_t *disk_g[2];
    http_metrics_t *metrics; /* collect registers avp_db_wal_bytes here */
    http_metrics_gauge_t *engine_g[4], *group_g[2];
    http_metrics_counter_t *uploads, *upload_bytes;
};

/* The Redis link and cache of the calling thread (a fixed one per thread,
 * threads dealt round-robin over the links); NULL without Redis. */
queue_conn_t *api__q(api_t *r);
queue_cache_t *api__cache(api_t *r);

/* Shared query of every list endpoint. */
extern const http_schema_field_t api__list_query[];

/* A pooled connection, or NULL after replying 503. */
store_conn_t *api__conn_or_reply(api_t *r, http_req_t *req);

/* Checks that the caller may reach object `id` of `kind` with at least
 * role `need`: 404 when it does not exist or the caller is no member, 403
 * when the caller's role is too low. *project_id (may be NULL) is set. */
int api__access_or_reply(api_t *r, http_req_t *req, store_conn_t *c,
                         store_object_t kind, int64_t id, store_role_t need,
                         int64_t *project_id);

/* 403 unless role reaches need (in project_id); AVP_OK if it does. */
int api__role_or_reply(http_req_t *req, int64_t project_id,
                       store_role_t role, store_role_t need);

/* Reads one object as JSON (a new string) from the catalog. */
typedef int (*api_get_fn)(store_conn_t *c, int64_t id, char **json,
                          avp_error_t *err);

/* The whole of a "GET one object" route: the {id} path parameter, a
 * connection, the viewer access check on `kind`, get, and the 200 reply
 * (or the error's). */
void api__get_one(api_t *r, http_req_t *req, store_object_t kind,
                  api_get_fn get);

/* Reads a keyset page of the objects under one object (its members, its
 * tracks...) from the catalog. */
typedef int (*api_list_fn)(store_conn_t *c, int64_t id,
                           const int64_t *after, int limit,
                           store_list_t *out, avp_error_t *err);

/* The whole of an uncached "GET the list under {id}" route: the cursor
 * (nkeys values) and limit, a connection, the viewer access check on
 * `kind`, list, and the 200 page (or the error). */
void api__list_under(api_t *r, http_req_t *req, store_object_t kind,
                     int nkeys, api_list_fn list);

/* The same without an access check, for what the handler has checked
 * itself (the caller's own keys; every account, for an admin): one key. */
void api__list_of(api_t *r, http_req_t *req, int64_t id, api_list_fn list);

/* Reads ?cursor= (nkeys values) and ?limit= (default 50). *after points
 * to keys or is NULL for the first page. */
int api__page_or_reply(http_req_t *req, int nkeys, int64_t keys[2],
                       const int64_t **after, int *limit);

/* {"items": [...], "next_cursor": "..."|null} of a page: new string. */
char *api__page_json(const store_list_t *l, int nkeys);

/* Fills *json (a new string) for a cached answer. */
typedef int (*api_fill_fn)(api_t *r, store_conn_t *c, void *arg,
                           char **json, avp_error_t *err);

/* Answers 200 with the JSON cached under key, or computes it with fill on
 * c (acquired here when NULL), stores it under tags and answers it. */
void api__reply_cached(api_t *r, http_req_t *req, store_conn_t *c,
                       const char *key, const char *const *tags, int ntags,
                       api_fill_fn fill, void *arg);

/* Invalidates a tag; Redis down is remembered by the cache (queue.h). */
void api__invalidate(api_t *r, const char *fmt, int64_t id);
/* Invalidates "p:<project>" and "u:<member>" of each of members, a
 * round trip per QUEUE_CACHE_INVALIDATE_MAX tags. */
void api__invalidate_people(api_t *r, int64_t project_id,
                            const int64_t *members, int n);
/* The same for every member of the project (read on c). */
void api__invalidate_project(api_t *r, store_conn_t *c,
                             int64_t project_id);

/* Records a write in the audit log (a failure is logged, not returned). */
void api__audit(store_conn_t *c, http_req_t *req, const char *action,
                const char *type, int64_t id, json_t *detail);

/* Replies 200 with a JSON text the call frees. */
void api__reply_text(http_req_t *req, int status, char *json);

/* A number of a JSON answer, or null where the computation left it
 * undefined (defined == 0: a recall without ground truth, a latency
 * without a true positive) or it is not finite (JSON has neither NaN nor
 * infinity). A new reference. */
json_t *api__number_or_null(double v, int defined);

/* "<data_dir>/<rel>" into out (PATH_MAX). */
void api__path(const api_t *r, const char *rel, char *out);
/* Copies a stored upload to the S3 store when there is one (blobs.c);
 * replies 503 when the store does not take it. */
int api__blob_publish_or_reply(api_t *r, http_req_t *req, const char *sha256,
                               const char *path);

/* 400 naming the frame and the video's frame count unless 0 <= frame <
 * frames; a count of 0 is unknown, and then every frame is refused. Every
 * ground-truth write and frame thumbnail asks: a box far past the end
 * would cost an export a file for every frame up to it. */
int api__frame_or_reply(http_req_t *req, int64_t frame, int64_t frames);

/* Gives g the frame set stored for the video (v); 1 if one was, 0 if
 * none (every frame is annotated), an error for a stored set gt/gt.h
 * refuses (gt_frames.c). */
int api__gt_frame_set(gt_t *g, const store_gt_video_t *v, avp_error_t *err);
/* g's frame set as JSON (a new reference): {"first", "last", "step"},
 * "list" (its frames) in place of "step" when not evenly spaced, null
 * when g has none. */
json_t *api__gt_frames_json(const gt_t *g);

/* Tracking metrics of a stored evaluation (eval_track.c): the inputs,
 * read on the request's connection (NULL after replying: 409
 * untracked_ground_truth when no ground-truth box on the run's frames is
 * in a track), then linked and scored without it into the object `avp
 * eval track --json` prints (NULL after replying). set is the stored
 * frame set (api__gt_frame_set) and must outlive the input. */
typedef struct api_track_input api_track_input_t;
api_track_input_t *api__eval_track_load_or_reply(http_req_t *req,
                                                 store_conn_t *c,
                                                 int64_t run_id, json_t *src,
                                                 const gt_t *set);
json_t *api__eval_track_run_or_reply(http_req_t *req, api_track_input_t *in);
void api__eval_track_free(api_track_input_t *in); /* NULL is a no-op */

/* A raw upload streamed into a temporary file under dir (relative to the
 * data directory) with its SHA-256, in constant memory; 413 past the
 * route's max_body. Replies on failure (and removes the file). */
typedef struct api_upload {
    char tmp[4096];   /* absolute path of the temporary file */
    char sha256[65];
    uint64_t size;
} api_upload_t;
int api__receive_or_reply(api_t *r, http_req_t *req, const char *dir,
                          api_upload_t *up);

/* child.c: runs `avp ARGS...` (the binary beside this server) with its
 * stdout and stderr collected into *out (avp_free; NULL when it did not
 * run), killing it past timeout_s. Returns its exit status, -1 when it
 * could not run, API_ENGINE_KILLED when it was killed (the deadline, or
 * a crash: the input's fault either way). */
int api__run_engine(const char *const args[], double timeout_s, char **out);
/* The same under limits other than the children's usual ones (a copy of
 * api__engine_limits_get's, narrowed). */
int api__run_engine_limited(const char *const args[],
                            const avp_limits_t *limits, double timeout_s,
                            char **out);
/* api__run_engine() that stops (API_ENGINE_KILLED) once *cancel is set:
 * the frame counter's long children must not hold up a shutdown. */
int api__run_engine_cancellable(const char *const args[], double timeout_s,
                                const atomic_int *cancel, char **out);
/* videos.c: runs `avp media ARGS` (--json) and reads its answer into *out
 * (a new reference) or err: the child's own error, or why it gave none;
 * cancel as api__run_engine_cancellable (NULL: none). */
int api__run_media(const char *const args[], const atomic_int *cancel,
                   json_t **out, avp_error_t *err);
/* count.c: the thread that counts the frames of uploads (one child at a
 * time) and stores the exact counts; poke wakes it for a new upload. */
int api__counter_start(api_t *r, avp_error_t *err);
void api__counter_poke(api_t *r);
void api__counter_stop(api_t *r);

/* The limits every child runs under (api_options_t.child_limits). */
void api__engine_limits(const avp_limits_t *limits);
void api__engine_limits_get(avp_limits_t *out);
/* A child's message about a temporary file without "<path>: " (the text
 * after it), which means nothing to a client; msg itself if absent. */
const char *api__after_path(const char *msg, const char *path);
typedef struct api_engine_stats {
    int running, peak, max; /* children now, most at once, the limit */
    uint64_t waits;         /* runs that waited for a place */
} api_engine_stats_t;
void api__engine_stats(api_engine_stats_t *out);
/* Sets the limit of children at once (0: twice the cores). */
void api__engine_limit(int max);
/* Time a model load, a probe or a thumbnail may take. */
#define API_ENGINE_TIMEOUT_S 120
#define API_ENGINE_KILLED (-2)

/* thumbs.c: the thumbnail folder holds at most api_options_t.thumb_cache
 * files (API_THUMBS_DEFAULT: 30-60 MB of 320-pixel JPEGs), the least
 * recently used removed first. touch marks a file used (a cache hit);
 * trim, after a file is added, removes the oldest past max and returns how
 * many it removed. Files whose name starts with a dot are being made and
 * are left alone. Safe from any thread. */
#define API_THUMBS_DEFAULT 2000
void api__thumbs_touch(const char *path);
size_t api__thumbs_trim(const char *dir, size_t max);
/* videos.c: the JPEG at path (under <data>/thumbs) of video's frame
 * nearest to t, or of a crop of it around "x1,y1,x2,y2" (crop non-NULL),
 * from the folder or made by a child `avp media thumbnail`. */
int api__thumb(const api_t *r, const char *video, double t, const char *crop,
               const char *path, avp_error_t *err);

/* eval_failures.c: the failure gallery of an evaluation (migrations/0023)
 * from TIDE's errors, names the categories by id; frames gives each
 * evaluated frame's time (t[frame / every], NAN unknown). */
typedef struct api_failure_frames {
    const double *t;
    int64_t every;
    size_t nframes;
} api_failure_frames_t;
/* eval_rules.c: the rules an evaluation of the video uses when its
 * request gives none (the video's, else its project's) in *out (NULL:
 * none; eval_rules_destroy) and where they came from in *source ("video",
 * "project", NULL). */
struct eval_rules;
int api__eval_rules_stored(store_conn_t *c, int64_t video_id,
                           struct eval_rules **out, const char **source,
                           avp_error_t *err);

struct eval_tide_result;
json_t *api__failures_json(const struct eval_tide_result *t,
                           const json_t *names,
                           const api_failure_frames_t *frames);

/* tasks.c: starts a detect run on the video of the {id} path
 * parameter as a task of `kind` ("detect", "auto_gt"; replace goes into
 * its payload) from a body with the processing fields (routes.c):
 * 202 {task_id, run_id}. */
void api__start_task(api_t *r, http_req_t *req, const char *kind,
                     int replace);

/* accounts.c: the PostgreSQL http_auth_store_t, with its credential cache
 * and revocation relay (stopped by fini, before the Redis links close). */
void api__auth_store_init(api_t *r);
void api__auth_store_fini(api_t *r);
/* Its series: credential cache lookups and revocations. */
void api__accounts_metrics(api_t *r, http_metrics_t *m);
/* Drops every cached credential of user_id here and on every instance;
 * call it after the change (disable, log out everywhere) has committed. */
void api__auth_revoke_user(api_t *r, int64_t user_id);
/* live.c: the relay of task progress and session news from Redis,
 * and the WebSocket hooks of every topic. */
int api__live_start(api_t *r, avp_error_t *err);
void api__live_stop(api_t *r);
int api__ws_access(void *ctx, const http_auth_user_t *user,
                   const char *topic, int64_t id);
char *api__ws_hello(void *ctx, const char *topic, int64_t id, int *ended);

/* ---- test sessions (test_session*.c) ---- */

#define API_TEST_SESSION_EVENTS_MAX 10000 /* events per POST */
/* 10000 events of ~150 bytes, with room for long class names. */
#define API_TEST_SESSION_EVENTS_BODY_MAX (8u << 20)
#define API_WS_TEST_SESSION "ws_test_session" /* the WebSocket topic */
#define API_WS_PROGRESS "ws_progress" /* a task's progress topic */
/* Results pushed to WebSockets are written as http_reply_json writes them, so
 * a push equals the GET of the same moment. */
#define API_TEST_SESSION_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* The session's results (SessionResults) and, if manifest is not NULL,
 * the manifest of an evaluation: new references. */
int api__test_session_results(store_conn_t *c, int64_t session_id,
                              json_t **results, json_t **manifest,
                              avp_error_t *err);
/* The targets results are computed against (one per ground-truth track,
 * classes before the class map): {"items": [{track_id, class, onset,
 * end}]}, a new reference. */
int api__test_session_targets(store_conn_t *c, int64_t session_id,
                              json_t **out, avp_error_t *err);
/* coalesce.c: pacing pushes. Ids marked stale come due at once
 * the first time, then at most once per gap (seconds) each; a mark while
 * one is pending adds nothing. The caller locks. */
typedef struct api_coalesce_entry {
    int64_t id;
    int stale;
    double last; /* when it last came due */
} api_coalesce_entry_t;
typedef struct api_coalesce {
    api_coalesce_entry_t *v;
    size_t n, cap;
    double gap;
} api_coalesce_t;
void api__coalesce_init(api_coalesce_t *c, double gap);
void api__coalesce_fini(api_coalesce_t *c);
void api__coalesce_mark(api_coalesce_t *c, int64_t id);
/* Moves up to cap ids due at time now into due[] and returns how many;
 * *next is when to ask again (now + gap when nothing is pending). */
size_t api__coalesce_due(api_coalesce_t *c, double now, int64_t *due,
                         size_t cap, double *next);

/* test_session_live.c: a session's results changed; its watchers on
 * every instance get them anew, at most every API_TEST_SESSION_PUSH_MS. */
#define API_TEST_SESSION_PUSH_MS 250
int api__test_session_live_start(api_t *r, avp_error_t *err);
void api__test_session_live_stop(api_t *r);
void api__test_session_changed(api_t *r, int64_t session_id);
/* The project's ground truth or class map changed: every open session of
 * it is changed (their results are scored against them). */
void api__project_test_sessions_changed(api_t *r, store_conn_t *c,
                                        int64_t project_id);
/* News of a change published by any instance (the relay calls it): marks
 * the session's results stale here unless this process sent it. */
void api__test_session_news(api_t *r, int64_t session_id, const char *json);
/* ops.c: readiness, the Web Vitals kept (the last API_VITALS_KEEP) and
 * the platform's series (pool, queue, cache, tasks, children, uploads). */
#define API_VITALS_KEEP 1000
int api__ready(void *ctx, avp_error_t *err);
void api__ops_init(api_t *r, http_metrics_t *m);
/* ops_history.c: GET /api/ops/history and /api/ops/alerts (admins). */
void api__ops_history(http_req_t *req, void *ctx);
void api__ops_alerts(http_req_t *req, void *ctx);
void api__vitals_destroy(api_vitals_t *v);

/* The handlers, which routes.c registers. */
#include "api/handlers.h"

#endif
