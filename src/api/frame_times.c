/* frame_times.c - GET /api/videos/{id}/frame-times: each frame's
 * presentation time as AVP decodes it (store_frame_times_get), for the
 * player's frame index on variable-frame-rate video. The body is the
 * times as little-endian float64 seconds, frame k at bytes 8k..8k+7
 * (1.7 MB for an hour at 60 fps, where JSON would be three times that);
 * 204 while none are recorded (the player falls back to the average
 * rate). The times of a video never change once stored, so their count
 * is their ETag; "no-cache" makes the browser ask again (304) rather than
 * keep a 204 past the first processing. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void reply_times(http_req_t *req, int64_t id, const double *t,
                        int64_t n)
{
    char etag[64];
    http_reply_add_header(req, "Cache-Control", "private, no-cache");
    if (n == 0) {
        http_reply_empty(req, 204);
        return;
    }
    snprintf(etag, sizeof etag, "\"ft-%" PRId64 "-%" PRId64 "\"", id, n);
    http_reply_add_header(req, "ETag", etag);
    const char *match = http_req_header(req, "If-None-Match");
    if (match && strstr(match, etag)) {
        http_reply_empty(req, 304);
        return;
    }
    unsigned char *body = avp_malloc(8 * (size_t)n);
    for (int64_t k = 0; k < n; k++) {
        uint64_t u;
        memcpy(&u, &t[k], sizeof u);
        for (int i = 0; i < 8; i++)
            body[8 * k + i] = (unsigned char)(u >> (8 * i));
    }
    http_reply_bytes(req, 200, "application/octet-stream", body,
                     8 * (size_t)n);
    avp_free(body);
}

void api__video_frame_times(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), n = 0;
    double *t = NULL;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, id,
                                  STORE_ROLE_VIEWER, NULL);
    if (rc == AVP_OK && (rc = store_frame_times_get(c, id, &t, &n, &err)) < 0)
        http_reply_avp_error(req, &err);
    store_pool_release(c);
    if (rc == AVP_OK)
        reply_times(req, id, t, n);
    avp_free(t);
}
