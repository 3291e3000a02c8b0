#!/usr/bin/env bash
# The README's test command: installs what is missing, builds AVP optimized
# and under AddressSanitizer + UndefinedBehaviorSanitizer, runs every C test
# in both builds, and a short fuzzing run of each parser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh release asan fuzz
scripts/assets.sh
status=0
echo "== tests under ASan + UBSan"
(cd build-asan && ctest --output-on-failure -j2 --timeout 900) || status=1
echo "== fuzzing (short runs)"
scripts/fuzz.sh 30 || status=1
echo "== tests, optimized build"
(cd build && ctest --output-on-failure -j2 --timeout 900) || status=1
exit $status
