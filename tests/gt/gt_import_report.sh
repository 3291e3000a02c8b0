#!/bin/bash
# gt_import_report.sh AVP SOURCE_DIR - `avp gt convert` reports what it
# read (frames, boxes, tracks) and, by kind, what it did not take as a
# box; a box it cannot place is refused with nothing written (issue 14).
# The fixtures are the hand-written ones of tests/gt/fixtures.
set -euo pipefail
avp=$1
fx=$2/tests/gt/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # expect FILE TEXT: TEXT is a line of FILE
  grep -qxF -- "$2" "$1" || { echo "missing '$2' in:"; cat "$1"; exit 1; }
}

"$avp" gt convert --from cvat --to avp "$fx/cvat_images.xml" "$tmp/img.json" 2>"$tmp/img.log"
expect "$tmp/img.log" "avp gt: 1 boxes, 2 labels, 2 frames, 0 tracks: $fx/cvat_images.xml -> $tmp/img.json"
for kind in polygon polyline points mask skeleton; do
  expect "$tmp/img.log" "avp gt:   1 $kind in image (not a box)"
done

"$avp" gt convert --from cvat --to avp "$fx/cvat_video_task.xml" "$tmp/vid.json" 2>"$tmp/vid.log"
expect "$tmp/vid.log" "avp gt: 4 boxes, 2 labels, 4 frames, 2 tracks: $fx/cvat_video_task.xml -> $tmp/vid.json"
expect "$tmp/vid.log" "avp gt:   2 polygon in track (not a box)"

"$avp" gt convert --from mot --to avp "$fx/mot17_gt.txt" "$tmp/mot.json" 2>"$tmp/mot.log"
expect "$tmp/mot.log" "avp gt:   2 mot row with conf 0 (kept as difficult: ignored in evaluation)"

"$avp" gt convert --from yolo --to avp "$fx/yolo_ultralytics/train/labels" "$tmp/yolo.json" \
  --width 640 --height 480 2>"$tmp/yolo.log"
expect "$tmp/yolo.log" "avp gt: 3 boxes, 2 labels, 3 frames, 0 tracks: $fx/yolo_ultralytics/train/labels -> $tmp/yolo.json"
expect "$tmp/yolo.log" "avp gt:   2 yolo polygon row (read as its bounding box)"

# A box on a frame that is not one of the task's: refused, nothing written.
sed 's/<box frame="16" keyframe="1" outside="0" occluded="0" xtl="330.00"/<box frame="17" keyframe="1" outside="0" occluded="0" xtl="330.00"/' \
  "$fx/cvat_video_task.xml" > "$tmp/bad.xml"
if "$avp" gt convert --from cvat --to avp "$tmp/bad.xml" "$tmp/bad.json" 2>"$tmp/bad.log"; then
  echo "a box off the task's frames was accepted"; exit 1
fi
grep -q "frame 17 is not a frame of the task" "$tmp/bad.log" || { cat "$tmp/bad.log"; exit 1; }
[ ! -e "$tmp/bad.json" ] || { echo "bad.json was written"; exit 1; }
echo "gt_import_report: ok"
