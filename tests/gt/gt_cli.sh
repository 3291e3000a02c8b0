#!/bin/bash
# gt_cli.sh AVP - auto ground truth and device sessions end to end through
# the avp command: `avp detect` on the shared clip, `avp gt track` (the four
# photos must give a few tracks, none crossing a photo change), conversions
# through every format, `avp device simulate` and `avp device score`.
# Exits 77 (skipped) without the shared model and clip.
set -euo pipefail
avp=$1
shared=${AVP_SHARED_DIR:?}
py=${AVP_PYTHON:-/usr/bin/python3}
model=$shared/models/yolox_nano.onnx
clip=$shared/media/photos_720p.mp4
[ -f "$model" ] && [ -f "$clip" ] || { echo "SKIP: no shared model/clip"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

"$avp" detect --model "$model" "$clip" -o det.jsonl --threads 2
"$avp" gt track --in det.jsonl --out gt.json --width 1280 --height 720
"$py" - <<'PY'
import json
tracks = json.load(open("gt.json"))["tracks"]
segments = {t["first_frame"] // 60 for t in tracks}
assert 4 <= len(tracks) <= 16, len(tracks)
assert segments == {0, 1, 2, 3}, segments
for t in tracks:
    assert t["first_frame"] // 60 == t["last_frame"] // 60, t
    assert t["num_boxes"] >= 3, t
print(len(tracks), "tracks")
PY

# avp -> coco -> cvat -> avp keeps boxes and tracks; yolo keeps boxes.
"$avp" gt convert --from avp --to coco gt.json coco.json
"$avp" gt convert --from coco --to cvat coco.json cvat.xml
"$avp" gt convert --from cvat --to avp cvat.xml back.json --fps 30
"$avp" gt convert --from avp --to yolo gt.json yolo
"$avp" gt convert --from yolo --to mot yolo mot.txt --width 1280 --height 720
"$py" - <<'PY'
import json
def boxes(path):
    g = json.load(open(path))
    return sorted((b["frame"], b["label"], b["track_id"],
                   tuple(round(v, 6) for v in b["box"])) for b in g["boxes"])
a, b = boxes("gt.json"), boxes("back.json")
assert a == b, (len(a), len(b))
n = sum(1 for line in open("mot.txt") if line.strip())
assert n == len(a), (n, len(a))
PY

# A simulated device passes; one that misses everything fails (exit 1).
"$avp" device simulate --gt gt.json --latency 120ms --jitter 30ms \
    --miss 5% --fp-rate 0.1/s --seed 1 -o ev.jsonl
"$avp" device score --gt gt.json --events ev.jsonl --min-recall 0.7 \
    --max-median-latency 200ms --json > score.json
"$avp" device simulate --gt gt.json --miss 100% --fp-rate 0 -o none.jsonl
if "$avp" device score --gt gt.json --events none.jsonl --min-recall 0.5 \
    > /dev/null; then
    echo "a device that detects nothing passed"; exit 1
fi
"$py" - <<'PY'
import json
r = json.load(open("score.json"))
o = r["overall"]
assert r["pass"] and o["recall"] >= 0.7, o
assert 0.08 < o["latency"]["median"] < 0.16, o["latency"]
assert o["recall_ci"][0] <= o["recall"] <= o["recall_ci"][1], o
PY

# Malformed input: the error names the line, nothing is written.
printf '1,1,1,2,3,4,1,1,1\n1,1,1,2\n' > bad.txt
if "$avp" gt convert --from mot --to avp bad.txt out.json 2> err.txt; then
    echo "malformed MOT accepted"; exit 1
fi
grep -q "line 2" err.txt
[ ! -e out.json ]
echo ok
