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

make -s -C examples/c OUT="$PWD/$out" LIBDIR="$PWD/$out/lib" INCLUDEDIR="$PWD/include"
"$out/click_signer" "https://app.example/com.app?pid=net" zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg= >/dev/null
echo "C examples built and ran"

body='{"event":"ip.blocked","data":{"site_id":17}}'
ts=$(date +%s)
sig=$(printf '%s.%s' "$ts" "$body" | python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"whsec_example", sys.stdin.buffer.read(), hashlib.sha256).hexdigest())')
printf '%s' "$body" | "$out/webhook_receiver" whsec_example "$ts" "$sig"
if printf '%s ' "$body" | "$out/webhook_receiver" whsec_example "$ts" "$sig" >/dev/null; then
  echo "webhook_receiver accepted a modified body" >&2
  exit 1
fi

# The pkg-config file and the shared library: build the examples again,
# linked against libclickfence.so, and run one.
mkdir -p "$out/shared"
PKG_CONFIG_PATH="$PWD/$out/lib/pkgconfig" make -s -B -C examples/c USE_PKG_CONFIG=1 OUT="$PWD/$out/shared"
LD_LIBRARY_PATH="$PWD/$out/lib" "$out/shared/click_signer" "https://app.example/com.app?pid=net" secret >/dev/null
readelf -d "$out/lib/libclickfence.so" | grep -q 'SONAME.*libclickfence.so'
echo "shared library and pkg-config file work"
