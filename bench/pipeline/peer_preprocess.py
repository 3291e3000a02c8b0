#!/usr/bin/python3
"""peer_preprocess.py VIDEO yolox|ultralytics - the reference's decode and
letterbox alone, no model: cv2.VideoCapture reads every frame (its default
decoder threads) and the family's own letterbox
(tests/oracle/letterbox_ref.py: YOLOX's preproc, Ultralytics' LetterBox +
RGB / 255) makes the input tensor; the peer of bench_preprocess. Prints
"<wall ms per frame> <CPU ms per frame> <frames>" (open included; CPU =
all threads of the process)."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../tests/oracle"))
import cv2  # noqa: E402
import letterbox_ref  # noqa: E402


def main():
    video, family = sys.argv[1], sys.argv[2]
    prep, size = ((letterbox_ref.yolox, 416) if family == "yolox"
                  else (letterbox_ref.ultralytics, 640))
    t0, c0 = time.perf_counter(), time.process_time()
    cap = cv2.VideoCapture(video, cv2.CAP_FFMPEG)
    frames = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        prep(img, size)
        frames += 1
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    per = 1e3 / max(frames, 1)
    print(f"{secs * per:.3f} {cpu * per:.3f} {frames}")


if __name__ == "__main__":
    main()
