#!/usr/bin/python3
"""letterbox_ref.py VIDEO FAMILY SIZE FRAMES OUT.f32 - the reference
pipelines' model input for the first FRAMES frames of VIDEO, as float32
[FRAMES, 3, SIZE, SIZE] (little-endian), written the way each family's own
code does it:

  yolox        frames from cv2.VideoCapture (FFmpeg backend), YOLOX's
               preproc(): r = min(S/h, S/w), cv2.resize to (int(w*r),
               int(h*r)) with INTER_LINEAR, pasted top-left on 114, BGR,
               float32 0..255.
  ultralytics  the same frames, Ultralytics' LetterBox(): new size
               round(w*r), round(h*r), resized only when it differs,
               cv2.copyMakeBorder centred (top = round(dh - 0.1), bottom =
               round(dh + 0.1), the same for left/right) with 114, then
               BGR -> RGB and float32 / 255.

Also prints one line per frame: the frame's size as VideoCapture gives it.
Exit 3 when the video has fewer frames than asked."""

import sys

import cv2
import numpy as np


def yolox(img, size):
    padded = np.ones((size, size, 3), dtype=np.uint8) * 114
    r = min(size / img.shape[0], size / img.shape[1])
    w, h = int(img.shape[1] * r), int(img.shape[0] * r)
    resized = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    padded[:h, :w] = resized.astype(np.uint8)
    return np.ascontiguousarray(padded.transpose(2, 0, 1), dtype=np.float32)


def ultralytics(img, size):
    shape = img.shape[:2]
    r = min(size / shape[0], size / shape[1])
    new_unpad = int(round(shape[1] * r)), int(round(shape[0] * r))
    dw, dh = (size - new_unpad[0]) / 2, (size - new_unpad[1]) / 2
    if shape[::-1] != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    img = cv2.copyMakeBorder(img, top, bottom, left, right,
                             cv2.BORDER_CONSTANT, value=(114, 114, 114))
    chw = np.ascontiguousarray(img[..., ::-1].transpose(2, 0, 1))
    return chw.astype(np.float32) / 255


def main():
    if len(sys.argv) != 6 or sys.argv[2] not in ("yolox", "ultralytics"):
        sys.exit("usage: letterbox_ref.py VIDEO yolox|ultralytics SIZE FRAMES OUT.f32")
    video, family, size, frames, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4]), sys.argv[5]
    cap = cv2.VideoCapture(video, cv2.CAP_FFMPEG)
    prep = yolox if family == "yolox" else ultralytics
    tensors = []
    for _ in range(frames):
        ok, img = cap.read()
        if not ok:
            print(f"letterbox_ref.py: {video} ended after {len(tensors)} frames",
                  file=sys.stderr)
            sys.exit(3)
        print(f"{img.shape[1]}x{img.shape[0]}")
        tensors.append(prep(img, size))
    np.stack(tensors).astype("<f4").tofile(out)


if __name__ == "__main__":
    main()
