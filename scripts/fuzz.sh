#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/ for N seconds (default 60),
# seeded from tests/fuzz-corpus/<target>/ when present.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
status=0
for f in $(find build-fuzz -type f -name 'fuzz_*' -perm -u+x | sort); do
  name=$(basename "$f")
  corpus=$(mktemp -d)
  [ -d "tests/fuzz-corpus/$name" ] && cp -r "tests/fuzz-corpus/$name/." "$corpus/"
  echo "fuzz: $name for ${secs}s"
  if ! "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 "$corpus" \
        >"build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "build-fuzz/$name.log"; status=1
  fi
  rm -rf "$corpus"
done
exit $status
