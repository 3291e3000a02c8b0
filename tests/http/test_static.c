/* test_static.c - the path checks in front of the static file handler.
 * (Serving itself, Range and the SPA fallback are in test_http.py.) */
#include "check.h"
#include "http/internal.h"

static void test_static_dotdot_segments(void)
{
    static const char *const bad[] = {
        "..",       "/..",     "/../etc/passwd", "/a/../b", "/a/b/..",
        "/a/..\\b", "\\..\\x", "/a/../../..",    "/x/..//y"};
    static const char *const good[] = {
        "/",    "/index.html", "/a..b",          "/..a",        "/a../b",
        "/...", "/a/.../b",    "/.well-known/x", "/v1.2/app.js"};
    for (size_t i = 0; i < AVP_ARRAY_LEN(bad); i++)
        CHECK(http__path_has_dotdot(bad[i]));
    for (size_t i = 0; i < AVP_ARRAY_LEN(good); i++)
        CHECK(!http__path_has_dotdot(good[i]));
}

int main(void)
{
    RUN(test_static_dotdot_segments);
    return CHECK_DONE();
}
