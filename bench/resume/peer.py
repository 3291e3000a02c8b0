"""peer.py VIDEO START RUNS - OpenCV's ways to the frame START of a video:
seeking (CAP_PROP_POS_FRAMES) and reading from the start. Prints
"seek <median ms> <exact 0|1>" and "read <median ms>", where exact says
whether the seeked frame equals the START-th frame read in order."""
import statistics
import sys
import time

import cv2


def seek(path, start):
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(path)
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    ok, frame = cap.read()
    return time.perf_counter() - t0, frame if ok else None


def read(path, start):
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(path)
    for _ in range(start):
        cap.grab()
    ok, frame = cap.read()
    return time.perf_counter() - t0, frame if ok else None


def main():
    path, start, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cv2.setNumThreads(2)
    seeks = [seek(path, start) for _ in range(runs)]
    reads = [read(path, start) for _ in range(runs)]
    exact = seeks[0][1] is not None and reads[0][1] is not None and \
        (seeks[0][1] == reads[0][1]).all()
    print("seek %.1f %d" % (statistics.median(t for t, _ in seeks) * 1e3, exact))
    print("read %.1f" % (statistics.median(t for t, _ in reads) * 1e3))


if __name__ == "__main__":
    main()
