/* test_origin.c - which requests a browser says come from another origin
 * (origin.c); the 403s themselves are in test_http.py and
 * tests/platform/test_security_session.py. */
#include "check.h"
#include "http/internal.h"

static http_origin_t at(const char *origin, const char *fetch_site,
                        const char *referer)
{
    return (http_origin_t){.origin = origin,
                           .fetch_site = fetch_site,
                           .referer = referer,
                           .host = "avp.example:8080",
                           .https = 0,
                           .allowed = "https://ui.example, http://b.example:81"};
}

static int foreign(http_origin_t o) { return http__origin_foreign(&o); }

static void test_origin_header_decides(void)
{
    CHECK(!foreign(at("http://avp.example:8080", NULL, NULL)));
    CHECK(!foreign(at("HTTP://AVP.example:8080", "cross-site", NULL)));
    CHECK(!foreign(at("https://ui.example", NULL, NULL)));
    CHECK(!foreign(at("http://b.example:81", NULL, NULL)));
    /* Another scheme, port, host, a prefix or an extension of ours. */
    CHECK(foreign(at("https://avp.example:8080", NULL, NULL)));
    CHECK(foreign(at("http://avp.example:8081", NULL, NULL)));
    CHECK(foreign(at("http://avp.example", NULL, NULL)));
    CHECK(foreign(at("http://avp.example:8080.evil", NULL, NULL)));
    CHECK(foreign(at("http://evil.example", "same-origin", NULL)));
    CHECK(foreign(at("https://ui.example.evil", NULL, NULL)));
    CHECK(foreign(at("http://b.example", NULL, NULL)));
    CHECK(foreign(at("null", NULL, NULL)));
    CHECK(foreign(at("", NULL, NULL)));
}

static void test_origin_over_tls(void)
{
    http_origin_t o = at("https://avp.example:8080", NULL, NULL);
    o.https = 1;
    CHECK(!http__origin_foreign(&o));
    o.origin = "http://avp.example:8080";
    CHECK(http__origin_foreign(&o));
}

static void test_origin_fallbacks(void)
{
    CHECK(!foreign(at(NULL, "same-origin", "http://evil.example/")));
    CHECK(!foreign(at(NULL, "none", NULL)));
    CHECK(foreign(at(NULL, "same-site", NULL)));
    CHECK(foreign(at(NULL, "cross-site", NULL)));
    CHECK(!foreign(at(NULL, NULL, "http://avp.example:8080/projects/1?x")));
    CHECK(!foreign(at(NULL, NULL, "https://ui.example#frag")));
    CHECK(foreign(at(NULL, NULL, "http://avp.example:8080.evil/")));
    CHECK(foreign(at(NULL, NULL, "http://evil.example/?http://avp.example:8080")));
    CHECK(foreign(at(NULL, NULL, "/relative")));
    CHECK(foreign(at(NULL, NULL, "://avp.example:8080")));
    /* Nothing said: not a browser (a script, curl). */
    CHECK(!foreign(at(NULL, NULL, NULL)));
}

static void test_origin_without_host(void)
{
    http_origin_t o = at("http://avp.example:8080", NULL, NULL);
    o.host = NULL;
    CHECK(http__origin_foreign(&o));
    o.origin = "https://ui.example";
    CHECK(!http__origin_foreign(&o));
}

int main(void)
{
    RUN(test_origin_header_decides);
    RUN(test_origin_over_tls);
    RUN(test_origin_fallbacks);
    RUN(test_origin_without_host);
    return CHECK_DONE();
}
