#!/usr/bin/python3
"""make_quant_graphs.py DIR - writes, with the onnx module, the graphs
ONNX Runtime's quantize_dynamic makes of a Conv, one per case, as
DIR/NAME.onnx with an input DIR/NAME.f32, and prints "NAME N,C,H,W EXACT"
per case (EXACT 1: ORT and AVP must agree bit for bit).

The chain is quantize_dynamic's (onnxruntime/quantization/operators/
conv.py): DynamicQuantizeLinear(x) -> ConvInteger(xq, wq, x_zp, w_zp) ->
Cast(float) -> Mul(x_scale * w_scale) -> Add(Reshape(bias)).

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


def letterbox(path, size=640):
    import cv2
    img = cv2.imread(path)
    if img is None:
        sys.exit(f"make_quant_graphs.py: cannot read {path}")
    h, w = img.shape[:2]
    r = min(size / h, size / w)
    nh, nw = int(round(h * r)), int(round(w * r))
    img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    dh, dw = (size - nh) / 2, (size - nw) / 2
    top, left = int(round(dh - 0.1)), int(round(dw - 0.1))
    out = np.full((size, size, 3), 114, np.uint8)
    out[top:top + nh, left:left + nw] = img
    return out[:, :, ::-1].transpose(2, 0, 1).astype(np.float32) / 255


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--photos":
        np.stack([letterbox(p) for p in sys.argv[3:]]).astype("<f4").tofile(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit("usage: make_quant_graphs.py DIR | --photos OUT.f32 IMAGE...")
    out = sys.argv[1]
    rng = np.random.default_rng(13)
    for case in CASES:
        name, c, h, w = case[:4]
        onnx.save(make_graph(rng, case), f"{out}/{name}.onnx")
        make_input(rng, (1, c, h, w), case[-1]).astype("<f4").tofile(f"{out}/{name}.f32")
        print(name, f"1,{c},{h},{w}", 0 if case[14] else 1)


if __name__ == "__main__":
    main()
