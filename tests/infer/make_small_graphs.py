"""make_small_graphs.py OUTDIR - writes the small ONNX graphs the runtime's
C tests load (tests/infer/test_*.c), generated at test time so no binary
model is committed.

For every runnable graph NAME it writes NAME.onnx, NAME.in.bin (one frame
of float32 input, seeded) and NAME.out.bin (output 0 for that frame from
tests/oracle/numpy_onnx.py, a float64 numpy interpreter of the ONNX spec,
extended below with the few ops it lacks). Graphs that must fail to load
are written without .bin files.

Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
import numpy_onnx  # noqa: E402

RNG = np.random.default_rng(1234)

# Ops the oracle interpreter does not know, written from the ONNX spec.
EXTRA_OPS = {
    "HardSigmoid": lambda i, a, o: np.clip(a.get("alpha", 0.2) * i[0] + a.get("beta", 0.5), 0, 1),
    "HardSwish": lambda i, a, o: i[0] * np.clip(i[0] / 6 + 0.5, 0, 1),
    "Flatten": lambda i, a, o: i[0].reshape(int(np.prod(i[0].shape[:a.get("axis", 1)])), -1),
    "Cast": lambda i, a, o: i[0].astype(np.int64 if a["to"] == TensorProto.INT64 else np.float64),
    "ConstantOfShape": lambda i, a, o: np.full(tuple(i[0]), numpy_helper.to_array(a["value"])[0]),
    "Range": lambda i, a, o: np.arange(i[0], i[1], i[2]),
}
numpy_onnx.OPS.update({k: v for k, v in EXTRA_OPS.items() if k not in numpy_onnx.OPS})


def conv_same_upper(ins, attrs, opset, conv=numpy_onnx.OPS["Conv"]):
    """The oracle's Conv with auto_pad=SAME_UPPER turned into the explicit
    pads the spec defines (the extra pad goes at the end)."""
    if attrs.get("auto_pad") in (b"SAME_UPPER", "SAME_UPPER"):
        attrs = dict(attrs, auto_pad=b"NOTSET")
        k, s = ins[1].shape[2:], attrs.get("strides", [1, 1])
        d = attrs.get("dilations", [1, 1])
        begin, end = [], []
        for i in range(2):
            n = ins[0].shape[2 + i]
            total = max(0, (-(-n // s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n)
            begin.append(total // 2)
            end.append(total - total // 2)
        attrs["pads"] = begin + end
    return conv(ins, attrs, opset)


numpy_onnx.OPS["Conv"] = conv_same_upper


class G:
    """Just enough graph building: named constants and nodes."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, hint):
        self.n += 1
        return f"{hint}_{self.n}"

    def const(self, value, dtype=np.float32):
        n = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), n))
        return n

    def ints(self, values):
        return self.const(values, np.int64)

    def node(self, op, inputs, n_out=1, name=None, **attrs):
        outs = [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name or self.name(op), **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x, cin, cout, k=3, stride=1, bias=True, **attrs):
        w = self.const(RNG.normal(0, 1.2 / np.sqrt(cin * k * k), (cout, cin // attrs.get("group", 1), k, k)))
        ins = [x, w] + ([self.const(RNG.normal(0, 0.1, cout))] if bias else [])
        if "pads" not in attrs and "auto_pad" not in attrs:
            attrs["pads"] = [k // 2] * 4
        return self.node("Conv", ins, strides=[stride, stride], **attrs)

    def model(self, inp, shape, outs, opset):
        graph = helper.make_graph(
            self.nodes, "g", [helper.make_tensor_value_info(inp, TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 7
        return m


def save(out, name, model, shape=None):
    onnx.save(model, os.path.join(out, name + ".onnx"))
    if shape is None:
        return
    x = RNG.uniform(-2, 2, shape).astype(np.float32)
    y = numpy_onnx.run(model, {"x": x})[0]
    x.tofile(os.path.join(out, name + ".in.bin"))
    y.astype(np.float32).tofile(os.path.join(out, name + ".out.bin"))


def fold_bn(out):
    """Conv -> BatchNormalization -> Relu, and the same with BN folded into
    the weights by numpy: the runtime's folding must agree with both."""
    def build(fold):
        g = G()
        w = RNG.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32)
        b = RNG.normal(0, 0.1, 8).astype(np.float32)
        gamma, beta = RNG.uniform(0.5, 1.5, 8), RNG.normal(0, 0.2, 8)
        mean, var = RNG.normal(0, 0.3, 8), RNG.uniform(0.5, 2, 8)
        if fold:
            s = gamma / np.sqrt(var + 1e-3)
            c = g.node("Conv", ["x", g.const(w * s[:, None, None, None]),
                                g.const((b - mean) * s + beta)], pads=[1, 1, 1, 1])
        else:
            c = g.node("Conv", ["x", g.const(w), g.const(b)], pads=[1, 1, 1, 1])
            c = g.node("BatchNormalization", [c] + [g.const(v) for v in (gamma, beta, mean, var)],
                       epsilon=1e-3)
        return g.model("x", [1, 3, 10, 12], [g.node("Relu", [c])], 13)
    RNG.bit_generator.state = np.random.default_rng(7).bit_generator.state
    save(out, "fold_bn", build(False), [1, 3, 10, 12])
    RNG.bit_generator.state = np.random.default_rng(7).bit_generator.state
    save(out, "fold_bn_ref", build(True), [1, 3, 10, 12])


def head(out, name, kind):
    """A detection head over a 64x64 input at strides 8/16/32 (84 anchor
    points; pooling then a 1x1 conv per level keeps the file small). YOLOX-style ends in Reshape [1, 85, -1] constants, Concat and
    Transpose; YOLOv5-style has 3 anchors and a Pow decode; YOLOv8-style is
    [1, 4+C, A]. The stride-16 branch takes its Reshape target from a shape
    subgraph (Shape -> Gather -> Unsqueeze -> Concat), as YOLOv5 exports do."""
    g = G()
    ch = {"x": 85, "v5": 255, "v8": 14}[kind]
    x = g.conv("x", 3, 8, k=3)
    x = g.node("Mul", [x, g.node("Sigmoid", [x])])  # SiLU, to be fused
    levels = []
    for s in (8, 16, 32):
        y = g.node("MaxPool", [x], kernel_shape=[s, s], strides=[s, s])
        y = g.conv(y, 8, ch, k=1)
        if kind == "v5":
            y = g.node("Reshape", [y, g.ints([1, 3, 85, -1])])
            y = g.node("Transpose", [y], perm=[0, 1, 3, 2])
            levels.append(g.node("Reshape", [y, g.ints([1, -1, 85])]))
            continue
        if s == 16:
            n = g.node("Unsqueeze", [g.node("Gather", [g.node("Shape", [y]), g.ints(0)], axis=0),
                                     g.ints([0])])
            target = g.node("Concat", [n, g.ints([ch]), g.ints([-1])], axis=0)
        else:
            target = g.ints([1, ch, -1])
        levels.append(g.node("Reshape", [y, target]))
    if kind == "v5":
        y = g.node("Concat", levels, axis=1)
        y = g.node("Pow", [g.node("Sigmoid", [y]), g.const(2.0)])
    else:
        y = g.node("Concat", levels, axis=2)
        y = g.node("Sigmoid", [y]) if kind == "v8" else g.node("Transpose", [y], perm=[0, 2, 1])
    save(out, name, g.model("x", [1, 3, 64, 64], [y], 13), [1, 3, 64, 64])


def ops13(out):
    """Most runtime ops at opset 13 (input forms of Split, Squeeze and
    Unsqueeze), with awkward parameters: SAME_UPPER, groups, dilation,
    negative and clamped Slice with steps, Resize to sizes."""
    g = G()
    x = g.conv("x", 4, 8, k=3, auto_pad="SAME_UPPER")
    x = g.node("HardSwish", [x])
    d = g.conv(x, 8, 8, k=3, group=8, dilations=[2, 2], pads=[2, 2, 2, 2])
    d = g.node("LeakyRelu", [d], alpha=0.1)
    a, b = g.node("Split", [d, g.ints([3, 5])], n_out=2, axis=1)
    a = g.node("HardSigmoid", [a], alpha=0.3, beta=0.4)
    b = g.node("Slice", [b, g.ints([-1, -100]), g.ints([-1000, 100]), g.ints([2, 3]),
                         g.ints([-2, 1])])  # every other row reversed, all columns
    b = g.node("Exp", [g.node("Sub", [b, g.const(1.5)])])
    p = g.node("MaxPool", [a], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    p = g.node("Resize", [p, "", "", g.ints([1, 3, 12, 12])], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    b = g.node("Slice", [b, g.ints([2]), g.ints([100]), g.ints([1])])  # 3 channels
    b = g.node("Div", [b, g.node("Add", [b, g.const(2.0)])])
    c = g.node("Concat", [p, b], axis=2)  # [1, 3, 18, 12]
    c = g.node("Squeeze", [g.node("Unsqueeze", [c, g.ints([1])]), g.ints([1])])
    s = g.node("Softmax", [g.node("Transpose", [c], perm=[0, 1, 3, 2])], axis=-1)
    m = g.node("MatMul", [s, g.const(RNG.normal(0, 0.5, (18, 6)))])
    m = g.node("Gather", [m, g.ints([5, 0, -1])], axis=3)
    save(out, "ops13", g.model("x", [1, 4, 12, 12], [m], 13), [1, 4, 12, 12])


def ops11(out):
    """Opset 11 forms: Split sizes and Squeeze axes as attributes, Resize
    with roi and scales, Softmax coercing to 2-D, Flatten, Relu, Constant."""
    g = G()
    x = g.conv("x", 3, 6, k=1, bias=False)
    x = g.node("Relu", [x])
    a, b = g.node("Split", [x], n_out=2, axis=1, split=[2, 4])
    a = g.node("Resize", [a, g.const([]), g.const([1, 1, 2, 2])], mode="nearest",
               coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    k = g.node("Constant", [], value=numpy_helper.from_array(np.array([-1], np.int64)))
    b = g.node("Reshape", [b, g.node("Concat", [g.ints([1, 4]), k], axis=0)])
    a = g.node("Flatten", [a], axis=1)
    b = g.node("Squeeze", [g.node("Unsqueeze", [b], axes=[0])], axes=[0])
    y = g.node("Concat", [g.node("Softmax", [a], axis=1), g.node("Flatten", [b], axis=1)],
               axis=1)
    save(out, "ops11", g.model("x", [1, 3, 4, 4], [y], 11), [1, 3, 4, 4])


def depthwise(out):
    """Depthwise convs whose rows end in a partial group of vectors (26
    output columns, as at stride 16 of a 416 input), fused with SiLU."""
    g = G()
    x = g.conv("x", 4, 4, k=3, stride=2, group=4)
    x = g.node("Mul", [x, g.node("Sigmoid", [x])])
    x = g.conv(x, 4, 4, k=5, group=4)
    save(out, "depthwise", g.model("x", [1, 4, 52, 52], [x], 13), [1, 4, 52, 52])


def concat_blocks(out):
    """A CSP-style block: two convs and a pool concatenated on channels
    (written in place by their producers), one input also read later."""
    g = G()
    a = g.conv("x", 3, 4, k=1)
    b = g.node("Relu", [g.conv(a, 4, 5, k=3)])
    p = g.node("MaxPool", [a], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    c = g.node("Concat", [b, a, p], axis=1)
    y = g.node("Add", [g.conv(c, 13, 4, k=1), a])
    save(out, "concat_blocks", g.model("x", [1, 3, 9, 7], [y], 13), [1, 3, 9, 7])


def squeeze_all(out):
    """Squeeze without axes drops every dim of 1 (shape test only)."""
    g = G()
    y = g.node("Squeeze", [g.node("Relu", ["x"])])
    save(out, "squeeze_all", g.model("x", [1, 3, 1, 5], [y], 11))


def exports(out):
    """What newer and half exports carry (load tests and fuzz seeds):
    opset 18 forms of Split, ReduceMean, Resize and Pad with
    LayerNormalization and Clip; float16 weights in raw_data and in int32_data, a float16
    input; ultralytics' metadata_props, readable and not."""
    g = G()
    a, b = g.node("Split", ["x"], 2, axis=1, num_outputs=2)
    m = g.node("ReduceMean", [a, g.ints([2, 3])], keepdims=1)
    y = g.node("Clip", [g.node("Sub", [b, m]), g.const(-1.0), g.const(1.0)])
    y = g.node("LayerNormalization", [y, g.const(np.ones(6)), g.const(np.zeros(6))],
               axis=-1, epsilon=1e-5)
    y = g.node("Resize", [y, "", g.const([1, 1, 2, 2])], mode="nearest", antialias=0,
               keep_aspect_ratio_policy="stretch")
    save(out, "exports_norm18", g.model("x", [1, 4, 5, 6], [y], 18))
    g = G()
    y = g.node("Pad", ["x", g.ints([1, 2, 0, 1]), g.const(0.5), g.ints([2, -1])], mode="edge")
    save(out, "exports_pad", g.model("x", [1, 2, 3, 4], [y], 18))
    g = G()
    w = RNG.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float16)
    g.inits.append(numpy_helper.from_array(w, "w_raw"))
    g.inits.append(helper.make_tensor("b_typed", TensorProto.FLOAT16, [4],
                                      np.array([0.5, -2, 65504, 6e-8], np.float16)))
    y = g.node("Conv", ["x", "w_raw", "b_typed"], pads=[1, 1, 1, 1])
    y = g.node("Cast", [g.node("Sigmoid", [y])], to=TensorProto.FLOAT16)
    m = g.model("x", [1, 3, 8, 8], [y], 17)
    m.graph.input[0].type.tensor_type.elem_type = TensorProto.FLOAT16
    save(out, "exports_half", m)
    for name, names in (("exports_meta", "{0: 'person', 1: \"teddy's\"}"),
                        ("bad_names", "{0: 'person', 1: unquoted}")):
        m = onnx.load(os.path.join(out, "exports_norm18.onnx"))
        for k, v in (("author", "Ultralytics"), ("task", "detect"), ("names", names),
                     ("imgsz", "[5, 6]"), ("stride", "32"),
                     ("half", "")):  # an empty value is left out of the file
            m.metadata_props.add(key=k, value=v)
        save(out, name, m)


def failing(out):
    """Graphs the loader must reject, each for a named reason."""
    g = G()
    y = g.node("Einsum", ["x", "x"], name="my_einsum", equation="ij,jk->ik")
    save(out, "bad_op", g.model("x", [1, 4], [y], 13))
    g = G()
    y = g.conv("x", 3, 4, k=3, name="my_conv")
    g.nodes[-1].attribute.append(helper.make_attribute("frobnicate", 3))
    save(out, "bad_attr", g.model("x", [1, 3, 8, 8], [y], 13))
    g = G()
    y = g.node("MaxPool", ["x"], name="my_pool", kernel_shape=[2, 2], storage_order=1)
    save(out, "bad_attr_value", g.model("x", [1, 3, 8, 8], [y], 13))
    g = G()
    y = g.node("Relu", ["x"])
    save(out, "bad_opset", g.model("x", [1, 3], [y], 9))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    fold_bn(out)
    head(out, "head_x", "x")
    head(out, "head_v5", "v5")
    head(out, "head_v8", "v8")
    ops13(out)
    ops11(out)
    depthwise(out)
    concat_blocks(out)
    squeeze_all(out)
    exports(out)
    failing(out)


if __name__ == "__main__":
    main()
