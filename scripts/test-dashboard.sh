#!/usr/bin/env bash
# The dashboard in a real browser: Debian's Chromium (headless, installed
# by scripts/setup.sh when missing) driven by playwright-core from npm
# (tests/browser, pinned by its lock file). Each pass starts the reference
# server on a free loopback port over a fresh database, seeds it over HTTP
# and the command line, and walks every page; once on SQLite, once on a
# throwaway PostgreSQL cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export CHROMIUM
CHROMIUM=$(command -v chromium)
cargo build -q -p clickfence-server --locked
export CLICKFENCE_SERVER_BIN="$PWD/target/debug/clickfence-server"
(cd tests/browser && npm ci --no-audit --no-fund --silent)

echo "test-dashboard: SQLite"
node --test --test-concurrency=1 tests/browser/dashboard.test.mjs
echo "test-dashboard: PostgreSQL"
# The throwaway cluster's own `postgres` database: the cluster is removed
# afterwards.
bash scripts/with-postgres.sh bash -c \
  'CLICKFENCE_BROWSER_DB="$CLICKFENCE_TEST_POSTGRES/postgres" node --test --test-concurrency=1 tests/browser/dashboard.test.mjs'
