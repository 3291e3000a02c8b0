/* test_schema.c - JSON body and query validation, and the OpenAPI schema. */
#include "check.h"
#include "http/schema.h"

#include <string.h>

static const http_schema_field_t fields[] = {
    {"name", HTTP_SCHEMA_STRING, 1, 1, 8, "a name", NULL},
    {"conf", HTTP_SCHEMA_NUMBER, 0, 0, 1, NULL, NULL},
    {"every", HTTP_SCHEMA_INTEGER, 0, 1, 100, NULL, NULL},
    {"public", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},
    {"note", HTTP_SCHEMA_STRING, 0, 0, 0, NULL, NULL},
    {0}};

/* Checks text against fields; returns the error message ("" if valid). */
static const char *check_text(const char *text)
{
    static avp_error_t err;
    json_t *obj = json_loads(text, JSON_ALLOW_NUL, NULL);
    err.msg[0] = '\0';
    if (!obj)
        return "unparsable test input";
    http_schema_check(fields, obj, &err);
    json_decref(obj);
    return err.msg;
}

static void test_schema_accepts_valid(void)
{
    CHECK(!strcmp(check_text("{\"name\":\"cam\"}"), ""));
    CHECK(!strcmp(check_text("{\"name\":\"cam\",\"conf\":0.5,\"every\":3,"
                             "\"public\":true,\"note\":\"\"}"),
                  ""));
    CHECK(!strcmp(check_text("{\"name\":\"cam\",\"conf\":1}"),
                  "")); /* int is a number */
}

static void test_schema_names_the_field(void)
{
    CHECK(!strcmp(check_text("{\"name\":\"cam\",\"colour\":1}"),
                  "unknown field 'colour'"));
    CHECK(!strcmp(check_text("{\"conf\":0.5}"), "missing field 'name'"));
    CHECK(!strcmp(check_text("{\"name\":5}"), "field 'name' must be a string"));
    CHECK(!strcmp(check_text("{\"name\":\"a\",\"every\":2.0}"),
                  "field 'every' must be an integer"));
    CHECK(!strcmp(check_text("{\"name\":\"a\",\"conf\":\"0.5\"}"),
                  "field 'conf' must be a number"));
    CHECK(!strcmp(check_text("{\"name\":\"a\",\"public\":1}"),
                  "field 'public' must be a boolean"));
    CHECK(!strcmp(check_text("{\"name\":\"a\",\"conf\":null}"),
                  "field 'conf' must be a number"));
    CHECK(!strcmp(check_text("{\"name\":\"a\",\"conf\":1.5}"),
                  "field 'conf' must be between 0 and 1"));
    CHECK(!strcmp(check_text("{\"name\":\"a\",\"every\":0}"),
                  "field 'every' must be between 1 and 100"));
    CHECK(!strcmp(check_text("{\"name\":\"\"}"),
                  "field 'name' must be 1 to 8 bytes long"));
    CHECK(!strcmp(check_text("{\"name\":\"123456789\"}"),
                  "field 'name' must be 1 to 8 bytes long"));
    CHECK(!strcmp(check_text("[1,2]"), "expected a JSON object"));
    CHECK(!strcmp(check_text("{\"name\":\"a\\u0000b\"}"),
                  "field 'name' must not contain NUL"));
}

static void test_schema_parses_query(void)
{
    json_t *q;
    avp_error_t err;
    CHECK(http_schema_parse_query(fields,
                                  "name=a%20b&every=5&conf=0.25&public=true",
                                  &q, &err) == AVP_OK);
    CHECK(!strcmp(json_string_value(json_object_get(q, "name")), "a b"));
    CHECK(json_integer_value(json_object_get(q, "every")) == 5);
    CHECK_NEAR(json_real_value(json_object_get(q, "conf")), 0.25, 0);
    CHECK(json_is_true(json_object_get(q, "public")));
    json_decref(q);
    CHECK(http_schema_parse_query(fields, NULL, &q, &err) == AVP_EINVAL);
    CHECK(!q && !strcmp(err.msg, "missing query parameter 'name'"));
    CHECK(http_schema_parse_query(NULL, "", &q, &err) == AVP_OK);
    CHECK(json_object_size(q) == 0);
    json_decref(q);
}

