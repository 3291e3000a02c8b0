"""graph.py - a small builder for ONNX graphs with seeded random weights.

build_models.py describes YOLO-style networks with it the way the PyTorch
modules of YOLOv5/YOLOv8/YOLO11 are written (Conv = conv + BN + SiLU and so
on) and the builder emits the nodes that torch.onnx.export produces for them.
Weights are random but scaled so activations stay O(1) through deep stacks;
otherwise sigmoids saturate and the comparison tests nothing.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Graph:
    def __init__(self, name, opset, seed):
        self.name = name
        self.opset = opset
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []
        self.counter = 0
        self.channels = {}  # tensor name -> channel count, for conv stacks
        # Weight std is gain / sqrt(fan_in). SiLU passes about a third of the
        # variance, so a gain of 1 fades the input away within a few blocks
        # and every frame gives nearly the same output, which would hide a
        # runtime that mixes up frames; 1.6 keeps outputs input-dependent while
        # float32 rounding stays well inside the tests' 1e-3 tolerance.
        self.gain = 1.6

    def fresh(self, hint):
        self.counter += 1
        return f"{hint}_{self.counter}"

    # ---- plumbing -----------------------------------------------------
    def const(self, value, hint="c", dtype=np.float32):
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, values, hint="i"):
        return self.const(values, hint, np.int64)

    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.fresh(op), **attrs))
        return outs[0] if n_out == 1 else outs

    def input(self, name, shape):
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        self.channels[name] = shape[1]
        return name

    def output(self, tensor, name, shape):
        """Renames the node output `tensor` to `name` (exports have no
        trailing Identity) and declares it a graph output."""
        producer = next(n for n in self.nodes if tensor in n.output)
        producer.output[list(producer.output).index(tensor)] = name
        self.outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))

    def model(self):
        g = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)],
                              producer_name="avp-tests")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m

    # ---- layers -------------------------------------------------------
    def conv(self, x, c_out, k=1, s=1, p=None, g=1, d=1, act="silu", bn="fold"):
        """YOLO's Conv: Conv2d(bias=False) + BatchNorm2d + SiLU.

        bn="fold" exports the BN folded into the conv weights (what
        torch.onnx.export does in eval mode), bn="node" keeps it as a
        BatchNormalization node, bn=None is a plain biased Conv2d."""
        c_in = self.channels[x]
        p = (d * (k - 1)) // 2 if p is None else p
        fan_in = c_in // g * k * k
        w = self.rng.normal(0, self.gain / np.sqrt(fan_in), (c_out, c_in // g, k, k))
        b = None if bn == "node" else self.rng.normal(0, 0.1, c_out)
        ins = [x, self.const(w, "w")] + ([self.const(b, "b")] if b is not None else [])
        pads = list(p) if isinstance(p, (list, tuple)) else [p] * 4
        y = self.node("Conv", ins, kernel_shape=[k, k], strides=[s, s], pads=pads,
                      dilations=[d, d], group=g)
        if bn == "node":
            y = self.node("BatchNormalization",
                          [y, self.const(self.rng.uniform(0.5, 1.5, c_out), "gamma"),
                           self.const(self.rng.normal(0, 0.1, c_out), "beta"),
                           self.const(self.rng.normal(0, 0.1, c_out), "mean"),
                           self.const(self.rng.uniform(0.5, 2.0, c_out), "var")],
                          epsilon=1e-3)
        if act == "silu":  # torch exports nn.SiLU as x * sigmoid(x)
            y = self.node("Mul", [y, self.node("Sigmoid", [y])])
        self.channels[y] = c_out
        return y

    def add(self, a, b):
        y = self.node("Add", [a, b])
        self.channels[y] = self.channels[a]
        return y

    def concat(self, xs, axis=1):
        y = self.node("Concat", xs, axis=axis)
        if axis == 1 and all(x in self.channels for x in xs):
            self.channels[y] = sum(self.channels[x] for x in xs)
        return y

    def split(self, x, sizes, axis=1):
        """Split with sizes as an attribute (opset < 13) or an input."""
        if self.opset >= 13:
            ys = self.node("Split", [x, self.ints(sizes, "split")], len(sizes), axis=axis)
        else:
            ys = self.node("Split", [x], len(sizes), axis=axis, split=sizes)
        for y, c in zip(ys, sizes):
            if axis == 1:
                self.channels[y] = c
        return ys

    def maxpool(self, x, k, s=1, p=None):
        p = k // 2 if p is None else p
        y = self.node("MaxPool", [x], kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)
        self.channels[y] = self.channels[x]
        return y

    def upsample2(self, x):
        """nn.Upsample(scale_factor=2, mode='nearest') as torch exports it."""
        scales = self.const([1, 1, 2, 2], "scales")
        attrs = dict(mode="nearest", coordinate_transformation_mode="asymmetric",
                     nearest_mode="floor")
        if self.opset >= 13:  # roi may be an empty name from opset 13 on
            y = self.node("Resize", [x, "", scales], **attrs)
        else:
            y = self.node("Resize", [x, self.const([], "roi"), scales], **attrs)
        self.channels[y] = self.channels[x]
        return y

    def sppf(self, x, c_out, k=5):
        c_ = self.channels[x] // 2
        x = self.conv(x, c_, 1)
        y1 = self.maxpool(x, k)
        y2 = self.maxpool(y1, k)
        y3 = self.maxpool(y2, k)
        return self.conv(self.concat([x, y1, y2, y3]), c_out, 1)

    def bottleneck(self, x, c_out, shortcut=True, k=(1, 3), e=0.5):
        c_ = int(c_out * e)
        y = self.conv(self.conv(x, c_, k[0]), c_out, k[1])
        return self.add(x, y) if shortcut and self.channels[x] == c_out else y

    def batch_dim(self, x):
        """Shape -> Gather(0) -> Unsqueeze: how traced exports carry the
        batch size into Reshape targets."""
        n = self.node("Gather", [self.node("Shape", [x]), self.ints(0, "zero")], axis=0)
        if self.opset >= 13:
            return self.node("Unsqueeze", [n, self.ints([0], "axes")])
        return self.node("Unsqueeze", [n], axes=[0])

    def reshape_dyn(self, x, tail):
        """Reshape to [batch] + tail with the batch taken from x's shape."""
        shape = self.node("Concat", [self.batch_dim(x), self.ints(tail, "shape")], axis=0)
        return self.node("Reshape", [x, shape])

    def reshape(self, x, shape):
        """Reshape to a constant shape (batch hard-coded, as most exports)."""
        return self.node("Reshape", [x, self.ints(shape, "shape")])

    def slice(self, x, start, end, axis):
        return self.node("Slice", [x, self.ints([start]), self.ints([end]), self.ints([axis])])
