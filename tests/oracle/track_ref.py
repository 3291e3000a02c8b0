#!/usr/bin/python3
"""track_ref.py GT.txt RESULTS.txt - the tracking metrics of one MOTChallenge
sequence (HOTA, CLEAR MOT, Identity) in numpy + scipy, the reference
`avp eval track --json` is compared with (tests/eval/track_parity.py).
Prints one JSON object with the same keys as AVP's.

Written from the metrics' definitions (Luiten et al., "HOTA: A Higher Order
Metric for Evaluating Multi-Object Tracking", IJCV 2021; Bernardin and
Stiefelhagen, "Evaluating Multiple Object Tracking Performance: The CLEAR
MOT Metrics", 2008; Ristani et al., "Performance Measures and a Data Set
for Multi-Target, Multi-Camera Tracking", 2016) and from a reading of how
TrackEval (trackeval/metrics/{hota,clear,identity}.py,
datasets/mot_challenge_2d_box.py) turns them into numbers: its thresholds
minus float eps, its per-frame cases, and the Identity assignment on the
(gt ids + tracker ids) square matrix with "unmatched" rows and columns.
Unlike AVP's C code it keeps everything as dense id x id matrices, one per
alpha, as TrackEval does.

The sequence: ground-truth rows with conf 0 are left out (TrackEval's
zero-marked rows); the sequence is frames 1 .. the last ground-truth frame,
and result rows beyond it are left out. Distractor classes are not
modelled (AVP does not either).
"""
import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment

EPS = np.finfo('float').eps
ALPHAS = np.arange(0.05, 0.99, 0.05)


def read_mot(path):
    """Rows of frame, id, x, y, w, h, conf as a float array (n x 7)."""
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append([float(v) for v in line.split(',')[:7]])
    return np.array(rows, dtype=float).reshape(-1, 7)


def sequence(gt, tr):
    """Per frame: gt ids, tracker ids (relabelled 0..), boxes."""
    length = int(gt[:, 0].max()) if len(gt) else 0
    gt = gt[gt[:, 6] != 0]
    tr = tr[tr[:, 0] <= length]
    gt_u, gt_lab = np.unique(gt[:, 1], return_inverse=True)
    tr_u, tr_lab = np.unique(tr[:, 1], return_inverse=True)
    frames = []
    for t in range(1, length + 1):
        gm, tm = gt[:, 0] == t, tr[:, 0] == t
        frames.append((gt_lab[gm], tr_lab[tm], gt[gm, 2:6], tr[tm, 2:6]))
    return frames, len(gt_u), len(tr_u), len(gt), len(tr), length


