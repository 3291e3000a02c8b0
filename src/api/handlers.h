/*
 * handlers.h - every handler of the API (internal to src/api/), by the
 * file that serves it; routes.c puts them in the route table with their
 * method, path and schemas. Each takes the request and the api_t.
 */
#ifndef AVP_API_HANDLERS_H
#define AVP_API_HANDLERS_H

#include "http/http.h"

/* accounts.c */
void api__key_create(http_req_t *req, void *ctx);
void api__key_list(http_req_t *req, void *ctx);
void api__key_delete(http_req_t *req, void *ctx);
/* users.c */
void api__password_change(http_req_t *req, void *ctx);
void api__logout_all(http_req_t *req, void *ctx);
void api__user_list(http_req_t *req, void *ctx);
void api__user_password(http_req_t *req, void *ctx);
void api__user_update(http_req_t *req, void *ctx);

/* projects.c */
void api__project_create(http_req_t *req, void *ctx);
void api__project_list(http_req_t *req, void *ctx);
void api__project_get(http_req_t *req, void *ctx);
void api__project_update(http_req_t *req, void *ctx);
void api__project_delete(http_req_t *req, void *ctx);
void api__member_list(http_req_t *req, void *ctx);
void api__member_add(http_req_t *req, void *ctx);
void api__member_remove(http_req_t *req, void *ctx);

/* videos.c */
void api__video_upload(http_req_t *req, void *ctx);
void api__video_list(http_req_t *req, void *ctx);
void api__video_get(http_req_t *req, void *ctx);
void api__video_delete(http_req_t *req, void *ctx);
void api__video_stream(http_req_t *req, void *ctx);
void api__video_thumbnail(http_req_t *req, void *ctx);
void api__video_frame_times(http_req_t *req, void *ctx); /* frame_times.c */

/* models.c */
void api__model_upload(http_req_t *req, void *ctx);
void api__model_list(http_req_t *req, void *ctx);
void api__model_get(http_req_t *req, void *ctx);
void api__model_delete(http_req_t *req, void *ctx);

/* blobs.c */
void api__blob_get(http_req_t *req, void *ctx);

/* tasks.c */
void api__video_process(http_req_t *req, void *ctx);
void api__run_list(http_req_t *req, void *ctx);
void api__run_get(http_req_t *req, void *ctx);
void api__task_status(http_req_t *req, void *ctx);
void api__task_cancel(http_req_t *req, void *ctx);

/* detections.c */
void api__det_page(http_req_t *req, void *ctx);
void api__det_ndjson(http_req_t *req, void *ctx);
void api__det_coco(http_req_t *req, void *ctx);
void api__det_classes(http_req_t *req, void *ctx);
void api__run_timeline(http_req_t *req, void *ctx);

/* gt.c */
void api__gt_list(http_req_t *req, void *ctx);
void api__gt_add(http_req_t *req, void *ctx);
void api__gt_patch(http_req_t *req, void *ctx);
void api__gt_delete(http_req_t *req, void *ctx);

/* gt_io.c */
void api__gt_import_file(http_req_t *req, void *ctx);

/* gt_export.c */
void api__gt_export_file(http_req_t *req, void *ctx);

/* autogt.c */
void api__video_auto_gt(http_req_t *req, void *ctx);
void api__track_list(http_req_t *req, void *ctx);
void api__track_merge(http_req_t *req, void *ctx);
void api__track_split(http_req_t *req, void *ctx);

/* eval.c */
void api__eval_post(http_req_t *req, void *ctx);
void api__eval_get(http_req_t *req, void *ctx);

/* compare.c */
void api__eval_frames_get(http_req_t *req, void *ctx);
void api__eval_failures_get(http_req_t *req, void *ctx);
void api__eval_failure_crop(http_req_t *req, void *ctx);
void api__project_rules_get(http_req_t *req, void *ctx);
void api__project_rules_put(http_req_t *req, void *ctx);
void api__project_rules_delete(http_req_t *req, void *ctx);
void api__video_rules_get(http_req_t *req, void *ctx);
void api__video_rules_put(http_req_t *req, void *ctx);
void api__video_rules_delete(http_req_t *req, void *ctx);
void api__run_compare_get(http_req_t *req, void *ctx);

/* classmap.c */
void api__class_map_get(http_req_t *req, void *ctx);
void api__class_map_put(http_req_t *req, void *ctx);

/* ops.c */
void api__dashboard_stats(http_req_t *req, void *ctx);
void api__vitals_post(http_req_t *req, void *ctx);
void api__vitals_get(http_req_t *req, void *ctx);

/* test_sessions.c (events_post: test_session_events.c) */
void api__test_session_create(http_req_t *req, void *ctx);
void api__test_session_list(http_req_t *req, void *ctx);
void api__test_session_get(http_req_t *req, void *ctx);
void api__test_session_patch(http_req_t *req, void *ctx);
void api__test_session_delete(http_req_t *req, void *ctx);
void api__test_session_sync(http_req_t *req, void *ctx);
void api__test_session_events_post(http_req_t *req, void *ctx);
void api__test_session_events_list(http_req_t *req, void *ctx);
void api__test_session_results_get(http_req_t *req, void *ctx);
void api__test_session_targets_get(http_req_t *req, void *ctx);
void api__test_session_evaluate(http_req_t *req, void *ctx);

#endif
