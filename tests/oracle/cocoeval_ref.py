#!/usr/bin/python3
"""cocoeval_ref.py GT.json PRED.json [SCORE_THR] - the COCO bbox protocol
(pycocotools' COCOeval: evaluateImg, accumulate, summarize) written out in
plain Python + numpy, as the peer of `avp eval` in bench/eval and its
cross-check in tests/eval. Prints one JSON object: coco_stats (the 12
numbers in pycocotools' order), per_class (the same 12 numbers per class
plus TP/FP/FN at SCORE_THR, IoU .50, area all, 100 detections), seconds
(all) and eval_seconds (without reading the files).

Written from a reading of pycocotools/cocoeval.py, coco.py (loadRes) and
maskApi.c (bbIou); the structure is pycocotools' own so that every rule
(stable sorts, ignore flags, crowd IoU, the precision envelope,
searchsorted) can be checked against it line by line.
"""
import json
import sys
import time
from collections import defaultdict

import numpy as np

IOU_THRS = np.linspace(.5, .95, int(np.round((.95 - .5) / .05)) + 1,
                       endpoint=True)
REC_THRS = np.linspace(.0, 1.0, int(np.round((1.0 - .0) / .01)) + 1,
                       endpoint=True)
AREA_RNG = [[0, 1e5 ** 2], [0, 32 ** 2], [32 ** 2, 96 ** 2],
            [96 ** 2, 1e5 ** 2]]
MAX_DETS = [1, 10, 100]


def load(gt_path, dt_path):
    with open(gt_path) as f:
        gt = json.load(f)
    with open(dt_path) as f:
        dts = json.load(f)
    img_ids = sorted(im['id'] for im in gt['images'])
    cat_ids = sorted(c['id'] for c in gt['categories'])
    gts = defaultdict(list)
    for a in gt['annotations']:
        a = dict(a)
        a.setdefault('iscrowd', 0)
        a.setdefault('area', a['bbox'][2] * a['bbox'][3])
        # COCOeval._prepare: the ignore flag is the crowd flag.
        a['ignore'] = 1 if a['iscrowd'] else 0
        gts[a['image_id'], a['category_id']].append(a)
    dets = defaultdict(list)
    for i, d in enumerate(dts):
        # COCO.loadRes: ids from 1, area from the box, never crowd.
        d = dict(d, id=i + 1, iscrowd=0, area=d['bbox'][2] * d['bbox'][3])
        dets[d['image_id'], d['category_id']].append(d)
    return img_ids, cat_ids, gts, dets


def bbox_iou(d, g, crowd):
    """maskApi.c bbIou: D x G; for a crowd g the union is d's area."""
    d = np.asarray(d, dtype=np.float64).reshape(-1, 4)
    g = np.asarray(g, dtype=np.float64).reshape(-1, 4)
    w = (np.minimum(d[:, None, 2] + d[:, None, 0], g[None, :, 2] + g[None, :, 0])
         - np.maximum(d[:, None, 0], g[None, :, 0]))
    h = (np.minimum(d[:, None, 3] + d[:, None, 1], g[None, :, 3] + g[None, :, 1])
         - np.maximum(d[:, None, 1], g[None, :, 1]))
    ok = (w > 0) & (h > 0)
    inter = np.where(ok, w * h, 0.0)
    da = (d[:, 2] * d[:, 3])[:, None]
    ga = (g[:, 2] * g[:, 3])[None, :]
    union = np.where(np.asarray(crowd, dtype=bool)[None, :], da,
                     da + ga - inter)
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=ok)
    return out


def sorted_dets(dt):
    order = np.argsort([-d['score'] for d in dt], kind='mergesort')
    return [dt[i] for i in order][:MAX_DETS[-1]]


def evaluate_img(gt, dt, ious, a_rng):
    """COCOeval.evaluateImg for one image and category; dt is sorted."""
    if not gt and not dt:
        return None
    g_ig = [1 if (g['ignore'] or g['area'] < a_rng[0] or g['area'] > a_rng[1])
            else 0 for g in gt]
    gt_order = np.argsort(g_ig, kind='mergesort')
    gt = [gt[i] for i in gt_order]
    g_ig = np.array([g_ig[i] for i in gt_order])
    crowd = [int(g['iscrowd']) for g in gt]
    ious = ious[:, gt_order] if len(ious) else ious
    T, G, D = len(IOU_THRS), len(gt), len(dt)
    gtm = np.zeros((T, G))
    dtm = np.zeros((T, D))
    dt_ig = np.zeros((T, D))
    if len(ious):
        for ti, t in enumerate(IOU_THRS):
            for di in range(D):
                best, m = min(t, 1 - 1e-10), -1
                for gi in range(G):
                    if gtm[ti, gi] > 0 and not crowd[gi]:
                        continue
                    if m > -1 and g_ig[m] == 0 and g_ig[gi] == 1:
                        break
                    if ious[di, gi] < best:
                        continue
                    best, m = ious[di, gi], gi
                if m == -1:
                    continue
                dt_ig[ti, di] = g_ig[m]
                dtm[ti, di] = gt[m]['id']
                gtm[ti, m] = dt[di]['id']
    outside = np.array([d['area'] < a_rng[0] or d['area'] > a_rng[1]
                        for d in dt]).reshape((1, D))
    dt_ig = np.logical_or(dt_ig, np.logical_and(dtm == 0,
                                                np.repeat(outside, T, 0)))
    return {'dtMatches': dtm, 'dtScores': [d['score'] for d in dt],
            'gtIgnore': g_ig, 'dtIgnore': dt_ig}


