#!/bin/bash
# coco_parity.sh AVP SRC - a COCO file written by hand from the format's
# documentation (crowd regions, areas other than w * h, ids that are
# neither contiguous nor in order, an image without annotations) goes
# through AVP (COCO -> COCO, COCO -> AVP JSON -> COCO): the exports are
# identical, import -> export is a fixed point, and `avp eval` on each
# gives the 12 numbers (and every class's) of tests/oracle/cocoeval_ref.py,
# pycocotools' COCOeval in numpy, on the original file to 1e-12.
# Exits 77 (skipped) when Debian's python3 has no numpy.
set -euo pipefail
avp=$1
src=$2
py=${AVP_PYTHON:-/usr/bin/python3}
"$py" -c 'import numpy' 2>/dev/null || { echo "SKIP: $py has no numpy"; exit 77; }
fx=$src/tests/gt/fixtures/coco_lossless
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$avp" gt convert --from coco --to coco "$fx/instances.json" "$tmp/coco.json"
"$avp" gt convert --from coco --to avp "$fx/instances.json" "$tmp/avp.json"
"$avp" gt convert --from avp --to coco "$tmp/avp.json" "$tmp/via_avp.json"
"$avp" gt convert --from coco --to coco "$tmp/coco.json" "$tmp/again.json"
cmp "$tmp/coco.json" "$tmp/via_avp.json"
cmp "$tmp/coco.json" "$tmp/again.json"
"$py" "$src/tests/oracle/cocoeval_ref.py" "$fx/instances.json" \
    "$fx/results.json" 0.3 > "$tmp/ref.json"
for gt in coco via_avp; do
    "$avp" eval --gt "$tmp/$gt.json" --pred "$fx/results.json" \
        --score-thr 0.3 --json > "$tmp/$gt.eval.json"
    "$py" "$src/tests/eval/compare_stats.py" "$tmp/$gt.eval.json" \
        "$tmp/ref.json" 1e-12
done
