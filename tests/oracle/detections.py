"""detections.py - what the detection oracles and bench/pipeline's peers
share: JSONL detections in `avp detect`'s format by frame, box IoU, greedy
matching, and YOLOX's anchor grid."""

import json

import numpy as np

YOLOX_STRIDES = (8, 16, 32)


def load(path):
    """JSONL detections grouped by frame."""
    by_frame = {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            by_frame.setdefault(d["frame"], []).append(d)
    return by_frame


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, iw) * max(0.0, ih)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def partners(a, b, min_iou):
    """Greedy, best score first: a's detections with a partner in b (same
    frame and class, IoU >= min_iou) as (a, b) pairs, and the count of a's
    detections."""
    pairs, total = [], 0
    for frame, dets in a.items():
        free = list(b.get(frame, []))
        total += len(dets)
        for d in sorted(dets, key=lambda d: -d["score"]):
            best = max((o for o in free if o["class"] == d["class"]),
                       key=lambda o: iou(d["box"], o["box"]), default=None)
            if best is not None and iou(d["box"], best["box"]) >= min_iou:
                free.remove(best)
                pairs.append((d, best))
    return pairs, total


def yolox_grids(size):
    """Per anchor of a YOLOX output at input size: (grid x, y) and stride,
    as float64 [A, 2] and [A, 1]."""
    grids, strides = [], []
    for s in YOLOX_STRIDES:
        n = size // s
        gy, gx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        grids.append(np.stack([gx.ravel(), gy.ravel()], 1))
        strides.append(np.full((n * n, 1), s))
    return np.concatenate(grids).astype(np.float64), np.concatenate(strides).astype(np.float64)
