/* routes.c - the API's life cycle and its route tables: the routes
 * record and its Redis links, the server's hooks, and every route (method,
 * path, name, summary, handler, schemas), which api_register adds. The
 * handler files (handlers.h) only serve and common.c only helps them:
 * neither registers anything, so nothing depends back on this file. */
#include "api/internal.h"

#include "eval/eval.h"

/* Lazy links: Redis down at start is not an error, and an idle link costs
 * one socket. */
static int open_links(api_t *r, avp_error_t *err)
{
    for (int i = 0; i < API_REDIS_LINKS; i++) {
        int rc = queue_conn_open(r->redis_url,
                                 &(queue_opts_t){.lazy = 1,
                                                 .command_timeout_ms = 1000},
                                 &r->links[i], err);
        if (rc < 0)
            return rc;
        r->caches[i] = queue_cache_create(r->links[i]);
    }
    r->q = r->links[0];
    r->cache = r->caches[0];
    return AVP_OK;
}

int api_create(const api_options_t *opt, api_t **out, avp_error_t *err)
{
    *out = NULL;
    api_t *r = avp_calloc(1, sizeof *r);
    r->opt = *opt;
    r->data_dir = avp_strdup(opt->data_dir);
    if (!r->opt.max_upload)
        r->opt.max_upload = 4ull << 30;
    if (!r->opt.max_model)
        r->opt.max_model = 1ull << 30;
    if (!r->opt.model_quota)
        r->opt.model_quota = 20;
    if (!r->opt.model_quota_bytes)
        r->opt.model_quota_bytes = 8ull << 30;
    if (!r->opt.acquire_timeout_ms)
        r->opt.acquire_timeout_ms = 2000;
    if (!r->opt.thumb_cache)
        r->opt.thumb_cache = API_THUMBS_DEFAULT;
    api__engine_limit(opt->engine_max);
    api__engine_limits(&opt->child_limits);
    r->group = store_group_create(opt->pool, r->opt.acquire_timeout_ms);
    if (opt->redis_url) {
        r->redis_url = avp_strdup(opt->redis_url);
        int rc = open_links(r, err);
        if (rc < 0) {
            api_destroy(r);
            return rc;
        }
    }
    api__auth_store_init(r);
    *out = r;
    return AVP_OK;
}

void api_destroy(api_t *r)
{
    if (!r)
        return;
    api__counter_stop(r);
    api__live_stop(r);
    api__auth_store_fini(r);
    store_group_destroy(r->group);
    for (int i = 0; i < API_REDIS_LINKS; i++) {
        queue_cache_destroy(r->caches[i]);
        queue_conn_close(r->links[i]);
    }
    api__vitals_destroy(r->vitals);
    avp_free(r->redis_url);
    avp_free(r->data_dir);
    avp_free(r);
}

/* What the web UI (web/dist) needs beyond its own origin's files, its
 * fetches and its WebSockets ('self' covers ws: to the same host):
 * thumbnails and crops are blob: URLs, vite inlines small assets as data:
 * URLs. No inline script, no plugin, no frame. */
#define API_UI_CSP                                                         \
    "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; " \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

void api_server_options(api_t *r, http_server_options_t *opt)
{
    opt->auth_store = &r->auth;
    opt->ready = api__ready;
    opt->ready_ctx = r;
    opt->ws_access = api__ws_access;
    opt->ws_access_ctx = r;
    opt->ws_hello = api__ws_hello;
    opt->ws_hello_ctx = r;
    opt->title = "AVP API";
    opt->description = "Validation of YOLO object detectors on video.";
    opt->static_csp = API_UI_CSP;
}

/* ---- the route tables, one function per handler file ----------------- */

