#!/usr/bin/python3
"""build_exports.py OUTDIR - writes the graphs that stand for exports made
with other tools and opsets than build_models.py's, for test_graphs'
`exports` entry (ONNX Runtime is their oracle):

  ops_opsetN.onnx     N in 11 13 17 18 19 20 21: the ops YOLO exports use,
                      each in the form opset N gives it (Split sizes as an
                      attribute, an input or num_outputs; Squeeze/Unsqueeze
                      and ReduceMean axes as attributes or inputs; Clip
                      bounds as inputs; Resize's inputs; Cast's saturate
                      from 19; Pad's modes, its axes input from 18), with
                      4-D batched MatMul, Softmax on a middle and the last
                      axis, and LayerNormalization from opset 17
  yolo11_opsetN.onnx  N in 19 20 21: build_models.py's YOLO11n-like graph
                      (C2PSA attention: Conv, Split, MatMul, Softmax,
                      Transpose, Reshape, Add) at that opset
  yolo11_half.onnx    the opset 17 one as ultralytics' half=True writes it:
                      float16 weights, input and output
  ops_half_io32.onnx  ops_opset17 converted the way onnxconverter-common's
                      keep_io_types does: float16 inside, Cast nodes from
                      and to a float32 input and output
  yolov8n_half.onnx   $AVP_SHARED_DIR/models/yolov8n_fp32.onnx as half=True
                      would write it, when that model is there
  *_half.f32.onnx     the float32 twin of each half graph (add_half says why)

python3-onnx 1.12 knows opsets up to 17, so graphs past it are written
without its checker; ONNX Runtime, which knows them, is the check.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_models  # noqa: E402
from graph import Graph  # noqa: E402

# The IR version each opset shipped with (onnx/onnx docs/Versioning.md).
IR_VERSION = {11: 6, 13: 7, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10}


class ExportGraph(Graph):
    """Graph with the opset 18+ forms of the ops that changed there."""

    def model(self):
        g = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)],
                              producer_name="avp-tests")
        m.ir_version = IR_VERSION[self.opset]
        if self.opset <= 17:
            onnx.checker.check_model(m)
        return m

    def split(self, x, sizes, axis=1):
        if self.opset >= 18 and len(set(sizes)) == 1:
            ys = self.node("Split", [x], len(sizes), axis=axis, num_outputs=len(sizes))
            for y, c in zip(ys, sizes):
                if axis == 1:
                    self.channels[y] = c
            return ys
        return super().split(x, sizes, axis)

    def axes_op(self, op, x, axes, **attrs):
        """An op whose axes moved from attribute to input (Squeeze and
        Unsqueeze at 13, ReduceMean at 18)."""
        moved = 18 if op.startswith("Reduce") else 13
        if self.opset >= moved:
            return self.node(op, [x, self.ints(axes, "axes")], **attrs)
        return self.node(op, [x], axes=axes, **attrs)


def ops_graph(opset):
    g = ExportGraph(f"ops_opset{opset}", opset, seed=100 + opset)
    x = g.input("images", [1, 3, 32, 32])
    x = g.conv(x, 16, 3, 2)                                          # [1,16,16,16]
    a, b = g.split(x, [8, 8])
    b = g.node("Clip", [b, g.const(np.float32(-0.5)), g.const(np.float32(1.5))])
    g.channels[b] = 8
    b = g.upsample2(g.maxpool(b, 2, 2, 0))                           # [1,8,16,16]
    # Attention over the 256 positions with 2 heads of 4 channels.
    q = g.reshape(a, [1, 2, 4, 256])
    k = g.reshape(b, [1, 2, 4, 256])
    attn = g.node("MatMul", [g.node("Transpose", [q], perm=[0, 1, 3, 2]), k])
    attn = g.node("Softmax", [g.node("Mul", [attn, g.const(0.5)])], axis=-1)
    y = g.node("MatMul", [k, g.node("Transpose", [attn], perm=[0, 1, 3, 2])])
    # Over the 4 channels (opset 11 reads an axis as "flatten from here").
    y = g.node("Softmax", [y], axis=2) if opset >= 13 else g.node("Sigmoid", [y])
    # A mean over positions, squeezed and unsqueezed back.
    m = g.axes_op("ReduceMean", y, [3], keepdims=1)                  # [1,2,4,1]
    m = g.axes_op("Unsqueeze", g.axes_op("Squeeze", m, [3]), [3])
    y = g.node("Mul", [g.node("Sub", [y, m]), g.const(8.0)])
    if opset >= 19:  # Cast's saturate, new in 19, matters for float8 only
        y = g.node("Cast", [y], to=TensorProto.FLOAT, saturate=1)
    if opset >= 17:  # LayerNormalization over the last axis
        y = g.node("LayerNormalization", [y, g.const(g.rng.uniform(0.5, 1.5, 256)),
                                          g.const(g.rng.normal(0, 0.1, 256))],
                   axis=-1, epsilon=1e-2)  # bounds the gain of a flat row
    y = g.slice(g.reshape(y, [1, 8, 16, 16]), 1, 7, 1)              # [1,6,16,16]
    r = g.axes_op("ReduceMean", y, [3], keepdims=0)                  # [1,6,16]
    y = g.node("Add", [y, g.axes_op("Unsqueeze", r, [3])])
    # Pad: 1 row and column before, 2 rows after; axes as an input from 18.
    if opset >= 18:
        y = g.node("Pad", [y, g.ints([1, 1, 2, 0]), "", g.ints([2, 3])], mode="reflect")
    else:
        mode = "edge" if opset == 13 else "constant"
        y = g.node("Pad", [y, g.ints([0, 0, 1, 1, 0, 0, 2, 0]), g.const(np.float32(0.5))],
                   mode=mode)
    g.output(y, "output0", [1, 6, 19, 17])
    return g.model()


def yolo11(opset):
    build_models.Graph = lambda name, _, seed: ExportGraph(name, opset, seed)
    try:
        m = build_models.yolo11()
    finally:
        build_models.Graph = Graph
    m.graph.name = f"yolo11_opset{opset}"
    return m


def retype(model, src, dst):
    """Every src-typed initializer, Constant value, Cast target and graph
    I/O becomes dst, values converted by numpy. Resize's roi and scales
    stay float32: every Resize signature has them so."""
    g = model.graph
    del g.value_info[:]  # the types an exporter recorded
    keep = {i for n in g.node if n.op_type == "Resize" for i in n.input[1:]}
    np_dst = {TensorProto.FLOAT: np.float32, TensorProto.FLOAT16: np.float16}[dst]

    def convert(t):
        return numpy_helper.from_array(numpy_helper.to_array(t).astype(np_dst), t.name)

    for t in g.initializer:
        if t.data_type == src and t.name not in keep:
            t.CopyFrom(convert(t))
    for n in g.node:
        for a in n.attribute:
            if a.name == "to" and a.i == src:
                a.i = dst
            if a.name == "value" and a.t.data_type == src and n.output[0] not in keep:
                a.t.CopyFrom(convert(a.t))
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == src:
            v.type.tensor_type.elem_type = dst
    return model


def to_half(model, keep_io_types):
    """As ultralytics' half=True writes it (float16 everywhere), or with
    keep_io_types as onnxconverter-common does: float32 I/O behind Casts."""
    retype(model, TensorProto.FLOAT, TensorProto.FLOAT16)
    if not keep_io_types:
        return model
    g = model.graph
    inp, out = g.input[0].name, g.output[0].name
    for n in g.node:
        n.input[:] = [inp + "_half" if i == inp else i for i in n.input]
        n.output[:] = [out + "_half" if o == out else o for o in n.output]
    g.node.insert(0, helper.make_node("Cast", [inp], [inp + "_half"], to=TensorProto.FLOAT16))
    g.node.append(helper.make_node("Cast", [out + "_half"], [out], to=TensorProto.FLOAT))
    for v in (g.input[0], g.output[0]):
        v.type.tensor_type.elem_type = TensorProto.FLOAT
    return model


def add_half(models, name, model, keep_io_types=False):
    """NAME.onnx in float16 and NAME.f32.onnx, its float32 twin: the same
    graph with the float16 weights widened. AVP promises to widen the
    weights on load and compute in float32, so ONNX Runtime on the twin is
    its oracle at the float32 tolerance (ONNX Runtime's own float16
    arithmetic drifts by several per cent through LayerNormalization)."""
    half = to_half(model, keep_io_types)
    twin = onnx.ModelProto()
    twin.CopyFrom(half)
    models[name] = half
    models[name + ".f32"] = retype(twin, TensorProto.FLOAT16, TensorProto.FLOAT)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: build_exports.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    models = {f"ops_opset{n}": ops_graph(n) for n in (11, 13, 17, 18, 19, 20, 21)}
    models.update({f"yolo11_opset{n}": yolo11(n) for n in (19, 20, 21)})
    add_half(models, "yolo11_half", yolo11(17))
    add_half(models, "ops_half_io32", ops_graph(17), keep_io_types=True)
    yolov8n = os.path.join(os.environ.get("AVP_SHARED_DIR", ""), "models", "yolov8n_fp32.onnx")
    if os.path.exists(yolov8n):
        add_half(models, "yolov8n_half", onnx.load(yolov8n))
    for name, m in models.items():
        path = os.path.join(out, name + ".onnx")
        onnx.save(m, path)
        print(path)


if __name__ == "__main__":
    main()
