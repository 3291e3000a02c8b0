/*
 * ops.c - the operators AVP runs: names, input/output counts, and the
 * parsing of their attributes into ir_params_t. Every attribute a node
 * carries must be understood here; one that is not read is rejected, so an
 * exotic export fails at load naming the node, op and attribute rather
 * than computing something subtly different.
 */
#include "infer/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WINDOW_MAX (1 << 16) /* kernel, stride, dilation, pad */

typedef struct op_def {
    const char *name;
    ir_op_t op;
    int min_in, max_in, min_out, max_out;
} op_def_t;

static const op_def_t op_defs[] = {
    {"Conv", OP_CONV, 2, 3, 1, 1},
    {"BatchNormalization", OP_BATCHNORM, 5, 5, 1, 1},
    {"Sigmoid", OP_SIGMOID, 1, 1, 1, 1},
    {"Exp", OP_EXP, 1, 1, 1, 1},
    {"Relu", OP_RELU, 1, 1, 1, 1},
    {"LeakyRelu", OP_LEAKYRELU, 1, 1, 1, 1},
    {"HardSigmoid", OP_HARDSIGMOID, 1, 1, 1, 1},
    {"HardSwish", OP_HARDSWISH, 1, 1, 1, 1},
    {"Add", OP_ADD, 2, 2, 1, 1},
    {"Sub", OP_SUB, 2, 2, 1, 1},
    {"Mul", OP_MUL, 2, 2, 1, 1},
    {"Div", OP_DIV, 2, 2, 1, 1},
    {"Pow", OP_POW, 2, 2, 1, 1},
    {"Concat", OP_CONCAT, 1, 1 << 20, 1, 1},
    {"Split", OP_SPLIT, 1, 2, 1, 1 << 20},
    {"Slice", OP_SLICE, 3, 5, 1, 1},
    {"MaxPool", OP_MAXPOOL, 1, 1, 1, 1},
    {"Resize", OP_RESIZE, 1, 4, 1, 1},
    {"Upsample", OP_UPSAMPLE, 2, 2, 1, 1},
    {"Reshape", OP_RESHAPE, 2, 2, 1, 1},
    {"Flatten", OP_FLATTEN, 1, 1, 1, 1},
    {"Squeeze", OP_SQUEEZE, 1, 2, 1, 1},
    {"Unsqueeze", OP_UNSQUEEZE, 1, 2, 1, 1},
    {"Identity", OP_IDENTITY, 1, 1, 1, 1},
    {"Transpose", OP_TRANSPOSE, 1, 1, 1, 1},
    {"Softmax", OP_SOFTMAX, 1, 1, 1, 1},
    {"MatMul", OP_MATMUL, 2, 2, 1, 1},
    {"Gather", OP_GATHER, 2, 2, 1, 1},
    {"Constant", OP_CONSTANT, 0, 0, 1, 1},
    {"Shape", OP_SHAPE, 1, 1, 1, 1},
    {"Cast", OP_CAST, 1, 1, 1, 1},
    {"ConstantOfShape", OP_CONSTANTOFSHAPE, 1, 1, 1, 1},
    {"Range", OP_RANGE, 3, 3, 1, 1},
    {"LayerNormalization", OP_LAYERNORM, 2, 3, 1, 1},
    {"ReduceMean", OP_REDUCEMEAN, 1, 2, 1, 1},
    {"Clip", OP_CLIP, 1, 3, 1, 1},
    {"Pad", OP_PAD, 2, 4, 1, 1},
    {"DynamicQuantizeLinear", OP_DYNQUANT, 1, 1, 3, 3},
    {"ConvInteger", OP_CONVINTEGER, 2, 4, 1, 1},
    {"QuantizeLinear", OP_QUANTIZE, 2, 3, 1, 1},
    {"DequantizeLinear", OP_DEQUANTIZE, 2, 3, 1, 1},
    {"MatMulInteger", OP_MATMULINTEGER, 2, 4, 1, 1},
    /* QOperator: zero points are optional inputs between others, so
     * quant_qop.c checks the counts and presence. */
    {"QLinearConv", OP_QLINEARCONV, 8, 9, 1, 1},
    {"QLinearMatMul", OP_QLINEARMATMUL, 8, 8, 1, 1},
    {"com.microsoft.QLinearAdd", OP_QLINEARADD, 7, 8, 1, 1},
    {"com.microsoft.QLinearMul", OP_QLINEARMUL, 7, 8, 1, 1},
    {"com.microsoft.QLinearSigmoid", OP_QLINEARSIGMOID, 4, 5, 1, 1},
    {"com.microsoft.QLinearLeakyRelu", OP_QLINEARLEAKYRELU, 4, 5, 1, 1},
    {"com.microsoft.QLinearConcat", OP_QLINEARCONCAT, 5, 2 + 3 * 64, 1, 1},
    {"com.microsoft.QLinearGlobalAveragePool", OP_QLINEARGAP, 4, 5, 1, 1},
};

