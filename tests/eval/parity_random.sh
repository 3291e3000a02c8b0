#!/bin/bash
# parity_random.sh AVP - `avp eval --json` against tests/oracle/cocoeval_ref.py
# (the COCO bbox protocol in numpy) on seeded random COCO pairs: all 12
# numbers, every class's 12 numbers and TP/FP/FN must agree to 1e-4.
# Exits 77 (skipped) when Debian's python3 has no numpy.
set -euo pipefail
avp=$1
src=${AVP_SOURCE_DIR:?}
py=${AVP_PYTHON:-/usr/bin/python3}
"$py" -c 'import numpy' 2>/dev/null || { echo "SKIP: $py has no numpy"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for seed in 1 2 3; do
    "$py" "$src/tests/eval/gen_random_coco.py" "$tmp/$seed" "$seed" 150 6 7
    "$avp" eval --gt "$tmp/$seed/gt.json" --pred "$tmp/$seed/pred.json" \
        --score-thr 0.3 --threads 2 --json > "$tmp/$seed/avp.json"
    "$py" "$src/tests/oracle/cocoeval_ref.py" "$tmp/$seed/gt.json" \
        "$tmp/$seed/pred.json" 0.3 > "$tmp/$seed/ref.json"
    "$py" "$src/tests/eval/compare_stats.py" "$tmp/$seed/avp.json" \
        "$tmp/$seed/ref.json"
done
