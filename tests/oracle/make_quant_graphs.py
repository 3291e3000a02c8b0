#!/usr/bin/python3
"""make_quant_graphs.py DIR - writes, with the onnx module, the graphs
ONNX Runtime's quantize_dynamic makes of a Conv, and the QDQ graphs its
quantize_static makes, one per case, as DIR/NAME.onnx with an input
DIR/NAME.f32, and prints "NAME N,C,H,W TOLERANCE" per case (the largest
absolute difference allowed between ORT and AVP; 0: bit for bit).

The chain is quantize_dynamic's (onnxruntime/quantization/operators/
conv.py): DynamicQuantizeLinear(x) -> ConvInteger(xq, wq, x_zp, w_zp) ->
Cast(float) -> Mul(x_scale * w_scale) -> Add(Reshape(bias)).

make_quant_graphs.py --refused DIR - integer graphs outside those
formats, for the refusals.

make_quant_graphs.py --photos OUT.f32 IMAGE... - the images as one
float32 NCHW tensor letterboxed to 640 the ultralytics way (RGB, 0..1,
cv2.INTER_LINEAR, centred, padded with 114)."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# name, c_in, h, w, c_out, k, stride, pad, dilation, group, weight type,
# weight zero point, per-channel scale, bias, SiLU after, input kind
CASES = [
    ("stem_u8", 3, 33, 31, 16, 3, 2, 1, 1, 1, "u8", 131, 0, 1, 0, "pos"),
    ("stem_silu", 3, 32, 32, 16, 3, 2, 1, 1, 1, "u8", 120, 0, 1, 1, "pos"),
    ("pw_u8", 24, 13, 11, 40, 1, 1, 0, 1, 1, "u8", 127, 0, 1, 0, "mixed"),
    ("pw_nobias", 17, 9, 10, 9, 1, 1, 0, 1, 1, "u8", 3, 0, 0, 0, "mixed"),
    ("k3_s8", 12, 15, 17, 20, 3, 1, 1, 1, 1, "s8", 0, 0, 1, 0, "mixed"),
    ("k3_s8_zp", 12, 15, 17, 20, 3, 1, 1, 1, 1, "s8", -7, 0, 1, 0, "mixed"),
    ("k3_perch", 16, 14, 14, 24, 3, 2, 1, 1, 1, "u8", 128, 1, 1, 0, "mixed"),
    ("dw_u8", 8, 12, 12, 8, 3, 1, 1, 1, 8, "u8", 119, 0, 1, 0, "mixed"),
    ("grp_dil", 8, 16, 16, 12, 3, 1, 2, 2, 2, "u8", 100, 0, 1, 0, "mixed"),
    ("k5_s3", 5, 23, 21, 7, 5, 3, 2, 1, 1, "s8", 5, 0, 1, 0, "mixed"),
    ("neg_only", 6, 10, 10, 8, 3, 1, 1, 1, 1, "u8", 140, 0, 1, 0, "neg"),
    ("zeros", 4, 8, 8, 4, 1, 1, 0, 1, 1, "u8", 128, 0, 1, 0, "zero"),
]


def make_input(rng, shape, kind):
    if kind == "zero":
        return np.zeros(shape, np.float32)
    x = rng.standard_normal(shape).astype(np.float32) * 3
    if kind == "pos":
        return np.abs(x)
    if kind == "neg":
        return -np.abs(x) - 0.5
    return x + 0.7


def make_graph(rng, case):
    (name, c, h, w, m, k, s, p, d, g, wt, wzp, perch, bias, silu, _) = case
    dtype = np.uint8 if wt == "u8" else np.int8
    info = np.iinfo(dtype)
    wq = rng.integers(info.min, info.max + 1, (m, c // g, k, k)).astype(dtype)
    scale_shape = (m, 1, 1) if perch else ()
    w_scale = (rng.random(scale_shape) * 0.01 + 1e-3).astype(np.float32)
    inits = [numpy_helper.from_array(wq, "wq"),
             numpy_helper.from_array(np.array(wzp, dtype), "wzp"),
             numpy_helper.from_array(w_scale, "w_scale")]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"]),
        helper.make_node("Mul", ["xs", "w_scale"], ["scales"]),
        helper.make_node("ConvInteger", ["xq", "wq", "xzp", "wzp"], ["ci"],
                         kernel_shape=[k, k], strides=[s, s], pads=[p] * 4,
                         dilations=[d, d], group=g),
        helper.make_node("Cast", ["ci"], ["cf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["cf", "scales"], ["y" if not bias and not silu else "sc"]),
    ]
    last = "y" if not bias and not silu else "sc"
    if bias:
        b = rng.standard_normal(m).astype(np.float32)
        inits += [numpy_helper.from_array(b, "bias"),
                  numpy_helper.from_array(np.array([1, m, 1, 1], np.int64), "bshape")]
        out = "y" if not silu else "yb"
        nodes += [helper.make_node("Reshape", ["bias", "bshape"], ["b"]),
                  helper.make_node("Add", [last, "b"], [out])]
        last = out
    if silu:
        nodes += [helper.make_node("Sigmoid", [last], ["sg"]),
                  helper.make_node("Mul", [last, "sg"], ["y"])]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                             ir_version=8)


# QDQ (quantize_static's default format): name, c_in, h, w, c_out, k,
# stride, pad, group, activation type, weight type, per-channel weights,
# bias as DQ(int32), an Add of the input after the conv
QDQ_CASES = [
    ("qdq_u8", 8, 15, 13, 16, 3, 1, 1, 1, "u8", "u8", 0, 1, 0),
    ("qdq_s8_perch", 8, 14, 14, 12, 3, 2, 1, 1, "s8", "s8", 1, 1, 0),
    ("qdq_pw_float_bias", 16, 9, 11, 8, 1, 1, 0, 1, "u8", "s8", 1, 0, 0),
    ("qdq_dw", 6, 12, 12, 6, 3, 1, 1, 6, "s8", "s8", 1, 1, 0),
    ("qdq_add", 8, 10, 10, 8, 3, 1, 1, 1, "u8", "s8", 1, 1, 1),
]


def qparams(lo, hi, kind):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = np.float32((hi - lo) / 255)
    if kind == "u8":
        return scale, np.uint8(round(-lo / scale))
    return scale, np.int8(round(-lo / scale) - 128)


def qdq(nodes, inits, x, name, scale, zp):
    inits += [numpy_helper.from_array(np.array(scale, np.float32), name + "_s"),
              numpy_helper.from_array(np.array(zp), name + "_z")]
    nodes += [helper.make_node("QuantizeLinear", [x, name + "_s", name + "_z"], [name + "_q"]),
              helper.make_node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"],
                               [name + "_dq"])]
    return name + "_dq"


def make_qdq_graph(rng, case, x):
    (name, c, h, w, m, k, s, p, g, at, wt, perch, qbias, add) = case
    nodes, inits = [], []
    sx, zx = qparams(float(x.min()), float(x.max()), at)
    xin = qdq(nodes, inits, "x", "xq", sx, zx)
    wf = rng.standard_normal((m, c // g, k, k)).astype(np.float32) * 0.3
    wdt = np.uint8 if wt == "u8" else np.int8
    lo = wf.reshape(m, -1).min(1) if perch else np.array([wf.min()])
    hi = wf.reshape(m, -1).max(1) if perch else np.array([wf.max()])
    ps = [qparams(float(a), float(b), wt) for a, b in zip(lo, hi)]
    sw = np.array([q[0] for q in ps], np.float32)
    zw = np.array([q[1] for q in ps], wdt)
    bshape = (m, 1, 1, 1) if perch else ()
    wq = np.clip(np.round(wf / sw.reshape(-1, 1, 1, 1)[:len(sw)]) +
                 zw.astype(np.int32).reshape(-1, 1, 1, 1),
                 np.iinfo(wdt).min, np.iinfo(wdt).max).astype(wdt)
    inits += [numpy_helper.from_array(wq, "wq"),
              numpy_helper.from_array(sw if perch else sw[0], "ws"),
              numpy_helper.from_array(zw if perch else zw[0], "wz")]
    nodes.append(helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wdq"], axis=0))
    b = rng.standard_normal(m).astype(np.float32)
    if qbias:
        bs = (sx * sw).astype(np.float32)
        bq = np.round(b / bs).astype(np.int32)
        inits += [numpy_helper.from_array(bq, "bq"),
                  numpy_helper.from_array(bs if perch else bs[0], "bs")]
        nodes.append(helper.make_node("DequantizeLinear", ["bq", "bs"], ["b"], axis=0))
    else:
        inits.append(numpy_helper.from_array(b, "b"))
    nodes.append(helper.make_node("Conv", [xin, "wdq", "b"], ["conv"], kernel_shape=[k, k],
                                  strides=[s, s], pads=[p] * 4, group=g))
    # The output range, from a float run of the same graph's arithmetic.
    ref = conv_ref(x, wq, sw, zw, b, s, p, g, perch)
    sy, zy = qparams(float(ref.min()), float(ref.max()), at)
    last = qdq(nodes, inits, "conv", "yq", sy, zy)
    step = sy
    if add:
        nodes.append(helper.make_node("Add", [last, xin], ["sum"]))
        ss, zs = qparams(float(ref.min() + x.min()), float(ref.max() + x.max()), at)
        last = qdq(nodes, inits, "sum", "sq", ss, zs)
        step = ss
    nodes.append(helper.make_node("Identity", [last], ["y"]))
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                             ir_version=8), step


def conv_ref(x, wq, sw, zw, b, s, p, g, perch):
    """The float conv of x with the dequantized weights (numpy, direct),
    only to choose the output's quantization range."""
    m, cg, k, _ = wq.shape
    w = (wq.astype(np.float32) - zw.astype(np.float32).reshape(-1, 1, 1, 1)) * \
        sw.reshape(-1, 1, 1, 1)
    xp = np.pad(x[0], ((0, 0), (p, p), (p, p)))
    ho, wo = (xp.shape[1] - k) // s + 1, (xp.shape[2] - k) // s + 1
    y = np.zeros((m, ho, wo), np.float32)
    mg = m // g
    for o in range(m):
        xs = xp[o // mg * cg:(o // mg + 1) * cg]
        for i in range(k):
            for j in range(k):
                y[o] += np.tensordot(w[o, :, i, j], xs[:, i:i + s * ho:s, j:j + s * wo:s], 1)
        y[o] += b[o]
    return y


def refused_graphs(out):
    """Integer graphs outside the formats, which AVP must refuse at
    load: a ConvInteger whose sum is only cast (no scale), a lone
    QuantizeLinear (its uint8 output is the graph's), and a QOperator op
    reading a tensor with other constants than it was quantized with."""
    wq = numpy_helper.from_array(np.ones((4, 3, 1, 1), np.uint8), "wq")
    s = numpy_helper.from_array(np.array(0.1, np.float32), "s")
    z = numpy_helper.from_array(np.array(3, np.uint8), "z")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    graphs = {
        "refused_cast_only": ([
            helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
            helper.make_node("ConvInteger", ["xq", "wq", "xz"], ["ci"]),
            helper.make_node("Cast", ["ci"], ["y"], to=TensorProto.FLOAT)], [wq]),
        "refused_lone_q": ([
            helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            helper.make_node("Cast", ["q"], ["y"], to=TensorProto.FLOAT)], [s, z]),
        "refused_qop_constants": ([
            helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
            helper.make_node("QLinearSigmoid", ["q", "s2", "z", "s", "z"], ["qs"],
                             domain="com.microsoft"),
            helper.make_node("DequantizeLinear", ["qs", "s", "z"], ["y"])],
            [s, z, numpy_helper.from_array(np.array(0.2, np.float32), "s2")]),
    }
    for name, (nodes, inits) in graphs.items():
        g = helper.make_graph(nodes, name, [x], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], inits)
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
        onnx.save(helper.make_model(g, opset_imports=opsets, ir_version=8),
                  f"{out}/{name}.onnx")