def iou(a, b):
    """IoU matrix of x, y, w, h boxes."""
    a2 = np.concatenate([a[:, :2], a[:, :2] + a[:, 2:]], 1)
    b2 = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
    lo = np.maximum(a2[:, None, :2], b2[None, :, :2])
    hi = np.minimum(a2[:, None, 2:], b2[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area_a = a[:, 2] * a[:, 3]
    area_b = b[:, 2] * b[:, 3]
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def hota(frames, n_gt, n_tr, gt_dets, tr_dets):
    k = len(ALPHAS)
    tp, fn, fp = np.zeros(k), np.zeros(k), np.zeros(k)
    assa, assre, asspr, loca = np.zeros(k), np.zeros(k), np.zeros(k), \
        np.zeros(k)
    if tr_dets == 0 or gt_dets == 0:
        fn[:] = gt_dets if tr_dets == 0 else 0
        fp[:] = tr_dets if tr_dets != 0 else 0
        loca[:] = 1
    else:
        pot = np.zeros((n_gt, n_tr))
        gcount, tcount = np.zeros((n_gt, 1)), np.zeros((1, n_tr))
        for g, t, gb, tb in frames:
            s = iou(gb, tb)
            den = s.sum(0)[None, :] + s.sum(1)[:, None] - s
            soft = np.where(den > EPS, s / np.where(den > EPS, den, 1), 0)
            np.add.at(pot, (g[:, None], t[None, :]), soft)
            np.add.at(gcount, (g, 0), 1)
            np.add.at(tcount, (0, t), 1)
        align = pot / (gcount + tcount - pot)
        counts = np.zeros((k, n_gt, n_tr))
        for g, t, gb, tb in frames:
            if len(g) == 0 or len(t) == 0:
                fp += len(t)
                fn += len(g)
                continue
            s = iou(gb, tb)
            rows, cols = linear_sum_assignment(-(align[g][:, t] * s))
            sims = s[rows, cols]
            ok = sims[None, :] >= ALPHAS[:, None] - EPS  # alpha x pair
            n = ok.sum(1)
            tp += n
            fn += len(g) - n
            fp += len(t) - n
            loca += (ok * sims[None, :]).sum(1)
            for a in range(k):
                counts[a, g[rows[ok[a]]], t[cols[ok[a]]]] += 1
        for a in range(k):
            c = counts[a]
            denom = np.maximum(1, tp[a])
            assa[a] = (c * c / np.maximum(1, gcount + tcount - c)).sum() / denom
            assre[a] = (c * c / np.maximum(1, gcount)).sum() / denom
            asspr[a] = (c * c / np.maximum(1, tcount)).sum() / denom
        loca = np.maximum(1e-10, loca) / np.maximum(1e-10, tp)
    detre = tp / np.maximum(1, tp + fn)
    detpr = tp / np.maximum(1, tp + fp)
    deta = tp / np.maximum(1, tp + fn + fp)
    h = np.sqrt(deta * assa)
    fields = {'HOTA': h, 'DetA': deta, 'AssA': assa, 'DetRe': detre,
              'DetPr': detpr, 'AssRe': assre, 'AssPr': asspr, 'LocA': loca}
    out = {name: float(np.mean(v)) for name, v in fields.items()}
    per = {name: v.tolist() for name, v in fields.items()}
    per.update(TP=tp.tolist(), FN=fn.tolist(), FP=fp.tolist())
    out.update({'per_alpha': per, 'alpha': ALPHAS.tolist(),
                'HOTA(0)': float(h[0]), 'LocA(0)': float(loca[0]),
                'HOTALocA(0)': float(h[0] * loca[0])})
    return out


def clear_counts(frames, n_gt):
    """TP, FN, FP, IDSW, MOTP sum and per gt id: boxes, matched, frags."""
    tp = fn = fp = idsw = 0
    motp = 0.0
    count, matched, frags = np.zeros(n_gt), np.zeros(n_gt), np.zeros(n_gt)
    last = np.full(n_gt, np.nan)       # tracker id at the last match
    previous = np.full(n_gt, np.nan)   # tracker id in the last both-sided frame
    for g, t, gb, tb in frames:
        if len(g) == 0:
            fp += len(t)
            continue
        count[g] += 1
        if len(t) == 0:
            fn += len(g)
            continue
        s = iou(gb, tb)
        score = 1000.0 * (t[None, :] == previous[g][:, None]) + s
        score[s < 0.5 - EPS] = 0
        rows, cols = linear_sum_assignment(-score)
        keep = score[rows, cols] > EPS
        rows, cols = rows[keep], cols[keep]
        mg, mt = g[rows], t[cols]
        was = last[mg]
        idsw += int(np.sum(~np.isnan(was) & (was != mt)))
        matched[mg] += 1
        frags[mg] += np.isnan(previous[mg])
        last[mg] = mt
        previous[:] = np.nan
        previous[mg] = mt
        tp += len(rows)
        fn += len(g) - len(rows)
        fp += len(t) - len(rows)
        motp += float(s[rows, cols].sum())
    return tp, fn, fp, idsw, motp, count, matched, frags


def clear(frames, n_gt, gt_dets, tr_dets, length):
    if tr_dets == 0 or gt_dets == 0:
        tp, fn, fp, idsw, motp = 0, gt_dets, tr_dets, 0, 0.0
        mt = pt = frag = 0
        ml = n_gt
    else:
        tp, fn, fp, idsw, motp, count, matched, frags = \
            clear_counts(frames, n_gt)
        ratio = matched[count > 0] / count[count > 0]
        mt = int(np.sum(ratio > 0.8))
        pt = int(np.sum(ratio >= 0.2)) - mt
        ml = n_gt - mt - pt
        frag = int(np.sum(frags[frags > 0] - 1))
    ids = max(1, mt + pt + ml)
    gts = max(1, tp + fn)
    return {'MOTA': (tp - fp - idsw) / gts, 'MOTP': motp / max(1, tp),
            'MODA': (tp - fp) / gts, 'sMOTA': (motp - fp - idsw) / gts,
            'CLR_Re': tp / gts, 'CLR_Pr': tp / max(1, tp + fp),
            'CLR_F1': tp / max(1, tp + 0.5 * fn + 0.5 * fp),
            'MTR': mt / ids, 'PTR': pt / ids, 'MLR': ml / ids,
            'FP_per_frame': fp / max(1, length), 'CLR_TP': tp, 'CLR_FN': fn,
            'CLR_FP': fp, 'IDSW': idsw, 'Frag': frag, 'MT': mt, 'PT': pt,
            'ML': ml}


def identity(frames, n_gt, n_tr, gt_dets, tr_dets):
    if tr_dets == 0 or gt_dets == 0:
        idtp, idfn, idfp = 0, gt_dets, tr_dets
    else:
        pm = np.zeros((n_gt, n_tr))
        gc, tc = np.zeros(n_gt), np.zeros(n_tr)
        for g, t, gb, tb in frames:
            if len(g) and len(t):
                gi, ti = np.nonzero(iou(gb, tb) >= 0.5)
                np.add.at(pm, (g[gi], t[ti]), 1)
            np.add.at(gc, g, 1)
            np.add.at(tc, t, 1)
        # Rows: gt ids then one "unmatched" row per tracker id; columns:
        # tracker ids then one "unmatched" column per gt id.
        n = n_gt + n_tr
        fn_cost, fp_cost = np.zeros((n, n)), np.zeros((n, n))
        fn_cost[:n_gt, n_tr:] = 1e10
        fp_cost[n_gt:, :n_tr] = 1e10
        fn_cost[:n_gt, :n_tr] = gc[:, None] - pm
        fn_cost[np.arange(n_gt), n_tr + np.arange(n_gt)] = gc
        fp_cost[:n_gt, :n_tr] = tc[None, :] - pm
        fp_cost[n_gt + np.arange(n_tr), np.arange(n_tr)] = tc
        rows, cols = linear_sum_assignment(fn_cost + fp_cost)
        idfn = int(fn_cost[rows, cols].sum())
        idfp = int(fp_cost[rows, cols].sum())
        idtp = int(gc.sum()) - idfn
    return {'IDF1': idtp / max(1, idtp + 0.5 * idfp + 0.5 * idfn),
            'IDR': idtp / max(1, idtp + idfn),
            'IDP': idtp / max(1, idtp + idfp),
            'IDTP': idtp, 'IDFN': idfn, 'IDFP': idfp}


def evaluate(gt_path, res_path):
    """The three families for the two MOT files, as AVP's JSON names them."""
    gt, tr = read_mot(gt_path), read_mot(res_path)
    frames, n_gt, n_tr, gt_dets, tr_dets, length = sequence(gt, tr)
    return {'HOTA': hota(frames, n_gt, n_tr, gt_dets, tr_dets),
            'CLEAR': clear(frames, n_gt, gt_dets, tr_dets, length),
            'Identity': identity(frames, n_gt, n_tr, gt_dets, tr_dets)}


if __name__ == '__main__':
    print(json.dumps(evaluate(sys.argv[1], sys.argv[2])))
