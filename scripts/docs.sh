#!/usr/bin/env bash
# Builds the guide (docs/, mdBook) into target/book, offline, after checking
# every link in it and in the README (scripts/check-links.py). mdBook comes
# from crates.io, built once without its server, watcher and search features
# into a cache outside the repository, so a fresh clone reuses it:
#   ${XDG_CACHE_HOME:-~/.cache}/clickfence/tools/mdbook-<version>
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.5.4
tools=${CLICKFENCE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/clickfence/tools}
mdbook="$tools/mdbook-$version/bin/mdbook"
if [ ! -x "$mdbook" ]; then
  cargo install mdbook --version "=$version" --no-default-features --locked --quiet \
    --root "$tools/mdbook-$version"
fi
python3 scripts/check-links.py
"$mdbook" build docs
test -f target/book/index.html
echo "docs: the guide is in target/book/index.html"
