/*
 * onnx_load.c - ModelProto bytes -> ir_graph_t. Reads opset_import, the
 * graph's initializers, inputs, nodes (with attributes) and outputs. Field
 * numbers are those of onnx/onnx.proto3, named in onnx_wire.h. Everything
 * read from the file is checked; a bad file yields AVP_EFORMAT (malformed)
 * or AVP_EUNSUPPORTED (valid but outside what AVP runs) with a message.
 */
#include "infer/internal.h"
#include "infer/onnx_wire.h"

#include <string.h>

static char *wire_strdup(const wire_field_t *f)
{
    char *s = avp_malloc(f->len + 1);
    memcpy(s, f->data, f->len);
    s[f->len] = 0;
    return s;
}

#define BAD(what) avp_error_set(err, AVP_EFORMAT, "malformed %s", what)

/* ---- TensorProto ------------------------------------------------------ */

typedef struct tensor_proto {
    int64_t dims[IR_MAX_DIMS];
    int ndim;
    int dtype;
    const wire_field_t *raw;
    wire_field_t raw_field;
    int64_t typed;      /* values in float_data/int32_data/int64_data/... */
    int has_raw, external;
} tensor_proto_t;

static int typed_field(int dtype)
{
    switch (dtype) {
    case IR_FLOAT: return ONNX_TENSOR_FLOAT_DATA;
    case IR_INT32: case IR_FLOAT16: case IR_UINT8: case IR_INT8:
        return ONNX_TENSOR_INT32_DATA;
    case IR_INT64: return ONNX_TENSOR_INT64_DATA;
    case IR_DOUBLE: return ONNX_TENSOR_DOUBLE_DATA;
    default: return -1;
    }
}

/* First pass: dims, type, raw_data and a count of typed values. */
static int tensor_scan(const uint8_t *data, size_t len, tensor_proto_t *tp,
                       char **name, avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t f;
    int rc;
    memset(tp, 0, sizeof(*tp));
    wire_init(&r, data, len);
    int64_t counts[16] = {0};
    while ((rc = wire_next(&r, &f)) == 1) {
        if (f.num == ONNX_TENSOR_DIMS) {
            size_t n = (size_t)tp->ndim;
            if (wire_ints_read(&f, tp->dims, IR_MAX_DIMS, &n) < 0)
                return avp_error_set(err, AVP_EUNSUPPORTED,
                                     "tensor with more than %d dims or "
                                     "malformed dims", IR_MAX_DIMS);
            tp->ndim = (int)n;
        } else if (f.num == ONNX_TENSOR_DATA_TYPE && f.type == WIRE_VARINT) {
            tp->dtype = (int)f.v;
        } else if (f.num == ONNX_TENSOR_NAME && f.type == WIRE_LEN && name &&
                   !*name) {
            *name = wire_strdup(&f);
        } else if (f.num == ONNX_TENSOR_RAW_DATA && f.type == WIRE_LEN) {
            tp->raw_field = f;
            tp->has_raw = 1;
        } else if (f.num == ONNX_TENSOR_DATA_LOCATION &&
                   f.type == WIRE_VARINT) {
            tp->external = f.v == ONNX_DATA_LOCATION_EXTERNAL;
        } else if (f.num == ONNX_TENSOR_FLOAT_DATA ||
                   f.num == ONNX_TENSOR_INT32_DATA ||
                   f.num == ONNX_TENSOR_INT64_DATA ||
                   f.num == ONNX_TENSOR_DOUBLE_DATA) {
            int64_t c = f.num == ONNX_TENSOR_FLOAT_DATA
                            ? wire_fixed_count(&f, 4)
                      : f.num == ONNX_TENSOR_DOUBLE_DATA
                            ? wire_fixed_count(&f, 8)
                            : wire_ints_count(&f);
            if (c < 0)
                return BAD("tensor data");
            counts[f.num] += c;
        }
    }
    if (rc < 0)
        return BAD("tensor");
    int tf = typed_field(tp->dtype);
    tp->typed = tf >= 0 ? counts[tf] : 0;
    return 0;
}

