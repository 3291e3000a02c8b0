/* test_reply.c - the parts of reply.c that need no connection: opaque
 * keyset cursors. (Replies themselves are exercised by test_http.py.) */
#include "check.h"
#include "http/reply.h"

#include <string.h>

static void test_reply_cursor_round_trip(void)
{
    static const int64_t cases[][2] = {
        {1, 1}, {1732700000123456, 42}, {-5, INT64_MAX}, {INT64_MIN, 0}};
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        char c[HTTP_REPLY_CURSOR_MAX];
        int64_t back[2] = {0, 0};
        http_reply_cursor_encode(cases[i], 2, c);
        CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789-_") == strlen(c));
        CHECK(http_reply_cursor_decode(c, back, 2) == AVP_OK);
        CHECK(back[0] == cases[i][0] && back[1] == cases[i][1]);
    }
    int64_t four[4] = {1, 2, 3, 4}, got[4];
    char c[HTTP_REPLY_CURSOR_MAX];
    http_reply_cursor_encode(four, 4, c);
    CHECK(strlen(c) < HTTP_REPLY_CURSOR_MAX);
    CHECK(http_reply_cursor_decode(c, got, 4) == AVP_OK && got[3] == 4);
}

static void test_reply_cursor_rejects_foreign(void)
{
    int64_t v[2], one = 7;
    char c[HTTP_REPLY_CURSOR_MAX];
    http_reply_cursor_encode(&one, 1, c);
    CHECK(http_reply_cursor_decode(c, v, 1) == AVP_OK && v[0] == 7);
    CHECK(http_reply_cursor_decode(c, v, 2) == AVP_EFORMAT); /* wrong arity */
    CHECK(http_reply_cursor_decode("", v, 1) == AVP_EFORMAT);
    CHECK(http_reply_cursor_decode("not a cursor!", v, 1) == AVP_EFORMAT);
    CHECK(http_reply_cursor_decode("AAAAAAAAAAAH", v, 1) ==
          AVP_EFORMAT); /* v0 */
    /* Standard base64 with padding is not what the server writes. */
    CHECK(http_reply_cursor_decode("AQAAAAAAAAAH==", v, 1) == AVP_EFORMAT);
    CHECK(http_reply_cursor_decode(c, v, 0) == AVP_EFORMAT);
    CHECK(http_reply_cursor_decode(c, v, HTTP_REPLY_CURSOR_MAX_VALUES + 1) ==
          AVP_EFORMAT);
}

int main(void)
{
    RUN(test_reply_cursor_round_trip);
    RUN(test_reply_cursor_rejects_foreign);
    return CHECK_DONE();
}