const char *ir_op_name(ir_op_t op)
{
    for (size_t i = 0; i < AVP_ARRAY_LEN(op_defs); i++)
        if (op_defs[i].op == op)
            return op_defs[i].name;
    return "?";
}

int ir_node_error(const ir_node_t *nd, avp_error_t *err, int code,
                  const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return avp_error_set(err, code, "node '%s' (%s): %s", nd->name,
                         nd->op_type, msg);
}

/* ---- attribute access -------------------------------------------------- */

static ir_attr_t *attr(ir_node_t *nd, const char *name, ir_attr_type_t type,
                       const char **bad)
{
    for (int i = 0; i < nd->nattr; i++) {
        ir_attr_t *a = &nd->attr[i];
        if (strcmp(a->name, name))
            continue;
        a->used = 1;
        if (a->type != type)
            *bad = name;
        return a->type == type ? a : NULL;
    }
    return NULL;
}

static int64_t attr_int(ir_node_t *nd, const char *name, int64_t def,
                        const char **bad)
{
    ir_attr_t *a = attr(nd, name, IR_ATTR_INT, bad);
    return a ? a->i : def;
}

static float attr_float(ir_node_t *nd, const char *name, float def,
                        const char **bad)
{
    ir_attr_t *a = attr(nd, name, IR_ATTR_FLOAT, bad);
    return a ? a->f : def;
}

/* Fills out[0..want) from an ints attribute with exactly want entries (or
 * up to IR_MAX_DIMS if want is -1); absent leaves out untouched. Returns
 * entries read or -1 if wrong. */
static int attr_ints(ir_node_t *nd, const char *name, int64_t *out, int want,
                     const char **bad)
{
    ir_attr_t *a = attr(nd, name, IR_ATTR_INTS, bad);
    if (!a)
        return 0;
    if ((a->n != want && want >= 0) || a->n > IR_MAX_DIMS) {
        *bad = name;
        return -1;
    }
    if (a->n)
        memcpy(out, a->ints, (size_t)a->n * sizeof(int64_t));
    return a->n;
}

/* Index of s in names (NULL-terminated), -1 if absent, -2 if unknown. */
static int attr_enum(ir_node_t *nd, const char *name, const char *const *names,
                     const char **bad)
{
    ir_attr_t *a = attr(nd, name, IR_ATTR_STRING, bad);
    if (!a)
        return -1;
    for (int i = 0; names[i]; i++)
        if (!strcmp(a->s, names[i]))
            return i;
    *bad = name;
    return -2;
}

int64_t ir_attr_int(ir_node_t *nd, const char *name, int64_t def,
                    const char **bad)
{
    return attr_int(nd, name, def, bad);
}

float ir_attr_float(ir_node_t *nd, const char *name, float def,
                    const char **bad)
{
    return attr_float(nd, name, def, bad);
}

int ir_attr_ints(ir_node_t *nd, const char *name, int64_t *out, int want,
                 const char **bad)
{
    return attr_ints(nd, name, out, want, bad);
}

int ir_attr_enum(ir_node_t *nd, const char *name, const char *const *names,
                 const char **bad)
{
    return attr_enum(nd, name, names, bad);
}

/* ---- per-op parsing ---------------------------------------------------- */

static const char *const auto_pads[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER",
                                        "VALID", NULL};

/* Conv and MaxPool share kernel, strides, pads, dilations and auto_pad. */
static void parse_window(ir_node_t *nd, const char **bad)
{
    ir_params_t *p = &nd->p;
    p->strides[0] = p->strides[1] = p->dil[0] = p->dil[1] = 1;
    attr_ints(nd, "kernel_shape", p->kernel, 2, bad);
    attr_ints(nd, "strides", p->strides, 2, bad);
    attr_ints(nd, "dilations", p->dil, 2, bad);
    int64_t pads[4] = {0, 0, 0, 0};
    attr_ints(nd, "pads", pads, 4, bad);
    /* ONNX orders pads as begin(h, w), end(h, w). */
    p->pads[0] = pads[0];
    p->pads[1] = pads[1];
    p->pads[2] = pads[2];
    p->pads[3] = pads[3];
    int ap = attr_enum(nd, "auto_pad", auto_pads, bad);
    p->auto_pad = ap < 0 ? IR_PAD_NOTSET : ap;
    /* Bounded so that window arithmetic in shape.c cannot overflow. */
    for (int i = 0; i < 2; i++)
        if (p->strides[i] < 1 || p->dil[i] < 1 || p->kernel[i] < 0 ||
            p->strides[i] > WINDOW_MAX || p->dil[i] > WINDOW_MAX ||
            p->kernel[i] > WINDOW_MAX)
            *bad = "strides, dilations or kernel_shape";
    for (int i = 0; i < 4; i++)
        if (pads[i] < 0 || pads[i] > WINDOW_MAX)
            *bad = "pads";
}

