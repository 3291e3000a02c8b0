/* routes_models.c - detector models, shared by every project: upload (the
 * file must load with AVP's own runtime and look like a YOLO detector),
 * list, get, delete (its uploader or an admin). */
#include "server/routes_internal.h"

#include "detect/detect.h"
#include "infer/infer.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What the upload is, read by loading it; replies on failure. */
typedef struct model_facts {
    char family[32];
    int input_w, input_h, num_classes;
} model_facts_t;

static int inspect_or_reply(server_req_t *req, const char *path,
                            model_facts_t *f)
{
    infer_model_t *m;
    avp_error_t err;
    if (infer_model_load(path, &(infer_options_t){1, 1}, &m, &err) < 0) {
        reply_error(req, err.code == AVP_EUNSUPPORTED ? 415 : 400,
                    err.code == AVP_EUNSUPPORTED ? "unsupported_media_type"
                                                 : "bad_request",
                    "%s", err.msg);
        return err.code;
    }
    const infer_info_t *info = infer_model_info(m);
    const infer_tensor_info_t *in = &info->inputs[0];
    int rc = AVP_OK;
    if (info->family == INFER_FAMILY_UNKNOWN || info->num_classes <= 0 ||
        in->ndim != 4) {
        reply_error(req, 415, "unsupported_media_type",
                    "the model loads but is not a YOLO detector AVP knows "
                    "(YOLOX, YOLOv5, YOLOv8 outputs)");
        rc = AVP_EUNSUPPORTED;
    } else {
        snprintf(f->family, sizeof f->family, "%s",
                 infer_family_name(info->family));
        f->input_h = (int)in->dims[2];
        f->input_w = (int)in->dims[3];
        f->num_classes = info->num_classes;
    }
    infer_model_destroy(m);
    return rc;
}

/* COCO's names for 80-class models; an empty list otherwise. */
static char *class_names(int num_classes)
{
    json_t *a = json_array();
    detect_names_t *coco = num_classes == 80 ? detect_names_coco() : NULL;
    for (int i = 0; coco && i < num_classes; i++)
        json_array_append_new(a, json_string(detect_names_get(coco, i)));
    detect_names_destroy(coco);
    char *tmp = json_dumps(a, JSON_COMPACT), *s = avp_strdup(tmp);
    free(tmp);
    json_decref(a);
    return s;
}

static void model_upload(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    const char *name =
        json_string_value(json_object_get(server_req_query(req), "name"));
    routes_upload_t up;
    model_facts_t f;
    char rel[128], abs[PATH_MAX], *json, *names;
    int64_t id;
    avp_error_t err;
    if (routes__receive_or_reply(r, req, "models", &up) < 0)
        return;
    if (inspect_or_reply(req, up.tmp, &f) < 0) {
        unlink(up.tmp);
        return;
    }
    snprintf(rel, sizeof rel, "models/%.16s-%s.onnx", up.sha256,
             strrchr(up.tmp, '-') + 1);
    routes__path(r, rel, abs);
    if (rename(up.tmp, abs) < 0) {
        unlink(up.tmp);
        reply_unavailable(req, 5, "cannot store the model");
        return;
    }
    names = class_names(f.num_classes);
    store_model_new_t m = {server_req_user(req)->id, name, rel, up.sha256,
                           f.family, f.input_w, f.input_h, f.num_classes,
                           names, (int64_t)up.size};
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        unlink(abs);
    else if (store_model_insert(c, &m, &id, &json, &err) < 0) {
        unlink(abs);
        reply_avp_error(req, &err);
    } else {
        routes__invalidate(r, "models", 0);
        routes__audit(c, req, "upload", "model", id,
                      json_pack("{s:s}", "sha256", up.sha256));
        routes__reply_text(req, 201, json);
    }
    store_pool_release(c);
    avp_free(names);
}

typedef struct list_arg {
    const int64_t *after;
    int limit;
} list_arg_t;

static int fill_models(routes_t *r, store_conn_t *c, void *arg, char **json,
                       avp_error_t *err)
{
    (void)r;
    list_arg_t *a = arg;
    store_list_t l;
    int rc = store_model_list(c, a->after, a->limit, &l, err);
    if (rc == AVP_OK)
        *json = routes__page_json(&l, 2);
    store_list_free(&l);
    return rc;
}

static void model_list(server_req_t *req, void *ctx)
{
    int64_t keys[2];
    list_arg_t a;
    if (routes__page_or_reply(req, 2, keys, &a.after, &a.limit) < 0)
        return;
    char key[128];
    snprintf(key, sizeof key, "models:%" PRId64 ":%" PRId64 ":%d",
             a.after ? keys[0] : 0, a.after ? keys[1] : 0, a.limit);
    const char *tags[] = {"models"};
    routes__reply_cached(ctx, req, NULL, key, tags, 1, fill_models, &a);
}

static void model_get(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    char *json;
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_model_get(c, server_req_param(req, "id"), &json, &err);
    store_pool_release(c);
    if (rc < 0)
        reply_avp_error(req, &err);
    else
        routes__reply_text(req, 200, json);
}

static void model_delete(server_req_t *req, void *ctx)
{
    routes_t *r = ctx;
    int64_t id = server_req_param(req, "id");
    const auth_user_t *u = server_req_user(req);
    char rel[PATH_MAX], abs[PATH_MAX];
    avp_error_t err;
    store_conn_t *c = routes__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_model_delete(c, id, u->id, u->admin, rel, sizeof rel, &err);
    if (rc == AVP_EUNSUPPORTED)
        reply_error(req, 403, "forbidden", "%s", err.msg);
    else if (rc < 0)
        reply_avp_error(req, &err);
    else {
        routes__path(r, rel, abs);
        unlink(abs);
        routes__invalidate(r, "models", 0);
        routes__audit(c, req, "delete", "model", id, NULL);
        reply_empty(req, 204);
    }
    store_pool_release(c);
}

int routes__add_models(routes_t *r, server_t *srv, avp_error_t *err)
{
    static const schema_field_t upload_query[] = {
        {"name", SCHEMA_STRING, 1, 1, 200, "the model's name"}, {0}};
    const server_route_t routes[] = {
        {"POST", "/api/models", "models_upload",
         "Upload an ONNX detector: the raw file is the body", model_upload, r,
         SERVER_RAW_BODY, NULL, upload_query, (size_t)r->opt.max_model},
        {"GET", "/api/models", "models_list", "Models, newest first",
         model_list, r, 0, NULL, routes__list_query, 0},
        {"GET", "/api/models/{id}", "models_get", "A model", model_get, r, 0,
         NULL, NULL, 0},
        {"DELETE", "/api/models/{id}", "models_delete",
         "Delete a model and its runs (its uploader or an admin)",
         model_delete, r, 0, NULL, NULL, 0},
    };
    return routes__add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}