/* Served by accounts.c. */
static int add_accounts(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t key_body[] = {
        {"name", HTTP_SCHEMA_STRING, 0, 0, 200, "what the key is for", NULL},
        {0}};
#define NEW_PASSWORD                                                      \
    {"new_password", HTTP_SCHEMA_STRING, 1, 1, 4 * HTTP_AUTH_PASSWORD_MAX, \
     AVP_STR(HTTP_AUTH_PASSWORD_MIN) " to " AVP_STR(                       \
         HTTP_AUTH_PASSWORD_MAX) " characters",                            \
     NULL}
    static const http_schema_field_t password_body[] = {
        {"old_password", HTTP_SCHEMA_STRING, 1, 1, 4 * HTTP_AUTH_PASSWORD_MAX,
         "the current password", NULL},
        NEW_PASSWORD,
        {0}};
    static const http_schema_field_t reset_body[] = {NEW_PASSWORD, {0}};
#undef NEW_PASSWORD
    static const http_schema_field_t user_body[] = {
        {"disabled", HTTP_SCHEMA_BOOLEAN, 1, 0, 0,
         "true: the account cannot log in and its credentials stop working",
         NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/auth/keys", "keys_create",
         "Create an API key (its secret is in this answer only)",
         api__key_create, r, 0, key_body, NULL, 0},
        {"GET", "/api/auth/keys", "keys_list", "The caller's API keys",
         api__key_list, r, 0, NULL, api__list_query, 0},
        {"DELETE", "/api/auth/keys/{id}", "keys_delete", "Revoke an API key",
         api__key_delete, r, 0, NULL, NULL, 0},
        {"POST", "/api/auth/password", "auth_password",
         "Change the caller's password (the old one is required)",
         api__password_change, r, 0, password_body, NULL, 0},
        {"POST", "/api/auth/logout-all", "auth_logout_all",
         "End every session and revoke every API key of the caller",
         api__logout_all, r, 0, NULL, NULL, 0},
        {"GET", "/api/users", "users_list", "Every account (admin)",
         api__user_list, r, 0, NULL, api__list_query, 0},
        {"POST", "/api/users/{id}/password", "users_password",
         "Set an account's password and end its sessions (admin)",
         api__user_password, r, 0, reset_body, NULL, 0},
        {"PATCH", "/api/users/{id}", "users_update",
         "Disable or enable an account (admin)", api__user_update, r, 0,
         user_body, NULL, 0},
    };
    api__accounts_metrics(r, http_server_metrics(srv));
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* A project's fields: the name is required on create only. */
#define PROJECT_FIELDS(req)                                                    \
    {"name", HTTP_SCHEMA_STRING, req, 1, 200, "project name", NULL},           \
    {"description", HTTP_SCHEMA_STRING, 0, 0, 10000, NULL, NULL},              \
    {"camera_model", HTTP_SCHEMA_STRING, 0, 0, 200, NULL, NULL},               \
    {"camera_view", HTTP_SCHEMA_STRING, 0, 0, 200, NULL, NULL},                \
    {"lens_type", HTTP_SCHEMA_STRING, 0, 0, 200, NULL, NULL},                  \
    {"resolution", HTTP_SCHEMA_STRING, 0, 0, 64, "e.g. 1920x1080", NULL},      \
    {"frame_rate", HTTP_SCHEMA_NUMBER, 0, 0, 1000, "frames per second", NULL}, \
    {"signal_type", HTTP_SCHEMA_STRING, 0, 0, 200, NULL, NULL},                \
    {"tolerance_ms", HTTP_SCHEMA_INTEGER, 0, 0, 3600000,                       \
     "matching tolerance of detection events", NULL},                          \
    {"criteria", HTTP_SCHEMA_OBJECT, 0, 0, 0, "pass/fail criteria", NULL},     \
    {0}

static const http_schema_field_t create_body[] = {PROJECT_FIELDS(1)};
static const http_schema_field_t update_body[] = {PROJECT_FIELDS(0)};

/* Served by projects.c. */
static int add_projects(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t member_body[] = {
        {"username", HTTP_SCHEMA_STRING, 1, 1, 64, "the account's name", NULL},
        {"role", HTTP_SCHEMA_STRING, 1, 1, 16, "owner, editor or viewer", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/projects", "projects_create",
         "Create a project (the caller becomes its owner)", api__project_create,
         r, 0, create_body, NULL, 0},
        {"GET", "/api/projects", "projects_list",
         "Projects the caller is a member of, newest first", api__project_list,
         r, 0, NULL, api__list_query, 0},
        {"GET", "/api/projects/{id}", "projects_get", "A project",
         api__project_get, r, 0, NULL, NULL, 0},
        {"PATCH", "/api/projects/{id}", "projects_update",
         "Change a project's fields (editor)", api__project_update, r, 0,
         update_body, NULL, 0},
        {"DELETE", "/api/projects/{id}", "projects_delete",
         "Delete a project with its videos and runs (owner)",
         api__project_delete, r, 0, NULL, NULL, 0},
        {"GET", "/api/projects/{id}/members", "members_list",
         "Members of a project", api__member_list, r, 0, NULL, api__list_query,
         0},
        {"POST", "/api/projects/{id}/members", "members_add",
         "Add a member or change a role (owner)", api__member_add, r, 0,
         member_body, NULL, 0},
        {"DELETE", "/api/projects/{id}/members/{user_id}", "members_remove",
         "Remove a member (owner, or the member itself)", api__member_remove, r,
         0, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by videos.c. */
static int add_videos(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t upload_query[] = {
        {"filename", HTTP_SCHEMA_STRING, 1, 1, 255,
         "the file's name, for people", NULL},
        {0}};
    static const http_schema_field_t thumb_query[] = {
        {"frame", HTTP_SCHEMA_INTEGER, 0, 0, 1e9,
         "this frame instead of a poster (400 outside the video)", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/projects/{id}/videos", "videos_upload",
         "Upload a video: the raw file is the body (editor)", api__video_upload,
         r, HTTP_RAW_BODY, NULL, upload_query, (size_t)r->opt.max_upload},
        {"GET", "/api/projects/{id}/videos", "videos_list",
         "Videos of a project, newest first", api__video_list, r, 0, NULL,
         api__list_query, 0},
        {"GET", "/api/videos/{id}", "videos_get", "A video", api__video_get, r,
         0, NULL, NULL, 0},
        {"DELETE", "/api/videos/{id}", "videos_delete",
         "Delete a video, its file and its runs (editor)", api__video_delete, r,
         0, NULL, NULL, 0},
        {"GET", "/api/videos/{id}/stream", "videos_stream",
         "The video file (Range requests)", api__video_stream, r, 0, NULL, NULL,
         0},
        {"GET", "/api/videos/{id}/thumbnail", "videos_thumbnail",
         "A JPEG thumbnail of the video (or of one frame)",
         api__video_thumbnail, r, 0, NULL, thumb_query, 0},
        {"GET", "/api/videos/{id}/frame-times", "videos_frame_times",
         "Each frame's presentation time: little-endian float64 seconds "
         "(204 until a run has decoded every frame)", api__video_frame_times,
         r, 0, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by blobs.c: for workers, with their credential instead of a
 * user's (HTTP_PUBLIC skips the session layer; the handler checks). */
static int add_blobs(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t query[] = {
        {"sha256", HTTP_SCHEMA_STRING, 1, 64, 64,
         "the file's SHA-256 in lowercase hexadecimal", NULL}, {0}};
    const http_route_t routes[] = {
        {"GET", "/api/blobs", "blobs_get",
         "A video or model file by its hash, for workers (Range requests; "
         "X-AVP-Worker-Token)", api__blob_get, r, HTTP_PUBLIC, NULL, query,
         0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by models.c. */
static int add_models(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t upload_query[] = {
        {"name", HTTP_SCHEMA_STRING, 1, 1, 200, "the model's name", NULL}, {0}};
    const http_route_t routes[] = {
        {"POST", "/api/models", "models_upload",
         "Upload an ONNX detector: the raw file is the body", api__model_upload,
         r, HTTP_RAW_BODY, NULL, upload_query, (size_t)r->opt.max_model},
        {"GET", "/api/models", "models_list", "Models, newest first",
         api__model_list, r, 0, NULL, api__list_query, 0},
        {"GET", "/api/models/{id}", "models_get", "A model", api__model_get, r,
         0, NULL, NULL, 0},
        {"DELETE", "/api/models/{id}", "models_delete",
         "Delete a model no run uses (its uploader or an admin; 409 naming "
         "where runs use it)",
         api__model_delete, r, 0, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* The processing body (also auto ground truth's, with "replace"). */
#define PROCESS_FIELDS                                              \
    {"model_id", HTTP_SCHEMA_INTEGER, 1, 1, 9.2e18, "the model to run", \
     NULL},                                                             \
    {"conf", HTTP_SCHEMA_NUMBER, 0, 0, 1,                               \
     "score threshold (" AVP_STR(DETECT_DEFAULT_CONF) ")",              \
     AVP_STR(DETECT_DEFAULT_CONF)},                                     \
    {"iou", HTTP_SCHEMA_NUMBER, 0, 0, 1,                                \
     "NMS IoU threshold (" AVP_STR(DETECT_DEFAULT_IOU) ")",             \
     AVP_STR(DETECT_DEFAULT_IOU)},                                      \
    {"every", HTTP_SCHEMA_INTEGER, 0, 1, 1000000, "every Nth frame (1)", NULL}, \
    {"preprocess", HTTP_SCHEMA_STRING, 0, 4, 5,                         \
     "\"exact\" (the OpenCV reference pipeline's pixels, bit for bit) " \
     "or \"fast\" (one swscale pass)", "\"exact\""}

/* Served by tasks.c (and the progress WebSocket by live.c). */
static int add_tasks(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t process_body[] = {PROCESS_FIELDS,
                                                       {0}};
    const http_route_t routes[] = {
        {"POST", "/api/videos/{id}/process", "videos_process",
         "Run a detector over a video: 202 with the task and run",
         api__video_process, r, 0, process_body, NULL, 0},
        {"GET", "/api/videos/{id}/runs", "runs_list",
         "Detection runs of a video, newest first", api__run_list, r, 0, NULL,
         api__list_query, 0},
        {"GET", "/api/runs/{id}", "runs_get", "A detection run", api__run_get,
         r, 0, NULL, NULL, 0},
        {"GET", "/api/tasks/{id}/status", "tasks_status",
         "State and progress of a task", api__task_status, r, 0, NULL, NULL, 0},
        {"POST", "/api/tasks/{id}/cancel", "tasks_cancel",
         "Cancel a queued or running task", api__task_cancel, r, 0, NULL, NULL,
         0},
        {"GET", "/ws/progress/{task_id}", API_WS_PROGRESS,
         "WebSocket: progress messages of a task until it ends (live.c)", NULL,
         NULL, HTTP_WEBSOCKET, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by detections.c. */
static int add_detections(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t page_query[] = {
        {"cursor", HTTP_SCHEMA_STRING, 0, 1, STORE_CURSOR_MAX - 1,
         "next_cursor of the previous page", NULL},
        {"limit", HTTP_SCHEMA_INTEGER, 0, 1, STORE_PAGE_MAX, "rows (100)",
         NULL},
        {"class", HTTP_SCHEMA_INTEGER, 0, 0, 100000, "only this class id",
         NULL},
        {"min_score", HTTP_SCHEMA_NUMBER, 0, 0, 1, "only scores at or above",
         NULL},
        {"t0", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "from this time (s)", NULL},
        {"t1", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "to this time (s)", NULL},
        {0}};
    static const http_schema_field_t timeline_query[] = {
        {"buckets", HTTP_SCHEMA_INTEGER, 0, 1, STORE_TIMELINE_MAX,
         "buckets of frames (600; one frame each for a shorter video)", NULL},
        {0}};
    const http_route_t routes[] = {
        {"GET", "/api/runs/{id}/detections", "detections_page",
         "A page of a run's detections in (frame, id) order", api__det_page, r,
         0, NULL, page_query, 0},
        {"GET", "/api/runs/{id}/detections.ndjson", "detections_ndjson",
         "Every detection of a run, one JSON object per line", api__det_ndjson,
         r, 0, NULL, NULL, 0},
        {"GET", "/api/runs/{id}/detections.coco.json", "detections_coco",
         "Every detection of a run as a COCO results array (image_id = "
         "frame, category_id = class index, bbox [x, y, w, h], score)",
         api__det_coco, r, 0, NULL, NULL, 0},
        {"GET", "/api/runs/{id}/detections/classes", "detections_classes",
         "Detections of the whole run per class id under the page's filters "
         "(cursor and limit ignored), the commonest first", api__det_classes,
         r, 0, NULL, page_query, 0},
        {"GET", "/api/runs/{id}/timeline", "runs_timeline",
         "Detections of the whole run and ground truth of its video counted "
         "per bucket of frames (the player's timeline)", api__run_timeline, r,
         0, NULL, timeline_query, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* The UI asks for pages of up to 1000 boxes; the catalog answers at most
 * STORE_LIST_MAX per page and the client follows next_cursor. */
#define GT_PAGE_ASK_MAX 1000

/* Pixel coordinates and times are bounded only to keep them finite and
 * sane; the database checks that corners are in order. */
#define GT_COORD(name, req) \
    {name, HTTP_SCHEMA_NUMBER, req, -1e6, 1e6, "pixels", NULL}
#define GT_FLAGS(req)                                                        \
    {"validated", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, "checked by a person",       \
     NULL},                                                                  \
    {"difficult", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, "ignored by the metrics",    \
     NULL},                                                                  \
    {"occluded", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},                  \
    {"truncated", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},                 \
    {"frame", HTTP_SCHEMA_INTEGER, req, 0, 2147483647,                       \
     "frame index, inside the video", NULL},                                 \
    {"t", HTTP_SCHEMA_NUMBER, req, 0, 1e9, "presentation time (s)", NULL},   \
    {"class", HTTP_SCHEMA_STRING, req, 1, 128, "class name", NULL},          \
    GT_COORD("x1", req), GT_COORD("y1", req), GT_COORD("x2", req),           \
    GT_COORD("y2", req)

/* Served by gt.c. */
static int add_gt(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t list_query[] = {
        {"cursor", HTTP_SCHEMA_STRING, 0, 1, HTTP_REPLY_CURSOR_MAX - 1,
         "next_cursor of the previous page", NULL},
        {"limit", HTTP_SCHEMA_INTEGER, 0, 1, GT_PAGE_ASK_MAX,
         "boxes per page (50; pages hold at most 200)", NULL},
        {"t0", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "from this time (s)", NULL},
        {"t1", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "to this time (s)", NULL},
        {0}};
    static const http_schema_field_t add_body[] = {GT_FLAGS(1), {0}};
    static const http_schema_field_t patch_body[] = {GT_FLAGS(0), {0}};
    const http_route_t routes[] = {
        {"GET", "/api/videos/{id}/ground-truth", "gt_list",
         "Ground-truth boxes of a video in (frame, id) order", api__gt_list, r,
         0, NULL, list_query, 0},
        {"POST", "/api/videos/{id}/ground-truth", "gt_add",
         "Add a ground-truth box (audited)", api__gt_add, r, 0, add_body, NULL,
         0},
        {"PATCH", "/api/ground-truth/{id}", "gt_patch",
         "Move, resize, flag or relabel a box (audited)", api__gt_patch, r, 0,
         patch_body, NULL, 0},
        {"DELETE", "/api/ground-truth/{id}", "gt_delete",
         "Delete a ground-truth box (audited)", api__gt_delete, r, 0, NULL,
         NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* The largest ground-truth file accepted. */
#define GT_IMPORT_MAX (256ull << 20)

/* Served by gt_io.c. */
static int add_gt_io(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t import_query[] = {
        {"format", HTTP_SCHEMA_STRING, 1, 1, 16,
         "coco, cvat, mot, datumaro, avp, yolo or voc (yolo and voc: a "
         "zip, tar or "
         "tar.gz of the frame files, with classes.txt or data.yaml; any "
         "format may come as one)", NULL},
        {"dry_run", HTTP_SCHEMA_BOOLEAN, 0, 0, 0,
         "true: reply what the import would write (200, the report), "
         "write nothing", NULL},
        {"file", HTTP_SCHEMA_STRING, 0, 1, 255,
         "the uploaded file's name, kept as where the boxes came from", NULL},
        {"split", HTTP_SCHEMA_STRING, 0, 1, 64,
         "yolo, voc: the split of a dataset with several (Roboflow's "
         "train, valid, test; data.yaml's keys); without it a dataset must "
         "hold one", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/videos/{id}/ground-truth/import", "gt_import",
         "Import ground truth from a file (raw body), all or nothing",
         api__gt_import_file, r, HTTP_RAW_BODY, NULL, import_query,
         GT_IMPORT_MAX},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by eval.c. */
static int add_eval(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t eval_body[] = {
        {"score_threshold", HTTP_SCHEMA_NUMBER, 0, 0, 1,
         "operating point for TP/FP/FN and the confusion matrix ("
         AVP_STR(EVAL_DEFAULT_SCORE_THR) ")",
         AVP_STR(EVAL_DEFAULT_SCORE_THR)},
        /* The UI sends it; the protocol counts TP/FP/FN at IoU .50 (AP
         * spans .50:.95), so any other value is refused, not ignored. */
        {"iou_threshold", HTTP_SCHEMA_NUMBER, 0, 0.5, 0.5,
         "IoU of the operating point: 0.5 (the protocol's)", NULL},
        {"rules", HTTP_SCHEMA_OBJECT, 0, 0, 0,
         "ignore_regions (image polygons), min_box_size, max_detections "
         "(docs/METRICS.md); stored in the manifest", NULL},
        {"tracking", HTTP_SCHEMA_BOOLEAN, 0, 0, 0,
         "also HOTA, CLEAR MOT and IDF1 of the run's detections, linked "
         "into tracks, against the tracked ground truth (results.tracking, "
         "the object of `avp eval track --json`)", "false"},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/runs/{id}/evaluate", "runs_evaluate",
         "Evaluate a finished run against its video's ground truth (COCO "
         "protocol) and store the result with its manifest",
         api__eval_post, r, 0, eval_body, NULL, 0},
        {"GET", "/api/runs/{id}/evaluation", "runs_evaluation",
         "The run's latest stored evaluation", api__eval_get, r, 0, NULL, NULL,
         0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by eval_rules.c. */
static int add_eval_rules(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t put_body[] = {
        {"rules", HTTP_SCHEMA_OBJECT, 1, 0, 0,
         "ignore_regions (polygons in the displayed picture's pixels), "
         "min_box_size, max_detections (docs/METRICS.md)", NULL},
        {0}};
    const http_route_t routes[] = {
        {"GET", "/api/projects/{id}/evaluation-rules", "project_rules_get",
         "The project's default evaluation rules {\"rules\": ...|null}",
         api__project_rules_get, r, 0, NULL, NULL, 0},
        {"PUT", "/api/projects/{id}/evaluation-rules", "project_rules_put",
         "Replace the project's default evaluation rules (editors; audited)",
         api__project_rules_put, r, 0, put_body, NULL, 0},
        {"DELETE", "/api/projects/{id}/evaluation-rules", "project_rules_delete",
         "Clear the project's default evaluation rules (editors; audited)",
         api__project_rules_delete, r, 0, NULL, NULL, 0},
        {"GET", "/api/videos/{id}/evaluation-rules", "video_rules_get",
         "The video's (camera's) own evaluation rules, which override the "
         "project's {\"rules\": ...|null}",
         api__video_rules_get, r, 0, NULL, NULL, 0},
        {"PUT", "/api/videos/{id}/evaluation-rules", "video_rules_put",
         "Replace the video's evaluation rules (editors; audited)",
         api__video_rules_put, r, 0, put_body, NULL, 0},
        {"DELETE", "/api/videos/{id}/evaluation-rules", "video_rules_delete",
         "Clear the video's evaluation rules: the project's apply again",
         api__video_rules_delete, r, 0, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by autogt.c. */
static int add_autogt(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t auto_gt_body[] = {
        PROCESS_FIELDS,
        {"replace", HTTP_SCHEMA_BOOLEAN, 0, 0, 0,
         "replace the video's model-made boxes and their tracks (true)", NULL},
        {0}};
    static const http_schema_field_t split_body[] = {
        {"frame", HTTP_SCHEMA_INTEGER, 1, 0, 2147483647,
         "boxes at this frame and later move to a new track", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/videos/{id}/auto-ground-truth", "gt_auto",
         "Run a reference model over the video as a task (202 with the task "
         "and run); when it ends its detections, linked into tracks, become "
         "the video's model-made ground truth in one transaction",
         api__video_auto_gt, r, 0, auto_gt_body, NULL, 0},
        {"GET", "/api/videos/{id}/tracks", "tracks_list",
         "Tracks of a video by id, with their extent and box count",
         api__track_list, r, 0, NULL, api__list_query, 0},
        {"POST", "/api/tracks/merge", "tracks_merge",
         "Move every box of the `from` tracks into track `into` and delete "
         "them (audited); body {\"into\": id, \"from\": [ids]}",
         api__track_merge, r, HTTP_RAW_BODY, NULL, NULL, 65536},
        {"POST", "/api/tracks/{id}/split", "tracks_split",
         "Move the boxes at `frame` and later into a new track (audited)",
         api__track_split, r, 0, split_body, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by gt_export.c. */
static int add_gt_export(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t export_query[] = {
        {"format", HTTP_SCHEMA_STRING, 1, 1, 16,
         "coco, cvat, mot, datumaro, avp, yolo or voc (yolo and voc: a tar "
         "archive)",
         NULL},
        {0}};
    const http_route_t routes[] = {
        {"GET", "/api/videos/{id}/ground-truth/export", "gt_export",
         "The video's ground truth as a file (attachment) of the format",
         api__gt_export_file, r, 0, NULL, export_query, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by compare.c. */
static int add_compare(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t failures_query[] = {
        {"type", HTTP_SCHEMA_STRING, 0, 1, 8,
         "Cls, Loc, Both, Dupe, Bkg or Miss (any)", NULL},
        {"class", HTTP_SCHEMA_STRING, 0, 1, 200, "a class name (any)", NULL},
        {"cursor", HTTP_SCHEMA_STRING, 0, 1, HTTP_REPLY_CURSOR_MAX - 1,
         "next_cursor of the previous page", NULL},
        {"limit", HTTP_SCHEMA_INTEGER, 0, 1, STORE_LIST_MAX,
         "items per page (50)", NULL},
        {0}};
    const http_route_t routes[] = {
        {"GET", "/api/runs/{id}/evaluation/frames", "runs_evaluation_frames",
         "TP/FP/FN per frame of the run's latest evaluation (frames with a "
         "nonzero count, ascending; at its score threshold, IoU .50, after "
         "the class map); 404 not_evaluated without one",
         api__eval_frames_get, r, 0, NULL, NULL, 0},
        {"GET", "/api/runs/{id}/evaluation/failures", "runs_evaluation_failures",
         "The failure gallery of the run's latest evaluation: its worst "
         "errors of each TIDE type per class (16 each), by type then worst "
         "first, a page at a time; empty without one",
         api__eval_failures_get, r, 0, NULL, failures_query, 0},
        {"GET", "/api/runs/{id}/evaluation/failures/{n}/crop",
         "runs_evaluation_failure_crop",
         "A JPEG crop of failure n's frame around its boxes",
         api__eval_failure_crop, r, 0, NULL, NULL, 0},
        {"GET", "/api/runs/{id}/compare/{other_id}", "runs_compare",
         "The latest evaluations of two runs of one video: metric deltas "
         "(other - this) overall and per class, and the frames where one "
         "has an FP or FN count the other has not (first 10000); 409 when "
         "the videos differ or a run is not evaluated",
         api__run_compare_get, r, 0, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by classmap.c. */
static int add_classmap(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t put_body[] = {
        {"map", HTTP_SCHEMA_OBJECT, 1, 0, 0,
         "{\"from\": \"to\", ...}: class names of 1 to 128 characters, at "
         "most 1000 entries, no chains (a->b with b->c)", NULL},
        {0}};
    const http_route_t routes[] = {
        {"GET", "/api/projects/{id}/class-map", "class_map_get",
         "The project's class map {\"map\": {from: to}}: with a non-empty "
         "map a `from` counts as its `to`, a `to` as itself, other classes "
         "are left out of the metrics",
         api__class_map_get, r, 0, NULL, NULL, 0},
        {"PUT", "/api/projects/{id}/class-map", "class_map_put",
         "Replace the project's class map (editors; audited); answers the "
         "new map",
         api__class_map_put, r, 0, put_body, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* Served by ops.c. */
static int add_ops(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t vital_body[] = {
        {"name", HTTP_SCHEMA_STRING, 1, 1, 15, "CLS, FCP, INP, LCP, TTFB",
         NULL},
        {"value", HTTP_SCHEMA_NUMBER, 1, 0, 3600000,
         "milliseconds (CLS: a score)", NULL},
        {"rating", HTTP_SCHEMA_STRING, 0, 0, 23,
         "good, needs-improvement, poor", NULL},
        {"page", HTTP_SCHEMA_STRING, 0, 0, 159, "path of the page", NULL},
        {0}};
    static const http_schema_field_t vital_query[] = {
        {"limit", HTTP_SCHEMA_INTEGER, 0, 1, API_VITALS_KEEP,
         "latest measurements", NULL},
        {0}};
    static const http_schema_field_t history_query[] = {
        {"series", HTTP_SCHEMA_STRING, 1, 1, 16,
         "p99, requests, rss, fps, queue or cache_hit", NULL},
        {"minutes", HTTP_SCHEMA_INTEGER, 0, 5, 10080, "how far back", "60"},
        {0}};
    api__ops_init(r, http_server_metrics(srv));
    const http_route_t routes[] = {
        {"GET", "/api/dashboard/stats", "dashboard_stats",
         "Counts of the caller's projects, videos, runs and detections",
         api__dashboard_stats, r, 0, NULL, NULL, 0},
        /* Signed in and rate-limited: the numbers are shown to admins. */
        {"POST", "/api/vitals", "vitals_post",
         "Record a Web Vitals measurement", api__vitals_post, r, 0,
         vital_body, NULL, 1024},
        {"GET", "/api/vitals", "vitals_get",
         "Latest Web Vitals measurements and per-metric aggregates",
         api__vitals_get, r, 0, NULL, vital_query, 0},
        {"GET", "/api/ops/history", "ops_history",
         "A platform series over the last minutes, from Prometheus (admins)",
         api__ops_history, r, 0, NULL, history_query, 0},
        {"GET", "/api/ops/alerts", "ops_alerts",
         "Alerts pending and firing in Prometheus (admins)",
         api__ops_alerts, r, 0, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

/* What a test session's create and update share. */
#define SESSION_FIELDS                                                       \
    {"name", HTTP_SCHEMA_STRING, 0, 0, 200, "for people", NULL},             \
    {"tolerance_ms", HTTP_SCHEMA_INTEGER, 0, 1, 3600000,                     \
     "matching window either side of an onset (the project's)", NULL},       \
    {"criteria", HTTP_SCHEMA_OBJECT, 0, 0, 0,                                \
     "{min_precision?, min_recall?, max_median_latency_ms?}", NULL}

/* Served by test_sessions.c. */
static int add_test_sessions(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t create_body[] = {
        {"video_id", HTTP_SCHEMA_INTEGER, 1, 1, 9.2e18,
         "a ready video of the project (its ground truth)", NULL},
        SESSION_FIELDS, {0}};
    static const http_schema_field_t patch_body[] = {
        SESSION_FIELDS,
        {"state", HTTP_SCHEMA_STRING, 0, 4, 7,
         "open, running or closed (closing stores an evaluation)", NULL},
        {0}};
    static const http_schema_field_t sync_body[] = {
        {"device_time", HTTP_SCHEMA_NUMBER, 0, -1e12, 1e12,
         "device epoch seconds at which video_time was played", NULL},
        {"video_time", HTTP_SCHEMA_NUMBER, 0, 0, 1e9, "video seconds", NULL},
        {"offset", HTTP_SCHEMA_NUMBER, 0, -1e12, 1e12,
         "device clock minus video clock (s)", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/projects/{id}/test-sessions", "test_sessions_create",
         "Create a test session of a device on a video (editor)",
         api__test_session_create, r, 0, create_body, NULL, 0},
        {"GET", "/api/projects/{id}/test-sessions", "test_sessions_list",
         "Test sessions of a project, newest first", api__test_session_list, r,
         0, NULL, api__list_query, 0},
        {"GET", "/api/test-sessions/{id}", "test_sessions_get",
         "A test session", api__test_session_get, r, 0, NULL, NULL, 0},
        {"PATCH", "/api/test-sessions/{id}", "test_sessions_update",
         "Rename, change tolerance or criteria, or change state; closing "
         "stores an evaluation (editor)",
         api__test_session_patch, r, 0, patch_body, NULL, 0},
        {"DELETE", "/api/test-sessions/{id}", "test_sessions_delete",
         "Delete a test session with its events (editor)",
         api__test_session_delete, r, 0, NULL, NULL, 0},
        {"POST", "/api/test-sessions/{id}/sync", "test_sessions_sync",
         "Relate the device clock to the video clock (editor)",
         api__test_session_sync, r, 0, sync_body, NULL, 0},
        {"POST", "/api/test-sessions/{id}/events", "test_sessions_events_post",
         "Post detection events: one {class, confidence?, box?: [x1, y1, "
         "x2, y2], t? | device_time?} or {\"events\": [...]} (at most 10000), "
         "all or nothing (editor)",
         api__test_session_events_post, r, HTTP_RAW_BODY, NULL, NULL,
         API_TEST_SESSION_EVENTS_BODY_MAX},
        {"GET", "/api/test-sessions/{id}/events", "test_sessions_events_list",
         "Events of a session in (timestamp, id) order",
         api__test_session_events_list, r, 0, NULL, api__list_query, 0},
        {"GET", "/api/test-sessions/{id}/results", "test_sessions_results",
         "Results of the session against its video's ground-truth tracks",
         api__test_session_results_get, r, 0, NULL, NULL, 0},
        {"GET", "/api/test-sessions/{id}/targets", "test_sessions_targets",
         "The targets of the session: one onset per ground-truth track "
         "(boxes in no track are linked by the IoU tracker)",
         api__test_session_targets_get, r, 0, NULL, NULL, 0},
        {"POST", "/api/test-sessions/{id}/evaluate", "test_sessions_evaluate",
         "Score the session and store the evaluation with its manifest "
         "(editor)",
         api__test_session_evaluate, r, 0, NULL, NULL, 0},
        {"GET", "/ws/test-sessions/{id}", API_WS_TEST_SESSION,
         "WebSocket: the session's results now and after every change "
         "(at most every 250 ms)",
         NULL, NULL, HTTP_WEBSOCKET, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

int api_register(api_t *r, http_server_t *srv, avp_error_t *err)
{
    int (*const add[])(api_t *, http_server_t *, avp_error_t *) = {
        add_accounts,   add_projects, add_videos,   add_models, add_tasks,
        add_detections, add_gt,       add_gt_io,    add_eval,   add_autogt,
        add_gt_export,  add_compare,  add_classmap, add_eval_rules, add_ops,
        add_test_sessions, add_blobs};
    r->srv = srv;
    for (size_t i = 0; i < AVP_ARRAY_LEN(add); i++) {
        int rc = add[i](r, srv, err);
        if (rc < 0)
            return rc;
    }
    int rc = api__live_start(r, err);
    return rc < 0 ? rc : api__counter_start(r, err);
}
