#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, and the Rust suites
# (unit, integration, property and doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
