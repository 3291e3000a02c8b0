#!/usr/bin/env bash
# Installs ONNX Runtime's CPU build (npm package onnxruntime-node, pinned by
# bench/ort/package-lock.json) into bench/ort/node_modules: the peer that
# bench/infer measures AVP beside and the oracle of the runtime's tests. It
# stays outside the product. --ignore-scripts: the package's install script
# would fetch GPU extras from the network; the CPU library is in the package.
# npm ci runs only when the lockfile changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../bench/ort"
stamp=node_modules/.avp-lock-sha
sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$sum" > "$stamp"
fi
