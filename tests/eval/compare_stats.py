#!/usr/bin/python3
"""compare_stats.py AVP.json REF.json [TOL] - exits 1 unless `avp eval
--json` and cocoeval_ref.py agree on the 12 COCO numbers, on each class's
12 numbers and on each class's TP/FP/FN; prints the overall numbers."""
import json
import sys


def main():
    avp, ref = (json.load(open(p)) for p in sys.argv[1:3])
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    bad = [f'coco_stats[{i}]: avp {a:.6f} ref {b:.6f}'
           for i, (a, b) in enumerate(zip(avp['coco_stats'], ref['coco_stats']))
           if abs(a - b) > tol]
    if len(avp['per_class']) != len(ref['per_class']):
        bad.append('number of classes differs')
    for pa, pr in zip(avp['per_class'], ref['per_class']):
        c = pa['category_id']
        if c != pr['category_id']:
            bad.append(f'class order: {c} vs {pr["category_id"]}')
        bad += [f'class {c} stat {i}: avp {a:.6f} ref {b:.6f}'
                for i, (a, b) in enumerate(zip(pa['coco_stats'],
                                               pr['coco_stats']))
                if abs(a - b) > tol]
        if (pa['tp'], pa['fp'], pa['fn']) != (pr['tp'], pr['fp'], pr['fn']):
            bad.append(f'class {c} tp/fp/fn: avp {pa["tp"]}/{pa["fp"]}/'
                       f'{pa["fn"]} ref {pr["tp"]}/{pr["fp"]}/{pr["fn"]}')
    print(' '.join(f'{v:.4f}' for v in avp['coco_stats']))
    if bad:
        print('\n'.join(bad[:20]), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