def evaluate(img_ids, cat_ids, gts, dets):
    """evalImgs[k][a][i] as COCOeval.evaluate, IoUs computed once."""
    out = []
    for c in cat_ids:
        per_area = [[] for _ in AREA_RNG]
        for i in img_ids:
            gt, dt = gts.get((i, c), []), sorted_dets(dets.get((i, c), []))
            ious = (bbox_iou([d['bbox'] for d in dt], [g['bbox'] for g in gt],
                             [g['iscrowd'] for g in gt])
                    if gt and dt else [])
            for a, rng in enumerate(AREA_RNG):
                per_area[a].append(evaluate_img(gt, dt, ious, rng))
        out.append(per_area)
    return out


def pr_at(tps, fps, scores, npig):
    """One (t, k, a, m) cell of COCOeval.accumulate."""
    tp, fp = np.cumsum(tps).astype(float), np.cumsum(fps).astype(float)
    nd = len(tp)
    rc = tp / npig
    pr = (tp / (fp + tp + np.spacing(1))).tolist()
    q = np.zeros(len(REC_THRS))
    ss = np.zeros(len(REC_THRS))
    for i in range(nd - 1, 0, -1):
        if pr[i] > pr[i - 1]:
            pr[i - 1] = pr[i]
    for ri, pi in enumerate(np.searchsorted(rc, REC_THRS, side='left')):
        if pi >= nd:
            break
        q[ri], ss[ri] = pr[pi], scores[pi]
    return q, ss, (rc[-1] if nd else 0)


def accumulate(evals, K):
    T, R, A, M = len(IOU_THRS), len(REC_THRS), len(AREA_RNG), len(MAX_DETS)
    precision = -np.ones((T, R, K, A, M))
    recall = -np.ones((T, K, A, M))
    for k in range(K):
        for a in range(A):
            E = [e for e in evals[k][a] if e is not None]
            if not E:
                continue
            for m, max_det in enumerate(MAX_DETS):
                scores = np.concatenate([e['dtScores'][:max_det] for e in E])
                inds = np.argsort(-scores, kind='mergesort')
                dtm = np.concatenate([e['dtMatches'][:, :max_det] for e in E],
                                     axis=1)[:, inds]
                dt_ig = np.concatenate([e['dtIgnore'][:, :max_det] for e in E],
                                       axis=1)[:, inds]
                npig = np.count_nonzero(np.concatenate(
                    [e['gtIgnore'] for e in E]) == 0)
                if npig == 0:
                    continue
                tps = np.logical_and(dtm, np.logical_not(dt_ig))
                fps = np.logical_and(np.logical_not(dtm), np.logical_not(dt_ig))
                for t in range(T):
                    q, _, rc = pr_at(tps[t], fps[t], scores[inds], npig)
                    precision[t, :, k, a, m] = q
                    recall[t, k, a, m] = rc
    return precision, recall


STATS = [(1, None, 0, 2), (1, .5, 0, 2), (1, .75, 0, 2), (1, None, 1, 2),
         (1, None, 2, 2), (1, None, 3, 2), (0, None, 0, 0), (0, None, 0, 1),
         (0, None, 0, 2), (0, None, 1, 2), (0, None, 2, 2), (0, None, 3, 2)]


def summarize(precision, recall, ks):
    out = []
    for ap, iou, a, m in STATS:
        s = precision if ap else recall
        if iou is not None:
            s = s[np.where(iou == IOU_THRS)[0]]
        s = s[:, :, ks, a, m] if ap else s[:, ks, a, m]
        out.append(float(np.mean(s[s > -1])) if len(s[s > -1]) else -1.0)
    return out


def counts_at(evals, k, thr):
    """TP/FP/FN at score >= thr, IoU .50, area all, 100 detections."""
    tp = fp = npig = 0
    for e in evals[k][0]:
        if e is None:
            continue
        npig += int(np.count_nonzero(e['gtIgnore'] == 0))
        keep = np.array(e['dtScores']) >= thr
        matched, ig = e['dtMatches'][0] > 0, e['dtIgnore'][0] > 0
        tp += int(np.count_nonzero(keep & matched & ~ig))
        fp += int(np.count_nonzero(keep & ~matched & ~ig))
    return tp, fp, npig - tp


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    thr = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
    t0 = time.time()
    img_ids, cat_ids, gts, dets = load(sys.argv[1], sys.argv[2])
    t1 = time.time()
    evals = evaluate(img_ids, cat_ids, gts, dets)
    precision, recall = accumulate(evals, len(cat_ids))
    stats = summarize(precision, recall, list(range(len(cat_ids))))
    per_class = []
    for k, c in enumerate(cat_ids):
        tp, fp, fn = counts_at(evals, k, thr)
        per_class.append({'category_id': c, 'coco_stats':
                          summarize(precision, recall, [k]),
                          'tp': tp, 'fp': fp, 'fn': fn})
    json.dump({'coco_stats': stats, 'per_class': per_class,
               'seconds': time.time() - t0,
               'eval_seconds': time.time() - t1}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
