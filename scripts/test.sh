#!/usr/bin/env bash
# Runs the whole test suite (the README's second command). Extra arguments go to `bun test`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./node_modules/.bin/bun test --timeout 60000 "$@"
