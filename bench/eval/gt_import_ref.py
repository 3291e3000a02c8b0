#!/usr/bin/python3
"""gt_import_ref.py coco|mot PATH - the Python peer of bench_gt_import:
reads a ground-truth file the way a Python tool does (COCO: json.load,
then per-box numpy arrays of bbox, image id, category id, area and
iscrowd, and the image id -> index map; MOT: numpy.loadtxt of the CSV),
timed without interpreter start; prints {"seconds", "boxes", "frames"}."""
import json
import sys
import time

import numpy as np


def coco(path):
    with open(path) as f:
        d = json.load(f)
    anns = d["annotations"]
    bbox = np.array([a["bbox"] for a in anns], dtype=np.float64).reshape(-1, 4)
    image = np.array([a["image_id"] for a in anns], dtype=np.int64)
    cat = np.array([a["category_id"] for a in anns], dtype=np.int64)
    area = np.array([a.get("area", a["bbox"][2] * a["bbox"][3]) for a in anns])
    crowd = np.array([a.get("iscrowd", 0) for a in anns], dtype=np.int8)
    index = {im["id"]: i for i, im in enumerate(d["images"])}
    frame = np.array([index[i] for i in image], dtype=np.int64)
    assert len(bbox) == len(cat) == len(area) == len(crowd) == len(frame)
    return len(bbox), len(index)


def mot(path):
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    return len(rows), int(rows[:, 0].max()) if len(rows) else 0


def main():
    t0 = time.perf_counter()
    boxes, frames = {"coco": coco, "mot": mot}[sys.argv[1]](sys.argv[2])
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 4),
                      "boxes": boxes, "frames": frames}))


if __name__ == "__main__":
    main()
