/* test_onnx_wire.c - the protobuf wire reader on hand-made byte strings. */
#include <string.h>

#include "check.h"
#include "infer/onnx_wire.h"
#include "util/avp.h"

static void test_wire_varint_sizes(void)
{
    static const uint8_t one[] = {0x01}, two[] = {0xac, 0x02};
    static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0x01};
    wire_reader_t r;
    uint64_t v;
    wire_init(&r, one, sizeof(one));
    CHECK(wire_varint(&r, &v) == 0 && v == 1);
    wire_init(&r, two, sizeof(two));
    CHECK(wire_varint(&r, &v) == 0 && v == 300);
    wire_init(&r, max, sizeof(max));
    CHECK(wire_varint(&r, &v) == 0 && v == UINT64_MAX);
    CHECK(r.p == r.end);
}

static void test_wire_varint_bad(void)
{
    static const uint8_t cut[] = {0x80, 0x80};
    static const uint8_t longer[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0x01};
    wire_reader_t r;
    uint64_t v;
    wire_init(&r, cut, sizeof(cut));
    CHECK(wire_varint(&r, &v) == AVP_EFORMAT);
    wire_init(&r, longer, sizeof(longer));
    CHECK(wire_varint(&r, &v) == AVP_EFORMAT);
    wire_init(&r, cut, 0);
    CHECK(wire_varint(&r, &v) == AVP_EFORMAT);
}

static void test_wire_fields(void)
{
    /* 1: varint 150; 2: "hi"; 3: fixed32 1.0f; 4: fixed64 7 */
    static const uint8_t msg[] = {
        0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x1d, 0x00, 0x00, 0x80, 0x3f,
        0x21, 7, 0, 0, 0, 0, 0, 0, 0};
    wire_reader_t r;
    wire_field_t f;
    wire_init(&r, msg, sizeof(msg));
    CHECK(wire_next(&r, &f) == 1 && f.num == 1 && f.type == WIRE_VARINT &&
          f.v == 150);
    CHECK(wire_next(&r, &f) == 1 && f.num == 2 && f.type == WIRE_LEN &&
          f.len == 2 && !memcmp(f.data, "hi", 2));
    CHECK(wire_next(&r, &f) == 1 && f.num == 3 && f.type == WIRE_FIXED32);
    float x = 0;
    size_t n = 0;
    CHECK(wire_floats_read(&f, &x, 1, &n) == 0 && n == 1 && x == 1.0f);
    CHECK(wire_next(&r, &f) == 1 && f.num == 4 && f.type == WIRE_FIXED64 &&
          f.v == 7);
    CHECK(wire_next(&r, &f) == 0);
}

static void test_wire_bad_fields(void)
{
    static const uint8_t past_end[] = {0x12, 0x05, 'a', 'b'};
    static const uint8_t group[] = {0x0b, 0x0c};
    static const uint8_t field0[] = {0x00, 0x01};
    static const uint8_t fixed_cut[] = {0x1d, 0x00, 0x00};
    static const uint8_t huge_len[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0x0f};
    const struct { const uint8_t *p; size_t n; } cases[] = {
        {past_end, sizeof(past_end)}, {group, sizeof(group)},
        {field0, sizeof(field0)}, {fixed_cut, sizeof(fixed_cut)},
        {huge_len, sizeof(huge_len)},
    };
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++) {
        wire_reader_t r;
        wire_field_t f;
        wire_init(&r, cases[i].p, cases[i].n);
        CHECK(wire_next(&r, &f) == AVP_EFORMAT);
    }
}

static void test_wire_packed_ints(void)
{
    /* packed [3, 270, -1] then one unpacked 5 */
    static const uint8_t msg[] = {
        0x0a, 0x0d, 0x03, 0x8e, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0x01, 0x08, 0x05};
    wire_reader_t r;
    wire_field_t f;
    int64_t v[4];
    size_t n = 0;
    wire_init(&r, msg, sizeof(msg));
    CHECK(wire_next(&r, &f) == 1 && wire_ints_count(&f) == 3);
    CHECK(wire_ints_read(&f, v, 4, &n) == 0 && n == 3);
    CHECK(v[0] == 3 && v[1] == 270 && v[2] == -1);
    CHECK(wire_next(&r, &f) == 1 && wire_ints_count(&f) == 1);
    CHECK(wire_ints_read(&f, v, 4, &n) == 0 && n == 4 && v[3] == 5);
    /* No room left: a fifth value is an error, not an overflow. */
    CHECK(wire_ints_read(&f, v, 4, &n) == AVP_EFORMAT);
}

static void test_wire_packed_floats(void)
{
    float in[3] = {1.5f, -2.0f, 3.25f}, out[3];
    uint8_t msg[2 + sizeof(in)] = {0x22, sizeof(in)};
    memcpy(msg + 2, in, sizeof(in));
    wire_reader_t r;
    wire_field_t f;
    size_t n = 0;
    wire_init(&r, msg, sizeof(msg));
    CHECK(wire_next(&r, &f) == 1 && wire_fixed_count(&f, 4) == 3);
    CHECK(wire_floats_read(&f, out, 3, &n) == 0 && n == 3);
    CHECK(!memcmp(in, out, sizeof(in)));
    n = 1;
    CHECK(wire_floats_read(&f, out, 3, &n) == AVP_EFORMAT);
    f.len = 5; /* not a multiple of 4 */
    CHECK(wire_fixed_count(&f, 4) == AVP_EFORMAT);
}

int main(void)
{
    RUN(test_wire_varint_sizes);
    RUN(test_wire_varint_bad);
    RUN(test_wire_fields);
    RUN(test_wire_bad_fields);
    RUN(test_wire_packed_ints);
    RUN(test_wire_packed_floats);
    return CHECK_DONE();
}
