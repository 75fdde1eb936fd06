#!/usr/bin/env bash
# The feature combinations users pick, each linted (and the smallest one
# tested), with its dependency count, and the promise that a build without
# the default features pulls in none of the heavy crates.
set -euo pipefail
cd "$(dirname "$0")/.."

heavy='^(maxminddb|regex|isbot|uuid|time) '
count() {
  cargo tree -q -p clickfence -e normal --prefix none --locked "$@" | sed 's/ (\*)//' | sort -u | grep -vc '^clickfence '
}
for combo in "" "geoip" "bot-detection"; do
  flags=(--no-default-features)
  [ -n "$combo" ] && flags+=(--features "$combo")
  cargo clippy -q -p clickfence --locked --all-targets "${flags[@]}" -- -D warnings
  echo "features: no defaults${combo:+ + $combo}: $(count "${flags[@]}") normal dependencies"
done
echo "features: defaults: $(count) normal dependencies"
if cargo tree -q -p clickfence -e normal --prefix none --locked --no-default-features | grep -E "$heavy"; then
  echo "features: a build without default features pulls in a heavy crate (above)" >&2
  exit 1
fi
cargo test -q -p clickfence --locked --no-default-features
