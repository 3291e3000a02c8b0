#!/usr/bin/python3
"""compare.py A.jsonl B.jsonl - how far two detection files agree: a
detection of A matches one of B on the same frame with the same class and
IoU >= 0.5 (greedy, best score first). Prints one line, so the benchmark
shows both programs did the same work before their speeds are compared."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../tests/oracle"))
from detections import load, partners  # noqa: E402


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    na, nb = sum(map(len, a.values())), sum(map(len, b.values()))
    m = len(partners(a, b, 0.5)[0])
    print(f"detections {na} vs {nb}, matched {m} (same frame and class, IoU >= 0.5): "
          f"{100.0 * m / max(na, nb, 1):.1f}%")


if __name__ == "__main__":
    main()
