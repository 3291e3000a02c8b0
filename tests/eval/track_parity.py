#!/usr/bin/python3
"""track_parity.py AVP SOURCE_DIR - `avp eval track --json` against
tests/oracle/track_ref.py on seeded random MOTChallenge sequences: every
number of HOTA (per alpha too), CLEAR and Identity must agree to 1e-6.

The sequences are what a tracker does to ground truth: objects moving over
frames; the tracker's boxes jittered, missed for a while, their ids
switched between objects or restarted, false positives, whole frames
without boxes on either side, and ground-truth rows marked conf 0. One
seed in four is plain noise (boxes and ids drawn at random). Exits 77 when
Debian's python3 lacks numpy or scipy.
"""
import json
import os
import subprocess
import sys
import tempfile

from json_leaves import differences

try:
    import numpy as np
    import scipy.optimize  # noqa: F401  (the oracle's assignment)
except ImportError as e:
    print(f'SKIP: {e}')
    sys.exit(77)

SEEDS = range(1, 41)  # 13, 26, 39: no results; 17, 34: no ground truth


def moving_objects(rng, n_obj, n_frames):
    """Ground-truth rows: each object lives over a random frame range."""
    rows = []
    for obj in range(n_obj):
        start = int(rng.integers(1, n_frames))
        end = int(rng.integers(start, n_frames + 1))
        x, y = rng.uniform(0, 600, 2)
        w, h = rng.uniform(15, 80, 2)
        vx, vy = rng.normal(0, 4, 2)
        for f in range(start, end + 1):
            rows.append([f, obj + 1, x + vx * (f - start),
                         y + vy * (f - start), w, h])
    return rows


def tracker_of(rng, gt_rows, n_frames, blank):
    """A tracker's view of the ground truth."""
    out, next_id, id_of, frame = [], 1000, {}, 0
    for f, obj, x, y, w, h in sorted(gt_rows, key=lambda r: (r[0], r[1])):
        if f != frame and len(id_of) > 1 and rng.random() < 0.1:
            a, b = rng.choice(sorted(id_of), size=2, replace=False)
            id_of[a], id_of[b] = id_of[b], id_of[a]  # two objects trade ids
        frame = f
        if f in blank or rng.random() < 0.15:
            continue  # missed
        if obj not in id_of or rng.random() < 0.04:
            id_of[obj] = next_id  # (re)started: an id switch or a new track
            next_id += 1
        s = rng.normal(0, 0.12, 4) * [w, h, w, h]
        out.append([f, id_of[obj], x + s[0], y + s[1],
                    max(2.0, w + s[2]), max(2.0, h + s[3])])
    used = set()
    for _ in range(int(rng.integers(0, n_frames))):
        f = int(rng.integers(1, n_frames + 8))  # some past the gt's end
        i = next_id + int(rng.integers(0, 3))  # three false tracks
        if f not in blank and (f, i) not in used:
            used.add((f, i))
            out.append([f, i, *rng.uniform(0, 600, 2),
                        *rng.uniform(10, 60, 2)])
    return out


def noise(rng, n_frames):
    """Boxes and ids at random in a small area, so that they overlap."""
    def rows(n, ids):
        r = []
        for f in range(1, n_frames + 1):
            for i in rng.choice(ids, size=min(n, ids), replace=False):
                r.append([f, int(i) + 1, *rng.uniform(0, 60, 2),
                          *rng.uniform(10, 40, 2)])
        return r
    return rows(int(rng.integers(0, 5)), 6), rows(int(rng.integers(0, 5)), 7)


def write(path, rows, gt, rng, ignore=0.03):
    with open(path, 'w') as f:
        for r in sorted(rows, key=lambda r: r[0]):
            if gt:  # 9 columns; a few rows marked conf 0
                conf = 0 if rng.random() < ignore else 1
                f.write('%d,%d,%.6f,%.6f,%.6f,%.6f,%d,1,1\n' % (*r, conf))
            else:  # 10 columns, as trackers write results
                f.write('%d,%d,%.6f,%.6f,%.6f,%.6f,%.4f,-1,-1,-1\n'
                        % (*r, rng.uniform(0.3, 1)))


def make(seed, folder):
    rng = np.random.default_rng(seed if isinstance(seed, int) else 0)
    if seed in HAND:
        gt, tr = HAND[seed]
        write(os.path.join(folder, 'gt.txt'), gt, True, rng, 0)
        write(os.path.join(folder, 'res.txt'), tr, False, rng)
        return
    n_frames = int(rng.integers(5, 60))
    if seed % 4 == 0:
        gt, tr = noise(rng, n_frames)
    else:
        gt = moving_objects(rng, int(rng.integers(1, 12)), n_frames)
        blank = set(rng.choice(np.arange(1, n_frames + 1),
                               size=n_frames // 8, replace=False).tolist())
        gt = [r for r in gt if r[0] not in blank or rng.random() < 0.5]
        tr = tracker_of(rng, gt, n_frames, blank)
    if not gt:  # the gt file must name the sequence's length
        gt = [[n_frames, 1, 5, 5, 10, 10]]
    if seed % 13 == 0:
        tr = []  # a tracker that found nothing
    # seed % 17: every gt row marked conf 0, so no ground truth at all
    write(os.path.join(folder, 'gt.txt'), gt, True, rng,
          1 if seed % 17 == 0 else 0.03)
    write(os.path.join(folder, 'res.txt'), tr, False, rng)


# The hand-derived cases of test_track_metrics.c as MOT rows (frame, id,
# x, y, w, h; frames 1-based): the oracle must give the same numbers.
SAME = [10, 10, 20, 20]
HAND = {
    'id switch': ([[f, 1, *SAME] for f in range(1, 5)],
                  [[f, 7 if f < 3 else 8, *SAME] for f in range(1, 5)]),
    'fragmented': ([[f, 1, *SAME] for f in range(1, 6)],
                   [[f, 3, *SAME] if f != 3 else [f, 9, 500, 500, 20, 20]
                    for f in range(1, 6)]),
    'gap': ([[f, 1, *SAME] for f in range(1, 6)],
            [[f, 3, *SAME] for f in range(1, 6) if f != 3]),
    'alpha': ([[1, 1, 0, 0, 10, 10]], [[1, 1, 0, 0, 10, 5]]),
    'no results': ([[1, 1, 0, 0, 10, 10], [2, 1, 0, 0, 10, 10],
                    [2, 2, 50, 0, 10, 10]], []),
}


def main():
    avp, src = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.join(src, 'tests', 'oracle'))
    import track_ref
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [*HAND, *SEEDS]:
            make(seed, tmp)
            gt, res = os.path.join(tmp, 'gt.txt'), os.path.join(tmp, 'res.txt')
            mine = json.loads(subprocess.check_output(
                [avp, 'eval', 'track', gt, res, '--json']))
            ref = track_ref.evaluate(gt, res)
            bad += differences(mine, ref, 1e-6, f'seed {seed}')
    print(f'{len(HAND)} hand-built and {len(SEEDS)} random sequences, '
          f'{bad} differences')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
