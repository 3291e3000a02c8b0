#!/usr/bin/env bash
# Builds the web UI into web/dist (served by `avp serve` from /), runs its
# unit tests or its linter: scripts/web.sh [build|test|lint]. npm ci installs exactly the
# committed lockfile, only when package-lock.json changed since last time.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.avp-lock-sha
sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$sum" > "$stamp"
fi
case "${1:-build}" in
  build) npm run build --silent ;;
  test)  npm test --silent ;;
  lint)  npm run lint --silent ;;
  *) echo "web.sh: build, test or lint" >&2; exit 2 ;;
esac
