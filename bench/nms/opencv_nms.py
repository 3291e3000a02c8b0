#!/usr/bin/python3
"""opencv_nms.py DUMP RUNS - class-wise cv2.dnn.NMSBoxes (how the OpenCV
reference does class-aware NMS) on the boxes bench_nms wrote; prints
key=value: kept, ms (median of RUNS)."""
import sys
import time

import cv2
import numpy as np

data = np.loadtxt(sys.argv[1], ndmin=2)
runs = int(sys.argv[2])
cls = data[:, 0].astype(int)
times, kept = [], 0
for _ in range(runs):
    t0 = time.perf_counter()
    kept = 0
    for c in np.unique(cls):
        m = cls == c
        kept += len(cv2.dnn.NMSBoxes(data[m, 2:6].tolist(), data[m, 1].tolist(), 0.0, 0.45))
    times.append((time.perf_counter() - t0) * 1e3)
print("kept=%d ms=%.3f" % (kept, sorted(times)[runs // 2]))
