#!/usr/bin/env bash
# The README's test command: installs what is missing, builds AVP optimized,
# under AddressSanitizer + UndefinedBehaviorSanitizer and for fuzzing, builds
# the web UI, then runs every suite: the web unit tests (vitest) and lint
# (ESLint), all CTest tests under the sanitizers (C unit tests, oracle
# comparisons, CLI and platform black-box tests), a short fuzzing run of
# each parser, the browser end-to-end test, the regression guard against
# the previous commit (bench/regress), and the CTest tests again on the
# optimized build, but for the platform suites.
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
echo "== regression guard (bench/regress: CPU time against the previous commit's build)"
bench/regress/run || status=1
echo "== tests, optimized build (the platform suites ran under the sanitizers above)"
# Each platform suite starts PostgreSQL, Redis, a server and workers and runs
# alone (RUN_SERIAL): once under ASan + UBSan is what CI's 45 minutes allow,
# and the browser end to end above drives the optimized server and workers.
(cd build && ctest --output-on-failure -j2 --timeout 900 -E '^platform_') || status=1
exit $status
