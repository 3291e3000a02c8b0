#!/usr/bin/python3
"""reference_detect.py - the reference pipeline a YOLOX or Ultralytics user
evaluates with, as JSONL lines in `avp detect`'s format.

usage: reference_detect.py --model M.onnx --family yolox|ultralytics
                           [--size S] [--every K] [--conf 0.25] [--iou 0.45]
                           [--threads T] --ort ORT_DIR VIDEO -o out.jsonl

Frames come from cv2.VideoCapture (python3-opencv's FFmpeg backend), every
Kth from frame 0; each is letterboxed by the family's own code
(letterbox_ref.py: YOLOX's preproc, Ultralytics' LetterBox) and run by ONNX
Runtime (onnxruntime-node through ort_stream.js, one process, one frame at a
time). Decoding follows each family's reference: YOLOX grid/stride decode
with score = objectness x class score and boxes divided by r; Ultralytics
[84, A] rows with score = best class, boxes shifted by the centred padding
and divided by the gain; both clipped to the image, class-wise
cv2.dnn.NMSBoxes at --iou, at most 300 per frame."""

import argparse
import json
import os
import subprocess
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import letterbox_ref  # noqa: E402
from detections import YOLOX_STRIDES, yolox_grids  # noqa: E402

MAX_DET = 300


def yolox_candidates(out, size):
    grid, stride = yolox_grids(size)
    cls = out[:, 5:].argmax(1)
    score = out[:, 4] * out[np.arange(len(out)), 5 + cls]
    cxy = (out[:, :2] + grid) * stride
    wh = np.exp(out[:, 2:4]) * stride
    return cls, score, np.concatenate([cxy - wh / 2, cxy + wh / 2], 1)


def ultralytics_candidates(out):
    rows = out.T  # [A, 4 + C]
    cls = rows[:, 4:].argmax(1)
    score = rows[np.arange(len(rows)), 4 + cls]
    cxy, wh = rows[:, :2], rows[:, 2:4]
    return cls, score, np.concatenate([cxy - wh / 2, cxy + wh / 2], 1)


def geometry(family, w, h, size):
    """(gain, pad_x, pad_y) mapping input pixels back to the frame."""
    r = min(size / h, size / w)
    if family == "yolox":
        return r, 0, 0
    # Ultralytics' scale_boxes(): padding from the unrounded size.
    return r, round((size - w * r) / 2 - 0.1), round((size - h * r) / 2 - 0.1)


def detections(family, out, size, w, h, conf, iou):
    cls, score, boxes = (yolox_candidates(out, size) if family == "yolox"
                         else ultralytics_candidates(out))
    keep = score >= conf
    cls, score, boxes = cls[keep], score[keep], boxes[keep]
    gain, px, py = geometry(family, w, h, size)
    boxes = (boxes - [px, py, px, py]) / gain
    boxes = np.clip(boxes, 0, [w, h, w, h])
    dets = []
    for c in np.unique(cls):
        idx = np.flatnonzero(cls == c)
        xywh = [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes[idx].tolist()]
        kept = np.array(cv2.dnn.NMSBoxes(xywh, score[idx].tolist(), conf, iou), int).ravel()
        dets += [(int(c), float(score[idx[k]]), boxes[idx[k]].tolist()) for k in kept]
    dets.sort(key=lambda d: -d[1])
    return dets[:MAX_DET]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("video")
    p.add_argument("--model", required=True)
    p.add_argument("--family", choices=("yolox", "ultralytics"), required=True)
    p.add_argument("--size", type=int)
    p.add_argument("--every", type=int, default=1)
    p.add_argument("--conf", type=float, default=0.25)
    p.add_argument("--iou", type=float, default=0.45)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ort", required=True, help="onnxruntime-node's folder")
    p.add_argument("-o", dest="output", required=True)
    a = p.parse_args()
    size = a.size or (416 if a.family == "yolox" else 640)
    prep = letterbox_ref.yolox if a.family == "yolox" else letterbox_ref.ultralytics
    ort = subprocess.Popen(["node", os.path.join(os.path.dirname(__file__), "ort_stream.js"),
                            a.ort, a.model, "3", str(size), str(size), str(a.threads)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    cap = cv2.VideoCapture(a.video, cv2.CAP_FFMPEG)
    # COCO-80 outputs: [1, A, 85] (YOLOX) or [1, 84, A] over the 3 grids.
    anchors = sum((size // s) ** 2 for s in YOLOX_STRIDES)
    out_floats = anchors * (85 if a.family == "yolox" else 84)
    frame = 0
    with open(a.output, "w") as f:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            if frame % a.every == 0:
                ort.stdin.write(prep(img, size).astype("<f4").tobytes())
                ort.stdin.flush()
                raw = ort.stdout.read(out_floats * 4)
                out = np.frombuffer(raw, "<f4").astype(np.float64)
                out = out.reshape((-1, 85) if a.family == "yolox" else (84, -1))
                h, w = img.shape[:2]
                for c, s, b in detections(a.family, out, size, w, h, a.conf, a.iou):
                    f.write(json.dumps({"frame": frame, "class": c, "score": s,
                                        "box": b}) + "\n")
            frame += 1
    ort.stdin.close()
    if ort.wait() != 0:
        sys.exit("reference_detect.py: ort_stream.js failed")


if __name__ == "__main__":
    main()
