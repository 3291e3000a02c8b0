#!/usr/bin/python3
"""tide_parity.py AVP SOURCE_DIR - the "tide" object of `avp eval --json`
against tests/oracle/tide_ref.py on seeded random COCO pairs: AP50, every
error type's count and dAP, overall and per class, to 1e-6.

The detections make every error type: jittered a little (true positives)
or a lot (Loc), of another class (Cls, Both), second copies (Dupe), boxes
in empty space (Bkg), objects left out (Miss), crowd regions, an image
without ground truth and one with more than 100 detections. Scores are
distinct: among tied scores tidecv's order differs between its fixed and
unfixed lists (tide_fix.c). Exits 77 without numpy.
"""
import json
import os
import subprocess
import sys
import tempfile

from json_leaves import differences

try:
    import numpy as np
except ImportError as e:
    print(f'SKIP: {e}')
    sys.exit(77)


def jitter(rng, b, scale):
    d = rng.normal(0, scale, 4) * [b[2], b[3], b[2], b[3]]
    return [b[0] + d[0], b[1] + d[1], max(1.0, b[2] + d[2]),
            max(1.0, b[3] + d[3])]


def detections_of(rng, b, c, cats):
    """What a detector makes of ground-truth box b of class c."""
    out, r = [], rng.random()
    if r < 0.15:
        return out  # missed
    if r < 0.6:
        out.append((jitter(rng, b, 0.05), c))
    elif r < 0.75:
        out.append((jitter(rng, b, 0.45), c))  # badly placed
    elif r < 0.88:
        out.append((jitter(rng, b, 0.05), int(rng.choice(cats))))  # class
    else:
        out.append((jitter(rng, b, 0.4), int(rng.choice(cats))))  # both
    if rng.random() < 0.15:
        out.append((jitter(rng, b, 0.08), out[0][1]))  # a duplicate
    return out


def make(seed, folder):
    rng = np.random.default_rng(seed)
    cats = [int(c) for c in rng.permutation(5) * 2 + 1]
    images = list(range(1, int(rng.integers(5, 30))))
    gt, preds = [], []
    for img in images:
        n = int(rng.integers(0, 8)) if img != 2 else 0  # image 2: no gt
        for _ in range(n):
            w, h = rng.uniform(10, 200, 2)
            b = [float(v) for v in (*rng.uniform(0, 600, 2), w, h)]
            c = int(rng.choice(cats[1:]))  # cats[0]: no ground truth
            crowd = int(rng.random() < 0.05)
            gt.append({'id': len(gt) + 1, 'image_id': img, 'category_id': c,
                       'bbox': b, 'area': w * h, 'iscrowd': crowd})
            preds += [(img, bb, cc) for bb, cc in
                      detections_of(rng, b, c, cats)]
        for _ in range(int(rng.integers(0, 4))):  # background
            preds.append((img, [float(v) for v in
                                (*rng.uniform(0, 600, 2),
                                 *rng.uniform(10, 80, 2))],
                           int(rng.choice(cats))))
    for _ in range(110):  # more than 100 in image 1
        preds.append((1, [float(v) for v in (*rng.uniform(0, 600, 2),
                                             *rng.uniform(10, 80, 2))],
                      cats[1]))
    scores = rng.permutation(len(preds)) / len(preds) + 0.5 / len(preds)
    results = [{'image_id': i, 'category_id': c, 'bbox': b,
                'score': float(s)} for (i, b, c), s in zip(preds, scores)]
    dataset = {'images': [{'id': i} for i in images],
               'categories': [{'id': c, 'name': f'c{c}'} for c in cats],
               'annotations': gt}
    for name, obj in (('gt.json', dataset), ('res.json', results)):
        with open(os.path.join(folder, name), 'w') as f:
            json.dump(obj, f)


def main():
    avp, src = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.join(src, 'tests', 'oracle'))
    import tide_ref
    bad, seeds = 0, range(1, 31)
    totals = dict.fromkeys(tide_ref.MAIN, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            make(seed, tmp)
            gt, res = os.path.join(tmp, 'gt.json'), os.path.join(tmp, 'res.json')
            mine = json.loads(subprocess.check_output(
                [avp, 'eval', '--gt', gt, '--pred', res, '--json']))['tide']
            bad += differences(mine, tide_ref.evaluate(gt, res), 1e-6,
                               f'seed {seed}')
            for k in totals:
                totals[k] += mine['errors'][k]['count']
    print(f'{len(seeds)} random pairs, errors by type {totals}, '
          f'{bad} differences')
    # Every type must occur, or the comparison proves little.
    sys.exit(1 if bad or min(totals.values()) == 0 else 0)


if __name__ == '__main__':
    main()
