/* transport.c - how a request reached the server: over TLS (civetweb's,
 * or a trusted reverse proxy's, which says so in X-Forwarded-Proto) and
 * from which address (the socket's, or the one the trusted proxy appended
 * to X-Forwarded-For). Without trust_proxy both headers are ignored: any
 * client can send them. */
#include "http/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int http__request_https(const http_req_t *req)
{
    if (req->ri->is_ssl)
        return 1;
    if (!req->srv->opt.trust_proxy)
        return 0;
    /* A chain of proxies may list several; the first is the client's. */
    const char *p = mg_get_header(req->conn, "X-Forwarded-Proto");
    return p && !strncasecmp(p, "https", 5) &&
           (p[5] == '\0' || p[5] == ',' || p[5] == ' ');
}

void http__client_addr_init(http_req_t *req)
{
    req->client_addr[0] = '\0';
    const char *xff = req->srv->opt.trust_proxy
                          ? mg_get_header(req->conn, "X-Forwarded-For")
                          : NULL;
    if (!xff)
        return;
    /* The proxy appends the address it saw; earlier entries are whatever
     * the client sent, so only the last one is believed. */
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    last += strspn(last, " ");
    char addr[sizeof(req->client_addr)];
    snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(last, " "), last);
    unsigned char bin[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, addr, bin) == 1 ||
        inet_pton(AF_INET6, addr, bin) == 1)
        memcpy(req->client_addr, addr, sizeof(addr));
}
