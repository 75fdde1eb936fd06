#!/usr/bin/env bash
# Builds libclickfence (.a and .so), compiles the C tests and examples with
# strict flags against include/clickfence.h, and runs the tests under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-c.sh
out=target/c
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude)
libs=(-L"$out/lib" -l:libclickfence.a -lcjson -lpthread -ldl -lm -lrt)

gcc "${cflags[@]}" tests/c/test_clickfence.c -o "$out/test_clickfence" "${libs[@]}"
valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
  "$out/test_clickfence" tests/vectors

# The examples, built the way a user builds them: from an installed prefix
# through pkg-config, linked statically and dynamically, and run.
prefix=$(mktemp -d)
trap 'rm -rf "$prefix" "$prefix.moved"' EXIT
PREFIX="$prefix" bash scripts/install-c.sh >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
make -s -B -C examples/c STATIC=1 OUT="$PWD/$out"
"$out/click_signer" "https://app.example/com.app?pid=net" zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg= >/dev/null
if ldd "$out/click_signer" | grep -q libclickfence; then
  echo "the static example links libclickfence.so" >&2
  exit 1
fi
echo "C examples built (static) and ran"
# The README's and the guide's C samples, compiled strictly and run.
python3 scripts/doc-samples-c.py

body='{"event":"ip.blocked","data":{"site_id":17}}'
ts=$(date +%s)
sig=$(printf '%s.%s' "$ts" "$body" | python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"whsec_example", sys.stdin.buffer.read(), hashlib.sha256).hexdigest())')
printf '%s' "$body" | "$out/webhook_receiver" whsec_example "$ts" "$sig"
if printf '%s ' "$body" | "$out/webhook_receiver" whsec_example "$ts" "$sig" >/dev/null; then
  echo "webhook_receiver accepted a modified body" >&2
  exit 1
fi

# The shared library: a versioned SONAME with the usual links, and the
# examples linked against it running without LD_LIBRARY_PATH.
readelf -d "$prefix/lib/libclickfence.so.0" | grep -q 'SONAME.*\[libclickfence\.so\.0\]'
[ "$(readlink "$prefix/lib/libclickfence.so")" = libclickfence.so.0 ]
mkdir -p "$out/shared"
make -s -B -C examples/c OUT="$PWD/$out/shared"
ldd "$out/shared/click_signer" | grep -q "libclickfence.so.0 => $prefix/lib/"
"$out/shared/click_signer" "https://app.example/com.app?pid=net" secret >/dev/null
echo "shared library (SONAME libclickfence.so.0) and pkg-config file work"

# The pkg-config file is relocatable: move the whole prefix and build again.
mv "$prefix" "$prefix.moved"
PKG_CONFIG_PATH="$prefix.moved/lib/pkgconfig" make -s -B -C examples/c STATIC=1 OUT="$PWD/$out"
"$out/click_signer" "https://app.example/com.app?pid=net" secret >/dev/null
echo "a moved install prefix still builds"
