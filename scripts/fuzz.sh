#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ (AddressSanitizer, nightly) for a
# bounded time with a fixed seed, starting from corpora seeded from
# tests/vectors (scripts/fuzz-seeds.py). A crash fails the run and leaves
# the input in fuzz/artifacts/<target>/.
#
#   bash scripts/fuzz.sh                         # the test command's short run
#   FUZZ_SECONDS=3600 bash scripts/fuzz.sh       # a soak: an hour per target
#   FUZZ_TARGETS="click_sign_verify" bash ...    # only some targets
#
# Needs the nightly toolchain (cargo-fuzz builds with -Zsanitizer). When it
# is missing, rustup is asked for it; when that fails too, the fuzz run is
# skipped with a message (the sign/verify round trip is still checked on
# stable by core/tests/click_props.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-15}
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain; asking rustup for one" >&2
  if ! rustup toolchain install nightly --profile minimal >&2; then
    echo "fuzz: SKIPPED: the nightly toolchain cannot be had on this machine" >&2
    exit 0
  fi
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
python3 scripts/fuzz-seeds.py
targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list --fuzz-dir fuzz)}
cargo +nightly fuzz build --fuzz-dir fuzz
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in $targets; do
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$t" "target/fuzz-corpus/$t" -- \
    -seed=1 -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $t FAILED; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $t: ${runs:-?} runs in ${seconds}s, no crash"
done
echo "fuzz: every target ran ${seconds}s without a crash"
