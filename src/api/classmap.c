/* classmap.c - a project's class map (which model or device class
 * counts as which ground-truth class in its metrics): read by members,
 * replaced whole by editors. The map is checked by eval_class_map_create,
 * the same code that applies it, so a stored map always means something;
 * the replacement and its audit record are one statement
 * (store/catalog_classmap.c). Reads are cached under the project's tag,
 * which the replacement invalidates. */
#include "api/internal.h"

#include "eval/eval.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* {"map": <map>} from the stored map text, which it frees. */
static char *wrap(char *map)
{
    size_t n = strlen(map) + 16;
    char *s = avp_malloc(n);
    snprintf(s, n, "{\"map\":%s}", map);
    avp_free(map);
    return s;
}

static int fill_map(api_t *r, store_conn_t *c, void *arg, char **json,
                    avp_error_t *err)
{
    (void)r;
    char *map;
    int rc = store_class_map_get(c, *(int64_t *)arg, &map, err);
    if (rc == AVP_OK)
        *json = wrap(map);
    return rc;
}

void api__class_map_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, id,
                             STORE_ROLE_VIEWER, NULL) == AVP_OK) {
        char key[64], tag[32];
        snprintf(key, sizeof key, "classmap:%" PRId64, id);
        snprintf(tag, sizeof tag, "p:%" PRId64, id);
        const char *tags[] = {tag};
        api__reply_cached(r, req, c, key, tags, 1, fill_map, &id);
    }
    store_pool_release(c);
}

void api__class_map_put(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    const json_t *body = json_object_get(http_req_body(req), "map");
    eval_class_map_t *map;
    avp_error_t err;
    /* The map's shape first: a bad map is a 400 whoever asks. */
    if (eval_class_map_create(body, &map, &err) < 0) {
        http_reply_avp_error(req, &err);
        return;
    }
    eval_class_map_destroy(map);
    char *text = json_dumps(body, JSON_COMPACT), *json;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (c && api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, id,
                                  STORE_ROLE_EDITOR, NULL) == AVP_OK) {
        if (store_class_map_put(c, id, http_req_user(req)->id, text, &json,
                                &err) < 0) {
            http_reply_avp_error(req, &err);
        } else {
            api__invalidate(r, "p:%" PRId64, id);
            api__reply_text(req, 200, wrap(json));
            api__project_test_sessions_changed(r, c, id);
        }
    }
    store_pool_release(c);
    free(text);
}
