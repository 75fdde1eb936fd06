#!/usr/bin/env bash
# Screenshots of every dashboard page at desktop (1280 px) and phone
# (390 px) widths, from a new database with its demo day (what a new user
# sees first), in Debian's headless Chromium, so anyone can look at them
# without running a server. The guide's pictures (docs/src/screenshots/)
# are copies of some of these.
#   bash scripts/dashboard-screenshots.sh [out-dir]   # default: target/screenshots
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}

bash scripts/setup.sh # Debian's Chromium, when missing
export CHROMIUM
CHROMIUM=$(command -v chromium)
cargo build -q -p clickfence-server --locked
export CLICKFENCE_SERVER_BIN="$PWD/target/debug/clickfence-server"
(cd tests/browser && npm ci --no-audit --no-fund --silent)
node tests/browser/screenshots.mjs "$out"
