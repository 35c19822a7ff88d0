#!/usr/bin/env bash
# Sets a fresh Debian 12 machine up for Parallax: system packages (liburing for the io_uring
# shim, GStreamer's and ffmpeg's tools as interop peers), npm packages (Bun pinned at 1.4.4),
# and the C shims. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(gcc time liburing-dev gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad libyuv0)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
./node_modules/.bin/bun run build:shims
