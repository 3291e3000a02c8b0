#!/usr/bin/env bash
# Configures and builds AVP. Usage: scripts/build.sh [release|asan|fuzz]...
# (default: release). Build trees: build/, build-asan/, build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
for kind in "${@:-release}"; do
  case "$kind" in
    release) cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
             cmake --build build -j"$jobs" ;;
    # -O1, as AddressSanitizer's documentation advises: the instrumented
    # code at -O0 made the sanitized suite 2-3x slower for no extra finding.
    asan)    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAVP_SANITIZE=ON \
               -DCMAKE_C_FLAGS_DEBUG="-O1 -g" >/dev/null
             cmake --build build-asan -j"$jobs" ;;
    fuzz)    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DAVP_FUZZ=ON \
               -DAVP_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
             # Only the fuzz targets (and what they link): the tests are built
             # by the other two trees.
             targets=$(cmake --build build-fuzz --target help | sed -n 's/^\.\.\. \(fuzz_[a-z0-9_]*\).*/\1/p')
             [ -z "$targets" ] || cmake --build build-fuzz -j"$jobs" --target $targets ;;
    *) echo "build.sh: unknown build '$kind'" >&2; exit 2 ;;
  esac
done
