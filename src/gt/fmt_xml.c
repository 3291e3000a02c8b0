/* fmt_xml.c - the libxml2 calls the XML formats (VOC, CVAT) share. */
#include "internal.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct gt__xml {
    xmlDocPtr doc;
    size_t text_left; /* what the readers may still copy out */
    int over;         /* a read was refused for the budget */
};

/* libxml2 reports some errors (encodings, I/O) through its generic
 * handler, which prints to stderr; the parse error is read from the
 * parser context instead. */
static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

/* SAX internalSubset: called at <!DOCTYPE, before any declaration in it is
 * read, so no entity is ever defined and nothing can expand (libxml2 caps
 * nested entities, not one large entity referenced many times). CVAT and
 * VOC have no DTD. */
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
    (void)name, (void)ext_id, (void)sys_id;
    xmlParserCtxtPtr c = ctx;
    *(int *)c->_private = 1;
    xmlStopParser(c);
}

/* Parses text into *out with the DTD refused. */
static int read_doc(const char *text, size_t len, xmlDocPtr *out,
                    avp_error_t *err)
{
    xmlParserCtxtPtr c = xmlCreateMemoryParserCtxt(text, (int)len);
    if (!c)
        return avp_error_set(err, AVP_ENOMEM, "XML parser");
    int dtd = 0, rc = AVP_OK;
    c->_private = &dtd;
    c->sax->internalSubset = refuse_dtd;
    /* NONET and no NOENT: no external fetches, no entity substitution. */
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING);
    xmlParseDocument(c);
    *out = c->myDoc;
    if (dtd) {
        rc = avp_error_set(err, AVP_EINVAL, "XML with a DTD (<!DOCTYPE>) "
                           "refused: its entities could expand without "
                           "bound, and CVAT and VOC files have none");
    } else if (!c->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(c);
        const char *m = e && e->message ? e->message : "not XML";
        /* libxml2's messages end in a newline. */
        rc = avp_error_set(err, AVP_EFORMAT, "line %d: %.*s", e ? e->line : 0,
                           (int)strcspn(m, "\n"), m);
    }
    if (rc < 0) {
        xmlFreeDoc(*out);
        *out = NULL;
    }
    xmlFreeParserCtxt(c);
    return rc;
}

int gt__xml_parse(const char *text, size_t len, const char *root,
                  gt__xml_t **out, gt__xml_node_t **root_node,
                  avp_error_t *err)
{
    *out = NULL;
    if (len > (size_t)INT32_MAX)
        return avp_error_set(err, AVP_EFORMAT, "XML larger than 2 GB");
    xmlSetGenericErrorFunc(NULL, silent);
    xmlDocPtr doc = NULL;
    int rc = read_doc(text, len, &doc, err);
    if (rc < 0)
        return rc;
    xmlNodePtr r = xmlDocGetRootElement(doc);
    if (!r || strcmp((const char *)r->name, root)) {
        xmlFreeDoc(doc);
        return avp_error_set(err, AVP_EFORMAT, "root element is not <%s>",
                             root);
    }
    *out = avp_malloc(sizeof(gt__xml_t));
    /* Without entities the text is part of the document, and the readers
     * copy each element's text once: twice the input bounds what one
     * import copies even if that ever changes. */
    **out = (gt__xml_t){doc, 2 * len, 0};
    doc->_private = *out;
    *root_node = r;
    return AVP_OK;
}

int gt__xml_done(gt__xml_t *x, int rc, avp_error_t *err)
{
    if (x->over)
        rc = avp_error_set(err, AVP_EINVAL, "XML: more text read than twice "
                           "the document holds");
    xmlFreeDoc(x->doc);
    avp_free(x);
    return rc;
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

/* The text and CDATA under the sibling list n, measured or copied: with no
 * entities there is nothing else to read (xmlNodeGetContent would also
 * expand entity references). */
static size_t text_len(const xmlNode *n)
{
    size_t len = 0;
    for (; n; n = n->next)
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
            n->content)
            len += strlen((const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE)
            len += text_len(n->children);
    return len;
}

static char *text_copy(const xmlNode *n, char *p)
{
    for (; n; n = n->next)
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
            n->content) {
            size_t k = strlen((const char *)n->content);
            memcpy(p, n->content, k);
            p += k;
        } else if (n->type == XML_ELEMENT_NODE) {
            p = text_copy(n->children, p);
        }
    return p;
}

/* Measured before it is allocated, against the import's budget. */
static char *text_of(xmlDocPtr doc, const xmlNode *children)
{
    gt__xml_t *x = doc->_private;
    size_t len = text_len(children);
    if (len > x->text_left) {
        x->over = 1;
        return NULL;
    }
    x->text_left -= len;
    char *s = avp_malloc(len + 1);
    *text_copy(children, s) = 0;
    return s;
}

char *gt__xml_text(gt__xml_node_t *n)
{
    return text_of(n->doc, n->children);
}

char *gt__xml_child_text(gt__xml_node_t *n, const char *child)
{
    xmlNodePtr c = gt__xml_first(n, child);
    return c ? gt__xml_text(c) : NULL;
}

char *gt__xml_attr(gt__xml_node_t *n, const char *attr)
{
    xmlAttrPtr a = xmlHasProp(n, (const xmlChar *)attr);
    return a ? text_of(n->doc, a->children) : NULL;
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
