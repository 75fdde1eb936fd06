#!/usr/bin/env bash
# Runs every test of the project: the MSRV claim, formatting, lints, the
# Rust suites (unit, integration, property and doc tests, C header
# freshness), the C tests under valgrind, the Python package (built by pip,
# tested by pytest), the Node addon (npm ci && npm run build, node --test)
# the dashboard in a real browser (headless Chromium), the OpenAPI contract
# test (schemathesis on the live server) and a short run of every fuzz
# target.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs what is missing on a fresh machine (apt: libcjson-dev, valgrind,
# pkg-config); a no-op once they are there.
bash scripts/setup.sh

python3 scripts/check-msrv.py
# One version everywhere, licenses and READMEs in every package, and the two
# crates meant for crates.io package cleanly.
python3 scripts/check-versions.py
cargo package -p clickfence -p clickfence-ffi --no-verify --allow-dirty --quiet
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The published crates' API docs build without a warning (broken or
# redundant intra-doc links included).
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -q -p clickfence -p clickfence-ffi
# The guide (mdBook, offline) and every link in it and the README. Its Rust
# samples run as doctests below, its C, Python and Node samples in
# test-c.sh, test-python.sh and test-node.sh.
bash scripts/docs.sh
cargo test --workspace --locked
# The server's whole suite again on PostgreSQL (a throwaway cluster).
bash scripts/with-postgres.sh cargo test -p clickfence-server --locked
# The core's feature combinations (no defaults, + geoip, + bot-detection).
bash scripts/check-features.sh
bash scripts/test-c.sh
bash scripts/test-python.sh
bash scripts/test-node.sh
# The dashboard walked in Debian's Chromium, on SQLite and on PostgreSQL.
bash scripts/test-dashboard.sh
# The packages as they are published, for this machine's target: the wheel
# (auditwheel) and an offline sdist build; the npm main and platform
# packages, installed and loaded; and the release workflows, linted.
bash scripts/package-python.sh
bash scripts/package-node.sh
bash scripts/lint-workflows.sh
# schemathesis against the live server's /openapi.json (bounded by count).
bash scripts/contract.sh
# Every fuzz target for 15 s with a fixed seed (nightly + cargo-fuzz; see
# the script for a soak and for what happens without nightly).
bash scripts/fuzz.sh
