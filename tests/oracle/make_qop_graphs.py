#!/usr/bin/python3
"""make_qop_graphs.py DIR - writes, with the onnx module, the graphs
ONNX Runtime's quantizer makes in its QOperator format
(quantize_static(quant_format=QuantFormat.QOperator)) and the MatMul
chain of quantize_dynamic, one per case, as DIR/NAME.onnx with an input
DIR/NAME.f32, and prints "NAME DIMS TOLERANCE" per case like
make_quant_graphs.py (0: bit for bit; else the output's quantization
step, since ORT requantizes with its own float arithmetic).

The node layouts follow onnxruntime/python/tools/quantization/operators:
QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias
int32 with scale x_scale * w_scale), QLinearMatMul(a, .., b, .., y, ..),
the com.microsoft QLinearAdd/Mul(a, .., b, .., c_scale, c_zp),
QLinearSigmoid/LeakyRelu/GlobalAveragePool(x, .., y_scale, y_zp),
QLinearConcat(y_scale, y_zp, (x, x_scale, x_zp)...), MaxPool and Resize
on the 8-bit tensor itself, QuantizeLinear at the input and
DequantizeLinear at the output; weights per tensor or per output channel
(conv axis 0, MatMul axis 1), activations uint8 or int8.
quantize_dynamic's MatMul: DynamicQuantizeLinear(x) -> MatMulInteger(xq,
wq, x_zp, w_zp) -> Cast(float) -> Mul(x_scale * w_scale) [-> Add(bias)]."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"


def qparams(lo, hi, kind):
    """The per-tensor constants ORT's MinMax calibration gives a range."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = np.float32((hi - lo) / 255 if hi > lo else 1.0)
    if kind == "u8":
        return scale, np.uint8(np.clip(round(-lo / scale), 0, 255))
    return scale, np.int8(np.clip(round(-lo / scale) - 128, -128, 127))


def quant(x, scale, zp):
    info = np.iinfo(np.asarray(zp).dtype)
    return np.clip(np.rint(x / scale) + np.asarray(zp).astype(np.int32),
                   info.min, info.max).astype(np.asarray(zp).dtype)


def deq(q, scale, zp):
    return (q.astype(np.float32) - np.asarray(zp).astype(np.float32)) * scale


class Builder:
    """Nodes and initializers of one graph; tensors are tracked with their
    float values (for choosing ranges) and quantization constants."""

    def __init__(self, rng, kind):
        self.rng, self.kind = rng, kind
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}{self.n}"

    def const(self, value, base):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def qconsts(self, value):
        s, z = qparams(float(value.min()), float(value.max()), self.kind)
        return s, z, self.const(np.float32(s), "s"), self.const(z, "z")

    def quantize(self, x, value):
        """QuantizeLinear of the float input x: a quantized tensor."""
        s, z, sn, zn = self.qconsts(value)
        out = self.name("q")
        self.nodes.append(helper.make_node("QuantizeLinear", [x, sn, zn], [out]))
        return (out, deq(quant(value, s, z), s, z), sn, zn, s)

    def op(self, op_type, inputs, value, domain="", **attrs):
        """A QLinear op whose output has the float value `value` (before
        quantization): inputs are its ONNX inputs before y's constants,
        except QLinearConcat's, which come after them."""
        s, z, sn, zn = self.qconsts(value)
        out = self.name("t")
        ins = [sn, zn] + inputs if op_type == "QLinearConcat" else inputs + [sn, zn]
        self.nodes.append(helper.make_node(op_type, ins, [out], domain=domain, **attrs))
        return (out, deq(quant(value, s, z), s, z), sn, zn, s)

    def weights(self, wf, axis, wkind):
        """Weights quantized the way quantize_static does: symmetric int8
        (zero point 0) or asymmetric uint8, per tensor (axis None) or per
        channel along axis."""
        dt = np.uint8 if wkind == "u8" else np.int8
        red = tuple(i for i in range(wf.ndim) if i != axis) if axis is not None else None
        lo, hi = np.minimum(wf.min(red), 0), np.maximum(wf.max(red), 0)
        if wkind == "s8":
            s = (np.maximum(-lo, hi) * 2 / 254).astype(np.float32)
            z = np.zeros_like(s, dtype=np.int8)
        else:
            s = ((hi - lo) / 255).astype(np.float32)
            z = np.clip(np.rint(-lo / s), 0, 255).astype(np.uint8)
        shape = [1] * wf.ndim
        if axis is not None:
            shape[axis] = -1
        q = quant(wf, s.reshape(shape), z.reshape(shape)).astype(dt)
        return q, s, z, deq(q, s.reshape(shape), z.reshape(shape))

    def model(self, x_shape, out, name):
        self.nodes.append(helper.make_node("DequantizeLinear", [out[0], out[2], out[3]], ["y"]))
        graph = helper.make_graph(
            self.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                       helper.make_opsetid(MS, 1)], ir_version=8)


