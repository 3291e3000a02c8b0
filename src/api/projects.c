/* projects.c - projects and their members. The creator becomes the
 * owner; owners manage members and delete, editors change, viewers read. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

void api__project_create(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    char *fields = json_dumps(http_req_body(req), JSON_COMPACT), *json;
    int64_t id;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c) {
        free(fields);
        return;
    }
    int rc = store_project_create(c, http_req_user(req)->id, fields, &id,
                                  &json, &err);
    free(fields);
    if (rc == AVP_OK) {
        api__invalidate_project(r, c, id);
        api__audit(c, req, "create", "project", id, NULL);
    }
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        api__reply_text(req, 201, json);
}

typedef struct page_arg {
    int64_t id;
    const int64_t *after;
    int limit;
} page_arg_t;

static int fill_projects(api_t *r, store_conn_t *c, void *arg, char **json,
                         avp_error_t *err)
{
    (void)r;
    page_arg_t *a = arg;
    store_list_t l;
    int rc = store_project_list(c, a->id, a->after, a->limit, &l, err);
    if (rc == AVP_OK)
        *json = api__page_json(&l, 2);
    store_list_free(&l);
    return rc;
}

void api__project_list(http_req_t *req, void *ctx)
{
    int64_t keys[2], uid = http_req_user(req)->id;
    page_arg_t a = {uid, NULL, 0};
    if (api__page_or_reply(req, 2, keys, &a.after, &a.limit) < 0)
        return;
    char key[128], tag[32];
    snprintf(key, sizeof key, "projects:%" PRId64 ":%" PRId64 ":%" PRId64 ":%d",
             uid, a.after ? keys[0] : 0, a.after ? keys[1] : 0, a.limit);
    snprintf(tag, sizeof tag, "u:%" PRId64, uid);
    const char *tags[] = {tag};
    api__reply_cached(ctx, req, NULL, key, tags, 1, fill_projects, &a);
}

void api__project_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_project_get(c, http_req_param(req, "id"),
                               http_req_user(req)->id, &json, &err);
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        api__reply_text(req, 200, json);
}

void api__project_update(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    char *fields = NULL, *json = NULL;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, id,
                             STORE_ROLE_EDITOR, NULL) < 0)
        goto out;
    fields = json_dumps(http_req_body(req), JSON_COMPACT);
    if (store_project_update(c, id, fields, &err) < 0 ||
        store_project_get(c, id, http_req_user(req)->id, &json, &err) < 0) {
        http_reply_avp_error(req, &err);
        goto out;
    }
    api__invalidate_project(r, c, id);
    api__audit(c, req, "update", "project", id, json_loads(fields, 0, NULL));
    api__reply_text(req, 200, json);
out:
    free(fields);
    store_pool_release(c);
}

void api__project_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), *members = NULL;
    int n = 0;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, id,
                             STORE_ROLE_OWNER, NULL) < 0)
        goto out;
    /* The members are gone with the project: read them first, invalidate
     * after the delete committed. */
    if (store_member_ids(c, id, &members, &n, &err) < 0 ||
        store_project_delete(c, id, &err) < 0) {
        http_reply_avp_error(req, &err);
        goto out;
    }
    api__invalidate_people(r, id, members, n);
    api__audit(c, req, "delete", "project", id, NULL);
    http_reply_empty(req, 204);
out:
    avp_free(members);
    store_pool_release(c);
}

void api__member_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_PROJECT, 1, store_member_list);
}

/* The user a member request names. Only a name is taken, never an id
 * (ids are sequential: trying them listed every name). An unknown name is
 * a 404 that repeats the name: what the owner needs to fix a typo, and
 * nothing an owner could not learn by asking the name's holder. */
static int member_user_or_reply(http_req_t *req, store_conn_t *c,
                                json_t *body, int64_t *uid)
{
    const char *name = json_string_value(json_object_get(body, "username"));
    avp_error_t err;
    int rc = store_user_id_by_name(c, name, uid, &err);
    if (rc == AVP_ENOTFOUND)
        http_reply_error(req, 404, "not_found", "no user is named '%s'", name);
    else if (rc < 0)
        http_reply_avp_error(req, &err);
    return rc;
}

void api__member_add(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), uid;
    json_t *body = http_req_body(req);
    store_role_t role =
        store_role_parse(json_string_value(json_object_get(body, "role")));
    char *json;
    avp_error_t err;
    if (role == STORE_ROLE_NONE) {
        http_reply_error(req, 400, "bad_request",
                         "field 'role' must be owner, editor or viewer");
        return;
    }
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, id,
                             STORE_ROLE_OWNER, NULL) < 0 ||
        member_user_or_reply(req, c, body, &uid) < 0)
        goto out;
    if (store_member_set(c, id, uid, role, &json, &err) < 0) {
        http_reply_avp_error(req, &err);
        goto out;
    }
    api__invalidate(r, "p:%" PRId64, id);
    api__invalidate(r, "u:%" PRId64, uid);
    api__audit(c, req, "add_member", "project", id,
               json_pack("{s:I, s:s}", "user_id", (json_int_t)uid, "role",
                         store_role_name(role)));
    api__reply_text(req, 201, json);
out:
    store_pool_release(c);
}

void api__member_remove(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    int64_t uid = http_req_param(req, "user_id");
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    /* Anyone may leave; removing others takes an owner. */
    store_role_t need =
        uid == http_req_user(req)->id ? STORE_ROLE_VIEWER : STORE_ROLE_OWNER;
    if (api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, id, need,
                             NULL) == AVP_OK) {
        if (store_member_remove(c, id, uid, &err) < 0)
            http_reply_avp_error(req, &err);
        else {
            api__invalidate(r, "p:%" PRId64, id);
            api__invalidate(r, "u:%" PRId64, uid);
            api__audit(c, req, "remove_member", "project", id,
                       json_pack("{s:I}", "user_id", (json_int_t)uid));
            http_reply_empty(req, 204);
        }
    }
    store_pool_release(c);
}
