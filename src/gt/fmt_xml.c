/* fmt_xml.c - the libxml2 calls the XML formats (VOC, CVAT) share. */
#include "internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct gt__xml {
    xmlDocPtr doc;
};

/* libxml2 reports some errors (encodings, I/O) through its generic
 * handler, which prints to stderr; the parse error is read from
 * xmlGetLastError() instead. */
static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

int gt__xml_parse(const char *text, size_t len, const char *root,
                  gt__xml_t **out, gt__xml_node_t **root_node,
                  avp_error_t *err)
{
    *out = NULL;
    if (len > (size_t)INT32_MAX)
        return avp_error_set(err, AVP_EFORMAT, "XML larger than 2 GB");
    xmlSetGenericErrorFunc(NULL, silent);
    xmlResetLastError();
    /* NONET and no NOENT: no external fetches, entities stay unexpanded
     * (no billion laughs). */
    xmlDocPtr doc = xmlReadMemory(text, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        const char *m = e && e->message ? e->message : "not XML";
        /* libxml2's messages end in a newline. */
        return avp_error_set(err, AVP_EFORMAT, "line %d: %.*s",
                             e ? e->line : 0, (int)strcspn(m, "\n"), m);
    }
    xmlNodePtr r = xmlDocGetRootElement(doc);
    if (!r || strcmp((const char *)r->name, root)) {
        xmlFreeDoc(doc);
        return avp_error_set(err, AVP_EFORMAT, "root element is not <%s>",
                             root);
    }
    *out = avp_malloc(sizeof(gt__xml_t));
    (*out)->doc = doc;
    *root_node = r;
    return AVP_OK;
}

void gt__xml_free(gt__xml_t *x)
{
    if (!x)
        return;
    xmlFreeDoc(x->doc);
    avp_free(x);
}

gt__xml_node_t *gt__xml_next(gt__xml_node_t *n, const char *name)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE &&
            !strcmp((const char *)n->name, name))
            return n;
    return NULL;
}

gt__xml_node_t *gt__xml_first(gt__xml_node_t *parent, const char *name)
{
    return parent ? gt__xml_next(parent->children, name) : NULL;
}

long gt__xml_line(const gt__xml_node_t *n)
{
    return xmlGetLineNo(n);
}

static char *copy_xml(xmlChar *s)
{
    char *c = s ? avp_strdup((const char *)s) : NULL;
    xmlFree(s);
    return c;
}

char *gt__xml_child_text(gt__xml_node_t *n, const char *child)
{
    xmlNodePtr c = gt__xml_first(n, child);
    return c ? copy_xml(xmlNodeGetContent(c)) : NULL;
}

char *gt__xml_attr(gt__xml_node_t *n, const char *attr)
{
    return copy_xml(xmlGetProp(n, (const xmlChar *)attr));
}

/* Parses s as one finite number with optional surrounding blanks. */
static int to_num(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return -1;
    end += strspn(end, " \t\r\n");
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int num_of(char *s, const char *what, const char *name,
                  gt__xml_node_t *n, const char *where, double *out,
                  int required, avp_error_t *err)
{
    int rc = AVP_OK;
    if (!s && required)
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): missing %s '%s'",
                           where, gt__xml_line(n), what, name);
    else if (s && to_num(s, out) < 0)
        rc = avp_error_set(err, AVP_EFORMAT, "%s (line %ld): %s '%s' is not "
                           "a number", where, gt__xml_line(n), what, name);
    avp_free(s);
    return rc;
}

int gt__xml_child_num(gt__xml_node_t *n, const char *child,
                      const char *where, double *out, int required,
                      avp_error_t *err)
{
    return num_of(gt__xml_child_text(n, child), "element", child, n, where,
                  out, required, err);
}

int gt__xml_attr_num(gt__xml_node_t *n, const char *attr, const char *where,
                     double *out, int required, avp_error_t *err)
{
    return num_of(gt__xml_attr(n, attr), "attribute", attr, n, where, out,
                  required, err);
}
