/* test_classmap.c - the class map: sources count as their targets,
 * targets as themselves, anything else is left out; the empty map keeps
 * every class; bad maps are refused naming the entry. */
#include "check.h"
#include "eval/eval.h"

#include <string.h>

static eval_class_map_t *make(const char *text, int *rc, avp_error_t *err)
{
    json_t *j = json_loads(text, 0, NULL);
    eval_class_map_t *m = NULL;
    *rc = eval_class_map_create(j, &m, err);
    json_decref(j);
    return m;
}

static int maps_to(const eval_class_map_t *m, const char *label,
                   const char *want)
{
    const char *got = eval_class_map_apply(m, label);
    return want ? got && !strcmp(got, want) : got == NULL;
}

static void test_classmap_sources_targets_and_others(void)
{
    int rc;
    avp_error_t err = {0};
    eval_class_map_t *m = make("{\"person\":\"pedestrian\",\"bicycle\":"
                               "\"cyclist\",\"rider\":\"cyclist\"}", &rc,
                               &err);
    CHECK(rc == AVP_OK && m);
    CHECK(maps_to(m, "person", "pedestrian"));
    CHECK(maps_to(m, "rider", "cyclist"));
    CHECK(maps_to(m, "bicycle", "cyclist"));
    CHECK(maps_to(m, "pedestrian", "pedestrian"));
    CHECK(maps_to(m, "cyclist", "cyclist"));
    CHECK(maps_to(m, "car", NULL));
    CHECK(maps_to(m, "Person", NULL)); /* names are case-sensitive */
    CHECK(json_object_size(eval_class_map_json(m)) == 3);
    eval_class_map_destroy(m);
}

static void test_classmap_empty_keeps_every_class(void)
{
    int rc;
    avp_error_t err = {0};
    eval_class_map_t *m = make("{}", &rc, &err);
    CHECK(rc == AVP_OK);
    CHECK(maps_to(m, "car", "car"));
    CHECK(maps_to(NULL, "car", "car"));
    eval_class_map_destroy(m);
    eval_class_map_destroy(NULL);
}

/* An entry mapping a class onto itself is not a chain. */
static void test_classmap_identity_entry(void)
{
    int rc;
    avp_error_t err = {0};
    eval_class_map_t *m = make("{\"person\":\"pedestrian\",\"pedestrian\":"
                               "\"pedestrian\"}", &rc, &err);
    CHECK(rc == AVP_OK);
    CHECK(maps_to(m, "pedestrian", "pedestrian"));
    CHECK(maps_to(m, "person", "pedestrian"));
    eval_class_map_destroy(m);
}

static int refused(const char *text, const char *needle)
{
    int rc;
    avp_error_t err = {0};
    eval_class_map_t *m = make(text, &rc, &err);
    int ok = rc == AVP_EINVAL && m == NULL && strstr(err.msg, needle);
    if (!ok)
        fprintf(stderr, "  %s -> %d '%s'\n", text, rc, err.msg);
    eval_class_map_destroy(m);
    return ok;
}

static void test_classmap_bad_maps_refused(void)
{
    CHECK(refused("[]", "expected an object"));
    CHECK(refused("{\"a\":1}", "map[\"a\"]: expected a string"));
    CHECK(refused("{\"a\":\"\"}", "map[\"a\"]: the target class"));
    CHECK(refused("{\"\":\"b\"}", "map[\"\"]: the class"));
    CHECK(refused("{\"x\":\"y\",\"a\":\"b\",\"b\":\"c\"}",
                  "map[\"b\"]: chain \"a\" -> \"b\" -> \"c\": \"b\" is "
                  "the target"));
    char big[300] = "{\"a\":\"";
    memset(big + 6, 'x', 129);
    strcpy(big + 135, "\"}");
    CHECK(refused(big, "1 to 128 characters"));
    /* 128 characters of two bytes each are fine. */
    char wide[600] = "{\"a\":\"";
    for (int i = 0; i < 128; i++)
        memcpy(wide + 6 + 2 * i, "\xc3\xa9", 2);
    strcpy(wide + 6 + 256, "\"}");
    int rc;
    avp_error_t err = {0};
    eval_class_map_t *m = make(wide, &rc, &err);
    CHECK(rc == AVP_OK);
    eval_class_map_destroy(m);
}

static void test_classmap_entry_limit(void)
{
    json_t *j = json_object();
    char from[16];
    for (int i = 0; i <= EVAL_CLASS_MAP_MAX; i++) {
        snprintf(from, sizeof from, "c%d", i);
        json_object_set_new(j, from, json_string("t"));
    }
    eval_class_map_t *m = NULL;
    avp_error_t err = {0};
    CHECK(eval_class_map_create(j, &m, &err) == AVP_EINVAL);
    CHECK(strstr(err.msg, "at most 1000"));
    json_object_del(j, "c0");
    CHECK(eval_class_map_create(j, &m, &err) == AVP_OK);
    CHECK(maps_to(m, "c1000", "t"));
    eval_class_map_destroy(m);
    json_decref(j);
}

int main(void)
{
    RUN(test_classmap_sources_targets_and_others);
    RUN(test_classmap_empty_keeps_every_class);
    RUN(test_classmap_identity_entry);
    RUN(test_classmap_bad_maps_refused);
    RUN(test_classmap_entry_limit);
    return CHECK_DONE();
}
