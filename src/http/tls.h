/*
 * tls.h - the one function of the TLS library (tls.c, built as the shared
 * library libssl.so that stands in for OpenSSL's under civetweb; tls.c
 * says why). Only server.c calls it.
 */
#ifndef AVP_HTTP_TLS_H
#define AVP_HTTP_TLS_H

#include <stddef.h>

/* Loads the PEM certificate chain cert and the private key key into
 * civetweb's SSL_CTX and checks that they match: 1 (civetweb then loads
 * no certificate itself), or -1 with the reason in msg (cap bytes). */
int http__tls_load(void *ssl_ctx, const char *cert, const char *key, char *msg,
                  size_t cap);

#endif
