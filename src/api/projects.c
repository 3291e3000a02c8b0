/* projects.c - projects and their members. The creator becomes the
 * owner; owners manage members and delete, editors change, viewers read. */
#include "api/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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

static void project_create(http_req_t *req, void *ctx)
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

static void project_list(http_req_t *req, void *ctx)
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

static void project_get(http_req_t *req, void *ctx)
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

static void project_update(http_req_t *req, void *ctx)
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

static void project_delete(http_req_t *req, void *ctx)
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

static void member_list(http_req_t *req, void *ctx)
{
    api__list_under(ctx, req, STORE_OBJ_PROJECT, 1, store_member_list);
}

/* The user a member request names: user_id, or username looked up. */
static int member_user_or_reply(http_req_t *req, store_conn_t *c,
                                json_t *body, int64_t *uid)
{
    json_t *id = json_object_get(body, "user_id");
    json_t *name = json_object_get(body, "username");
    avp_error_t err;
    if (!id == !name) {
        http_reply_error(req, 400, "bad_request",
                         "give exactly one of user_id and username");
        return AVP_EINVAL;
    }
    if (id) {
        *uid = json_integer_value(id);
        return AVP_OK;
    }
    int rc = store_user_id_by_name(c, json_string_value(name), uid, &err);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    return rc;
}

static void member_add(http_req_t *req, void *ctx)
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

static void member_remove(http_req_t *req, void *ctx)
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

int api__add_projects(api_t *r, http_server_t *srv, avp_error_t *err)
{
    static const http_schema_field_t member_body[] = {
        {"user_id", HTTP_SCHEMA_INTEGER, 0, 1, 9.2e18, NULL, NULL},
        {"username", HTTP_SCHEMA_STRING, 0, 1, 64, NULL, NULL},
        {"role", HTTP_SCHEMA_STRING, 1, 1, 16, "owner, editor or viewer", NULL},
        {0}};
    const http_route_t routes[] = {
        {"POST", "/api/projects", "projects_create",
         "Create a project (the caller becomes its owner)", project_create, r,
         0, create_body, NULL, 0},
        {"GET", "/api/projects", "projects_list",
         "Projects the caller is a member of, newest first", project_list, r,
         0, NULL, api__list_query, 0},
        {"GET", "/api/projects/{id}", "projects_get", "A project",
         project_get, r, 0, NULL, NULL, 0},
        {"PATCH", "/api/projects/{id}", "projects_update",
         "Change a project's fields (editor)", project_update, r, 0,
         update_body, NULL, 0},
        {"DELETE", "/api/projects/{id}", "projects_delete",
         "Delete a project with its videos and runs (owner)", project_delete,
         r, 0, NULL, NULL, 0},
        {"GET", "/api/projects/{id}/members", "members_list",
         "Members of a project", member_list, r, 0, NULL, api__list_query,
         0},
        {"POST", "/api/projects/{id}/members", "members_add",
         "Add a member or change a role (owner)", member_add, r, 0,
         member_body, NULL, 0},
        {"DELETE", "/api/projects/{id}/members/{user_id}", "members_remove",
         "Remove a member (owner, or the member itself)", member_remove, r, 0,
         NULL, NULL, 0},
    };
    return api__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
