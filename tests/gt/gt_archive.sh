#!/bin/bash
# gt_archive.sh AVP SOURCE_DIR - `avp gt convert` reads each format from a
# .zip, .tar and .tar.gz laid out as the tools export them (Roboflow and
# ultralytics: data.yaml beside train/labels/; CVAT: annotations.xml;
# COCO: annotations/instances_default.json; MOT: SEQ/gt/gt.txt; VOC:
# Annotations/), with the same result as from the extracted files; and
# refuses archives that try to write outside the folder, hold links, nest
# archives, or hold two candidate files. The files inside are the
# hand-written fixtures of tests/gt/fixtures; Python's zipfile and tarfile
# only pack them.
set -euo pipefail
avp=$1
fx=$2/tests/gt/fixtures
py=${AVP_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pack() { # pack ARCHIVE DIR: every file of DIR under its relative name
  "$py" - "$1" "$2" <<'PY'
import os, sys, tarfile, zipfile
out, top = sys.argv[1], sys.argv[2]
files = sorted(os.path.relpath(os.path.join(d, f), top)
               for d, _, fs in os.walk(top) for f in fs)
if out.endswith(".zip"):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(os.path.join(top, f), f)
else:
    with tarfile.open(out, "w:gz" if out.endswith(".gz") else "w") as t:
        for f in files:
            t.add(os.path.join(top, f), "./" + f)
PY
}

same() { # same FORMAT SOURCE LAYOUT_DIR [convert options]: each archive
         # of LAYOUT_DIR converts as SOURCE does
  local f=$1 src=$2 dir=$3
  shift 3
  "$avp" gt convert --from "$f" --to avp "$src" "$tmp/want.json" "$@" 2>/dev/null
  for ext in zip tar tar.gz; do
    pack "$tmp/$f.$ext" "$dir"
    "$avp" gt convert --from "$f" --to avp "$tmp/$f.$ext" "$tmp/got.json" "$@" \
      2>"$tmp/log" || { cat "$tmp/log"; exit 1; }
    cmp "$tmp/want.json" "$tmp/got.json" || { echo "$f.$ext differs"; exit 1; }
  done
}

mkdir -p "$tmp/yolo" && cp -r "$fx/yolo_ultralytics/." "$tmp/yolo/"
same yolo "$fx/yolo_ultralytics/train/labels" "$tmp/yolo" --width 640 --height 480

mkdir -p "$tmp/voc/VOC2012/Annotations" && cp "$fx"/voc_devkit/*.xml "$tmp/voc/VOC2012/Annotations/"
same voc "$fx/voc_devkit" "$tmp/voc" --width 640 --height 480

mkdir -p "$tmp/cvat" && cp "$fx/cvat_video_task.xml" "$tmp/cvat/annotations.xml"
same cvat "$fx/cvat_video_task.xml" "$tmp/cvat"

mkdir -p "$tmp/coco/annotations"
cp "$fx/coco_lossless/instances.json" "$tmp/coco/annotations/instances_default.json"
same coco "$fx/coco_lossless/instances.json" "$tmp/coco"

mkdir -p "$tmp/mot/MOT17-02/gt" && cp "$fx/mot17_gt.txt" "$tmp/mot/MOT17-02/gt/gt.txt"
same mot "$fx/mot17_gt.txt" "$tmp/mot"

refused() { # refused FORMAT ARCHIVE TEXT: exit 1, TEXT in the message
  if "$avp" gt convert --from "$1" --to avp "$2" "$tmp/out.json" 2>"$tmp/log"; then
    echo "accepted $2"; exit 1
  fi
  grep -qF -- "$3" "$tmp/log" || { echo "want '$3' in:"; cat "$tmp/log"; exit 1; }
  [ ! -e "$tmp/out.json" ]
}

"$py" - "$tmp" <<'PY'
import io, sys, tarfile, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/escape.zip", "w") as z:
    z.writestr("../../escaped.json", "{}")
with tarfile.open(d + "/link.tar", "w") as t:
    i = tarfile.TarInfo("annotations.xml")
    i.type, i.linkname = tarfile.SYMTYPE, "/etc/passwd"
    t.addfile(i)
with zipfile.ZipFile(d + "/two.zip", "w") as z:
    z.writestr("a/instances.json", "{}")
    z.writestr("b/instances.json", "{}")
with zipfile.ZipFile(d + "/nested.zip", "w") as z:
    z.write(d + "/two.zip", "inner.json")
PY
refused coco "$tmp/escape.zip" "name not allowed"
[ ! -e "$tmp/../escaped.json" ] && [ ! -e "$tmp/escaped.json" ]
refused cvat "$tmp/link.tar" "a link or special file"
refused coco "$tmp/two.zip" "expected one .json file for coco, found 2: a/instances.json, b/instances.json"
refused coco "$tmp/nested.zip" "an archive inside the archive"
echo ok
