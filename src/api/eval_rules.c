/* eval_rules.c - evaluation rules stored per project (its default) and per
 * video (a camera's: its ignore regions), migrations/0024: read by
 * members, replaced or cleared by editors, each change audited. They are
 * checked by eval_rules_parse, the code that applies them, before they are
 * stored, so stored rules always mean something; an evaluation whose
 * request gives no rules takes the video's, else the project's
 * (api__eval_rules_stored) and its manifest says which. */
#include "api/internal.h"

#include "eval/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {"rules": <rules>} from the stored text, which it frees. */
static char *wrap(char *rules)
{
    size_t n = strlen(rules) + 16;
    char *s = avp_malloc(n);
    snprintf(s, n, "{\"rules\":%s}", rules);
    avp_free(rules);
    return s;
}

/* The stored rules of a project or a video as {"rules": ...}. */
static int rules_json(store_conn_t *c, store_object_t kind, int64_t id,
                      char **json, avp_error_t *err)
{
    int rc = store_eval_rules_get(c, kind, id, json, err);
    if (rc == AVP_OK)
        *json = wrap(*json);
    return rc;
}

static int project_rules(store_conn_t *c, int64_t id, char **json,
                         avp_error_t *err)
{
    return rules_json(c, STORE_OBJ_PROJECT, id, json, err);
}

static int video_rules(store_conn_t *c, int64_t id, char **json,
                       avp_error_t *err)
{
    return rules_json(c, STORE_OBJ_VIDEO, id, json, err);
}

/* Stores rules (NULL: clears them) after the editor check; 200 with the
 * stored rules, or 204 when cleared. */
static void rules_store(http_req_t *req, api_t *r, store_object_t kind,
                        const char *rules)
{
    int64_t id = http_req_param(req, "id");
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, kind, id, STORE_ROLE_EDITOR, NULL) ==
        AVP_OK) {
        if (store_eval_rules_put(c, kind, id, http_req_user(req)->id, rules,
                                 &json, &err) < 0)
            http_reply_avp_error(req, &err);
        else if (rules)
            api__reply_text(req, 200, wrap(json));
        else {
            avp_free(json);
            http_reply_empty(req, 204);
        }
    }
    store_pool_release(c);
}

static void rules_put(http_req_t *req, api_t *r, store_object_t kind)
{
    const json_t *body = json_object_get(http_req_body(req), "rules");
    eval_rules_t *rules;
    avp_error_t err;
    /* The rules' shape first: bad rules are a 400 whoever asks. */
    if (eval_rules_parse(body, &rules, &err) < 0) {
        avp_error_prefix(&err, "rules");
        http_reply_avp_error(req, &err);
        return;
    }
    eval_rules_destroy(rules);
    char *text = json_dumps(body, JSON_COMPACT);
    rules_store(req, r, kind, text);
    free(text);
}

void api__project_rules_get(http_req_t *req, void *ctx)
{
    api__get_one(ctx, req, STORE_OBJ_PROJECT, project_rules);
}

void api__project_rules_put(http_req_t *req, void *ctx)
{
    rules_put(req, ctx, STORE_OBJ_PROJECT);
}

void api__project_rules_delete(http_req_t *req, void *ctx)
{
    rules_store(req, ctx, STORE_OBJ_PROJECT, NULL);
}

void api__video_rules_get(http_req_t *req, void *ctx)
{
    api__get_one(ctx, req, STORE_OBJ_VIDEO, video_rules);
}

void api__video_rules_put(http_req_t *req, void *ctx)
{
    rules_put(req, ctx, STORE_OBJ_VIDEO);
}

void api__video_rules_delete(http_req_t *req, void *ctx)
{
    rules_store(req, ctx, STORE_OBJ_VIDEO, NULL);
}

int api__eval_rules_stored(store_conn_t *c, int64_t video_id,
                           eval_rules_t **out, const char **source,
                           avp_error_t *err)
{
    char *text;
    *out = NULL;
    *source = NULL;
    int rc = store_eval_rules_for_video(c, video_id, &text, err);
    if (rc < 0)
        return rc;
    json_t *j = json_loads(text, 0, NULL);
    avp_free(text);
    const json_t *rules = json_object_get(j, "rules");
    if (json_is_object(rules)) {
        rc = eval_rules_parse(rules, out, err);
        if (rc < 0)
            avp_error_prefix(err, "stored evaluation rules");
        /* static strings: the source outlives j */
        *source = !strcmp(json_string_value(json_object_get(j, "source")),
                          "video") ? "video" : "project";
    }
    json_decref(j);
    return rc;
}
