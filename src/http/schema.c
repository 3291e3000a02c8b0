/* schema.c - strict validation of JSON objects and query strings against a
 * field list, and the same field list as JSON Schema for OpenAPI. */
#include "http/schema.h"

#include <civetweb.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(http_schema_type_t t)
{
    switch (t) {
    case HTTP_SCHEMA_STRING: return "a string";
    case HTTP_SCHEMA_INTEGER: return "an integer";
    case HTTP_SCHEMA_NUMBER: return "a number";
    case HTTP_SCHEMA_BOOLEAN: return "a boolean";
    case HTTP_SCHEMA_OBJECT: return "an object";
    }
    return "?";
}

static int has_range(const http_schema_field_t *f)
{
    return f->min != 0 || f->max != 0;
}

static const http_schema_field_t *find(const http_schema_field_t *fields,
                                       const char *name)
{
    for (const http_schema_field_t *f = fields; f && f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

static int type_ok(const http_schema_field_t *f, const json_t *v)
{
    switch (f->type) {
    case HTTP_SCHEMA_STRING: return json_is_string(v);
    case HTTP_SCHEMA_INTEGER: return json_is_integer(v);
    case HTTP_SCHEMA_NUMBER: return json_is_number(v);
    case HTTP_SCHEMA_BOOLEAN: return json_is_boolean(v);
    case HTTP_SCHEMA_OBJECT: return json_is_object(v);
    }
    return 0;
}

static int range_ok(const http_schema_field_t *f, const json_t *v,
                    avp_error_t *err)
{
    if (f->type == HTTP_SCHEMA_STRING) {
        size_t len = json_string_length(v);
        size_t lo = has_range(f) ? (size_t)f->min : 0;
        size_t hi = has_range(f) ? (size_t)f->max : HTTP_SCHEMA_STRING_MAX;
        if (len < lo || len > hi)
            return avp_error_set(err, AVP_EINVAL,
                                 "field '%s' must be %zu to %zu bytes long",
                                 f->name, lo, hi);
        if (strlen(json_string_value(v)) != len)
            return avp_error_set(err, AVP_EINVAL,
                                 "field '%s' must not contain NUL", f->name);
        return AVP_OK;
    }
    if (f->type == HTTP_SCHEMA_BOOLEAN || f->type == HTTP_SCHEMA_OBJECT ||
        !has_range(f))
        return AVP_OK;
    double x = json_number_value(v);
    if (x < f->min || x > f->max)
        return avp_error_set(err, AVP_EINVAL,
                             "field '%s' must be between %g and %g", f->name,
                             f->min, f->max);
    return AVP_OK;
}

int http_schema_check(const http_schema_field_t *fields, const json_t *obj,
                      avp_error_t *err)
{
    if (!json_is_object(obj))
        return avp_error_set(err, AVP_EINVAL, "expected a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const http_schema_field_t *f = find(fields, key);
        if (!f)
            return avp_error_set(err, AVP_EINVAL, "unknown field '%s'", key);
        if (!type_ok(f, v))
            return avp_error_set(err, AVP_EINVAL, "field '%s' must be %s", key,
                                 type_name(f->type));
        int rc = range_ok(f, v, err);
        if (rc < 0)
            return rc;
    }
    for (const http_schema_field_t *f = fields; f && f->name; f++)
        if (f->required && !json_object_get(obj, f->name))
            return avp_error_set(err, AVP_EINVAL, "missing field '%s'",
                                 f->name);
    return AVP_OK;
}

/* Converts one query value to the field's JSON type, or NULL. */
static json_t *query_value(const http_schema_field_t *f, const char *s)
{
    char *end;
    errno = 0;
    /* strtoll and strtod skip leading blanks; a query value must not. */
    if (f->type != HTTP_SCHEMA_STRING && f->type != HTTP_SCHEMA_BOOLEAN &&
        !(*s == '-' || *s == '.' || (*s >= '0' && *s <= '9')))
        return NULL;
    switch (f->type) {
    case HTTP_SCHEMA_STRING: return json_string(s); /* NULL for invalid UTF-8 */
    case HTTP_SCHEMA_INTEGER: {
        long long v = strtoll(s, &end, 10);
        return *s && !*end && !errno ? json_integer(v) : NULL;
    }
    case HTTP_SCHEMA_NUMBER: {
        double v = strtod(s, &end);
        return *s && !*end && !errno && isfinite(v) ? json_real(v) : NULL;
    }
    case HTTP_SCHEMA_BOOLEAN:
        if (!strcmp(s, "true") || !strcmp(s, "1"))
            return json_true();
        if (!strcmp(s, "false") || !strcmp(s, "0"))
            return json_false();
        return NULL;
    case HTTP_SCHEMA_OBJECT:
        return NULL;
    }
    return NULL;
}

static int query_add(const http_schema_field_t *fields, json_t *obj,
                     const char *name, const char *value, avp_error_t *err)
{
    const http_schema_field_t *f = find(fields, name);
    if (!f)
        return avp_error_set(err, AVP_EINVAL, "unknown query parameter '%s'",
                             name);
    if (json_object_get(obj, name))
        return avp_error_set(err, AVP_EINVAL,
                             "query parameter '%s' given twice", name);
    json_t *v = query_value(f, value ? value : "");
    if (!v)
        return avp_error_set(err, AVP_EINVAL, "query parameter '%s' must be %s",
                             name, type_name(f->type));
    json_object_set_new(obj, name, v);
    return AVP_OK;
}

int http_schema_parse_query(const http_schema_field_t *fields,
                            const char *query, json_t **out, avp_error_t *err)
{
    *out = NULL;
    json_t *obj = json_object();
    /* mg_split_form_urlencoded decodes in place, so work on a copy. */
    char *copy = avp_strdup(query ? query : "");
    struct mg_header kv[32];
    int n = mg_split_form_urlencoded(copy, kv, (unsigned)AVP_ARRAY_LEN(kv));
    avp_error_t e = {0};
    int rc = n < 0 || n == (int)AVP_ARRAY_LEN(kv)
                 ? avp_error_set(&e, AVP_EINVAL, "malformed query string")
                 : AVP_OK;
    for (int i = 0; rc == AVP_OK && i < n; i++)
        rc = query_add(fields, obj, kv[i].name, kv[i].value, &e);
    if (rc == AVP_OK)
        rc = http_schema_check(fields, obj, &e);
    avp_free(copy);
    if (rc < 0) {
        json_decref(obj);
        /* Query errors name parameters, not fields. */
        char *f = strstr(e.msg, "field '");
        if (f)
            return avp_error_set(err, rc, "%.*squery parameter %s",
                                 (int)(f - e.msg), e.msg, f + 6);
        return avp_error_set(err, rc, "%s", e.msg);
    }
    *out = obj;
    return AVP_OK;
}

json_t *http_schema_field_to_openapi(const http_schema_field_t *f)
{
    static const char *const names[] = {"", "string", "integer", "number",
                                        "boolean", "object"};
    json_t *s = json_pack("{s:s}", "type", names[f->type]);
    if (f->type == HTTP_SCHEMA_INTEGER)
        json_object_set_new(s, "format", json_string("int64"));
    if (f->doc)
        json_object_set_new(s, "description", json_string(f->doc));
    if (f->type == HTTP_SCHEMA_STRING) {
        json_object_set_new(
            s, "minLength",
            json_integer(has_range(f) ? (json_int_t)f->min : 0));
        json_object_set_new(s, "maxLength",
                            json_integer(has_range(f)
                                             ? (json_int_t)f->max
                                             : HTTP_SCHEMA_STRING_MAX));
    } else if (f->type != HTTP_SCHEMA_BOOLEAN &&
               f->type != HTTP_SCHEMA_OBJECT && has_range(f)) {
        int integer = f->type == HTTP_SCHEMA_INTEGER;
        json_object_set_new(s, "minimum",
                            integer ? json_integer((json_int_t)f->min)
                                    : json_real(f->min));
        json_object_set_new(s, "maximum",
                            integer ? json_integer((json_int_t)f->max)
                                    : json_real(f->max));
    }
    json_t *def = f->def ? json_loads(f->def, JSON_DECODE_ANY, NULL) : NULL;
    if (def)
        json_object_set_new(s, "default", def);
    return s;
}

json_t *http_schema_to_openapi(const http_schema_field_t *fields)
{
    json_t *props = json_object(), *req = json_array();
    for (const http_schema_field_t *f = fields; f && f->name; f++) {
        json_object_set_new(props, f->name, http_schema_field_to_openapi(f));
        if (f->required)
            json_array_append_new(req, json_string(f->name));
    }
    return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties",
                     props, "required", req, "additionalProperties", 0);
}
