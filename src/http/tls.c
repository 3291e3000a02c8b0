/* tls.c - what civetweb needs from OpenSSL that Debian's libcivetweb
 * cannot find by itself. Built as a shared library apart from avp_http:
 * see CMakeLists.txt and http__tls_load in internal.h.
 *
 * Debian 12's libcivetweb (1.15, built for the OpenSSL 1.1 API) loads
 * OpenSSL at run time with dlopen("libssl.so") and looks up
 * SSL_get_peer_certificate, which OpenSSL 3 renamed
 * SSL_get1_peer_certificate (the old name is a macro now). The lookup
 * fails, mg_init_library(MG_FEATURES_SSL) fails, and an "s" port still
 * opens and crashes on its first connection (civetweb issue #1334). This
 * library is named libssl.so (file and soname) and linked into every
 * program that links avp_http: the dynamic loader lists it under that
 * name, so civetweb's dlopen("libssl.so") returns it, and its lookups
 * find the missing name here and every other one in Debian's libssl.so.3,
 * on which this library depends. Nothing else is emulated.
 *
 * The two functions of tls.h are here too, as only this library links
 * OpenSSL. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>

#include "http/tls.h"

/* The same function under its OpenSSL 1.1 name (a macro in ssl.h). Both
 * return a new reference to the peer's certificate. */
#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);
X509 *SSL_get_peer_certificate(const SSL *s)
{
    return SSL_get1_peer_certificate(s);
}

static int failed(const char *what, const char *path, char *msg, size_t cap)
{
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    ERR_clear_error();
    snprintf(msg, cap, "%s %s: %s", what, path, why);
    return -1;
}

int http__tls_load(void *ssl_ctx, const char *cert, const char *key, char *msg,
                  size_t cap)
{
    SSL_CTX *ctx = ssl_ctx;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        return failed("cannot load the TLS certificate", cert, msg, cap);
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        return failed("cannot load the TLS key", key, msg, cap);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return failed("the TLS key does not match the certificate", cert, msg,
                      cap);
    /* TLS 1.2 at least: civetweb's default leaves older versions to
     * OpenSSL's own default, which a distribution may lower. */
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    return 1;
}

static void on_info(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_START))
        return;
    const http_tls_hook_t *hook = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    hook->begun(hook->arg, SSL_get_fd(ssl));
}

void http__tls_hook(void *ssl_ctx, const http_tls_hook_t *hook)
{
    SSL_CTX_set_app_data(ssl_ctx, (void *)hook);
    SSL_CTX_set_info_callback(ssl_ctx, on_info);
}