static void parse_resize(ir_graph_t *g, ir_node_t *nd, const char **bad)
{
    static const char *const modes[] = {"nearest", "linear", NULL};
    static const char *const coords[] = {"half_pixel", "asymmetric",
                                         "align_corners",
                                         "pytorch_half_pixel", NULL};
    static const char *const nearests[] = {"round_prefer_floor",
                                           "round_prefer_ceil", "floor",
                                           "ceil", NULL};
    ir_params_t *p = &nd->p;
    int m = attr_enum(nd, "mode", modes, bad);
    p->rmode = m == 1 ? KERN_RESIZE_LINEAR : KERN_RESIZE_NEAREST;
    if (nd->op == OP_UPSAMPLE) {
        /* Upsample is Resize with asymmetric coordinates and floor. */
        p->coord = KERN_COORD_ASYMMETRIC;
        p->nearest = KERN_NEAREST_FLOOR;
        return;
    }
    int c = attr_enum(nd, "coordinate_transformation_mode", coords, bad);
    p->coord = c < 0 ? KERN_COORD_HALF_PIXEL : (kern_coord_mode_t)c;
    int n = attr_enum(nd, "nearest_mode", nearests, bad);
    p->nearest = n < 0 ? KERN_NEAREST_ROUND_PREFER_FLOOR
                       : (kern_nearest_mode_t)n;
    /* Opset 18's additions, at the values that change nothing. */
    if (attr_int(nd, "antialias", 0, bad) != 0)
        *bad = "antialias";
    static const char *const policies[] = {"stretch", NULL};
    attr_enum(nd, "keep_aspect_ratio_policy", policies, bad);
    int64_t axes[4] = {0, 1, 2, 3};
    int na = attr_ints(nd, "axes", axes, -1, bad);
    for (int i = 0; i < na; i++)
        if (na != 4 || axes[i] != i)
            *bad = "axes";
    attr_float(nd, "cubic_coeff_a", -0.75f, bad); /* cubic is not offered */
    attr_float(nd, "extrapolation_value", 0.f, bad); /* tf_crop only */
    if (attr_int(nd, "exclude_outside", 0, bad) != 0)
        *bad = "exclude_outside";
    (void)g;
}

static void parse_misc(ir_graph_t *g, ir_node_t *nd, const char **bad)
{
    ir_params_t *p = &nd->p;
    switch (nd->op) {
    case OP_BATCHNORM:
        p->eps = attr_float(nd, "epsilon", 1e-5f, bad);
        attr_float(nd, "momentum", 0.9f, bad); /* training only */
        if (attr_int(nd, "training_mode", 0, bad) != 0)
            *bad = "training_mode";
        break;
    case OP_LEAKYRELU:
    case OP_QLINEARLEAKYRELU:
        p->alpha = attr_float(nd, "alpha", 0.01f, bad);
        break;
    case OP_HARDSIGMOID:
        p->alpha = attr_float(nd, "alpha", 0.2f, bad);
        p->beta = attr_float(nd, "beta", 0.5f, bad);
        break;
    case OP_CONCAT:
    case OP_QLINEARCONCAT:
        p->axis = (int)attr_int(nd, "axis", INT32_MIN, bad);
        if (p->axis == INT32_MIN)
            *bad = "axis";
        break;
    case OP_QUANTIZE:
    case OP_DEQUANTIZE: /* per-axis scales: the channel axis by default */
        p->axis = (int)attr_int(nd, "axis", 1, bad);
        break;
    case OP_SPLIT:
    case OP_GATHER:
    case OP_FLATTEN:
        p->axis = (int)attr_int(nd, "axis", nd->op == OP_FLATTEN, bad);
        break;
    case OP_SOFTMAX:
        p->axis = (int)attr_int(nd, "axis", g->opset < 13 ? 1 : -1, bad);
        break;
    case OP_RESHAPE:
        p->allowzero = (int)attr_int(nd, "allowzero", 0, bad);
        break;
    case OP_CAST:
        p->to = (int)attr_int(nd, "to", 0, bad);
        attr_int(nd, "saturate", 1, bad); /* opset 19: float8 targets only */
        break;
    case OP_QLINEARGAP:
        if (attr_int(nd, "channels_last", 0, bad) != 0)
            *bad = "channels_last";
        break;
    case OP_SHAPE:
        p->shape_start = attr_int(nd, "start", 0, bad);
        p->shape_end = attr_int(nd, "end", INT64_MAX, bad);
        break;
    default:
        break;
    }
}

