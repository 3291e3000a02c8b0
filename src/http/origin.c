/* origin.c - refusing what a browser sends on behalf of another site's
 * page. A browser adds the session cookie to requests any page makes
 * (a form posted cross-site, a WebSocket opened from elsewhere), so a
 * request that writes with the cookie, and every WebSocket upgrade, must
 * come from this server's own origin or one the deployment allows.
 * Requests with an Authorization header are not affected: no page can
 * make a browser add one to a request for another origin without CORS,
 * which this server never grants. */
#include "http/internal.h"

#include <string.h>
#include <strings.h>

/* Whether the len bytes at s (scheme://host[:port]) name this server as
 * the client reached it, or one of the allowed origins. */
static int origin_trusted(const http_origin_t *o, const char *s, size_t len)
{
    const char *scheme = o->https ? "https://" : "http://";
    size_t n = strlen(scheme);
    if (o->host && len == n + strlen(o->host) && !strncasecmp(s, scheme, n) &&
        !strncasecmp(s + n, o->host, len - n))
        return 1;
    for (const char *a = o->allowed; a && *a;) {
        a += strspn(a, ", ");
        size_t m = strcspn(a, ", ");
        if (m && m == len && !strncasecmp(a, s, len))
            return 1;
        a += m;
    }
    return 0;
}

/* The length of an absolute URL's origin (up to the end of its
 * authority), or 0 if it is not one. */
static size_t url_origin_len(const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return 0;
    return (size_t)(sep + 3 - url) + strcspn(sep + 3, "/?#");
}

int http__origin_foreign(const http_origin_t *o)
{
    /* Origin is sent by every current browser on writes and WebSocket
     * upgrades; "null" (a sandboxed or privacy-stripped page) is nobody's. */
    if (o->origin)
        return !strcmp(o->origin, "null") ||
               !origin_trusted(o, o->origin, strlen(o->origin));
    /* Then what older browsers send instead: Sec-Fetch-Site ("none" is
     * the user's own navigation), else the Referer's origin. */
    if (o->fetch_site)
        return strcasecmp(o->fetch_site, "same-origin") &&
               strcasecmp(o->fetch_site, "none");
    if (o->referer) {
        size_t n = url_origin_len(o->referer);
        return !n || !origin_trusted(o, o->referer, n);
    }
    /* No browser says where it comes from: a script or a tool, whose
     * requests no other site's page can make. */
    return 0;
}

int http__origin_ok_or_reply(http_req_t *req)
{
    struct mg_connection *c = req->conn;
    http_origin_t o = {
        .origin = mg_get_header(c, "Origin"),
        .referer = mg_get_header(c, "Referer"),
        .fetch_site = mg_get_header(c, "Sec-Fetch-Site"),
        .host = mg_get_header(c, "Host"),
        .https = http__request_https(req),
        .allowed = req->srv->opt.allowed_origins,
    };
    if (!http__origin_foreign(&o))
        return AVP_OK;
    http_reply_error(req, 403, "forbidden",
                     "request from %s refused: only pages of this server's "
                     "origin or an allowed one may use the session cookie "
                     "to write or open a WebSocket (scripts: send an API "
                     "key in an Authorization header)",
                     o.origin ? o.origin : o.fetch_site ? o.fetch_site
                                                        : o.referer);
    return AVP_EINVAL;
}

int http__csrf_ok_or_reply(http_req_t *req)
{
    const char *m = req->ri->request_method;
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") ||
        mg_get_header(req->conn, "Authorization"))
        return AVP_OK;
    return http__origin_ok_or_reply(req);
}