static void test_schema_query_errors(void)
{
    static const struct {
        const char *query, *msg;
    } cases[] = {
        {"name=a&every=x", "query parameter 'every' must be an integer"},
        {"name=a&every=5x", "query parameter 'every' must be an integer"},
        {"name=a&every=%205", "query parameter 'every' must be an integer"},
        {"name=a&every=1000",
         "query parameter 'every' must be between 1 and 100"},
        {"name=a&conf=nan", "query parameter 'conf' must be a number"},
        {"name=a&public=yes", "query parameter 'public' must be a boolean"},
        {"name=a&limit=5", "unknown query parameter 'limit'"},
        {"name=a&name=b", "query parameter 'name' given twice"},
        {"name=%ff", "query parameter 'name' must be a string"},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        json_t *q;
        avp_error_t err;
        CHECK(http_schema_parse_query(fields, cases[i].query, &q, &err) ==
              AVP_EINVAL);
        if (strcmp(err.msg, cases[i].msg))
            fprintf(stderr, "  %s -> %s\n", cases[i].query, err.msg);
        CHECK(!strcmp(err.msg, cases[i].msg));
        CHECK(q == NULL);
    }
}

static void test_schema_openapi(void)
{
    json_t *s = http_schema_to_openapi(fields);
    CHECK(!strcmp(json_string_value(json_object_get(s, "type")), "object"));
    CHECK(json_is_false(json_object_get(s, "additionalProperties")));
    json_t *req = json_object_get(s, "required");
    CHECK(json_array_size(req) == 1);
    CHECK(!strcmp(json_string_value(json_array_get(req, 0)), "name"));
    json_t *props = json_object_get(s, "properties");
    json_t *every = json_object_get(props, "every");
    CHECK(
        !strcmp(json_string_value(json_object_get(every, "type")), "integer"));
    CHECK(json_integer_value(json_object_get(every, "maximum")) == 100);
    json_t *name = json_object_get(props, "name");
    CHECK(json_integer_value(json_object_get(name, "maxLength")) == 8);
    CHECK(!strcmp(json_string_value(json_object_get(name, "description")),
                  "a name"));
    json_t *note = json_object_get(props, "note");
    CHECK(json_integer_value(json_object_get(note, "maxLength")) ==
          HTTP_SCHEMA_STRING_MAX);
    json_decref(s);
}

/* A field's default is documented as JSON Schema "default", typed like
 * the field; fields without one have none. */
static void test_schema_openapi_default(void)
{
    static const http_schema_field_t with_defaults[] = {
        {"conf", HTTP_SCHEMA_NUMBER, 0, 0, 1, NULL, "0.25"},
        {"every", HTTP_SCHEMA_INTEGER, 0, 1, 100, NULL, "1"},
        {"replace", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, "true"},
        {"note", HTTP_SCHEMA_STRING, 0, 0, 0, NULL, NULL},
        {0}};
    json_t *s = http_schema_to_openapi(with_defaults);
    json_t *props = json_object_get(s, "properties");
    json_t *conf = json_object_get(json_object_get(props, "conf"), "default");
    CHECK(json_is_real(conf) && json_real_value(conf) == 0.25);
    json_t *every = json_object_get(json_object_get(props, "every"), "default");
    CHECK(json_is_integer(every) && json_integer_value(every) == 1);
    CHECK(json_is_true(
        json_object_get(json_object_get(props, "replace"), "default")));
    CHECK(!json_object_get(json_object_get(props, "note"), "default"));
    json_decref(s);
}

int main(void)
{
    RUN(test_schema_accepts_valid);
    RUN(test_schema_names_the_field);
    RUN(test_schema_parses_query);
    RUN(test_schema_query_errors);
    RUN(test_schema_openapi);
    RUN(test_schema_openapi_default);
    return CHECK_DONE();
}
