/* fuzz_request.c - libFuzzer target: what a client controls in a request
 * besides the raw uploads, through the same code the server runs on it.
 * The first byte picks the door:
 *   0  a query string through http_schema_parse_query (percent-decoding,
 *      typing, ranges, duplicates),
 *   1  a body through jansson and http_schema_check (unknown fields, types,
 *      ranges, nested objects),
 *   2  a keyset cursor through http_reply_cursor_decode: whatever decodes must
 *      encode back to a cursor that decodes to the same values.
 * Any outcome is fine except a crash, a leak, a sanitizer report or a
 * broken round trip (abort). */
#include "http/reply.h"
#include "http/schema.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every field type and range kind the API's schemas use. */
static const http_schema_field_t fields[] = {
    {"name", HTTP_SCHEMA_STRING, 0, 1, 128, NULL, NULL},
    {"limit", HTTP_SCHEMA_INTEGER, 0, 1, 200, NULL, NULL},
    {"conf", HTTP_SCHEMA_NUMBER, 0, 0, 1, NULL, NULL},
    {"replace", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},
    {"cursor", HTTP_SCHEMA_STRING, 0, 0, 0, NULL, NULL},
    {"criteria", HTTP_SCHEMA_OBJECT, 0, 0, 0, NULL, NULL},
    {"video_id", HTTP_SCHEMA_INTEGER, 1, 1, 9.2e18, NULL, NULL},
    {0}};

static void cursor_round_trip(const char *text)
{
    for (int n = 1; n <= 3; n++) {
        int64_t vals[3], again[3];
        char enc[HTTP_REPLY_CURSOR_MAX];
        if (http_reply_cursor_decode(text, vals, n) != AVP_OK)
            continue;
        http_reply_cursor_encode(vals, n, enc);
        if (http_reply_cursor_decode(enc, again, n) != AVP_OK ||
            memcmp(vals, again, sizeof *vals * (size_t)n))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    avp_error_t err;
    json_t *obj = NULL;
    switch (data[0] % 3) {
    case 0:
        http_schema_parse_query(fields, text, &obj, &err);
        break;
    case 1:
        obj = json_loadb(text, size - 1, 0, NULL);
        if (obj)
            http_schema_check(fields, obj, &err);
        break;
    default:
        cursor_round_trip(text);
    }
    json_decref(obj);
    free(text);
    return 0;
}
