#!/usr/bin/python3
"""letterbox.py SIZE OUT.f32 IMAGE... - writes the images as one float32
NCHW tensor [len(IMAGE), 3, SIZE, SIZE], letterboxed the way YOLOX-Nano
expects: BGR, raw 0..255, resized keeping the aspect ratio so the longer
side is SIZE (cv2.INTER_LINEAR), placed top-left, padded with 114. Lets
tests feed real photos, whose activations look like real use, not noise."""

import sys

import cv2
import numpy as np


def letterbox(path, size):
    img = cv2.imread(path)
    if img is None:
        sys.exit(f"letterbox.py: cannot read {path}")
    h, w = img.shape[:2]
    s = min(size / h, size / w)
    nh, nw = int(round(h * s)), int(round(w * s))
    out = np.full((size, size, 3), 114, np.uint8)
    out[:nh, :nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return out.transpose(2, 0, 1).astype(np.float32)


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: letterbox.py SIZE OUT.f32 IMAGE...")
    size = int(sys.argv[1])
    np.stack([letterbox(p, size) for p in sys.argv[3:]]).astype("<f4").tofile(sys.argv[2])


if __name__ == "__main__":
    main()
