/*
 * onnx_wire.h - a reader for the protobuf wire format, just enough for ONNX
 * (internal to src/infer/).
 *
 * Why hand-written rather than protobuf-c or nanopb: an ONNX file is one
 * ModelProto whose bulk is the raw_data of its initializers. Reading the
 * wire format directly hands us pointers into the file's bytes for those
 * (zero-copy until we place them in aligned memory), needs no generated
 * code, and keeps the untrusted-input surface to a few bounds-checked
 * functions that a fuzzer can cover completely.
 *
 * Every read checks lengths against the end of the buffer; a truncated or
 * corrupt message yields AVP_EFORMAT, never a read past the end.
 */
#ifndef AVP_INFER_ONNX_WIRE_H
#define AVP_INFER_ONNX_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
    WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5
};

/* The field numbers of onnx/onnx.proto that the loader reads, named
 * ONNX_<MESSAGE>_<FIELD> after the proto's own names. They are part of
 * the file format: protobuf never renumbers a field. */
enum {
    /* ModelProto */
    ONNX_MODEL_GRAPH = 7, ONNX_MODEL_OPSET_IMPORT = 8,
    ONNX_MODEL_METADATA_PROPS = 14,
    /* StringStringEntryProto */
    ONNX_ENTRY_KEY = 1, ONNX_ENTRY_VALUE = 2,
    /* OperatorSetIdProto */
    ONNX_OPSET_DOMAIN = 1, ONNX_OPSET_VERSION = 2,
    /* GraphProto */
    ONNX_GRAPH_NODE = 1, ONNX_GRAPH_INITIALIZER = 5, ONNX_GRAPH_INPUT = 11,
    ONNX_GRAPH_OUTPUT = 12,
    /* NodeProto */
    ONNX_NODE_INPUT = 1, ONNX_NODE_OUTPUT = 2, ONNX_NODE_NAME = 3,
    ONNX_NODE_OP_TYPE = 4, ONNX_NODE_ATTRIBUTE = 5, ONNX_NODE_DOMAIN = 7,
    /* AttributeProto */
    ONNX_ATTR_NAME = 1, ONNX_ATTR_F = 2, ONNX_ATTR_I = 3, ONNX_ATTR_S = 4,
    ONNX_ATTR_T = 5, ONNX_ATTR_FLOATS = 7, ONNX_ATTR_INTS = 8,
    ONNX_ATTR_TYPE = 20,
    /* TensorProto */
    ONNX_TENSOR_DIMS = 1, ONNX_TENSOR_DATA_TYPE = 2,
    ONNX_TENSOR_FLOAT_DATA = 4, ONNX_TENSOR_INT32_DATA = 5,
    ONNX_TENSOR_INT64_DATA = 7, ONNX_TENSOR_NAME = 8,
    ONNX_TENSOR_RAW_DATA = 9, ONNX_TENSOR_DOUBLE_DATA = 10,
    ONNX_TENSOR_DATA_LOCATION = 14,
    /* ValueInfoProto */
    ONNX_VALUE_INFO_NAME = 1, ONNX_VALUE_INFO_TYPE = 2,
    /* TypeProto, TypeProto.Tensor */
    ONNX_TYPE_TENSOR_TYPE = 1,
    ONNX_TYPE_TENSOR_ELEM_TYPE = 1, ONNX_TYPE_TENSOR_SHAPE = 2,
    /* TensorShapeProto, TensorShapeProto.Dimension */
    ONNX_SHAPE_DIM = 1,
    ONNX_DIM_VALUE = 1, ONNX_DIM_PARAM = 2
};

/* TensorProto.DataLocation: the data is in another file. */
enum { ONNX_DATA_LOCATION_EXTERNAL = 1 };

typedef struct wire_reader {
    const uint8_t *p, *end;
} wire_reader_t;

typedef struct wire_field {
    uint32_t num;           /* field number */
    int type;               /* WIRE_* */
    uint64_t v;             /* VARINT, FIXED64, FIXED32 value */
    const uint8_t *data;    /* LEN payload (points into the buffer) */
    size_t len;
} wire_field_t;

void wire_init(wire_reader_t *r, const uint8_t *data, size_t len);

/* Reads the next field. Returns 1 (field), 0 (end of message) or
 * AVP_EFORMAT (truncated, bad tag, group wire types). */
int wire_next(wire_reader_t *r, wire_field_t *f);

/* Reads one varint from r. Returns 0 or AVP_EFORMAT. */
int wire_varint(wire_reader_t *r, uint64_t *v);

/* A repeated int64/int32 field arrives packed (LEN of varints) or one
 * VARINT per field. wire_ints_count() says how many values f holds
 * (or AVP_EFORMAT); wire_ints_read() appends them to out[*n..cap). */
int64_t wire_ints_count(const wire_field_t *f);
int wire_ints_read(const wire_field_t *f, int64_t *out, size_t cap, size_t *n);

/* The same for repeated float (FIXED32 or packed) and double (FIXED64). */
int64_t wire_fixed_count(const wire_field_t *f, int width);
int wire_floats_read(const wire_field_t *f, float *out, size_t cap, size_t *n);
int wire_doubles_read(const wire_field_t *f, double *out, size_t cap,
                      size_t *n);

#endif