/* Second pass: typed values into out (already sized for numel). */
static int tensor_read_typed(const uint8_t *data, size_t len, int dtype,
                             void *out, size_t numel)
{
    wire_reader_t r;
    wire_field_t f;
    size_t n = 0;
    int rc, want = typed_field(dtype);
    wire_init(&r, data, len);
    while ((rc = wire_next(&r, &f)) == 1) {
        if ((int)f.num != want)
            continue;
        if (dtype == IR_FLOAT)
            rc = wire_floats_read(&f, out, numel, &n);
        else if (dtype == IR_DOUBLE)
            rc = wire_doubles_read(&f, out, numel, &n);
        else
            rc = wire_ints_read(&f, out, numel, &n);
        if (rc < 0)
            return AVP_EFORMAT;
    }
    return rc < 0 || n != numel ? AVP_EFORMAT : 0;
}

/* IEEE 754 binary16 bits to float: every half is exactly a float. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu, bits;
    if (exp == 0x1f) { /* inf, NaN */
        bits = sign | 0x7f800000u | man << 13;
    } else if (exp) {
        bits = sign | (exp + 112) << 23 | man << 13;
    } else if (man) { /* subnormal: normalize */
        int e = -1;
        do {
            man <<= 1;
            e++;
        } while (!(man & 0x400u));
        bits = sign | (uint32_t)(112 - e) << 23 | (man & 0x3ffu) << 13;
    } else {
        bits = sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* INT32 and DOUBLE are stored as INT64 and FLOAT: the runtime knows two
 * element types besides quantized bytes. The conversion runs in place,
 * back to front where the source is narrower. FLOAT16 (half exports'
 * weights) becomes FLOAT: from raw_data's 16-bit words, or from
 * int32_data, read as int64 like INT32; bytes typed in int32_data were
 * read as int64 too. */
static void tensor_narrow(ir_tensor_t *t, int dtype, int raw, size_t numel)
{
    if ((dtype == IR_UINT8 || dtype == IR_INT8) && !raw) {
        const int64_t *src = t->data;
        uint8_t *dst = t->data;
        for (size_t i = 0; i < numel; i++)
            dst[i] = (uint8_t)src[i];
    } else if (dtype == IR_FLOAT16 && raw) {
        const uint16_t *src = t->data;
        float *dst = t->data;
        for (size_t i = numel; i-- > 0;)
            dst[i] = half_to_float(src[i]);
    } else if (dtype == IR_FLOAT16) {
        const int64_t *src = t->data;
        float *dst = t->data;
        for (size_t i = 0; i < numel; i++)
            dst[i] = half_to_float((uint16_t)src[i]);
    } else if (dtype == IR_INT32) {
        const int32_t *src = t->data;
        int64_t *dst = t->data;
        for (size_t i = numel; i-- > 0;)
            dst[i] = src[i];
    } else if (dtype == IR_DOUBLE) {
        const double *src = t->data;
        float *dst = t->data;
        for (size_t i = 0; i < numel; i++)
            dst[i] = (float)src[i];
    }
}

static int tensor_fill(ir_tensor_t *t, const tensor_proto_t *tp,
                       const uint8_t *data, size_t len, avp_error_t *err)
{
    int64_t numel = 1;
    for (int i = 0; i < tp->ndim; i++) {
        if (tp->dims[i] < 0 ||
            (tp->dims[i] && numel > IR_MAX_ELEMS / tp->dims[i]))
            return BAD("tensor dims");
        numel *= tp->dims[i];
    }
    int half = tp->dtype == IR_FLOAT16;
    int bytes = tp->dtype == IR_UINT8 || tp->dtype == IR_INT8;
    size_t in_size = bytes ? 1 : half ? 2 : tp->dtype == IR_INT32 ? 4
                   : tp->dtype == IR_FLOAT ? 4 : 8;
    ir_dtype_t dt = tp->dtype == IR_INT32 ? IR_INT64
                  : tp->dtype == IR_DOUBLE || half ? IR_FLOAT
                  : (ir_dtype_t)tp->dtype;
    /* int32_data's bytes and halves are read as int64 (tensor_narrow) */
    size_t read_size = (bytes || half) && !tp->has_raw ? 8 : in_size;
    /* The data must be all there before anything is allocated for it. */
    if (tp->has_raw ? tp->raw_field.len != (size_t)numel * in_size
                    : tp->typed != numel)
        return BAD("tensor data size");
    /* Allocated at the wider of the file's and the runtime's type. */
    int64_t dims1[1] = {numel * (int64_t)(read_size > ir_dtype_size(dt)
                                          ? read_size / ir_dtype_size(dt)
                                          : 1)};
    if (ir_tensor_alloc(t, dt, 1, dims1) < 0)
        return avp_error_set(err, AVP_ENOMEM, "out of memory for a tensor");
    t->ndim = tp->ndim;
    memcpy(t->dims, tp->dims, sizeof(t->dims));
    if (tp->has_raw) {
        memcpy(t->data, tp->raw_field.data, tp->raw_field.len);
    } else if (tensor_read_typed(data, len, tp->dtype, t->data,
                                 (size_t)numel) < 0) {
        return BAD("tensor data count");
    }
    tensor_narrow(t, tp->dtype, tp->has_raw, (size_t)numel);
    return 0;
}

/* Parses a TensorProto into constant tensor t; *name gets its name if
 * name is not NULL. */
static int tensor_parse(ir_tensor_t *t, const uint8_t *data, size_t len,
                        char **name, avp_error_t *err)
{
    tensor_proto_t tp;
    int rc = tensor_scan(data, len, &tp, name, err);
    if (rc < 0)
        return rc;
    if (tp.external)
        return avp_error_set(err, AVP_EUNSUPPORTED,
                             "tensor with external data");
    if (typed_field(tp.dtype) < 0)
        return avp_error_set(err, AVP_EUNSUPPORTED, "tensor data type %d "
                             "(AVP runs float32, float16, int64, int32, "
                             "double, uint8, int8)",
                             tp.dtype);
    return tensor_fill(t, &tp, data, len, err);
}

/* ---- AttributeProto --------------------------------------------------- */

/* Repeated ints and floats, packed or not. */
static int attr_list(ir_attr_t *a, const wire_field_t *f, avp_error_t *err)
{
    if (f->num == ONNX_ATTR_INTS) {
        int64_t c = wire_ints_count(f);
        if (c < 0 || c > IR_MAX_ELEMS)
            return BAD("attribute ints");
        size_t n = (size_t)a->n;
        a->ints = avp_realloc(a->ints, (size_t)(a->n + c) * sizeof(int64_t));
        if (wire_ints_read(f, a->ints, (size_t)(a->n + c), &n) < 0)
            return BAD("attribute ints");
        a->n = (int)n;
    } else {
        int64_t c = wire_fixed_count(f, 4);
        if (c < 0 || c > IR_MAX_ELEMS)
            return BAD("attribute floats");
        size_t n = (size_t)a->nf;
        a->floats = avp_realloc(a->floats,
                                (size_t)(a->nf + c) * sizeof(float));
        if (wire_floats_read(f, a->floats, (size_t)(a->nf + c), &n) < 0)
            return BAD("attribute floats");
        a->nf = (int)n;
    }
    return 0;
}

static int attr_parse(ir_graph_t *g, ir_attr_t *a, const uint8_t *data,
                      size_t len, avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t f;
    int rc;
    wire_init(&r, data, len);
    a->tensor = -1;
    while ((rc = wire_next(&r, &f)) == 1) {
        if (f.num == ONNX_ATTR_NAME && f.type == WIRE_LEN && !a->name) {
            a->name = wire_strdup(&f);
        } else if (f.num == ONNX_ATTR_TYPE && f.type == WIRE_VARINT) {
            a->type = (ir_attr_type_t)f.v;
        } else if (f.num == ONNX_ATTR_F && f.type == WIRE_FIXED32) {
            uint32_t bits = (uint32_t)f.v;
            memcpy(&a->f, &bits, 4);
        } else if (f.num == ONNX_ATTR_I && f.type == WIRE_VARINT) {
            a->i = (int64_t)f.v;
        } else if (f.num == ONNX_ATTR_S && f.type == WIRE_LEN && !a->s) {
            a->s = wire_strdup(&f);
        } else if (f.num == ONNX_ATTR_T && f.type == WIRE_LEN &&
                   a->tensor < 0) {
            a->tensor = ir_tensor_add(g, NULL);
            if ((rc = tensor_parse(&g->t[a->tensor], f.data, f.len, NULL,
                                   err)) < 0)
                return rc;
        } else if (f.num == ONNX_ATTR_FLOATS || f.num == ONNX_ATTR_INTS) {
            if ((rc = attr_list(a, &f, err)) < 0)
                return rc;
        }
    }
    if (rc < 0 || !a->name)
        return BAD("attribute");
    if (!a->s) /* an empty string is not written to the file */
        a->s = avp_strdup("");
    return 0;
}

/* ---- NodeProto -------------------------------------------------------- */

static int node_io(ir_graph_t *g, ir_node_t *nd, const wire_field_t *f,
                   avp_error_t *err)
{
    char *name = wire_strdup(f);
    int rc = 0;
    if (f->num == ONNX_NODE_INPUT) {
        int t = name[0] ? ir_tensor_find(g, name) : -1;
        if (name[0] && t < 0)
            rc = avp_error_set(err, AVP_EFORMAT, "input '%s' is used before "
                               "it is produced (graph not topologically "
                               "sorted?)", name);
        nd->in = avp_realloc(nd->in, (size_t)(nd->nin + 1) * sizeof(int));
        nd->in[nd->nin++] = t;
    } else {
        int t = ir_tensor_get(g, name);
        if (g->t[t].producer >= 0 || g->t[t].data || g->t[t].ndim >= 0)
            rc = avp_error_set(err, AVP_EFORMAT, "tensor '%s' is defined "
                               "twice", name);
        g->t[t].producer = (int)(nd - g->n);
        nd->out = avp_realloc(nd->out, (size_t)(nd->nout + 1) * sizeof(int));
        nd->out[nd->nout++] = t;
    }
    avp_free(name);
    return rc;
}

static int node_parse(ir_graph_t *g, const uint8_t *data, size_t len,
                      avp_error_t *err)
{
    ir_node_t *nd = ir_node_add(g);
    wire_reader_t r;
    wire_field_t f;
    int rc = 0, microsoft = 0;
    wire_init(&r, data, len);
    while (rc >= 0 && (rc = wire_next(&r, &f)) == 1) {
        if (f.type != WIRE_LEN)
            continue;
        if (f.num == ONNX_NODE_INPUT || f.num == ONNX_NODE_OUTPUT) {
            rc = node_io(g, nd, &f, err);
        } else if (f.num == ONNX_NODE_NAME && !nd->name) {
            nd->name = wire_strdup(&f);
        } else if (f.num == ONNX_NODE_OP_TYPE && !nd->op_type) {
            nd->op_type = wire_strdup(&f);
        } else if (f.num == ONNX_NODE_DOMAIN && f.len == 13 &&
                   !memcmp(f.data, "com.microsoft", 13)) {
            microsoft = 1;
        } else if (f.num == ONNX_NODE_DOMAIN && f.len &&
                   !(f.len == 7 && !memcmp(f.data, "ai.onnx", 7))) {
            rc = avp_error_set(err, AVP_EUNSUPPORTED,
                               "operator domain '%.*s'", (int)f.len, f.data);
        } else if (f.num == ONNX_NODE_ATTRIBUTE) {
            nd->attr = avp_realloc(nd->attr,
                                   (size_t)(nd->nattr + 1) * sizeof(ir_attr_t));
            memset(&nd->attr[nd->nattr], 0, sizeof(ir_attr_t));
            rc = attr_parse(g, &nd->attr[nd->nattr++], f.data, f.len, err);
        }
    }
    if (!nd->name)
        nd->name = avp_strdup("");
    if (!nd->op_type)
        nd->op_type = avp_strdup("");
    if (microsoft) { /* ops.c knows ONNX Runtime's contrib ops by this */
        char *full = avp_malloc(strlen(nd->op_type) + 15);
        sprintf(full, "com.microsoft.%s", nd->op_type);
        avp_free(nd->op_type);
        nd->op_type = full;
    }
    if (rc < 0 && err && !err->msg[0])
        BAD("node");
    if (rc < 0)
        avp_error_prefix(err, "node '%s' (%s)", nd->name, nd->op_type);
    return rc < 0 ? rc : 0;
}

/* ---- ValueInfoProto (graph inputs and outputs) ----------------------- */

static int dim_parse(const wire_field_t *f, int first, int64_t *dim,
                     avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t d;
    int rc;
    *dim = -1;
    wire_init(&r, f->data, f->len);
    while ((rc = wire_next(&r, &d)) == 1) {
        if (d.num == ONNX_DIM_VALUE && d.type == WIRE_VARINT)
            *dim = (int64_t)d.v;
        else if (d.num == ONNX_DIM_PARAM && d.type == WIRE_LEN)
            *dim = first; /* the batch is AVP's; others: ir_meta_fill_inputs */
    }
    if (rc < 0)
        return BAD("dimension");
    if (*dim < 0 || *dim > (INT64_C(1) << 24))
        return avp_error_set(err, AVP_EUNSUPPORTED, "dynamic or invalid "
                             "input dimension %d (AVP needs fixed sizes "
                             "except the batch)", first ? 0 : 1);
    return 0;
}

/* Walks the nested messages TypeProto.tensor_type.shape, filling t. */
static int type_parse(ir_tensor_t *t, const uint8_t *data, size_t len,
                      int depth, avp_error_t *err)
{
    static const uint32_t path[] = {ONNX_VALUE_INFO_TYPE, ONNX_TYPE_TENSOR_TYPE,
                                    ONNX_TYPE_TENSOR_SHAPE};
    wire_reader_t r;
    wire_field_t f;
    int rc;
    wire_init(&r, data, len);
    while ((rc = wire_next(&r, &f)) == 1) {
        if (depth == 2 && f.num == ONNX_TYPE_TENSOR_ELEM_TYPE &&
            f.type == WIRE_VARINT && f.v != IR_FLOAT && f.v != IR_FLOAT16)
            return avp_error_set(err, AVP_EUNSUPPORTED, "input '%s' has "
                                 "element type %d (AVP needs float32 or "
                                 "float16, fed as float32)",
                                 t->name, (int)f.v);
        if (depth == 3 && f.num == ONNX_SHAPE_DIM && f.type == WIRE_LEN) {
            if (t->ndim >= IR_MAX_DIMS)
                return avp_error_set(err, AVP_EUNSUPPORTED, "input '%s' "
                                     "has too many dims", t->name);
            if ((rc = dim_parse(&f, t->ndim == 0, &t->dims[t->ndim],
                                err)) < 0) {
                avp_error_prefix(err, "input '%s'", t->name);
                return rc;
            }
            t->ndim++;
        } else if (depth < 3 && f.num == path[depth] && f.type == WIRE_LEN) {
            if ((rc = type_parse(t, f.data, f.len, depth + 1, err)) < 0)
                return rc;
        }
    }
    return rc < 0 ? BAD("value info") : 0;
}

static int input_parse(ir_graph_t *g, const wire_field_t *vi,
                       avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t f;
    int rc;
    wire_init(&r, vi->data, vi->len);
    char *name = NULL;
    while ((rc = wire_next(&r, &f)) == 1)
        if (f.num == ONNX_VALUE_INFO_NAME && f.type == WIRE_LEN && !name)
            name = wire_strdup(&f);
    if (rc < 0 || !name || !name[0]) {
        avp_free(name);
        return BAD("graph input");
    }
    int found = ir_tensor_find(g, name), t = found;
    if (t < 0)
        t = ir_tensor_add(g, name);
    avp_free(name);
    if (found >= 0 && g->t[t].data)
        return 0; /* older exports also list initializers as inputs */
    if (found >= 0)
        return avp_error_set(err, AVP_EFORMAT, "input '%s' listed twice",
                             g->t[t].name);
    g->t[t].ndim = 0;
    if ((rc = type_parse(&g->t[t], vi->data, vi->len, 0, err)) < 0)
        return rc;
    if (g->t[t].ndim == 0)
        return avp_error_set(err, AVP_EUNSUPPORTED, "input '%s' has no "
                             "shape", g->t[t].name);
    g->t[t].batch_major = 1;
    g->inputs = avp_realloc(g->inputs, (size_t)(g->ninputs + 1) * sizeof(int));
    g->inputs[g->ninputs++] = t;
    return 0;
}

static int output_parse(ir_graph_t *g, const wire_field_t *vi,
                        avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t f;
    int rc, t = -1;
    wire_init(&r, vi->data, vi->len);
    while ((rc = wire_next(&r, &f)) == 1) {
        if (f.num == ONNX_VALUE_INFO_NAME && f.type == WIRE_LEN && t < 0) {
            char *name = wire_strdup(&f);
            t = ir_tensor_find(g, name);
            if (t < 0)
                rc = avp_error_set(err, AVP_EFORMAT, "graph output '%s' is "
                                   "never produced", name);
            avp_free(name);
            if (rc < 0)
                return rc;
        }
    }
    if (rc < 0 || t < 0)
        return BAD("graph output");
    g->t[t].is_output = 1;
    g->outputs = avp_realloc(g->outputs,
                             (size_t)(g->noutputs + 1) * sizeof(int));
    g->outputs[g->noutputs++] = t;
    return 0;
}

/* ---- GraphProto and ModelProto ---------------------------------------- */

static int initializer_parse(ir_graph_t *g, const wire_field_t *f,
                             avp_error_t *err)
{
    char *name = NULL;
    int t = ir_tensor_add(g, NULL);
    int rc = tensor_parse(&g->t[t], f->data, f->len, &name, err);
    if (rc >= 0 && (!name || !name[0] || ir_tensor_find(g, name) >= 0))
        rc = avp_error_set(err, AVP_EFORMAT, "initializer '%s' has no name "
                           "or a duplicate one", name ? name : "");
    if (rc >= 0) {
        /* Named after parsing: the name field may follow the data. */
        ir_tensor_set_name(g, t, name);
        name = NULL;
        if (g->t[t].dtype == IR_FLOAT || g->t[t].dtype == IR_UINT8 ||
            g->t[t].dtype == IR_INT8) /* weights, quantized or not */
            g->params += ir_numel(&g->t[t]);
    }
    avp_free(name);
    if (rc < 0)
        avp_error_prefix(err, "initializer");
    return rc < 0 ? rc : 0;
}

/* Graph fields come in any order, but nodes refer to initializers and
 * inputs by name, so the graph is read in three passes. */
static int graph_parse(ir_graph_t *g, const uint8_t *data, size_t len,
                       avp_error_t *err)
{
    static const uint32_t order[] = {ONNX_GRAPH_INITIALIZER, ONNX_GRAPH_INPUT,
                                     ONNX_GRAPH_NODE, ONNX_GRAPH_OUTPUT};
    for (size_t pass = 0; pass < AVP_ARRAY_LEN(order); pass++) {
        wire_reader_t r;
        wire_field_t f;
        int rc = 0;
        wire_init(&r, data, len);
        while (rc >= 0 && (rc = wire_next(&r, &f)) == 1) {
            if (f.num != order[pass] || f.type != WIRE_LEN)
                continue;
            rc = f.num == ONNX_GRAPH_INITIALIZER ? initializer_parse(g, &f, err)
               : f.num == ONNX_GRAPH_INPUT ? input_parse(g, &f, err)
               : f.num == ONNX_GRAPH_NODE ? node_parse(g, f.data, f.len, err)
                            : output_parse(g, &f, err);
        }
        if (rc == AVP_EFORMAT && err && !err->msg[0])
            return BAD("graph");
        if (rc < 0)
            return rc;
    }
    if (!g->ninputs || !g->noutputs)
        return avp_error_set(err, AVP_EFORMAT, "graph has no %s",
                             g->ninputs ? "outputs" : "inputs");
    return 0;
}

static int opset_parse(ir_graph_t *g, const wire_field_t *f, avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t d;
    int rc, default_domain = 1;
    int64_t version = 0;
    wire_init(&r, f->data, f->len);
    while ((rc = wire_next(&r, &d)) == 1) {
        if (d.num == ONNX_OPSET_DOMAIN && d.type == WIRE_LEN)
            default_domain = d.len == 0 || (d.len == 7 &&
                                            !memcmp(d.data, "ai.onnx", 7));
        else if (d.num == ONNX_OPSET_VERSION && d.type == WIRE_VARINT)
            version = (int64_t)d.v;
    }
    if (rc < 0)
        return BAD("opset_import");
    if (default_domain)
        g->opset = (int)(version > 0 && version < 1000 ? version : 0);
    return 0;
}

int onnx_load(ir_graph_t *g, const uint8_t *data, size_t len,
              avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t f, graph = {0};
    int rc;
    if (err)
        err->msg[0] = 0;
    wire_init(&r, data, len);
    while ((rc = wire_next(&r, &f)) == 1) {
        if (f.num == ONNX_MODEL_OPSET_IMPORT && f.type == WIRE_LEN) {
            if ((rc = opset_parse(g, &f, err)) < 0)
                return rc;
        } else if (f.num == ONNX_MODEL_GRAPH && f.type == WIRE_LEN) {
            graph = f;
        } else if (f.num == ONNX_MODEL_METADATA_PROPS && f.type == WIRE_LEN) {
            if ((rc = ir_meta_entry(g, f.data, f.len, err)) < 0)
                return rc;
        }
    }
    if (rc < 0)
        return avp_error_set(err, AVP_EFORMAT, "not an ONNX model or "
                             "truncated (bad protobuf at byte %zu of %zu)",
                             (size_t)(r.p - data), len);
    if (!graph.data)
        return avp_error_set(err, AVP_EFORMAT, "not an ONNX model (no graph)");
    if (g->opset < 11 || g->opset > 21)
        return avp_error_set(err, AVP_EUNSUPPORTED, "opset %d (AVP supports "
                             "11 to 21)", g->opset);
    if ((rc = graph_parse(g, graph.data, graph.len, err)) < 0)
        return rc;
    return ir_meta_fill_inputs(g, err);
}
