#!/usr/bin/env bash
# The README's test command: installs what is missing, builds AVP optimized,
# under AddressSanitizer + UndefinedBehaviorSanitizer and for fuzzing, builds
# the web UI, then runs every suite: the web unit tests (vitest) and lint
# (ESLint), all CTest tests under the sanitizers (C unit tests, oracle
# comparisons, CLI and platform black-box tests), a short fuzzing run of
# each parser, the browser end-to-end test, and all CTest tests again on
# the optimized build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh release asan fuzz
scripts/web.sh build
scripts/ort.sh
scripts/assets.sh
status=0
echo "== web unit tests (vitest)"
scripts/web.sh test || status=1
echo "== web lint (ESLint: hooks, types, feature boundaries)"
scripts/web.sh lint || status=1
echo "== tests under ASan + UBSan"
(cd build-asan && ctest --output-on-failure -j2 --timeout 900) || status=1
echo "== fuzzing (short runs)"
scripts/fuzz.sh 20 || status=1
echo "== end to end in chromium"
scripts/e2e.sh build || status=1
echo "== tests, optimized build"
(cd build && ctest --output-on-failure -j2 --timeout 900) || status=1
exit $status
