#!/usr/bin/env bash
# Contract test: schemathesis (from PyPI) against the live server's
# /openapi.json, checking every answer for server errors, documented status
# codes, documented content types and schema conformance. Any failure is a
# bug in the server or the document, never something to silence here.
#
# Bounded by count, not time: CONTRACT_EXAMPLES cases per operation (default
# 25) over the examples, coverage and fuzzing phases, with a fixed seed.
#   bash scripts/contract.sh                     # as the test command runs it
#   CONTRACT_EXAMPLES=200 bash scripts/contract.sh   # a longer hunt
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${CONTRACT_EXAMPLES:-25}
venv=target/contract-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi

cargo build -q -p clickfence-server --locked
bin=target/debug/clickfence-server
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# One account with a site and a token holding every ability; the same token
# is the API secret and the admin token, so one Authorization header serves
# all three surfaces.
db="$work/contract.db"
"$bin" --db "$db" account create --name Contract --plan pro >/dev/null
"$bin" --db "$db" site create --account 1 --name Shop --domain shop.example >/dev/null
token=$("$bin" --db "$db" token create --account 1 | tail -n1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CLICKFENCE_API_SECRET="$token" CLICKFENCE_ADMIN_TOKEN="$token" \
  "$bin" --db "$db" --listen "127.0.0.1:$port" \
  --api-rate-limit 1000000 --pixel-rate-limit 1000000 \
  >"$work/server.log" 2>&1 &
server_pid=$!
python3 scripts/wait-http.py "http://127.0.0.1:$port/healthz"

# One worker: hypothesis describes strategies with Python's ast module, which
# CPython 3.11 does not make safe across threads (a two-worker run failed
# once with "AST constructor recursion depth mismatch" inside hypothesis).
set +e
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" --seed 20261123 --generation-database none \
  --header "Authorization: Bearer $token" \
  --workers 1 --request-timeout 10 --no-color --output-truncate false
status=$?
set -e
if [ $status -ne 0 ]; then
  echo "contract: schemathesis found failures (server log: last lines)" >&2
  tail -n 20 "$work/server.log" >&2
fi
exit $status