def conv(b, t, m, k, s, p, g, wkind, perch, bias=True):
    from make_quant_graphs import conv_ref
    c = t[1].shape[1]
    wf = b.rng.standard_normal((m, c // g, k, k)).astype(np.float32) * 0.3
    q, ws, wz, _ = b.weights(wf, 0 if perch else None, wkind)
    ws, wz = np.atleast_1d(ws), np.atleast_1d(wz)
    bias_q = np.rint(b.rng.standard_normal(m) / (t[4] * ws)).astype(np.int32)
    bf = bias_q * (t[4] * ws) if bias else np.zeros(m, np.float32)
    value = conv_ref(t[1], q, ws, wz, bf, s, p, g, perch)[None]
    wsn = b.const(ws if perch else ws[0], "ws")
    wzn = b.const(wz if perch else wz[0], "wz")
    ins = [t[0], t[2], t[3], b.const(q, "w"), wsn, wzn]
    extra = [b.const(bias_q, "bias")] if bias else []
    out = b.op("QLinearConv", ins, value, kernel_shape=[k, k], strides=[s, s],
               pads=[p] * 4, group=g)
    if extra:  # the bias follows y's constants
        b.nodes[-1].input.extend(extra)
    return out


def matmul(b, t, n, wkind, perch):
    k = t[1].shape[-1]
    wf = b.rng.standard_normal((k, n)).astype(np.float32) * 0.3
    q, ws, wz, wd = b.weights(wf, 1 if perch else None, wkind)
    ins = [t[0], t[2], t[3], b.const(q, "w"), b.const(ws, "ws"), b.const(wz, "wz")]
    return b.op("QLinearMatMul", ins, t[1] @ wd)


def binary(b, op, t, u):
    v = t[1] + u[1] if op == "QLinearAdd" else t[1] * u[1]
    return b.op(op, [t[0], t[2], t[3], u[0], u[2], u[3]], v, domain=MS)


def const_operand(b, shape):
    """A quantized initializer operand, as the quantizer writes a
    constant input of Add or Mul."""
    v = b.rng.standard_normal(shape).astype(np.float32)
    s, z, sn, zn = b.qconsts(v)
    q = quant(v, s, z)
    return (b.const(q, "c"), deq(q, s, z), sn, zn, s)


def unary(b, op, t, **attrs):
    x = t[1]
    if op == "QLinearSigmoid":
        v = 1 / (1 + np.exp(-x.astype(np.float64)))
    elif op == "QLinearLeakyRelu":
        v = np.where(x >= 0, x, x * attrs.get("alpha", 0.01))
    else:
        v = x.mean((2, 3), keepdims=True)
    return b.op(op, [t[0], t[2], t[3]], v.astype(np.float32), domain=MS, **attrs)


def concat(b, ts, axis):
    ins = [n for t in ts for n in (t[0], t[2], t[3])]
    return b.op("QLinearConcat", ins, np.concatenate([t[1] for t in ts], axis),
                domain=MS, axis=axis)


def moved(b, op, t, value, inputs=(), **attrs):
    """MaxPool or Resize on the 8-bit tensor: constants unchanged."""
    out = b.name("m")
    b.nodes.append(helper.make_node(op, [t[0], *inputs], [out], **attrs))
    return (out, value, t[2], t[3], t[4])


def maxpool(b, t):
    x = t[1]
    v = x.reshape(x.shape[0], x.shape[1], x.shape[2] // 2, 2, x.shape[3] // 2, 2).max((3, 5))
    return moved(b, "MaxPool", t, v, kernel_shape=[2, 2], strides=[2, 2])


def upsample(b, t):
    v = t[1].repeat(2, 2).repeat(2, 3)
    sc = b.const(np.array([1, 1, 2, 2], np.float32), "scales")
    return moved(b, "Resize", t, v, ("", sc), mode="nearest")


def yolo_block(b, t):
    """A YOLO-style stem, C2f-like split/concat, SPPF-like pool and an
    upsampled top-down concat, as quantize_static(QOperator) writes it."""
    def silu(u):
        return binary(b, "QLinearMul", u, unary(b, "QLinearSigmoid", u))
    x = silu(conv(b, t, 16, 3, 2, 1, 1, "s8", True))
    y = silu(conv(b, x, 16, 1, 1, 0, 1, "s8", True))
    z = binary(b, "QLinearAdd", y, silu(conv(b, y, 16, 3, 1, 1, 1, "s8", True)))
    c = silu(conv(b, concat(b, [x, z], 1), 24, 1, 1, 0, 1, "s8", True))
    p = maxpool(b, c)
    d = silu(conv(b, p, 24, 3, 1, 1, 1, "s8", True))
    up = concat(b, [upsample(b, d), c], 1)
    return unary(b, "QLinearLeakyRelu", conv(b, up, 8, 1, 1, 0, 1, "s8", True), alpha=0.1)


# name, activation type, input shape, body
CASES = [
    ("qop_conv_u8", "u8", (1, 8, 15, 13), lambda b, t: conv(b, t, 16, 3, 1, 1, 1, "s8", True)),
    ("qop_conv_s8", "s8", (1, 8, 14, 14), lambda b, t: conv(b, t, 12, 3, 2, 1, 1, "s8", False)),
    ("qop_conv_u8w", "u8", (1, 6, 11, 9), lambda b, t: conv(b, t, 10, 1, 1, 0, 1, "u8", False)),
    ("qop_conv_u8w_perch", "u8", (1, 6, 11, 9), lambda b, t: conv(b, t, 10, 3, 1, 1, 1, "u8", True)),
    ("qop_conv_dw", "s8", (1, 6, 12, 12), lambda b, t: conv(b, t, 6, 3, 1, 1, 6, "s8", True)),
    ("qop_conv_nobias", "u8", (1, 5, 9, 9), lambda b, t: conv(b, t, 7, 3, 1, 1, 1, "s8", True, False)),
    ("qop_matmul_u8", "u8", (1, 10, 24), lambda b, t: matmul(b, t, 16, "s8", True)),
    ("qop_matmul_s8", "s8", (1, 7, 32), lambda b, t: matmul(b, t, 9, "s8", False)),
    ("qop_add", "u8", (1, 4, 6, 6), lambda b, t: binary(b, "QLinearAdd", t, unary(b, "QLinearSigmoid", t))),
    ("qop_add_s8", "s8", (1, 4, 6, 6), lambda b, t: binary(b, "QLinearAdd", t, t)),
    ("qop_add_const", "u8", (1, 4, 6, 6),
     lambda b, t: binary(b, "QLinearAdd", t, const_operand(b, (1, 4, 1, 1)))),
    ("qop_mul_const_s8", "s8", (1, 4, 6, 6),
     lambda b, t: binary(b, "QLinearMul", t, const_operand(b, (1, 4, 6, 6)))),
    ("qop_mul", "u8", (1, 4, 6, 6), lambda b, t: binary(b, "QLinearMul", t, unary(b, "QLinearSigmoid", t))),
    ("qop_mul_s8", "s8", (1, 4, 6, 6), lambda b, t: binary(b, "QLinearMul", t, t)),
    ("qop_sigmoid_s8", "s8", (1, 3, 8, 8), lambda b, t: unary(b, "QLinearSigmoid", t)),
    ("qop_leaky", "u8", (1, 3, 8, 8), lambda b, t: unary(b, "QLinearLeakyRelu", t, alpha=0.1)),
    ("qop_leaky_s8", "s8", (1, 3, 8, 8), lambda b, t: unary(b, "QLinearLeakyRelu", t, alpha=0.2)),
    ("qop_concat", "u8", (1, 4, 6, 6), lambda b, t: concat(b, [t, unary(b, "QLinearSigmoid", t)], 1)),
    ("qop_gap", "u8", (1, 5, 7, 9), lambda b, t: unary(b, "QLinearGlobalAveragePool", t)),
    ("qop_gap_s8", "s8", (1, 5, 7, 9), lambda b, t: unary(b, "QLinearGlobalAveragePool", t)),
    ("qop_pool_resize", "u8", (1, 4, 8, 8), lambda b, t: upsample(b, maxpool(b, t))),
    ("qop_yolo_block", "u8", (1, 3, 32, 32), yolo_block),
    ("qop_yolo_block_s8", "s8", (1, 3, 32, 32), yolo_block),
]


def dynamic_matmul(rng, name, shape, n, wkind, perch, bias):
    """quantize_dynamic's MatMul (operators/matmul.py MatMulInteger)."""
    b = Builder(rng, "u8")
    wf = rng.standard_normal((shape[-1], n)).astype(np.float32) * 0.3
    q, ws, wz, _ = b.weights(wf, 1 if perch else None, wkind)
    ins = ["xq", b.const(q, "w"), "xz", b.const(wz, "wz")]
    b.nodes += [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
        helper.make_node("MatMulInteger", ins, ["mi"]),
        helper.make_node("Cast", ["mi"], ["mf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["xs", b.const(ws, "ws")], ["scales"]),
        helper.make_node("Mul", ["mf", "scales"], ["y" if not bias else "mm"])]
    if bias:
        bn = b.const(rng.standard_normal(n).astype(np.float32), "b")
        b.nodes.append(helper.make_node("Add", ["mm", bn], ["y"]))
    graph = helper.make_graph(
        b.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], b.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


DYNAMIC = [
    ("dyn_matmul_3d", (1, 12, 32), 20, "s8", False, False),
    ("dyn_matmul_perch_bias", (1, 9, 24), 16, "s8", True, True),
    ("dyn_matmul_u8_zp", (1, 5, 40), 12, "u8", True, True),
    ("dyn_matmul_2d", (1, 64), 10, "u8", False, True),
]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_qop_graphs.py DIR")
    out = sys.argv[1]
    rng = np.random.default_rng(29)
    for name, kind, shape, body in CASES:
        b = Builder(rng, kind)
        x = (rng.standard_normal(shape) * 2 + 0.3).astype(np.float32)
        y = body(b, b.quantize("x", x))
        onnx.save(b.model(list(shape), y, name), f"{out}/{name}.onnx")
        x.astype("<f4").tofile(f"{out}/{name}.f32")
        exact = name == "qop_pool_resize"
        print(name, ",".join(map(str, shape)), 0 if exact else float(y[4]) * 1.001)
    for name, shape, *rest in DYNAMIC:
        onnx.save(dynamic_matmul(rng, name, shape, *rest), f"{out}/{name}.onnx")
        (rng.standard_normal(shape) * 2).astype("<f4").tofile(f"{out}/{name}.f32")
        print(name, ",".join(map(str, shape)), 0)


if __name__ == "__main__":
    main()
