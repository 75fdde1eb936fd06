#!/usr/bin/env bash
# Figures for BENCHMARKS.md ("Defences under load"): a site holding 200,000
# blocks while 4 clients click on it (each request from a new address, so
# every click is judged and recorded, and some auto-block), and in the same
# seconds another tenant's GET /api/v1/sites, whose p99 is the figure that
# shows whether one tenant's click flood stalls the others.
# Release server on loopback, wrk from Debian; bounded: 15 s.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p clickfence-server
bin=$PWD/target/release/clickfence-server
dir=$(mktemp -d)
port=18282
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

# Create the database (demo account 1, site 1) and a second tenant.
"$bin" --db "$dir/db" --listen 127.0.0.1:$port >/dev/null 2>"$dir/first" & pid=$!
for _ in $(seq 100); do grep -q Listening "$dir/first" && break; sleep 0.1; done
kill $pid; wait $pid 2>/dev/null || true
other=$("$bin" --db "$dir/db" account create --name Other --plan pro)
"$bin" --db "$dir/db" site create --account "$other" --name Other --domain other.example >/dev/null
token=$("$bin" --db "$dir/db" token create --account "$other")
python3 - "$dir/db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany(
    "INSERT INTO blocked_ips (site_id, ip_address, type, source, created_at, updated_at) VALUES (1, ?, 'permanent', 'api', 0, 0)",
    ((f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}",) for i in range(200_000)))
db.commit()
PY

"$bin" --db "$dir/db" --listen 127.0.0.1:$port --trusted-proxy 127.0.0.1/32 \
  --api-rate-limit 1000000 >/dev/null 2>"$dir/out" & pid=$!
for _ in $(seq 100); do grep -q Listening "$dir/out" && break; sleep 0.1; done

cat >"$dir/click.lua" <<'LUA'
-- Every request from a new address: a quarter inside the 200k blocks.
local n = 0
request = function()
  n = n + 1
  local ip
  local hi, mid, lo = math.floor(n / 65536), math.floor(n / 256) % 256, n % 256
  if n % 4 == 0 then ip = string.format("10.%d.%d.%d", hi % 3, mid, lo)
  else ip = string.format("198.%d.%d.%d", 18 + hi % 2, mid, lo) end
  return wrk.format("GET", "/c/1?to=https://acme-coffee.com/", {
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
    ["X-Forwarded-For"] = ip })
end
LUA
wrk -t1 -c4 -d15s --latency -s "$dir/click.lua" "http://127.0.0.1:$port/" >"$dir/clicks" &
clicks=$!
sleep 1
echo "== another tenant's GET /api/v1/sites while 4 clients click on the 200k-block site"
wrk -t1 -c2 -d10s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/sites" \
  | grep -E 'Requests/sec|Latency |50%|99%|Non-2xx'
wait $clicks
echo "== the 4 clicking clients (GET /c/1 on the site with 200k blocks)"
grep -E 'Requests/sec|Latency |50%|99%|Non-2xx' "$dir/clicks"
