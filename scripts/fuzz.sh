#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/ for N seconds (default 60).
# Seeds are made fresh: small ONNX graphs for the model loader, short clips
# and images for the media prober.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seed() {
  local dir="$work/$1"; mkdir -p "$dir"
  case "$1" in
    fuzz_onnx_load)
      "$py" tests/infer/make_small_graphs.py "$dir" >/dev/null
      "$py" tests/oracle/make_quant_graphs.py "$dir" >/dev/null
      "$py" tests/oracle/make_quant_graphs.py --refused "$dir" ;;
    fuzz_media_probe)
      cp /usr/share/darknet/data/dog.jpg "$dir/"
      ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48:rate=5 -t 1 \
        -c:v libx264 "$dir/clip.mp4"
      ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48:rate=5 -t 1 \
        -c:v mjpeg "$dir/clip.avi" ;;
    *)
      [ ! -d "tests/fuzz-corpus/$1" ] || cp -r "tests/fuzz-corpus/$1/." "$dir/" ;;
  esac
  echo "$dir"
}

status=0
for f in $(find build-fuzz -type f -name 'fuzz_*' -perm -u+x | sort); do
  name=$(basename "$f")
  corpus=$(seed "$name")
  echo "fuzz: $name for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
  # A tiny model may legitimately ask for a huge arena, which the loader
  # refuses cleanly (AVP_ENOMEM): let malloc fail instead of aborting.
  if ! ASAN_OPTIONS=allocator_may_return_null=1 "$f" -max_total_time="$secs" \
        -timeout=20 -rss_limit_mb=3072 -malloc_limit_mb=65536 "$corpus" \
        >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "build-fuzz/$name.log"; status=1
  else
    grep -E "^#[0-9]+.*DONE" "build-fuzz/$name.log" | tail -1 || true
  fi
done
exit $status
