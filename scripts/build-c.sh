#!/usr/bin/env bash
# Installs the C library into target/c (a prefix inside the build tree, for
# the tests): target/c/{include,lib}. Release build by default; PROFILE=debug
# for a debug one. To install elsewhere: PREFIX=... bash scripts/install-c.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="$PWD/target/c" bash scripts/install-c.sh
