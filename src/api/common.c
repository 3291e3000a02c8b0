/* common.c - what every handler leans on: the Redis link of the thread,
 * borrowing a connection, access checks, keyset pages, the read-through
 * cache and its invalidation, the audit log. Nothing here registers a
 * route (routes.c does). */
#include "api/internal.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const http_schema_field_t api__list_query[] = {
    {"cursor", HTTP_SCHEMA_STRING, 0, 1, HTTP_REPLY_CURSOR_MAX - 1,
     "next_cursor of the previous page", NULL},
    {"limit", HTTP_SCHEMA_INTEGER, 0, 1, STORE_LIST_MAX, "items per page (50)",
     NULL},
    {0}};

/* Cached answers expire on their own within this, whatever happens to
 * invalidations. */
#define CACHE_TTL_MS (600 * 1000)

static int thread_link(void)
{
    static atomic_int next;
    static _Thread_local int slot = -1;
    if (slot < 0)
        slot = atomic_fetch_add(&next, 1) % API_REDIS_LINKS;
    return slot;
}

queue_conn_t *api__q(api_t *r) { return r->links[thread_link()]; }

queue_cache_t *api__cache(api_t *r)
{
    return r->caches[thread_link()];
}

store_conn_t *api__conn_or_reply(api_t *r, http_req_t *req)
{
    store_conn_t *c;
    avp_error_t err;
    int rc = store_pool_acquire(r->opt.pool, r->opt.acquire_timeout_ms, &c, &err);
    if (rc == AVP_OK)
        return c;
    http_reply_avp_error(req, &err);
    return NULL;
}

int api__role_or_reply(http_req_t *req, int64_t project_id,
                       store_role_t role, store_role_t need)
{
    if (role >= need)
        return AVP_OK;
    http_reply_error(req, 403, "forbidden", "your role in project %" PRId64
                     " is %s; this needs %s", project_id, store_role_name(role),
                     store_role_name(need));
    return AVP_EUNSUPPORTED;
}

int api__access_or_reply(api_t *r, http_req_t *req, store_conn_t *c,
                         store_object_t kind, int64_t id, store_role_t need,
                         int64_t *project_id)
{
    (void)r;
    int64_t pid;
    store_role_t role;
    avp_error_t err;
    int rc = store_object_access(c, kind, id, http_req_user(req)->id, &pid,
                                 &role, &err);
    if (rc < 0) {
        http_reply_avp_error(req, &err);
        return rc;
    }
    if ((rc = api__role_or_reply(req, pid, role, need)) < 0)
        return rc;
    if (project_id)
        *project_id = pid;
    return AVP_OK;
}

void api__get_one(api_t *r, http_req_t *req, store_object_t kind,
                  api_get_fn get)
{
    int64_t id = http_req_param(req, "id");
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, kind, id, STORE_ROLE_VIEWER,
                             NULL) == AVP_OK) {
        if (get(c, id, &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 200, json);
    }
    store_pool_release(c);
}

void api__list_under(api_t *r, http_req_t *req, store_object_t kind,
                     int nkeys, api_list_fn list)
{
    int64_t id = http_req_param(req, "id"), keys[2];
    const int64_t *after;
    int limit;
    store_list_t l = {0};
    avp_error_t err;
    if (api__page_or_reply(req, nkeys, keys, &after, &limit) < 0)
        return;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, kind, id, STORE_ROLE_VIEWER,
                             NULL) == AVP_OK) {
        if (list(c, id, after, limit, &l, &err) < 0)
            http_reply_avp_error(req, &err);
        else
            api__reply_text(req, 200, api__page_json(&l, nkeys));
    }
    store_list_free(&l);
    store_pool_release(c);
}

int api__page_or_reply(http_req_t *req, int nkeys, int64_t keys[2],
                       const int64_t **after, int *limit)
{
    int rc = http_reply_cursor_or_reply(req, keys, nkeys);
    if (rc < 0)
        return rc;
    *after = rc == 1 ? keys : NULL;
    *limit = (int)http_req_query_int(req, "limit", 50);
    return AVP_OK;
}

char *api__page_json(const store_list_t *l, int nkeys)
{
    char cursor[HTTP_REPLY_CURSOR_MAX + 2] = "null";
    if (l->more) {
        char c[HTTP_REPLY_CURSOR_MAX];
        http_reply_cursor_encode(l->key, nkeys, c);
        snprintf(cursor, sizeof cursor, "\"%s\"", c);
    }
    size_t n = strlen(l->json) + strlen(cursor) + 32;
    char *s = avp_malloc(n);
    snprintf(s, n, "{\"items\":%s,\"next_cursor\":%s}", l->json, cursor);
    return s;
}

