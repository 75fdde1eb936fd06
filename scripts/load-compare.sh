#!/usr/bin/env bash
# Side-by-side load figures of this checkout's server and revision REV's,
# for finding where speed went and showing what a change costs:
#
#   scripts/load.sh compare REV [ROUTE...]
#
# REV is built in a git worktree with its own target directory
# (target/compare/<commit>, both kept, so a second comparison with the same
# REV does not rebuild it); this checkout is built as it stands. Then, for
# ROUNDS rounds (default 3), each binary in turn (the order alternating
# between rounds) starts on a fresh SQLite file with the quotas raised,
# and wrk drives each route for SECONDS_PER_ROUTE seconds (default 8), 2 threads
# and 64 connections. Printed: requests/s and p99 per route and binary,
# the median of the rounds, and the ratio this/REV. Not part of the test
# command (it release-builds an old revision). ROUTE is any of sites,
# click (one client, soon refused), clicks (a random client per request,
# each written), access (default all four).
set -euo pipefail
cd "$(dirname "$0")/.."

rev=${1:?usage: scripts/load.sh compare REV [sites|click|clicks|access ...]}
shift
routes=("$@")
[ ${#routes[@]} -gt 0 ] || routes=(sites click clicks access)
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_ROUTE:-8}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

commit=$(git rev-parse --verify "$rev^{commit}")
old_target="$PWD/target/compare/$commit"
# The worktree stays beside its build, so its paths (and cargo's
# fingerprints) are the same next time: `git worktree prune` after
# `cargo clean` forgets it.
tree="$old_target/src"
dir=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
[ -d "$tree" ] || { git worktree prune; mkdir -p "$old_target"; git worktree add -q --detach "$tree" "$commit"; }
echo "building $rev ($commit) ..." >&2
(cd "$tree" && CARGO_TARGET_DIR="$old_target" cargo build --release -q -p clickfence-server)
echo "building this checkout ..." >&2
cargo build --release --locked -q -p clickfence-server
old_bin="$old_target/release/clickfence-server"
new_bin="$PWD/target/release/clickfence-server"
secret=load-secret-Gz5mQ9wK3xT7bN2vR8pL4c
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# measure BIN LABEL ROUND: one server on a fresh database, wrk per route.
measure() {
  local bin=$1 label=$2 round=$3
  rm -rf "$dir/db" "$dir/db-wal" "$dir/db-shm"
  # Older servers print their banner on stdout, newer ones on stderr (and
  # log each request as JSON on stdout): the first 4 KiB of stdout are
  # kept for the banner, the rest is thrown away as it comes.
  rm -f "$dir/out" "$dir/err"
  CLICKFENCE_API_SECRET=$secret "$bin" --db "$dir/db" --listen "127.0.0.1:$port" --trust-cf-headers \
    --api-rate-limit 1000000 --pixel-rate-limit 1000000 \
    > >({ stdbuf -o0 head -c 4096 >"$dir/out"; cat >/dev/null; }) 2>"$dir/err" &
  pid=$!
  for _ in $(seq 150); do grep -qs Listening "$dir/out" "$dir/err" && break; sleep 0.1; done
  local token
  token=$(cat "$dir/out" "$dir/err" 2>/dev/null | grep -o 'mcs_live_[A-Za-z0-9]*' | head -1)
  curl -sf -X POST "http://127.0.0.1:$port/api/sync-ip-blocking-config" -H "Authorization: Bearer $secret" \
    -H 'Content-Type: application/json' \
    -d '{"shop":"load.myshopify.com","config":{"enabled":true,"blockedIPs":["1.2.3.4"],"blockedCIDRs":["192.168.0.0/24"],"blockedCountries":["RU"],"allowedIPs":[],"blockVPN":false,"blockDatacenter":false,"blockTor":false}}' >/dev/null
  for route in "${routes[@]}"; do
    local args=()
    case $route in
      sites) args=(-H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/sites") ;;
      click) args=(-H "CF-Connecting-IP: 198.51.100.7" -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36" "http://127.0.0.1:$port/c/1") ;;
      # Clicks from many clients (a random address per request), so each is
      # judged and written rather than refused as the one blocked address.
      clicks) args=(-s scripts/written-clicks.lua "http://127.0.0.1:$port/c/1") ;;
      access) args=(-H "CF-Connecting-IP: 203.0.113.9" -H "CF-IPCountry: DE" "http://127.0.0.1:$port/api/check-ip-access?shop=load.myshopify.com") ;;
      *) echo "compare: unknown route $route (sites, click, clicks, access)" >&2; exit 2 ;;
    esac
    wrk -t2 -c64 -d"${seconds}s" --latency "${args[@]}" >"$dir/wrk-$label-$route-$round"
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}


for round in $(seq "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then
    measure "$old_bin" old "$round"; measure "$new_bin" new "$round"
  else
    measure "$new_bin" new "$round"; measure "$old_bin" old "$round"
  fi
done

python3 - "$dir" "$rev" "$rounds" "${routes[@]}" <<'PY'
import re, statistics, sys
d, rev, rounds, routes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def read(label, route, r):
    t = open(f"{d}/wrk-{label}-{route}-{r}").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    v, u = re.search(r"99%\s+([\d.]+)(us|ms|s)", t).groups()
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, float(v) * unit[u], int(m.group(1)) if m else 0
print(f"| route | {rev} req/s | this req/s | this/{rev} | {rev} p99 | this p99 | non-2xx (old/this) |")
print("|---|---|---|---|---|---|---|")
for route in routes:
    old = [read("old", route, r) for r in range(1, rounds + 1)]
    new = [read("new", route, r) for r in range(1, rounds + 1)]
    o, n = statistics.median(x[0] for x in old), statistics.median(x[0] for x in new)
    op, np_ = statistics.median(x[1] for x in old), statistics.median(x[1] for x in new)
    print(f"| {route} | {o:,.0f} | {n:,.0f} | {n / o:.2f}× | {op:.1f} ms | {np_:.1f} ms | "
          f"{sum(x[2] for x in old)}/{sum(x[2] for x in new)} |")
PY
