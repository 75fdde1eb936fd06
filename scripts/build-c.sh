#!/usr/bin/env bash
# Builds the C library and installs it as target/c/lib/libclickfence.{a,so}
# with a pkg-config file. PROFILE=release for an optimized build.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-debug}
flag=()
[ "$profile" = release ] && flag=(--release)
cargo build -p clickfence-ffi --locked "${flag[@]}"
out=target/c
mkdir -p "$out/lib/pkgconfig"
cp "target/$profile/libclickfence_ffi.a" "$out/lib/libclickfence.a"
cp "target/$profile/libclickfence_ffi.so" "$out/lib/libclickfence.so"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
sed -e "s|@PREFIX@|$PWD|" -e "s|@LIBDIR@|$PWD/$out/lib|" -e "s|@VERSION@|$version|" \
  examples/c/clickfence.pc.in > "$out/lib/pkgconfig/clickfence.pc"