static void parse_shape_ops(ir_graph_t *g, ir_node_t *nd, const char **bad)
{
    ir_params_t *p = &nd->p;
    if (nd->op == OP_TRANSPOSE) {
        int64_t perm[IR_MAX_DIMS];
        p->nperm = attr_ints(nd, "perm", perm, -1, bad);
        if (p->nperm > IR_MAX_DIMS)
            *bad = "perm";
        for (int i = 0; i < p->nperm && i < IR_MAX_DIMS; i++)
            p->perm[i] = (int)perm[i];
    } else if (nd->op == OP_SQUEEZE || nd->op == OP_UNSQUEEZE) {
        ir_attr_t *a = attr(nd, "axes", IR_ATTR_INTS, bad);
        p->naxes = -1;
        if (a && (a->n > IR_MAX_DIMS || g->opset >= 13))
            *bad = "axes";
        else if (a && (p->naxes = a->n) > 0)
            memcpy(p->axes, a->ints, (size_t)a->n * sizeof(int64_t));
    } else if (nd->op == OP_SPLIT && g->opset >= 18) {
        p->num_outputs = (int)attr_int(nd, "num_outputs", 0, bad);
        if (p->num_outputs && p->num_outputs != nd->nout)
            *bad = "num_outputs";
    } else if (nd->op == OP_SPLIT && g->opset < 13) {
        ir_attr_t *a = attr(nd, "split", IR_ATTR_INTS, bad);
        if (a && a->n != nd->nout)
            *bad = "split";
        else if (a) {
            p->sizes = avp_malloc((size_t)a->n * sizeof(int64_t));
            memcpy(p->sizes, a->ints, (size_t)a->n * sizeof(int64_t));
        }
    } else if (nd->op == OP_CONSTANT || nd->op == OP_CONSTANTOFSHAPE) {
        /* fold.c reads the value attributes; mark the ones it knows. */
        static const char *const values[] = {"value", "value_float",
                                             "value_int", "value_floats",
                                             "value_ints"};
        for (size_t i = 0; i < AVP_ARRAY_LEN(values); i++)
            for (int k = 0; k < nd->nattr; k++)
                if (!strcmp(nd->attr[k].name, values[i]))
                    nd->attr[k].used = 1;
    }
}

static int node_parse(ir_graph_t *g, ir_node_t *nd, avp_error_t *err)
{
    const op_def_t *def = NULL;
    for (size_t i = 0; i < AVP_ARRAY_LEN(op_defs) && !def; i++)
        if (!strcmp(op_defs[i].name, nd->op_type))
            def = &op_defs[i];
    if (!def)
        return ir_node_error(nd, err, AVP_EUNSUPPORTED, "unsupported op "
                             "type '%s'", nd->op_type);
    nd->op = def->op;
    if (nd->nin < def->min_in || nd->nin > def->max_in ||
        nd->nout < def->min_out || nd->nout > def->max_out)
        return ir_node_error(nd, err, AVP_EFORMAT, "%d inputs and %d "
                             "outputs", nd->nin, nd->nout);
    for (int i = 0; i < def->min_in; i++)
        if (nd->in[i] < 0)
            return ir_node_error(nd, err, AVP_EFORMAT, "required input %d "
                                 "is empty", i);
    const char *bad = NULL;
    int conv = nd->op == OP_CONV || nd->op == OP_CONVINTEGER ||
               nd->op == OP_QLINEARCONV;
    if (conv || nd->op == OP_MAXPOOL)
        parse_window(nd, &bad);
    if (conv)
        nd->p.group = (int)attr_int(nd, "group", 1, &bad);
    if (nd->op == OP_MAXPOOL) {
        nd->p.ceil_mode = (int)attr_int(nd, "ceil_mode", 0, &bad);
        if (attr_int(nd, "storage_order", 0, &bad) != 0)
            bad = "storage_order";
    }
    if (nd->op == OP_RESIZE || nd->op == OP_UPSAMPLE)
        parse_resize(g, nd, &bad);
    parse_misc(g, nd, &bad);
    parse_shape_ops(g, nd, &bad);
    ir_norm_parse(g, nd, &bad);
    ir_pad_parse(nd, &bad);
    for (int i = 0; i < nd->nattr; i++)
        if (!nd->attr[i].used)
            return ir_node_error(nd, err, AVP_EUNSUPPORTED, "unsupported "
                                 "attribute '%s'", nd->attr[i].name);
    if (bad)
        return ir_node_error(nd, err, AVP_EUNSUPPORTED, "unsupported value "
                             "of attribute '%s'", bad);
    return 0;
}

int ir_ops_parse(ir_graph_t *g, avp_error_t *err)
{
    for (int i = 0; i < g->nn; i++) {
        int rc = node_parse(g, &g->n[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}
