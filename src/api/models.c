/* models.c - detector models, shared by every project: upload (the
 * file must load with AVP's own runtime and look like a YOLO detector),
 * list, get, delete (its uploader or an admin). The loading happens in a
 * child process (child.c says why). */
#include "api/internal.h"

#include "detect/detect.h"

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

/* The facts from the inspector's JSON; AVP_EUNSUPPORTED when the model is
 * not a detector AVP knows. */
static int parse_facts(const char *text, model_facts_t *f)
{
    json_t *root = json_loads(text, 0, NULL);
    json_t *shape = json_object_get(
        json_array_get(json_object_get(root, "inputs"), 0), "shape");
    const char *family =
        json_string_value(json_object_get(root, "family"));
    f->num_classes =
        (int)json_integer_value(json_object_get(root, "num_classes"));
    int rc = AVP_EUNSUPPORTED;
    if (family && strcmp(family, "unknown") && f->num_classes > 0 &&
        json_array_size(shape) == 4) {
        snprintf(f->family, sizeof f->family, "%s", family);
        f->input_h = (int)json_integer_value(json_array_get(shape, 2));
        f->input_w = (int)json_integer_value(json_array_get(shape, 3));
        rc = AVP_OK;
    }
    json_decref(root);
    return rc;
}

static int inspect_or_reply(http_req_t *req, const char *path,
                            model_facts_t *f)
{
    char *out;
    const char *args[] = {"models", "inspect", "--json", path, NULL};
    int status = api__run_engine(args, API_ENGINE_TIMEOUT_S, &out);
    int rc = AVP_OK;
    if (status == API_ENGINE_KILLED) {
        http_reply_error(req, 415, "unsupported_media_type",
                         "not a model AVP can load: the loader crashed or took "
                         "over %d s", API_ENGINE_TIMEOUT_S);
        rc = AVP_EUNSUPPORTED;
    } else if (status < 0) {
        http_reply_unavailable(req, 5, "cannot inspect the model now");
        rc = AVP_EUNAVAILABLE;
    } else if (status != 0) {
        /* The loader's reason, after "avp models: <temporary path>: ". */
        const char *why = api__after_path(out, path);
        out[strcspn(out, "\n")] = '\0';
        http_reply_error(req, 415, "unsupported_media_type",
                         "not a model AVP can load: %s", why);
        rc = AVP_EUNSUPPORTED;
    } else if ((rc = parse_facts(out, f)) < 0) {
        http_reply_error(req, 415, "unsupported_media_type",
                         "the model loads but is not a YOLO detector AVP knows "
                         "(YOLOX, YOLOv5, YOLOv8 outputs)");
    }
    avp_free(out);
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

void api__model_upload(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    const char *name =
        json_string_value(json_object_get(http_req_query(req), "name"));
    api_upload_t up;
    model_facts_t f;
    char rel[128], abs[PATH_MAX], *json, *names;
    int64_t id;
    avp_error_t err;
    if (api__receive_or_reply(r, req, "models", &up) < 0)
        return;
    if (inspect_or_reply(req, up.tmp, &f) < 0) {
        unlink(up.tmp);
        return;
    }
    snprintf(rel, sizeof rel, "models/%.16s-%s.onnx", up.sha256,
             strrchr(up.tmp, '-') + 1);
    api__path(r, rel, abs);
    if (rename(up.tmp, abs) < 0) {
        unlink(up.tmp);
        http_reply_unavailable(req, 5, "cannot store the model");
        return;
    }
    names = class_names(f.num_classes);
    store_model_new_t m = {http_req_user(req)->id, name, rel, up.sha256,
                           f.family, f.input_w, f.input_h, f.num_classes,
                           names, (int64_t)up.size};
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        unlink(abs);
    else if (store_model_insert(c, &m, &id, &json, &err) < 0) {
        unlink(abs);
        http_reply_avp_error(req, &err);
    } else {
        api__invalidate(r, "models", 0);
        api__audit(c, req, "upload", "model", id,
                   json_pack("{s:s}", "sha256", up.sha256));
        api__reply_text(req, 201, json);
    }
    store_pool_release(c);
    avp_free(names);
}

typedef struct list_arg {
    const int64_t *after;
    int limit;
} list_arg_t;

static int fill_models(api_t *r, store_conn_t *c, void *arg, char **json,
                       avp_error_t *err)
{
    (void)r;
    list_arg_t *a = arg;
    store_list_t l;
    int rc = store_model_list(c, a->after, a->limit, &l, err);
    if (rc == AVP_OK)
        *json = api__page_json(&l, 2);
    store_list_free(&l);
    return rc;
}

void api__model_list(http_req_t *req, void *ctx)
{
    int64_t keys[2];
    list_arg_t a;
    if (api__page_or_reply(req, 2, keys, &a.after, &a.limit) < 0)
        return;
    char key[128];
    snprintf(key, sizeof key, "models:%" PRId64 ":%" PRId64 ":%d",
             a.after ? keys[0] : 0, a.after ? keys[1] : 0, a.limit);
    const char *tags[] = {"models"};
    api__reply_cached(ctx, req, NULL, key, tags, 1, fill_models, &a);
}

void api__model_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_model_get(c, http_req_param(req, "id"), &json, &err);
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else
        api__reply_text(req, 200, json);
}

void api__model_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    const http_auth_user_t *u = http_req_user(req);
    char rel[PATH_MAX], abs[PATH_MAX];
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_model_delete(c, id, u->id, u->admin, rel, sizeof rel, &err);
    if (rc == AVP_EUNSUPPORTED)
        http_reply_error_from(req, 403, "forbidden", &err);
    else if (rc < 0)
        http_reply_avp_error(req, &err);
    else {
        api__path(r, rel, abs);
        unlink(abs);
        api__invalidate(r, "models", 0);
        api__audit(c, req, "delete", "model", id, NULL);
        http_reply_empty(req, 204);
    }
    store_pool_release(c);
}
