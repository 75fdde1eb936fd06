#!/usr/bin/env bash
# Installs what the test command needs on a fresh machine (Rust toolchain,
# Python 3.11, Node 20 and gcc are already there). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo rustfmt cargo-clippy; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is missing from the Rust toolchain" >&2; exit 1; }
done
