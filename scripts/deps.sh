#!/usr/bin/env bash
# Installs the Debian packages AVP needs (build, run, test). Safe to run
# twice: it only calls apt-get when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  # libraries
  libopenblas-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
  libjansson-dev libcivetweb-dev libhiredis-dev libpq-dev libargon2-dev libsodium-dev
  libxml2-dev libyaml-dev libarchive-dev libinih-dev libcurl4-openssl-dev libseccomp-dev
  # TLS: civetweb opens OpenSSL by the names libssl.so and libcrypto.so,
  # which libssl-dev provides; openssl makes the tests' certificates
  libssl-dev openssl
  libyajl-dev
  # services and tools at run time
  ffmpeg postgresql redis-server redis-sentinel
  # tests, oracles and benchmarks (Debian's python3, not a virtualenv)
  python3 python3-numpy python3-scipy python3-opencv python3-onnx python3-pytest python3-requests
  python3-websocket python3-psycopg2 darknet wrk hyperfine time
  # avp up --monitoring and its tests (Debian 12 ships promtool in it)
  prometheus
  # the web UI's browser tests drive Debian's chromium (never a downloaded one)
  chromium
)
# Node.js comes with this machine image; Debian's own is the fallback.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
