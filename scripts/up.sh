#!/usr/bin/env bash
# The README's main command: installs what is missing, builds AVP, fetches
# the default model and runs it over the demo video.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh release
scripts/assets.sh
build/src/cli/avp detect --model data/models/yolox_nano.onnx data/demo.mp4 \
  -o data/demo.detections.jsonl --coco data/demo.coco.json "$@"
echo "detections: data/demo.detections.jsonl (COCO results: data/demo.coco.json)"
