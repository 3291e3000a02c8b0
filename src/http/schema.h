/*
 * schema.h - the small schema language every JSON body and query string is
 * checked against: a NULL-terminated array of fields, each with a name, a
 * type, whether it is required and an optional range. One description serves
 * three purposes: validation (http_schema_check), query-string parsing
 * (http_schema_parse_query) and the OpenAPI document (http_schema_to_openapi),
 * so the documentation cannot drift from what the server accepts.
 *
 * Validation is strict: unknown fields, wrong types, missing required fields
 * and out-of-range values are errors, and every message names the field.
 *
 * Thread model: pure functions; schemas are immutable static data.
 */
#ifndef AVP_HTTP_SCHEMA_H
#define AVP_HTTP_SCHEMA_H

#include <jansson.h>

#include "util/avp.h"

/* Longest string accepted when a field gives no explicit length range. */
#define HTTP_SCHEMA_STRING_MAX 65536

typedef enum http_schema_type {
    HTTP_SCHEMA_STRING = 1,
    HTTP_SCHEMA_INTEGER, /* JSON integer (int64); 1.0 is not an integer */
    HTTP_SCHEMA_NUMBER,  /* any finite JSON number */
    HTTP_SCHEMA_BOOLEAN,
    HTTP_SCHEMA_OBJECT   /* a free-form JSON object (bodies, not queries) */
} http_schema_type_t;

typedef struct http_schema_field {
    const char *name;
    http_schema_type_t type;
    int required;
    /* Value range (integer, number) or length range in bytes (string),
     * inclusive. min == max == 0 means no range. */
    double min, max;
    const char *doc; /* one line for the OpenAPI document, may be NULL */
    /* JSON text of the value an absent optional field stands for (the
     * handler applies it; "0.25", or AVP_STR of the macro that holds it),
     * documented as the JSON Schema "default"; NULL for none. */
    const char *def;
} http_schema_field_t;

/* Checks that obj is a JSON object matching fields. Returns AVP_OK or
 * AVP_EINVAL with err naming the field ("field 'conf' must be a number"). */
int http_schema_check(const http_schema_field_t *fields, const json_t *obj,
                      avp_error_t *err);

/* Parses a raw (still percent-encoded) query string into a new JSON object
 * typed by fields ("limit=5" -> {"limit": 5}) and checks it. query may be
 * NULL or empty. Duplicate and unknown parameters are errors. On success
 * *out is a new reference the caller must json_decref(); on failure *out is
 * NULL and the return is AVP_EINVAL. fields may be NULL (accepts nothing). */
int http_schema_parse_query(const http_schema_field_t *fields,
                            const char *query, json_t **out, avp_error_t *err);

/* JSON Schema (2020-12, as OpenAPI 3.1 uses) of an object with fields:
 * new reference. */
json_t *http_schema_to_openapi(const http_schema_field_t *fields);

/* JSON Schema of one field: new reference. */
json_t *http_schema_field_to_openapi(const http_schema_field_t *field);

#endif