def letterbox(path, size=640):
    import cv2
    from letterbox_ref import ultralytics
    img = cv2.imread(path)
    if img is None:
        sys.exit(f"make_quant_graphs.py: cannot read {path}")
    return ultralytics(img, size)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--photos":
        np.stack([letterbox(p) for p in sys.argv[3:]]).astype("<f4").tofile(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--refused":
        refused_graphs(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit("usage: make_quant_graphs.py DIR | --refused DIR | "
                 "--photos OUT.f32 IMAGE...")
    out = sys.argv[1]
    rng = np.random.default_rng(13)
    for case in CASES:
        name, c, h, w = case[:4]
        onnx.save(make_graph(rng, case), f"{out}/{name}.onnx")
        make_input(rng, (1, c, h, w), case[-1]).astype("<f4").tofile(f"{out}/{name}.f32")
        # Exact, or within float rounding of the sigmoid.
        print(name, f"1,{c},{h},{w}", 1e-5 if case[14] else 0)
    for case in QDQ_CASES:
        name, c, h, w = case[:4]
        x = make_input(rng, (1, c, h, w), "mixed")
        model, step = make_qdq_graph(rng, case, x)
        onnx.save(model, f"{out}/{name}.onnx")
        x.astype("<f4").tofile(f"{out}/{name}.f32")
        # ORT requantizes in integers, AVP in float: one step apart at most.
        print(name, f"1,{c},{h},{w}", float(step) * 1.001)


if __name__ == "__main__":
    main()