void api__reply_text(http_req_t *req, int status, char *json)
{
    http_reply_bytes(req, status, "application/json", json, strlen(json));
    avp_free(json);
}

json_t *api__number_or_null(double v, int defined)
{
    return defined && isfinite(v) ? json_real(v) : json_null();
}

void api__reply_cached(api_t *r, http_req_t *req, store_conn_t *c,
                       const char *key, const char *const *tags, int ntags,
                       api_fill_fn fill, void *arg)
{
    char *json = NULL;
    size_t len;
    queue_cache_ticket_t ticket = {{0}};
    avp_error_t err;
    queue_cache_t *cache = r->opt.list_cache_off ? NULL : api__cache(r);
    if (cache && queue_cache_get(cache, key, tags, (size_t)ntags, &json,
                                 &len, &ticket, &err) == 1) {
        http_reply_bytes(req, 200, "application/json", json, len);
        avp_free(json);
        return;
    }
    store_conn_t *own = c ? NULL : api__conn_or_reply(r, req);
    if (!c && !own)
        return;
    if (fill(r, c ? c : own, arg, &json, &err) < 0) {
        store_pool_release(own);
        http_reply_avp_error(req, &err);
        return;
    }
    store_pool_release(own);
    if (cache)
        queue_cache_set(cache, key, json, strlen(json), CACHE_TTL_MS, tags,
                        (size_t)ntags, &ticket, &err);
    api__reply_text(req, 200, json);
}

void api__invalidate(api_t *r, const char *fmt, int64_t id)
{
    if (!r->cache)
        return;
    char tag[64];
    avp_error_t err;
    snprintf(tag, sizeof tag, fmt, id);
    queue_cache_invalidate(api__cache(r), (const char *[]){tag}, 1, &err);
}

typedef char api_tag_t[24];

static void invalidate_tags(api_t *r, const api_tag_t *names, int n)
{
    const char *tags[QUEUE_CACHE_INVALIDATE_MAX];
    avp_error_t err;
    for (int i = 0; i < n; i++)
        tags[i] = names[i];
    queue_cache_invalidate(api__cache(r), tags, (size_t)n, &err);
}

void api__invalidate_people(api_t *r, int64_t project_id,
                            const int64_t *members, int n)
{
    api_tag_t names[QUEUE_CACHE_INVALIDATE_MAX];
    if (!r->cache)
        return;
    int k = 1;
    snprintf(names[0], sizeof names[0], "p:%" PRId64, project_id);
    for (int i = 0; i < n; i++) {
        if (k == QUEUE_CACHE_INVALIDATE_MAX) {
            invalidate_tags(r, names, k);
            k = 0;
        }
        snprintf(names[k++], sizeof names[0], "u:%" PRId64, members[i]);
    }
    invalidate_tags(r, names, k);
}

void api__invalidate_project(api_t *r, store_conn_t *c,
                             int64_t project_id)
{
    int64_t *ids;
    int n;
    avp_error_t err;
    if (!r->cache)
        return;
    if (store_member_ids(c, project_id, &ids, &n, &err) < 0) {
        api__invalidate(r, "p:%" PRId64, project_id);
        fprintf(stderr, "avp serve: cache: %s\n", err.msg);
        return;
    }
    api__invalidate_people(r, project_id, ids, n);
    avp_free(ids);
}

void api__audit(store_conn_t *c, http_req_t *req, const char *action,
                const char *type, int64_t id, json_t *detail)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    avp_error_t err;
    if (store_audit(c, http_req_user(req)->id, action, type, id, text,
                    &err) < 0)
        fprintf(stderr, "avp serve: audit %s %s %" PRId64 ": %s\n", action,
                type, id, err.msg);
    free(text);
    json_decref(detail);
}

void api__path(const api_t *r, const char *rel, char *out)
{
    snprintf(out, PATH_MAX, "%s/%s", r->data_dir, rel);
}

int api__frame_or_reply(http_req_t *req, int64_t frame, int64_t frames)
{
    if (frame >= 0 && frame < frames)
        return AVP_OK;
    if (frames <= 0)
        http_reply_error(req, 400, "bad_request", "frame %" PRId64 " is "
                         "outside the video: its frame count is unknown",
                         frame);
    else
        http_reply_error(req, 400, "bad_request", "frame %" PRId64 " is "
                         "outside the video, which has %" PRId64 " frames "
                         "(0 to %" PRId64 ")", frame, frames, frames - 1);
    return AVP_EINVAL;
}
