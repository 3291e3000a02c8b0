#!/usr/bin/python3
"""build_models.py OUTDIR - writes small YOLO-style ONNX graphs for tests.

The graphs are structurally faithful to what the ultralytics exporters emit
(same op patterns, opsets, constant Reshape targets with a batch of 1, the
Shape->Gather->Unsqueeze->Concat batch subgraph, decode constants) but thin
and at 160x160 input so an oracle runs them in well under a second. Weights
are random with fixed seeds: rerunning produces byte-identical files.

Written files (all with input "images" [1,3,160,160]):
  yolov5s_like.onnx  opset 12, output [1, 1575, 85]   (v6 stem, C3, SPPF)
  yolov8n_like.onnx  opset 17, output [1, 84, 525]    (C2f, DFL, dist2bbox)
  yolo11n_like.onnx  opset 17, output [1, 84, 525]    (C3k2, C2PSA, DW head)
  ops_misc.onnx      opset 13, output [1, 8, 4, 20]   (odd conv/slice cases)
"""

import os
import sys

import numpy as np
import onnx

from graph import Graph

SIZE = 160
NC = 80
STRIDES = (8, 16, 32)
V5_ANCHORS = ((10, 13, 16, 30, 33, 23), (30, 61, 62, 45, 59, 119),
              (116, 90, 156, 198, 373, 326))


# ---- YOLOv5 (v6.x export: 6x6 stem conv, C3, SPPF, Detect decode) --------
def c3(g, x, c_out, n=1, shortcut=True):
    c_ = c_out // 2
    m = g.conv(x, c_, 1)
    for _ in range(n):
        m = g.bottleneck(m, c_, shortcut, k=(1, 3), e=1.0)
    return g.conv(g.concat([m, g.conv(x, c_, 1)]), c_out, 1)


def v5_detect(g, feats):
    no = NC + 5
    outs = []
    for i, x in enumerate(feats):
        ny = nx = SIZE // STRIDES[i]
        y = g.conv(x, 3 * no, 1, act=None, bn=None)
        y = g.reshape_dyn(y, [3, no, ny, nx])
        y = g.node("Sigmoid", [g.node("Transpose", [y], perm=[0, 1, 3, 4, 2])])
        xy, wh, conf = g.split(y, [2, 2, NC + 1], axis=4)
        gy, gx = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
        grid = np.stack([gx, gy], -1)[None, None].repeat(3, 1) - 0.5
        anchors = np.array(V5_ANCHORS[i], np.float32).reshape(1, 3, 1, 1, 2)
        anchor_grid = np.broadcast_to(anchors, (1, 3, ny, nx, 2))
        xy = g.node("Mul", [g.node("Add", [g.node("Mul", [xy, g.const(2.0)]),
                                           g.const(grid, "grid")]),
                            g.const(float(STRIDES[i]))])
        wh = g.node("Mul", [g.node("Pow", [g.node("Mul", [wh, g.const(2.0)]),
                                           g.const(2.0)]),
                            g.const(anchor_grid, "anchor_grid")])
        y = g.node("Concat", [xy, wh, conf], axis=4)
        outs.append(g.reshape_dyn(y, [-1, no]))
    return g.node("Concat", outs, axis=1)


