/* router.c - method + path matching with typed {id} parameters. */
#include "http/router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct segment {
    char *text; /* literal text, or the parameter name */
    size_t len;
    int is_param;
} segment_t;

typedef struct route {
    char method[8];
    char *pattern;
    segment_t seg[HTTP_ROUTER_MAX_SEGMENTS];
    int nseg;
} route_t;

struct http_router {
    route_t *routes;
    int n, cap;
};

/* A path split in place: pointers into the caller's string. */
typedef struct path {
    const char *seg[HTTP_ROUTER_MAX_SEGMENTS];
    size_t len[HTTP_ROUTER_MAX_SEGMENTS];
    int n;
} path_t;

http_router_t *http_router_create(void)
{
    return avp_calloc(1, sizeof(http_router_t));
}

static void route_free(route_t *rt)
{
    for (int i = 0; i < rt->nseg; i++)
        avp_free(rt->seg[i].text);
    avp_free(rt->pattern);
}

void http_router_destroy(http_router_t *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        route_free(&r->routes[i]);
    avp_free(r->routes);
    avp_free(r);
}

/* Splits "/a/b/c" into segments. Empty segments ("//", a trailing "/") and
 * too many segments make the path unmatchable: returns -1. */
static int split(const char *p, path_t *out)
{
    out->n = 0;
    if (*p != '/')
        return -1;
    if (p[1] == '\0')
        return 0; /* "/" has no segments */
    while (*p == '/') {
        const char *s = p + 1;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0 || out->n == HTTP_ROUTER_MAX_SEGMENTS)
            return -1;
        out->seg[out->n] = s;
        out->len[out->n++] = len;
        p = s + len;
    }
    return 0;
}

static int parse_pattern(route_t *rt, const char *pattern, avp_error_t *err)
{
    path_t p;
    if (split(pattern, &p) < 0)
        return avp_error_set(err, AVP_EINVAL, "route '%s': malformed path",
                             pattern);
    int nparams = 0;
    for (int i = 0; i < p.n; i++) {
        const char *s = p.seg[i];
        size_t len = p.len[i];
        segment_t *sg = &rt->seg[rt->nseg++];
        sg->is_param = s[0] == '{';
        if (sg->is_param) {
            if (len < 3 || s[len - 1] != '}' || memchr(s + 1, '{', len - 1) ||
                ++nparams > HTTP_ROUTER_MAX_PARAMS)
                return avp_error_set(err, AVP_EINVAL,
                                     "route '%s': bad parameter segment",
                                     pattern);
            s++;
            len -= 2;
        } else if (memchr(s, '{', len) || memchr(s, '}', len)) {
            return avp_error_set(err, AVP_EINVAL,
                                 "route '%s': braces inside a segment",
                                 pattern);
        }
        sg->text = avp_malloc(len + 1);
        memcpy(sg->text, s, len);
        sg->text[len] = '\0';
        sg->len = len;
    }
    return AVP_OK;
}

static int same_shape(const route_t *a, const route_t *b)
{
    if (a->nseg != b->nseg)
        return 0;
    for (int i = 0; i < a->nseg; i++) {
        if (a->seg[i].is_param != b->seg[i].is_param)
            return 0;
        if (!a->seg[i].is_param && strcmp(a->seg[i].text, b->seg[i].text))
            return 0;
    }
    return 1;
}

int http_router_add(http_router_t *r, const char *method, const char *pattern,
                    avp_error_t *err)
{
    route_t rt = {0};
    if (strlen(method) >= sizeof(rt.method))
        return avp_error_set(err, AVP_EINVAL, "bad method '%s'", method);
    snprintf(rt.method, sizeof(rt.method), "%s", method);
    int rc = parse_pattern(&rt, pattern, err);
    for (int i = 0; rc == AVP_OK && i < r->n; i++)
        if (!strcmp(r->routes[i].method, method) &&
            same_shape(&r->routes[i], &rt))
            rc = avp_error_set(err, AVP_EINVAL, "route %s %s: duplicate of %s",
                               method, pattern, r->routes[i].pattern);
    if (rc < 0) {
        route_free(&rt);
        return rc;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->routes = avp_realloc(r->routes, (size_t)r->cap * sizeof(route_t));
    }
    rt.pattern = avp_strdup(pattern);
    r->routes[r->n++] = rt;
    return AVP_OK;
}

