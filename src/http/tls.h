/*
 * tls.h - the two functions of the TLS library (tls.c, built as the shared
 * library libssl.so that stands in for OpenSSL's under civetweb; tls.c
 * says why). Only server.c calls them.
 */
#ifndef AVP_HTTP_TLS_H
#define AVP_HTTP_TLS_H

#include <stddef.h>

/* Loads the PEM certificate chain cert and the private key key into
 * civetweb's SSL_CTX and checks that they match: 1 (civetweb then loads
 * no certificate itself), or -1 with the reason in msg (cap bytes). */
int http__tls_load(void *ssl_ctx, const char *cert, const char *key, char *msg,
                  size_t cap);

/* Who is told, on the worker thread, that a TLS handshake begins on the
 * socket fd: before it can fail, so the connection is known even when
 * civetweb then closes it without request info. */
typedef struct http_tls_hook {
    void (*begun)(void *arg, int fd);
    void *arg;
} http_tls_hook_t;

/* Calls hook (which must outlive ssl_ctx) as each handshake begins. */
void http__tls_hook(void *ssl_ctx, const http_tls_hook_t *hook);

#endif
