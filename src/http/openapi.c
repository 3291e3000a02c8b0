/* openapi.c - the OpenAPI 3.1 document of every route, generated from the
 * route table at start so it cannot miss an endpoint. */
#include "http/internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static json_t *error_schema(void)
{
    return json_pack("{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}}, s:[s,s]}}, s:[s]}",
                     "type", "object", "properties", "error", "type", "object",
                     "properties", "code", "type", "string", "message", "type",
                     "string", "required", "code", "message", "required",
                     "error");
}

static json_t *components(void)
{
    return json_pack("{s:{s:o}, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}}}",
                     "schemas", "Error", error_schema(), "securitySchemes",
                     "cookie", "type", "apiKey", "in", "cookie", "name",
                     HTTP_AUTH_COOKIE, "bearer", "type", "http", "scheme",
                     "bearer");
}

static json_t *parameters(const http_server_t *srv, int i)
{
    const http_route_t *rt = &srv->routes[i].route;
    json_t *params = json_array();
    const char *names[HTTP_ROUTER_MAX_PARAMS];
    int n = http_router_params(srv->router, i, names);
    for (int p = 0; p < n; p++)
        json_array_append_new(
            params,
            json_pack("{s:s, s:s, s:b, s:{s:s, s:s, s:i}}", "name", names[p],
                      "in", "path", "required", 1, "schema", "type", "integer",
                      "format", "int64", "minimum", 1));
    for (const http_schema_field_t *f = rt->query; f && f->name; f++)
        json_array_append_new(
            params, json_pack("{s:s, s:s, s:b, s:o}", "name", f->name, "in",
                              "query", "required", f->required, "schema",
                              http_schema_field_to_openapi(f)));
    return params;
}

static json_t *responses(const http_route_t *rt)
{
    json_t *err = json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "Error",
                            "content", "application/json", "schema", "$ref",
                            "#/components/schemas/Error");
    const char *ok = rt->flags & HTTP_WEBSOCKET ? "101" : "200";
    const char *what =
        rt->flags & HTTP_WEBSOCKET ? "Switching to WebSocket" : "Success";
    return json_pack("{s:{s:s}, s:o}", ok, "description", what, "default", err);
}

static json_t *operation(const http_server_t *srv, int i)
{
    const http_route_t *rt = &srv->routes[i].route;
    json_t *op =
        json_pack("{s:s, s:s, s:o, s:o}", "operationId", rt->name, "summary",
                  rt->summary ? rt->summary : rt->name, "parameters",
                  parameters(srv, i), "responses", responses(rt));
    if (rt->body)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:o}}}", "required", 1,
                                      "content", "application/json", "schema",
                                      http_schema_to_openapi(rt->body)));
    else if (rt->flags & HTTP_RAW_BODY)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s, s:s}}}}", "required",
                                      1, "content", "application/octet-stream",
                                      "schema", "type", "string", "format",
                                      "binary"));
    json_object_set_new(
        op, "security",
        rt->flags & HTTP_PUBLIC
            ? json_array()
            : json_pack("[{s:[]}, {s:[]}]", "cookie", "bearer"));
    return op;
}

void http__openapi_build(http_server_t *srv)
{
    json_t *paths = json_object();
    for (int i = 0; i < srv->nroutes; i++) {
        const http_route_t *rt = &srv->routes[i].route;
        json_t *item = json_object_get(paths, rt->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->pattern, item);
        }
        char method[8] = {0};
        for (size_t c = 0; c < sizeof(method) - 1 && rt->method[c]; c++)
            method[c] = (char)tolower((unsigned char)rt->method[c]);
        json_object_set_new(item, method, operation(srv, i));
    }
    const http_server_options_t *opt = &srv->opt;
    json_t *info = json_pack("{s:s, s:s}", "title",
                             opt->title ? opt->title : "API", "version",
                             AVP_VERSION);
    if (opt->description)
        json_object_set_new(info, "description",
                            json_string(opt->description));
    json_t *doc = json_pack("{s:s, s:o, s:o, s:o}", "openapi", "3.1.0", "info",
                            info, "paths", paths, "components", components());
    avp_free(srv->openapi);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    srv->openapi_len = strlen(text);
    srv->openapi = avp_strdup(text);
    free(text);
    json_decref(doc);
}
