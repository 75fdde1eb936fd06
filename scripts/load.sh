#!/usr/bin/env bash
# Load figures for BENCHMARKS.md: the release server on loopback, driven by
# wrk (installed from Debian if missing) for 10 s per route, 2 threads, 64
# connections. Bounded in time; traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p clickfence-server
dir=$(mktemp -d)
port=18181
bin=target/release/clickfence-server
# The per-token and per-visitor limits are raised so the figures measure the
# server, not the 60/min quota (which would answer 429s).
# The banner (demo token, secrets) goes to stderr; the JSON request log to stdout.
CLICKFENCE_API_SECRET=load-secret "$bin" --db "$dir/db" --listen 127.0.0.1:$port --trust-cf-headers \
  --api-rate-limit 1000000 --pixel-rate-limit 1000000 >/dev/null 2>"$dir/out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do grep -q Listening "$dir/out" && break; sleep 0.1; done
token=$(grep -o 'mcs_live_[A-Za-z0-9]*' "$dir/out")
curl -s -X POST "http://127.0.0.1:$port/api/sync-ip-blocking-config" -H 'Authorization: Bearer load-secret' \
  -d '{"shop":"load.myshopify.com","config":{"enabled":true,"blockedIPs":["1.2.3.4"],"blockedCIDRs":["192.168.0.0/24"],"blockedCountries":["RU"],"allowedIPs":[],"blockVPN":false,"blockDatacenter":false,"blockTor":false}}' >/dev/null
cat >"$dir/pixel.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["CF-Connecting-IP"] = "198.51.100.7"
wrk.body = '{"type":"bot_detection","shop":"load.myshopify.com","sessionId":"s1","visitorId":"v1","timestamp":1709424000000,"page":"/p","userAgent":"Mozilla/5.0","signalType":"selenium","confidence":95,"details":{}}'
LUA
run() {
  echo "== $1"
  shift
  wrk -t2 -c64 -d10s --latency "$@" | grep -E 'Requests/sec|Latency |99%|Non-2xx'
}
run "GET /api/v1/sites (authenticated)" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/sites"
run "GET /c/1 (click intake: score + record)" -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36" "http://127.0.0.1:$port/c/1?to=https://acme-coffee.com/"
run "GET /api/check-ip-access" -H "CF-Connecting-IP: 203.0.113.9" -H "CF-IPCountry: DE" "http://127.0.0.1:$port/api/check-ip-access?shop=load.myshopify.com"
run "POST /api/pixels" -s "$dir/pixel.lua" "http://127.0.0.1:$port/api/pixels"
