#!/usr/bin/env bash
# Builds the C library and installs it under PREFIX, as cargo-c would:
#   PREFIX/include/clickfence.h
#   PREFIX/lib/libclickfence.a
#   PREFIX/lib/libclickfence.so.X.Y.Z, libclickfence.so.X -> it (the SONAME),
#     libclickfence.so -> libclickfence.so.X (for -lclickfence)
#   PREFIX/lib/pkgconfig/clickfence.pc (relocatable: paths from ${pcfiledir})
# Release build by default; PROFILE=debug for a debug one.
#   PREFIX=/usr/local bash scripts/install-c.sh
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
profile=${PROFILE:-release}
flag=()
[ "$profile" = release ] && flag=(--release)
cargo build -p clickfence-ffi --locked "${flag[@]}"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
major=${version%%.*}
lib="$prefix/lib"
mkdir -p "$prefix/include" "$lib/pkgconfig"
install -m 0644 include/clickfence.h "$prefix/include/clickfence.h"
install -m 0644 "target/$profile/libclickfence_ffi.a" "$lib/libclickfence.a"
install -m 0755 "target/$profile/libclickfence_ffi.so" "$lib/libclickfence.so.$version"
ln -sf "libclickfence.so.$version" "$lib/libclickfence.so.$major"
ln -sf "libclickfence.so.$major" "$lib/libclickfence.so"
sed -e "s|@VERSION@|$version|" examples/c/clickfence.pc.in > "$lib/pkgconfig/clickfence.pc"
echo "install-c: clickfence $version ($profile) installed under $prefix"
