#!/usr/bin/python3
"""tide_ref.py GT.json RESULTS.json - TIDE's error taxonomy (Bolya et al.,
"TIDE: A General Toolbox for Identifying Object Detection Errors", ECCV
2020) in plain Python + numpy, the reference for the "tide" object of
`avp eval --json` (tests/eval/tide_parity.py). Prints that object.

Written from the paper's definitions (foreground IoU t_f = 0.5, background
IoU t_b = 0.1; Cls, Loc, Both, Dupe, Bkg, Miss; dAP = AP with one error
type fixed minus AP) and from a reading of how the tidecv package turns them
into numbers: detections kept per image (100 best), crowd boxes as ignore
regions, the order in which a false positive is tested against the types,
one fix per ground-truth box (the best-scored near miss), its 101-point AP
and the clamping of negative dAPs. Kept as lists of error records, the way
tidecv keeps them, not as AVP's flat arrays.
"""
import json
import sys
from collections import defaultdict

import numpy as np

POS, BG, MAX_DETS = 0.5, 0.1, 100
MAIN = ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss']


def iou(d, g, crowd=False):
    """pycocotools' box IoU of x, y, w, h boxes (crowd: over d's area)."""
    iw = min(d[0] + d[2], g[0] + g[2]) - max(d[0], g[0])
    ih = min(d[1] + d[3], g[1] + g[3]) - max(d[1], g[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = d[2] * d[3] if crowd else d[2] * d[3] + g[2] * g[3] - inter
    return inter / union


def image_errors(preds, gts, regions, out):
    """Appends ('tp', cls, score) and (type, cls, score, gt) records of one
    image to out['points'], ground-truth counts to out['npos'] and misses
    and unmatched boxes to out['miss'] / out['fn']."""
    preds = sorted(preds, key=lambda p: -p['score'])[:MAX_DETS]
    m = np.array([[iou(p['bbox'], g['bbox']) for g in gts] for p in preds])
    m = m.reshape(len(preds), len(gts))
    same = np.array([[p['category_id'] == g['category_id'] for g in gts]
                     for p in preds], dtype=bool).reshape(m.shape)
    used = np.zeros(len(gts), bool)
    matched = []
    for i, p in enumerate(preds):
        cand = np.where(same[i] & ~used, m[i], 0)
        j = int(np.argmax(cand)) if len(gts) else -1
        if j >= 0 and cand[j] >= POS:
            used[j] = True
            matched.append(True)
        else:
            matched.append(False)
    usable = np.zeros(len(gts), bool)
    best = {}  # gt index -> (score, record)
    for i, p in enumerate(preds):
        c, s = p['category_id'], p['score']
        if matched[i]:
            out['points'].append({'kind': 'tp', 'cls': c, 'score': s})
            continue
        if any(r['category_id'] == c and iou(p['bbox'], r['bbox'], True) > POS
               for r in regions):
            continue  # inside an ignore region
        rec = {'cls': c, 'score': s, 'fix_cls': None}
        if not gts:
            rec['kind'] = 'Bkg'
        else:
            js = int(np.argmax(np.where(same[i], m[i], 0)))
            jo = int(np.argmax(np.where(~same[i], m[i], 0)))
            if BG <= np.where(same[i], m[i], 0)[js] <= POS:
                rec['kind'], target = 'Loc', js
            elif np.where(~same[i], m[i], 0)[jo] >= POS:
                rec['kind'], target = 'Cls', jo
            elif np.max(np.where(same[i] & used, m[i], 0)) >= POS:
                rec['kind'] = 'Dupe'
            elif np.max(m[i]) <= BG:
                rec['kind'] = 'Bkg'
            else:
                rec['kind'] = 'Both'
            if rec['kind'] in ('Loc', 'Cls') and not used[target]:
                usable[target] = True
                if target not in best or best[target][0] < s:
                    best[target] = (s, rec)
                rec['target'] = gts[target]['category_id']
        out['points'].append(rec)
    for j, (s, rec) in best.items():
        rec['fix_cls'] = rec['cls'] if rec['kind'] == 'Loc' else rec['target']
    for j, g in enumerate(gts):
        c = g['category_id']
        out['npos'][c] += 1
        if not used[j]:
            out['fn'][c] += 1
            if not usable[j]:
                out['miss'][c] += 1


def ap(points, npos):
    """tidecv's 101-bar AP of (score, is_tp) points, as a fraction."""
    if npos == 0:
        return 0.0
    points = sorted(points, key=lambda p: -p[0])
    tps = np.cumsum([p[1] for p in points])
    prec = tps / np.arange(1, len(points) + 1)
    rec = tps / npos
    prec = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
    idx = np.searchsorted(rec, np.arange(101) / 100, side='left')
    return float(np.sum([prec[k] if k < len(prec) else 0 for k in idx])) / 101


def score(data, cats, fix=None):
    """Per class AP and mAP with the errors of type `fix` fixed."""
    per_class = defaultdict(list)
    for r in data['points']:
        cls, s, tp = r['cls'], r['score'], r['kind'] == 'tp'
        if fix == 'FalsePos':
            s = 1.0 if tp else 0.0
        if r['kind'] == fix:
            if r['fix_cls'] is None:
                continue
            cls, tp = r['fix_cls'], True
        per_class[cls].append((s, tp))
    aps, used = {}, []
    for c in cats:
        npos = data['npos'][c]
        if fix == 'Miss':
            npos -= data['miss'][c]
        if fix == 'FalseNeg':
            npos -= data['fn'][c]
        aps[c] = ap(per_class[c], npos)
        if per_class[c] or npos:
            used.append(aps[c])
    return aps, (sum(used) / len(used) if used else 0.0)


def evaluate(gt_path, res_path):
    with open(gt_path) as f:
        gt = json.load(f)
    with open(res_path) as f:
        res = json.load(f)
    cats = sorted(c['id'] for c in gt['categories'])
    names = {c['id']: c['name'] for c in gt['categories']}
    by_img = defaultdict(lambda: ([], [], []))
    for a in gt['annotations']:
        by_img[a['image_id']][2 if a.get('iscrowd') else 1].append(a)
    for p in res:
        by_img[p['image_id']][0].append(p)
    data = {'points': [], 'npos': defaultdict(int), 'fn': defaultdict(int),
            'miss': defaultdict(int)}
    for img in sorted(im['id'] for im in gt['images']):
        preds, gts, regions = by_img[img]
        image_errors(preds, gts, regions, data)
    counts = defaultdict(lambda: defaultdict(int))
    for r in data['points']:
        if r['kind'] != 'tp':
            counts[r['cls']][r['kind']] += 1
    for c, n in data['miss'].items():
        counts[c]['Miss'] += n
    base_aps, base = score(data, cats)
    errors = {}
    per = {c: {} for c in cats}
    for kind in MAIN + ['FalsePos', 'FalseNeg']:
        aps, m = score(data, cats, kind)
        clamp = kind in MAIN
        errors[kind] = {'dAP': max(m - base, 0) if clamp else m - base}
        for c in cats:
            d = aps[c] - base_aps[c]
            per[c][kind] = {'dAP': max(d, 0) if clamp else d}
            if clamp:
                per[c][kind]['count'] = counts[c][kind]
        if clamp:
            errors[kind]['count'] = sum(counts[c][kind] for c in cats)
    return {'AP50': base, 'errors': errors,
            'per_class': [{'category_id': c, 'name': names[c],
                           'AP50': base_aps[c], 'errors': per[c]}
                          for c in cats]}


if __name__ == '__main__':
    print(json.dumps(evaluate(sys.argv[1], sys.argv[2])))
