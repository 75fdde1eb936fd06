#!/usr/bin/env bash
# Opens the server's /docs (Swagger UI, served from the binary) in headless
# Chromium from Debian's packages and writes a PNG, so anyone can look at it.
#   bash scripts/docs-screenshot.sh [out.png] [path]   # default: target/docs.png /docs/
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/docs.png}
page=${2:-/docs/}

bash scripts/setup.sh # Debian's Chromium, when missing
browser=$(command -v chromium)

cargo build -q -p clickfence-server --locked
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/debug/clickfence-server --db "$work/docs.db" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
python3 scripts/wait-http.py "http://127.0.0.1:$port/healthz"
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1280,1800 --virtual-time-budget=8000 \
  --screenshot="$(realpath -m "$out")" "http://127.0.0.1:$port$page" 2>/dev/null
echo "docs-screenshot: wrote $out"
