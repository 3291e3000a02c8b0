#!/usr/bin/python3
"""yolox_tensor_ref.py MODEL TENSORS META OUT - OpenCV DNN's detections on
input tensors that AVP's media code made, so a test can compare AVP's
inference, decode and NMS with OpenCV's without resizer differences.

TENSORS: raw float32, N x 3 x H x W (H = W = the model's input size).
META: one line per tensor, "index scale pad_x pad_y src_width src_height".
OUT: JSONL like ../shared/media/photos_720p.yolox_nano.jsonl (frame, class,
score, box in source pixels, clipped to the image): YOLOX grid decode, score
= objectness x best class >= 0.25, class-wise cv2.dnn.NMSBoxes at IoU 0.45.
"""
import json
import sys

import cv2
import numpy as np

CONF, IOU = 0.25, 0.45


def grids(size):
    g, s = [], []
    for stride in (8, 16, 32):
        n = size // stride
        gy, gx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        g.append(np.stack([gx.ravel(), gy.ravel()], 1))
        s.append(np.full((n * n, 1), stride))
    return np.concatenate(g).astype(np.float64), np.concatenate(s).astype(np.float64)


def detect(out, grid, stride, meta):
    index, scale, pad_x, pad_y, w, h = meta
    cls = out[:, 5:].argmax(1)
    score = out[:, 4] * out[np.arange(len(out)), 5 + cls]
    k = score >= CONF
    out, cls, score, grid, stride = out[k], cls[k], score[k], grid[k], stride[k]
    cxy = (out[:, :2] + grid) * stride
    wh = np.exp(out[:, 2:4]) * stride
    boxes = np.concatenate([cxy - wh / 2, cxy + wh / 2], 1)
    boxes = (boxes - [pad_x, pad_y, pad_x, pad_y]) / scale
    lines = []
    for c in np.unique(cls):
        idx = np.flatnonzero(cls == c)
        xywh = [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes[idx].tolist()]
        for j in np.array(cv2.dnn.NMSBoxes(xywh, score[idx].tolist(), CONF, IOU), int).ravel():
            b = np.clip(boxes[idx[j]], 0, [w, h, w, h])
            lines.append({"frame": int(index), "class": int(c),
                          "score": float(score[idx[j]]), "box": b.tolist()})
    return lines


def main():
    model, tensors, meta_path, out_path = sys.argv[1:5]
    metas = np.loadtxt(meta_path, ndmin=2)
    net = cv2.dnn.readNetFromONNX(model)
    size = int(round((np.fromfile(tensors, np.float32).size / len(metas) / 3) ** 0.5))
    data = np.fromfile(tensors, np.float32).reshape(len(metas), 3, size, size)
    grid, stride = grids(size)
    with open(out_path, "w") as f:
        for t, meta in zip(data, metas):
            net.setInput(t[None])
            out = net.forward()[0].astype(np.float64)
            for d in detect(out, grid, stride, meta):
                f.write(json.dumps(d) + "\n")


if __name__ == "__main__":
    main()
