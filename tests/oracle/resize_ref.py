#!/usr/bin/python3
"""resize_ref.py IN.bgr W H OUT.bgr DW DH - cv2.resize(INTER_LINEAR) of a
raw 8-bit BGR image (W x H, rows packed) to DW x DH, written raw: the
reference tests/media/test_resize.c compares with byte for byte."""

import sys

import cv2
import numpy as np


def main():
    if len(sys.argv) != 7:
        sys.exit("usage: resize_ref.py IN.bgr W H OUT.bgr DW DH")
    w, h, dw, dh = (int(v) for v in sys.argv[2:4] + sys.argv[5:7])
    img = np.fromfile(sys.argv[1], np.uint8).reshape(h, w, 3)
    cv2.resize(img, (dw, dh), interpolation=cv2.INTER_LINEAR).tofile(sys.argv[4])


if __name__ == "__main__":
    main()
