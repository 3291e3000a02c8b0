#!/usr/bin/python3
"""gen_random_coco.py OUT_DIR SEED IMAGES BOXES_PER_IMAGE [CLASSES] - writes
OUT_DIR/gt.json and OUT_DIR/pred.json, a seeded random COCO pair built to
hit the protocol's corners: category ids that are neither contiguous nor in
file order, classes with no ground truth and classes never predicted,
images with no boxes, crowd regions, an `area` field that differs from the
box area (so area ranges disagree with w * h), boxes in all three size
ranges, scores rounded to two decimals (many ties), exact duplicate
detections, and some (image, class) pairs with more than 100 detections.
"""
import json
import os
import sys

import numpy as np


def boxes(rng, n, img_w, img_h):
    # Log-uniform sides from 4 to 400 px cover small, medium and large.
    w = np.exp(rng.uniform(np.log(4), np.log(400), n))
    h = w * np.exp(rng.uniform(-0.7, 0.7, n))
    x = rng.uniform(0, img_w, n) - w / 2
    y = rng.uniform(0, img_h, n) - h / 2
    return np.round(np.stack([x, y, w, h], 1), 2)


def jitter(rng, b, scale):
    d = rng.normal(0, scale, 4) * np.array([b[2], b[3], b[2], b[3]])
    out = b + d
    out[2:] = np.maximum(out[2:], 0.5)
    return np.round(out, 2)


def make(seed, n_images, per_image, n_classes):
    rng = np.random.default_rng(seed)
    cat_ids = [int(c) for c in rng.permutation(n_classes) * 3 + 1]
    images = [int(i) for i in rng.permutation(n_images) + 1000]
    gt, pred = [], []
    absent = cat_ids[0]        # in categories, never in ground truth
    never = cat_ids[1]         # has ground truth, never predicted
    for img in images:
        n = int(rng.poisson(per_image)) if rng.random() > 0.05 else 0
        bb = boxes(rng, n, 1280, 720)
        cls = rng.choice(cat_ids[1:], n)
        for b, c in zip(bb, cls):
            crowd = int(rng.random() < 0.04)
            area = float(np.round(b[2] * b[3] * rng.uniform(0.4, 1.0), 2))
            gt.append({'id': len(gt) + 1, 'image_id': img,
                       'category_id': int(c), 'bbox': [float(v) for v in b],
                       'area': area, 'iscrowd': crowd})
            if c == never or rng.random() > 0.85:
                continue
            pc = int(c) if rng.random() > 0.05 else int(rng.choice(cat_ids))
            for _ in range(1 + int(rng.random() < 0.1)):
                pred.append((img, pc, jitter(rng, b, 0.08), rng.random()))
        for _ in range(int(rng.poisson(per_image * 0.3))):
            pred.append((img, int(rng.choice(cat_ids)),
                         boxes(rng, 1, 1280, 720)[0], rng.random() * 0.6))
    # A crowded pair: more than 100 detections of one class in one image.
    for _ in range(130):
        pred.append((images[0], cat_ids[2], boxes(rng, 1, 1280, 720)[0],
                     rng.random()))
    if pred:  # an exact duplicate of a detection
        pred.append(pred[len(pred) // 2])
    order = rng.permutation(len(pred))
    results = [{'image_id': pred[i][0], 'category_id': pred[i][1],
                'bbox': [float(v) for v in pred[i][2]],
                'score': round(float(pred[i][3]), 2)} for i in order]
    cats = [{'id': c, 'name': 'class%d' % c} for c in rng.permutation(cat_ids)]
    dataset = {'images': [{'id': i, 'width': 1280, 'height': 720}
                          for i in images],
               'categories': [{'id': int(c['id']), 'name': c['name']}
                              for c in cats],
               'annotations': gt}
    assert absent not in {a['category_id'] for a in gt}
    return dataset, results


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    out, seed, n_images, per_image = (sys.argv[1], int(sys.argv[2]),
                                      int(sys.argv[3]), float(sys.argv[4]))
    n_classes = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    dataset, results = make(seed, n_images, per_image, n_classes)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'gt.json'), 'w') as f:
        json.dump(dataset, f)
    with open(os.path.join(out, 'pred.json'), 'w') as f:
        json.dump(results, f)


if __name__ == '__main__':
    main()
