/* routes.c - the API's life cycle and registration: the routes record
 * and its Redis links, the server's hooks, and api_register, which has
 * every handler file add its route table. Registration starts here only:
 * common.c, which every handler file uses, registers nothing, so no
 * handler file depends on another through it. */
#include "api/internal.h"

/* Lazy links: Redis down at start is not an error, and an idle link costs
 * one socket. */
static int open_links(api_t *r, avp_error_t *err)
{
    for (int i = 0; i < API_REDIS_LINKS; i++) {
        int rc = queue_conn_open(r->redis_url,
                                 &(queue_opts_t){.lazy = 1,
                                                 .command_timeout_ms = 1000},
                                 &r->links[i], err);
        if (rc < 0)
            return rc;
        r->caches[i] = queue_cache_create(r->links[i]);
    }
    r->q = r->links[0];
    r->cache = r->caches[0];
    return AVP_OK;
}

int api_create(const api_options_t *opt, api_t **out, avp_error_t *err)
{
    *out = NULL;
    api_t *r = avp_calloc(1, sizeof *r);
    r->opt = *opt;
    r->data_dir = avp_strdup(opt->data_dir);
    if (!r->opt.max_upload)
        r->opt.max_upload = 4ull << 30;
    if (!r->opt.max_model)
        r->opt.max_model = 1ull << 30;
    if (!r->opt.acquire_timeout_ms)
        r->opt.acquire_timeout_ms = 2000;
    api__engine_limit(opt->engine_max);
    r->group = store_group_create(opt->pool, r->opt.acquire_timeout_ms);
    if (opt->redis_url) {
        r->redis_url = avp_strdup(opt->redis_url);
        int rc = open_links(r, err);
        if (rc < 0) {
            api_destroy(r);
            return rc;
        }
    }
    api__auth_store_init(r);
    *out = r;
    return AVP_OK;
}

void api_destroy(api_t *r)
{
    if (!r)
        return;
    api__live_stop(r);
    api__auth_store_fini(r);
    store_group_destroy(r->group);
    for (int i = 0; i < API_REDIS_LINKS; i++) {
        queue_cache_destroy(r->caches[i]);
        queue_conn_close(r->links[i]);
    }
    api__vitals_destroy(r->vitals);
    avp_free(r->redis_url);
    avp_free(r->data_dir);
    avp_free(r);
}

void api_server_options(api_t *r, http_server_options_t *opt)
{
    opt->auth_store = &r->auth;
    opt->ready = api__ready;
    opt->ready_ctx = r;
    opt->ws_access = api__ws_access;
    opt->ws_access_ctx = r;
    opt->ws_hello = api__ws_hello;
    opt->ws_hello_ctx = r;
    opt->title = "AVP API";
    opt->description = "Validation of YOLO object detectors on video.";
}

int api__add_routes(http_server_t *srv, const http_route_t *routes, size_t n,
                    avp_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = http_server_add_route(srv, &routes[i], err);
        if (rc < 0)
            return rc;
    }
    return AVP_OK;
}

int api_register(api_t *r, http_server_t *srv, avp_error_t *err)
{
    int (*const add[])(api_t *, http_server_t *, avp_error_t *) = {
        api__add_accounts, api__add_projects,   api__add_videos,
        api__add_models,   api__add_tasks,      api__add_detections,
        api__add_gt,       api__add_gt_io,      api__add_eval,
        api__add_autogt,   api__add_gt_export,
        api__add_compare,  api__add_classmap,
        api__add_ops,      api__add_test_sessions};
    r->srv = srv;
    for (size_t i = 0; i < AVP_ARRAY_LEN(add); i++) {
        int rc = add[i](r, srv, err);
        if (rc < 0)
            return rc;
    }
    return api__live_start(r, err);
}
