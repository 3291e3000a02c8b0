#!/usr/bin/python3
"""compare.py A.jsonl B.jsonl - how far two detection files agree: a
detection of A matches one of B on the same frame with the same class and
IoU >= 0.5 (greedy, best score first). Prints one line, so the benchmark
shows both programs did the same work before their speeds are compared."""

import collections
import json
import sys


def load(path):
    by_frame = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            by_frame[d["frame"]].append(d)
    return by_frame


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, iw) * max(0.0, ih)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def matches(a, b):
    n = 0
    for frame, dets in a.items():
        free = list(b.get(frame, []))
        for d in sorted(dets, key=lambda d: -d["score"]):
            best = max((o for o in free if o["class"] == d["class"]),
                       key=lambda o: iou(d["box"], o["box"]), default=None)
            if best is not None and iou(d["box"], best["box"]) >= 0.5:
                free.remove(best)
                n += 1
    return n


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    na, nb = sum(map(len, a.values())), sum(map(len, b.values()))
    m = matches(a, b)
    print(f"detections {na} vs {nb}, matched {m} (same frame and class, IoU >= 0.5): "
          f"{100.0 * m / max(na, nb, 1):.1f}%")


if __name__ == "__main__":
    main()
