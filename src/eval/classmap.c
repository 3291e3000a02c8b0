/* classmap.c - a project's class map: which model or device class counts
 * as which ground-truth class. With a non-empty map, a `from` counts as
 * its `to`, a `to` counts as itself and every other class is left out of
 * the metrics; the empty map counts every class as itself. Lookups are
 * hash lookups (jansson objects), because a run's evaluation maps every
 * ground-truth box by name. */
#include "eval/eval.h"

#include <string.h>

struct eval_class_map {
    json_t *from; /* from -> to */
    json_t *to;   /* to -> to: the targets, which count as themselves */
};

/* Characters (code points) of a UTF-8 string, as PostgreSQL's length(). */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int check_name(const char *what, const char *from, const char *name,
                      avp_error_t *err)
{
    size_t len = utf8_length(name);
    if (len == 0 || len > EVAL_CLASS_NAME_MAX)
        return avp_error_set(err, AVP_EINVAL, "map[\"%.64s\"]: %s must be 1 to "
                             "%d characters", from, what, EVAL_CLASS_NAME_MAX);
    return AVP_OK;
}

/* Checks each entry and fills the targets' set. */
static int check_entries(eval_class_map_t *m, avp_error_t *err)
{
    const char *from;
    json_t *to;
    if (json_object_size(m->from) > EVAL_CLASS_MAP_MAX)
        return avp_error_set(err, AVP_EINVAL, "map: %zu entries; at most %d",
                             json_object_size(m->from), EVAL_CLASS_MAP_MAX);
    json_object_foreach(m->from, from, to) {
        if (!json_is_string(to))
            return avp_error_set(err, AVP_EINVAL, "map[\"%.64s\"]: expected "
                                 "a string", from);
        int rc = check_name("the class", from, from, err);
        if (!rc)
            rc = check_name("the target class", from, json_string_value(to),
                            err);
        if (rc)
            return rc;
        json_object_set(m->to, json_string_value(to), to);
    }
    return AVP_OK;
}

/* The class other than `to` that maps onto `to`. */
static const char *source_of(const eval_class_map_t *m, const char *to)
{
    const char *from;
    json_t *v;
    json_object_foreach(m->from, from, v) {
        if (strcmp(from, to) && !strcmp(json_string_value(v), to))
            return from;
    }
    return to; /* not reached: check_no_chain asks only about targets */
}

/* A chain (a -> b, b -> c) would make b count as c for some boxes and as
 * b's target for others; the map must say what it means. The message
 * names the whole chain, since the CLI's --map has no JSON path. */
static int check_no_chain(const eval_class_map_t *m, avp_error_t *err)
{
    const char *from;
    json_t *to;
    json_object_foreach(m->from, from, to) {
        if (strcmp(from, json_string_value(to)) && json_object_get(m->to, from))
            return avp_error_set(err, AVP_EINVAL, "map[\"%.64s\"]: chain "
                                 "\"%.64s\" -> \"%.64s\" -> \"%.64s\": "
                                 "\"%.64s\" is the target of another class "
                                 "and cannot be mapped on; map each class "
                                 "straight to its final class", from,
                                 source_of(m, from), from,
                                 json_string_value(to), from);
    }
    return AVP_OK;
}

int eval_class_map_create(const json_t *map, eval_class_map_t **out,
                          avp_error_t *err)
{
    *out = NULL;
    if (!json_is_object(map))
        return avp_error_set(err, AVP_EINVAL, "map: expected an object of "
                             "class names");
    eval_class_map_t *m = avp_malloc(sizeof *m);
    m->from = json_deep_copy(map);
    m->to = json_object();
    int rc = check_entries(m, err);
    if (!rc)
        rc = check_no_chain(m, err);
    if (rc) {
        eval_class_map_destroy(m);
        return rc;
    }
    *out = m;
    return AVP_OK;
}

void eval_class_map_destroy(eval_class_map_t *m)
{
    if (!m)
        return;
    json_decref(m->from);
    json_decref(m->to);
    avp_free(m);
}

const char *eval_class_map_apply(const eval_class_map_t *m, const char *label)
{
    if (!m || json_object_size(m->from) == 0)
        return label;
    json_t *to = json_object_get(m->from, label);
    if (!to)
        to = json_object_get(m->to, label);
    return to ? json_string_value(to) : NULL;
}

const json_t *eval_class_map_json(const eval_class_map_t *m)
{
    return m->from;
}
