#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, the Rust suites (unit,
# integration, property and doc tests, C header freshness), and the C tests
# under valgrind, the Python package (built by pip, tested by pytest) and the
# Node addon (npm ci && npm run build, node --test).
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs what is missing on a fresh machine (apt: libcjson-dev, valgrind,
# pkg-config); a no-op once they are there.
bash scripts/setup.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
bash scripts/test-c.sh
bash scripts/test-python.sh
bash scripts/test-node.sh
