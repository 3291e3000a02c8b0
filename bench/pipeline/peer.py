#!/usr/bin/python3
"""peer.py - the python3-opencv peer of `avp detect` for bench/pipeline/run.

usage: peer.py --model yolox_nano.onnx [--conf 0.25] [--iou 0.45]
               [--threads T] INPUT -o out.jsonl

The straightforward OpenCV pipeline: cv2.VideoCapture decodes every frame,
letterbox to the model input (cv2.resize INTER_LINEAR, top-left, pad 114),
cv2.dnn forward at batch 1, YOLOX decode (grid offsets, exp sizes, score =
objectness x best class score), class-wise cv2.dnn.NMSBoxes, and the same
JSONL lines `avp detect` writes. This is how
../shared/media/photos_720p.yolox_nano.jsonl was made. Prints frames and
fps of the whole loop (decode included, start-up excluded) to stderr.
"""

import argparse
import json
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../tests/oracle"))
from detections import yolox_grids  # noqa: E402

COCO = ("person bicycle car motorcycle airplane bus train truck boat traffic_light "
        "fire_hydrant stop_sign parking_meter bench bird cat dog horse sheep cow "
        "elephant bear zebra giraffe backpack umbrella handbag tie suitcase frisbee "
        "skis snowboard sports_ball kite baseball_bat baseball_glove skateboard "
        "surfboard tennis_racket bottle wine_glass cup fork knife spoon bowl banana "
        "apple sandwich orange broccoli carrot hot_dog pizza donut cake chair couch "
        "potted_plant bed dining_table toilet tv laptop mouse remote keyboard "
        "cell_phone microwave oven toaster sink refrigerator book clock vase "
        "scissors teddy_bear hair_drier toothbrush").split()
COCO = [name.replace("_", " ") for name in COCO]


def letterbox(img, size):
    h, w = img.shape[:2]
    scale = min(size / h, size / w)
    nh, nw = int(round(h * scale)), int(round(w * scale))
    out = np.full((size, size, 3), 114, np.uint8)
    out[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return out, scale


def decode(out, grid, stride, scale, conf, iou):
    """[A, 85] YOLOX output -> list of (class, score, [x1, y1, x2, y2])."""
    cls = out[:, 5:].argmax(1)
    score = out[:, 4] * out[np.arange(len(out)), 5 + cls]
    keep = score >= conf
    out, cls, score, grid, stride = out[keep], cls[keep], score[keep], grid[keep], stride[keep]
    cxy = (out[:, :2] + grid) * stride / scale
    wh = np.exp(out[:, 2:4]) * stride / scale
    boxes = np.concatenate([cxy - wh / 2, cxy + wh / 2], 1)
    dets = []
    for c in np.unique(cls):
        idx = np.flatnonzero(cls == c)
        xywh = [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes[idx].tolist()]
        kept = np.array(cv2.dnn.NMSBoxes(xywh, score[idx].tolist(), conf, iou), int).ravel()
        for k in sorted(kept, key=lambda k: -score[idx[k]]):
            dets.append((int(c), float(score[idx[k]]), boxes[idx[k]].tolist()))
    return dets


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("--model", required=True)
    p.add_argument("--conf", type=float, default=0.25)
    p.add_argument("--iou", type=float, default=0.45)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--size", type=int, default=416)
    p.add_argument("-o", dest="output", required=True)
    args = p.parse_args()
    cv2.setNumThreads(args.threads)
    net = cv2.dnn.readNetFromONNX(args.model)
    grid, stride = yolox_grids(args.size)
    cap = cv2.VideoCapture(args.input)
    if not cap.isOpened():
        sys.exit(f"peer.py: cannot open {args.input}")
    frames, t0 = 0, time.perf_counter()
    with open(args.output, "w") as f:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            lb, scale = letterbox(img, args.size)
            net.setInput(cv2.dnn.blobFromImage(lb))
            out = net.forward()[0].astype(np.float64)
            for c, s, b in decode(out, grid, stride, scale, args.conf, args.iou):
                f.write(json.dumps({"frame": frames, "t": round(t, 6), "class": c,
                                    "label": COCO[c], "score": round(s, 4),
                                    "box": [round(v, 2) for v in b]}) + "\n")
            frames += 1
    dt = time.perf_counter() - t0
    print(f"peer frames={frames} seconds={dt:.2f} fps={frames / dt:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
