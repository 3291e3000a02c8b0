/* onnx_wire.c - bounds-checked protobuf wire reader (see onnx_wire.h). */
#include "infer/onnx_wire.h"

#include <string.h>

#include "util/avp.h"

/* ONNX stores fixed-width numbers little-endian; so does every CPU AVP
 * targets, which lets floats be copied straight out of the buffer. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the ONNX reader assumes a little-endian host");

void wire_init(wire_reader_t *r, const uint8_t *data, size_t len)
{
    r->p = data;
    r->end = data + len;
}

int wire_varint(wire_reader_t *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return AVP_EFORMAT;
        uint8_t b = *r->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return AVP_EFORMAT; /* more than 10 bytes: not a varint */
}

static int read_fixed(wire_reader_t *r, int width, uint64_t *v)
{
    if (r->end - r->p < width)
        return AVP_EFORMAT;
    uint64_t x = 0;
    memcpy(&x, r->p, (size_t)width);
    r->p += width;
    *v = x;
    return 0;
}

int wire_next(wire_reader_t *r, wire_field_t *f)
{
    if (r->p >= r->end)
        return 0;
    uint64_t tag;
    if (wire_varint(r, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
        return AVP_EFORMAT;
    memset(f, 0, sizeof(*f));
    f->num = (uint32_t)(tag >> 3);
    f->type = (int)(tag & 7);
    switch (f->type) {
    case WIRE_VARINT:
        return wire_varint(r, &f->v) < 0 ? AVP_EFORMAT : 1;
    case WIRE_FIXED64:
        return read_fixed(r, 8, &f->v) < 0 ? AVP_EFORMAT : 1;
    case WIRE_FIXED32:
        return read_fixed(r, 4, &f->v) < 0 ? AVP_EFORMAT : 1;
    case WIRE_LEN: {
        uint64_t len;
        if (wire_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
            return AVP_EFORMAT;
        f->data = r->p;
        f->len = (size_t)len;
        r->p += len;
        return 1;
    }
    default: /* groups (3, 4) are not used by ONNX; 6, 7 are invalid */
        return AVP_EFORMAT;
    }
}

int64_t wire_ints_count(const wire_field_t *f)
{
    if (f->type == WIRE_VARINT)
        return 1;
    if (f->type != WIRE_LEN)
        return AVP_EFORMAT;
    wire_reader_t r;
    wire_init(&r, f->data, f->len);
    int64_t n = 0;
    uint64_t v;
    while (r.p < r.end) {
        if (wire_varint(&r, &v) < 0)
            return AVP_EFORMAT;
        n++;
    }
    return n;
}

int wire_ints_read(const wire_field_t *f, int64_t *out, size_t cap, size_t *n)
{
    if (f->type == WIRE_VARINT) {
        if (*n >= cap)
            return AVP_EFORMAT;
        out[(*n)++] = (int64_t)f->v;
        return 0;
    }
    if (f->type != WIRE_LEN)
        return AVP_EFORMAT;
    wire_reader_t r;
    wire_init(&r, f->data, f->len);
    uint64_t v;
    while (r.p < r.end) {
        if (*n >= cap || wire_varint(&r, &v) < 0)
            return AVP_EFORMAT;
        out[(*n)++] = (int64_t)v;
    }
    return 0;
}

int64_t wire_fixed_count(const wire_field_t *f, int width)
{
    int single = width == 4 ? WIRE_FIXED32 : WIRE_FIXED64;
    if (f->type == single)
        return 1;
    if (f->type != WIRE_LEN || f->len % (size_t)width)
        return AVP_EFORMAT;
    return (int64_t)(f->len / (size_t)width);
}

/* Copies the fixed-width values of f (one, or a packed run) to out. */
static int fixed_read(const wire_field_t *f, int width, void *out, size_t cap,
                      size_t *n)
{
    int64_t count = wire_fixed_count(f, width);
    if (count < 0 || (size_t)count > cap - *n)
        return AVP_EFORMAT;
    uint8_t *dst = (uint8_t *)out + *n * (size_t)width;
    if (f->type == WIRE_LEN)
        memcpy(dst, f->data, f->len);
    else
        memcpy(dst, &f->v, (size_t)width); /* little-endian: low bytes */
    *n += (size_t)count;
    return 0;
}

int wire_floats_read(const wire_field_t *f, float *out, size_t cap, size_t *n)
{
    if (*n > cap)
        return AVP_EFORMAT;
    if (f->type == WIRE_FIXED32) {
        uint32_t bits = (uint32_t)f->v;
        if (*n >= cap)
            return AVP_EFORMAT;
        memcpy(&out[(*n)++], &bits, 4);
        return 0;
    }
    return fixed_read(f, 4, out, cap, n);
}

int wire_doubles_read(const wire_field_t *f, double *out, size_t cap,
                      size_t *n)
{
    if (*n > cap)
        return AVP_EFORMAT;
    return fixed_read(f, 8, out, cap, n);
}
