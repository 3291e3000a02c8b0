#!/usr/bin/env bash
# The README's main command: installs what is missing, builds AVP and its
# web UI, fetches the default model and a demo clip, then runs the platform
# with `avp up` (private PostgreSQL and Redis in ./avp-data unless
# AVP_DATABASE_URL / AVP_REDIS_URL are set). Extra arguments go to `avp up`
# (--port N, --data DIR, --workers N). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh release
scripts/web.sh build
scripts/assets.sh
echo "avp: default model data/models/yolox_nano.onnx, demo clip data/demo.mp4"
exec build/src/cli/avp up "$@"