def yolov5():
    g = Graph("yolov5s_like", 12, seed=5)
    x = g.input("images", [1, 3, SIZE, SIZE])
    x = g.conv(x, 8, 6, 2, 2, bn="node")       # P1/2, the v6 stem
    x = g.conv(x, 16, 3, 2, bn="node")          # P2/4
    x = c3(g, x, 16, 1)
    x = g.conv(x, 32, 3, 2)                     # P3/8
    p3 = c3(g, x, 32, 2)
    x = g.conv(p3, 48, 3, 2)                    # P4/16
    p4 = c3(g, x, 48, 1)
    x = g.conv(p4, 64, 3, 2)                    # P5/32
    x = g.sppf(c3(g, x, 64, 1), 64)
    h5 = g.conv(x, 48, 1)
    x = c3(g, g.concat([g.upsample2(h5), p4]), 48, 1, shortcut=False)
    h4 = g.conv(x, 32, 1)
    o3 = c3(g, g.concat([g.upsample2(h4), p3]), 32, 1, shortcut=False)
    o4 = c3(g, g.concat([g.conv(o3, 32, 3, 2), h4]), 48, 1, shortcut=False)
    o5 = c3(g, g.concat([g.conv(o4, 48, 3, 2), h5]), 64, 1, shortcut=False)
    a = sum(3 * (SIZE // s) ** 2 for s in STRIDES)
    g.output(v5_detect(g, [o3, o4, o5]), "output0", [1, a, NC + 5])
    return g.model()


# ---- YOLOv8 / YOLO11 (C2f or C3k2, SPPF, decoupled head, DFL) --------------
def c2f(g, x, c_out, n=1, shortcut=False, inner=None):
    c = c_out // 2
    ys = g.split(g.conv(x, 2 * c, 1), [c, c])
    for _ in range(n):
        ys.append(inner(ys[-1], c) if inner else
                  g.bottleneck(ys[-1], c, shortcut, k=(3, 3), e=1.0))
    return g.conv(g.concat(ys), c_out, 1)


def c3k2(g, x, c_out, n=1, c3k=False):
    """YOLO11's C3k2: a C2f whose blocks are C3k (a C3 of 3x3 bottlenecks)."""
    def c3k_block(y, c):
        c_ = c // 2
        m = g.conv(y, c_, 1)
        for _ in range(2):
            m = g.bottleneck(m, c_, True, k=(3, 3), e=1.0)
        return g.conv(g.concat([m, g.conv(y, c_, 1)]), c, 1)
    return c2f(g, x, c_out, n, True, inner=c3k_block if c3k else None)


def attention(g, x, heads, hw):
    """ultralytics Attention as exported: qkv conv, Reshape with constant
    batch 1, Split, Transpose, MatMul, scale, Softmax, MatMul, and a
    depthwise positional conv on v."""
    c = g.channels[x]
    head_dim = c // heads
    key_dim = head_dim // 2
    qkv = g.conv(x, c + 2 * heads * key_dim, 1, act=None)
    qkv = g.reshape(qkv, [1, heads, 2 * key_dim + head_dim, hw * hw])
    q, k, v = g.split(qkv, [key_dim, key_dim, head_dim], axis=2)
    attn = g.node("MatMul", [g.node("Transpose", [q], perm=[0, 1, 3, 2]), k])
    attn = g.node("Softmax", [g.node("Mul", [attn, g.const(key_dim ** -0.5)])], axis=-1)
    y = g.node("MatMul", [v, g.node("Transpose", [attn], perm=[0, 1, 3, 2])])
    y = g.reshape(y, [1, c, hw, hw])
    v_img = g.reshape(v, [1, c, hw, hw])
    g.channels[y] = g.channels[v_img] = c
    y = g.add(y, g.conv(v_img, c, 3, g=c, act=None))
    return g.conv(y, c, 1, act=None)


def c2psa(g, x, c_out, hw):
    c = c_out // 2
    a, b = g.split(g.conv(x, 2 * c, 1), [c, c])
    b = g.add(b, attention(g, b, heads=2, hw=hw))
    b = g.add(b, g.conv(g.conv(b, 2 * c, 1), c, 1, act=None))
    return g.conv(g.concat([a, b]), c_out, 1)


def v8_head_box(g, x, c2):
    return g.conv(g.conv(g.conv(x, c2, 3), c2, 3), 64, 1, act=None, bn=None)


def v8_head_cls(g, x, c3):
    return g.conv(g.conv(g.conv(x, c3, 3), c3, 3), NC, 1, act=None, bn=None)


def v11_head_cls(g, x, c3):
    """YOLO11's class branch: depthwise 3x3 + pointwise, twice."""
    c = g.channels[x]
    y = g.conv(g.conv(x, c, 3, g=c), c3, 1)
    y = g.conv(g.conv(y, c3, 3, g=c3), c3, 1)
    return g.conv(y, NC, 1, act=None, bn=None)


def dfl_decode(g, feats, cls_branch):
    """Detect.forward in export mode: per-level Reshape with constant
    [1, 64+C, -1], Concat, Split, DFL, dist2bbox, stride Mul [1, A]."""
    c2 = max(16, g.channels[feats[0]] // 4, 64 // 4)
    c3 = max(g.channels[feats[0]], min(NC, 100))
    flat = []
    for x in feats:
        y = g.concat([v8_head_box(g, x, c2), cls_branch(g, x, c3)])
        flat.append(g.reshape(y, [1, 64 + NC, -1]))
    a = sum((SIZE // s) ** 2 for s in STRIDES)
    box, cls = g.split(g.concat(flat, axis=2), [64, NC])
    box = g.node("Softmax", [g.node("Transpose", [g.reshape(box, [1, 4, 16, a])],
                                    perm=[0, 2, 1, 3])], axis=1)
    box = g.node("Conv", [box, g.const(np.arange(16).reshape(1, 16, 1, 1), "dfl")],
                 kernel_shape=[1, 1])
    box = g.reshape(box, [1, 4, a])
    lt, rb = g.slice(box, 0, 2, 1), g.slice(box, 2, 4, 1)
    anchors, strides = make_anchors()
    x1y1 = g.node("Sub", [g.const(anchors, "anchors"), lt])
    x2y2 = g.node("Add", [g.const(anchors, "anchors"), rb])
    cxy = g.node("Div", [g.node("Add", [x1y1, x2y2]), g.const(2.0)])
    wh = g.node("Sub", [x2y2, x1y1])
    dbox = g.node("Mul", [g.node("Concat", [cxy, wh], axis=1),
                          g.const(strides, "strides")])
    return g.node("Concat", [dbox, g.node("Sigmoid", [cls])], axis=1), a


def make_anchors():
    pts, strides = [], []
    for s in STRIDES:
        n = SIZE // s
        sy, sx = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5, indexing="ij")
        pts.append(np.stack([sx.ravel(), sy.ravel()], 0))
        strides.append(np.full(n * n, float(s)))
    return np.concatenate(pts, 1), np.concatenate(strides)[None]


def yolov8_family(name, seed, block, attn):
    g = Graph(name, 17, seed=seed)
    x = g.input("images", [1, 3, SIZE, SIZE])
    x = g.conv(g.conv(x, 8, 3, 2, bn="node"), 16, 3, 2)
    x = block(g, x, 16, 1)
    p3 = block(g, g.conv(x, 32, 3, 2), 32, 2)
    p4 = block(g, g.conv(p3, 48, 3, 2), 48, 2)
    x = g.sppf(block(g, g.conv(p4, 64, 3, 2), 64, 1), 64)
    p5 = c2psa(g, x, 64, SIZE // 32) if attn else x
    h4 = block(g, g.concat([g.upsample2(p5), p4]), 48, 1)
    o3 = block(g, g.concat([g.upsample2(h4), p3]), 32, 1)
    o4 = block(g, g.concat([g.conv(o3, 32, 3, 2), h4]), 48, 1)
    o5 = block(g, g.concat([g.conv(o4, 48, 3, 2), p5]), 64, 1)
    out, a = dfl_decode(g, [o3, o4, o5], v11_head_cls if attn else v8_head_cls)
    g.output(out, "output0", [1, 4 + NC, a])
    return g.model()


def yolov8():
    return yolov8_family("yolov8n_like", 8, lambda g, x, c, n: c2f(g, x, c, n, True), False)


def yolo11():
    return yolov8_family("yolo11n_like", 11,
                         lambda g, x, c, n: c3k2(g, x, c, n, c3k=c >= 48), True)


# ---- odd cases a real export can contain ----------------------------------
def ops_misc():
    """Grouped and dilated convs, asymmetric pads, stride-2 pooling, a Slice
    with a step and negative indices, Div, Exp, Reshape with 0 and -1."""
    g = Graph("ops_misc", 13, seed=3)
    x = g.input("images", [1, 3, 160, 160])
    x = g.conv(x, 8, 3, 2, p=[0, 0, 1, 1], act=None, bn=None)        # 80x80
    x = g.conv(x, 8, 3, 1, g=2, d=2, bn="node")                      # 80x80
    x = g.maxpool(x, 2, 2, 0)                                        # 40x40
    x = g.conv(x, 16, 5, 2, p=[2, 1, 2, 2], g=8)                     # 20x20
    x = g.node("Slice", [x, g.ints([-1, 1]), g.ints([-100, 100]),
                         g.ints([1, 3]), g.ints([-2, 3])])           # 8ch, w 7
    y = g.node("Exp", [g.node("Div", [x, g.const(4.0)])])
    y = g.node("Reshape", [y, g.ints([0, 8, -1, 35])])               # [1,8,4,35]
    y = g.node("Slice", [y, g.ints([5]), g.ints([25]), g.ints([3])])
    g.output(y, "output0", [1, 8, 4, 20])
    return g.model()


MODELS = {"yolov5s_like": yolov5, "yolov8n_like": yolov8,
          "yolo11n_like": yolo11, "ops_misc": ops_misc}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: build_models.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, build in MODELS.items():
        path = os.path.join(sys.argv[1], name + ".onnx")
        onnx.save(build(), path)
        print(path)


if __name__ == "__main__":
    main()
