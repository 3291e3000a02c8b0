/* fmt_yaml.c - the class names of a YOLO dataset from its data.yaml
 * (ultralytics' layout: `names` a list, or a map from class index to
 * name), read with libyaml's document loader. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *scalar(yaml_document_t *d, int id)
{
    yaml_node_t *n = yaml_document_get_node(d, id);
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                            : NULL;
}

/* Puts name at index idx of names (grown, holes NULL). */
static int put_name(char ***names, int *n, long idx, const char *name)
{
    if (!name || idx < 0 || idx >= 100000)
        return AVP_EFORMAT;
    if (idx >= *n) {
        *names = avp_realloc(*names, (size_t)(idx + 1) * sizeof(char *));
        memset(*names + *n, 0, (size_t)(idx + 1 - *n) * sizeof(char *));
        *n = (int)idx + 1;
    }
    if ((*names)[idx])
        return AVP_EFORMAT;
    (*names)[idx] = avp_strdup(name);
    return AVP_OK;
}

static int names_of(yaml_document_t *d, yaml_node_t *v, char ***names, int *n)
{
    int rc = AVP_OK;
    long i = 0;
    char *end;
    if (v->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             rc == AVP_OK && it < v->data.sequence.items.top; it++, i++)
            rc = put_name(names, n, i, scalar(d, *it));
    else if (v->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
             rc == AVP_OK && p < v->data.mapping.pairs.top; p++) {
            const char *k = scalar(d, p->key);
            i = k ? strtol(k, &end, 10) : -1;
            rc = put_name(names, n, k && !*end && end != k ? i : -1,
                          scalar(d, p->value));
        }
    else
        rc = AVP_EFORMAT;
    for (int k = 0; rc == AVP_OK && k < *n; k++)
        if (!(*names)[k])
            rc = AVP_EFORMAT; /* a class index without a name */
    return rc;
}

static int load_names(yaml_document_t *d, char ***names, int *n)
{
    yaml_node_t *root = yaml_document_get_root_node(d);
    if (!root || root->type != YAML_MAPPING_NODE)
        return AVP_EFORMAT;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        const char *k = scalar(d, p->key);
        if (k && !strcmp(k, "names"))
            return names_of(d, yaml_document_get_node(d, p->value), names, n);
    }
    return AVP_EFORMAT;
}

void gt__names_free(char **names, int n)
{
    for (int i = 0; i < n; i++)
        avp_free(names[i]);
    avp_free(names);
}

/* Loads the YAML document of path into *doc (yaml_document_delete). */
static int load_doc(const char *path, yaml_document_t *doc, avp_error_t *err)
{
    char *text;
    size_t len;
    int rc = gt__read_file(path, &text, &len, err);
    if (rc < 0)
        return rc;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc))
        rc = avp_error_set(err, AVP_EFORMAT, "%s:%zu: %s", path,
                           parser.problem_mark.line + 1,
                           parser.problem ? parser.problem : "bad YAML");
    yaml_parser_delete(&parser);
    avp_free(text);
    return rc;
}

int gt__yaml_value(const char *path, const char *key, char **value,
                   avp_error_t *err)
{
    yaml_document_t doc;
    *value = NULL;
    int rc = load_doc(path, &doc, err);
    if (rc < 0)
        return rc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    for (yaml_node_pair_t *p = root && root->type == YAML_MAPPING_NODE
                                   ? root->data.mapping.pairs.start : NULL;
         p && p < root->data.mapping.pairs.top && !*value; p++) {
        const char *k = scalar(&doc, p->key), *v = scalar(&doc, p->value);
        if (k && v && !strcmp(k, key))
            *value = avp_strdup(v);
    }
    yaml_document_delete(&doc);
    return AVP_OK;
}

int gt__yaml_names(const char *path, char ***names, int *n, avp_error_t *err)
{
    yaml_document_t doc;
    *names = NULL;
    *n = 0;
    int rc = load_doc(path, &doc, err);
    if (rc < 0)
        return rc;
    if ((rc = load_names(&doc, names, n)) < 0)
        rc = avp_error_set(err, AVP_EFORMAT, "%s: needs `names`, a list "
                           "or a map from 0, 1, ... to class names", path);
    yaml_document_delete(&doc);
    if (rc < 0) {
        gt__names_free(*names, *n);
        *names = NULL, *n = 0;
    }
    return rc;
}
