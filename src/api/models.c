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
    char *names; /* the model's own class names as a JSON array, or NULL */
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
        json_t *names = json_object_get(root, "names");
        if (json_array_size(names) == (size_t)f->num_classes) {
            char *tmp = json_dumps(names, JSON_COMPACT);
            f->names = avp_strdup(tmp);
            free(tmp);
        }
        rc = AVP_OK;
    }
    json_decref(root);
    return rc;
}

/* What the loader child may map beyond what it has at start: the model
 * file read whole, its weights unpacked (at most the file's size again)
 * and the planner's buffers, with room to spare. A file built to make the
 * loader allocate more fails to load (415) instead of taking the host. */
static uint64_t loader_memory(const api_t *r)
{
    return 2 * r->opt.max_model + (1ull << 30);
}

static int inspect_or_reply(api_t *r, http_req_t *req, const char *path,
                            model_facts_t *f)
{
    char *out, mem[32];
    snprintf(mem, sizeof mem, "%" PRIu64, loader_memory(r));
    const char *args[] = {"models", "inspect", "--json", "--max-memory", mem,
                          path, NULL};
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

/* The model's names (its metadata), else COCO's for 80-class models, else
 * an empty list. Takes f->names. */
static char *class_names(model_facts_t *f)
{
    int num_classes = f->num_classes;
    char *own = f->names;
    f->names = NULL;
    if (own)
        return own;
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

/* Admins are trusted (docs/SECURITY.md) and have no quota. */
static store_quota_t quota_of(const api_t *r, const http_auth_user_t *u)
{
    return (store_quota_t){u->admin ? 0 : r->opt.model_quota,
                           u->admin ? 0 : (int64_t)r->opt.model_quota_bytes,
                           0, 0};
}

/* 409 when the user has as many models as allowed, 413 when size bytes
 * more would pass the byte quota; each names its limit. */
static void reply_quota(http_req_t *req, const store_quota_t *q, int64_t size)
{
    if (q->max_count && q->count >= q->max_count)
        http_reply_error(req, 409, "conflict",
                         "model quota reached: %" PRId64 " models per user "
                         "(AVP_MODEL_QUOTA); delete one first",
                         q->max_count);
    else
        http_reply_error(req, 413, "payload_too_large",
                         "model quota exceeded: %" PRId64 " bytes per user "
                         "(AVP_MODEL_QUOTA_BYTES), %" PRId64 " used, this "
                         "model %" PRId64, q->max_bytes, q->bytes, size);
}

/* Refuses before the body is read when the quota is used up already. */
static int room_or_reply(api_t *r, http_req_t *req, store_quota_t *q)
{
    avp_error_t err;
    if (!q->max_count && !q->max_bytes)
        return AVP_OK;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return AVP_EUNAVAILABLE;
    int rc = store_model_usage(c, http_req_user(req)->id, q, &err);
    store_pool_release(c);
    if (rc < 0)
        http_reply_avp_error(req, &err);
    else if ((q->max_count && q->count >= q->max_count) ||
             (q->max_bytes && q->bytes >= q->max_bytes)) {
        reply_quota(req, q, 1);
        rc = AVP_EBUSY;
    }
    return rc;
}

void api__model_upload(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    const char *name =
        json_string_value(json_object_get(http_req_query(req), "name"));
    api_upload_t up;
    model_facts_t f = {0};
    char rel[128], abs[PATH_MAX], *json, *names;
    int64_t id;
    int rc;
    avp_error_t err;
    store_quota_t q = quota_of(r, http_req_user(req));
    if (room_or_reply(r, req, &q) < 0 ||
        api__receive_or_reply(r, req, "models", &up) < 0)
        return;
    if (inspect_or_reply(r, req, up.tmp, &f) < 0) {
        unlink(up.tmp);
        return;
    }
    snprintf(rel, sizeof rel, "models/%.16s-%s.onnx", up.sha256,
             strrchr(up.tmp, '-') + 1);
    api__path(r, rel, abs);
    if (rename(up.tmp, abs) < 0) {
        unlink(up.tmp);
        avp_free(f.names);
        http_reply_unavailable(req, 5, "cannot store the model");
        return;
    }
    if (api__blob_publish_or_reply(r, req, up.sha256, abs) < 0) {
        unlink(abs);
        avp_free(f.names);
        return;
    }
    names = class_names(&f);
    store_model_new_t m = {http_req_user(req)->id, name, rel, up.sha256,
                           f.family, f.input_w, f.input_h, f.num_classes,
                           names, (int64_t)up.size};
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        unlink(abs);
    else if ((rc = store_model_insert_within(c, &m, &q, &id, &json, &err)) <
             0) {
        unlink(abs);
        if (rc == AVP_EBUSY)
            reply_quota(req, &q, m.size_bytes);
        else
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

static json_int_t runs_of(const json_t *o)
{
    return json_integer_value(json_object_get(o, "runs"));
}

/* Where the runs of uses (store_model_delete) are, in words, the first
 * few projects by name: "2 in project \"cams\" (5), 1 in 1 project you
 * are not a member of". */
static void uses_words(const json_t *uses, char *out, size_t cap)
{
    enum { NAMED_MAX = 5 };
    const json_t *projects = json_object_get(uses, "projects");
    json_int_t others =
        json_integer_value(json_object_get(uses, "other_projects"));
    json_int_t rest = 0;
    size_t n = json_array_size(projects), len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        const json_t *p = json_array_get(projects, i);
        if (i >= NAMED_MAX) {
            rest += runs_of(p);
            continue;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%" JSON_INTEGER_FORMAT
            " in project \"%s\" (%" JSON_INTEGER_FORMAT ")", i ? ", " : "",
            runs_of(p), json_string_value(json_object_get(p, "name")),
            json_integer_value(json_object_get(p, "id")));
    }
    if (rest && len < cap)
        len += (size_t)snprintf(out + len, cap - len, ", %" JSON_INTEGER_FORMAT
                                " in %zu more of your projects", rest,
                                n - NAMED_MAX);
    if (others && len < cap)
        snprintf(out + len, cap - len, "%s%" JSON_INTEGER_FORMAT " in %"
                 JSON_INTEGER_FORMAT " project%s you are not a member of",
                 n ? ", " : "",
                 json_integer_value(json_object_get(uses, "other_runs")),
                 others, others == 1 ? "" : "s");
}

/* 409: the model stays while runs use it. The error carries the counts
 * (runs, projects, other_projects, other_runs) for a client to show. */
static void in_use_reply(http_req_t *req, int64_t id, const char *uses_text)
{
    json_t *uses = json_loads(uses_text, 0, NULL);
    /* Room for five names of 200 characters of UTF-8: cut, a name could
     * end mid-character, which a JSON string cannot hold. */
    char where[5 * 1024], msg[sizeof where + 256];
    uses_words(uses, where, sizeof where);
    snprintf(msg, sizeof msg, "model %" PRId64 " is used by %" JSON_INTEGER_FORMAT
             " runs (%s); it can be deleted once no run uses it (a run goes "
             "with its video)", id,
             runs_of(uses), where);
    json_object_set_new(uses, "code", json_string("conflict"));
    json_object_set_new(uses, "message", json_string(msg));
    http_reply_json(req, 409, json_pack("{s:o}", "error", uses));
}

/* Only its uploader or an admin may delete a model, and only while no run
 * uses it: models are shared by every project, and the runs of one belong
 * to projects the caller may not be in (store_model_delete). */
void api__model_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    const http_auth_user_t *u = http_req_user(req);
    char rel[PATH_MAX], abs[PATH_MAX], *uses;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    int rc = store_model_delete(c, id, u->id, u->admin, rel, sizeof rel,
                                &uses, &err);
    if (uses)
        in_use_reply(req, id, uses);
    else if (rc == AVP_EUNSUPPORTED)
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
    avp_free(uses);
    store_pool_release(c);
}