int http_router_count(const http_router_t *r) { return r->n; }

int http_router_params(const http_router_t *r, int i,
                       const char *names[HTTP_ROUTER_MAX_PARAMS])
{
    int n = 0;
    const route_t *rt = &r->routes[i];
    for (int s = 0; s < rt->nseg; s++)
        if (rt->seg[s].is_param)
            names[n++] = rt->seg[s].text;
    return n;
}

/* A positive int64 written in decimal digits only ("+1", "1e3", "0x1",
 * " 1" and anything over INT64_MAX are refused). */
static int parse_id(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 19)
        return -1;
    char buf[20];
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno || v < 1)
        return -1;
    *out = v;
    return 0;
}

/* How well route rt fits path p: -1 if it does not; otherwise a score in
 * which a literal at an earlier segment outweighs any later ones. *bad is
 * set when only a parameter's value is wrong. */
static int fit(const route_t *rt, const path_t *p, http_router_match_t *m,
               int *bad)
{
    if (rt->nseg != p->n)
        return -1;
    int score = 0, np = 0;
    *bad = -1;
    for (int i = 0; i < p->n; i++) {
        const segment_t *sg = &rt->seg[i];
        if (!sg->is_param) {
            if (sg->len != p->len[i] || memcmp(sg->text, p->seg[i], sg->len))
                return -1;
            score |= 1 << (HTTP_ROUTER_MAX_SEGMENTS - 1 - i);
        } else if (m) {
            m->names[np] = sg->text;
            if (parse_id(p->seg[i], p->len[i], &m->values[np]) < 0 && *bad < 0)
                *bad = i;
            np++;
        }
    }
    if (m)
        m->nparams = np;
    return score;
}

static void allow_add(char *allow, size_t cap, const char *method)
{
    const char *hit = strstr(allow, method);
    size_t ml = strlen(method);
    if (hit && (hit[ml] == '\0' || hit[ml] == ','))
        return;
    size_t n = strlen(allow);
    snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", method);
}

int http_router_match(const http_router_t *r, const char *method,
                      const char *path, http_router_match_t *m)
{
    memset(m, 0, sizeof(*m));
    m->route = -1;
    path_t p;
    if (split(path, &p) < 0)
        return HTTP_ROUTER_NOT_FOUND;
    int best = -1, best_score = -1, path_score = -1, bad_route = -1;
    http_router_match_t tmp;
    for (int i = 0; i < r->n; i++) {
        int bad;
        int score = fit(&r->routes[i], &p, &tmp, &bad);
        if (score < 0)
            continue;
        if (bad >= 0) {
            if (bad_route < 0) {
                bad_route = i;
                snprintf(m->msg, sizeof(m->msg),
                         "path parameter '%s' must be a positive integer",
                         r->routes[i].seg[bad].text);
            }
            continue;
        }
        if (score > path_score)
            path_score = score;
        if (!strcmp(r->routes[i].method, method) && score > best_score) {
            best = i;
            best_score = score;
            m->nparams = tmp.nparams;
            memcpy(m->names, tmp.names, sizeof(tmp.names));
            memcpy(m->values, tmp.values, sizeof(tmp.values));
        }
    }
    if (best >= 0 && best_score == path_score) {
        m->route = best;
        return HTTP_ROUTER_FOUND;
    }
    if (path_score >= 0) {
        /* Allow lists the methods of the best-fitting path only. */
        for (int i = 0; i < r->n; i++) {
            int bad;
            if (fit(&r->routes[i], &p, NULL, &bad) == path_score)
                allow_add(m->allow, sizeof(m->allow), r->routes[i].method);
        }
        m->nparams = 0;
        return HTTP_ROUTER_BAD_METHOD;
    }
    return bad_route >= 0 ? HTTP_ROUTER_BAD_PARAM : HTTP_ROUTER_NOT_FOUND;
}
