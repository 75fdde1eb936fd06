#!/usr/bin/env python3
"""One version for every package, and the licenses in every package.

Checks that the workspace version (Cargo.toml, the one place it is written)
is the version of the npm package, the C header's version macros, the
core pin of clickfence-ffi and a released section of CHANGELOG.md; that the
Python package takes its version from Cargo; and that LICENSE-MIT and
LICENSE-APACHE are at the root and identical inside every package
directory. Exits 1 naming every mismatch.
"""

import json
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ["core", "ffi", "bindings-python", "bindings-node"]
LICENSES = ["LICENSE-MIT", "LICENSE-APACHE"]


def main() -> int:
    problems = []
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    version = cargo["workspace"]["package"]["version"]

    node = json.loads((ROOT / "bindings-node/package.json").read_text())
    if node["version"] != version:
        problems.append(f"bindings-node/package.json is {node['version']}, not {version}")

    py = tomllib.loads((ROOT / "bindings-python/pyproject.toml").read_text())
    if "version" not in py["project"].get("dynamic", []):
        problems.append("bindings-python/pyproject.toml must take its version from Cargo (dynamic)")

    header = (ROOT / "include/clickfence.h").read_text()
    parts = []
    for name in ["MAJOR", "MINOR", "PATCH"]:
        m = re.search(rf"#define CLICKFENCE_VERSION_{name} (\d+)", header)
        parts.append(m.group(1) if m else "?")
    if ".".join(parts) != version:
        problems.append(f"include/clickfence.h says {'.'.join(parts)}, not {version}")

    ffi = tomllib.loads((ROOT / "ffi/Cargo.toml").read_text())
    pin = ffi["dependencies"]["clickfence"].get("version")
    if pin != f"={version}":
        problems.append(f"ffi/Cargo.toml pins clickfence {pin}, not ={version}")

    pc = (ROOT / "examples/c/clickfence.pc.in").read_text()
    if "Version: @VERSION@" not in pc:
        problems.append("examples/c/clickfence.pc.in must take its version from Cargo (@VERSION@)")

    changelog = (ROOT / "CHANGELOG.md").read_text()
    if f"## [{version}]" not in changelog:
        problems.append(f"CHANGELOG.md has no section for {version}")
    if "## [Unreleased]" not in changelog:
        problems.append("CHANGELOG.md has no [Unreleased] section")

    for name in LICENSES:
        root_text = (ROOT / name).read_bytes() if (ROOT / name).exists() else None
        if root_text is None:
            problems.append(f"{name} is missing at the root")
            continue
        for pkg in PACKAGES:
            copy = ROOT / pkg / name
            if not copy.exists() or copy.read_bytes() != root_text:
                problems.append(f"{pkg}/{name} is missing or differs from the root's")
        for pkg in PACKAGES:
            if not (ROOT / pkg / "README.md").exists():
                problems.append(f"{pkg}/README.md is missing")

    for p in problems:
        print(f"check-versions: {p}", file=sys.stderr)
    if not problems:
        print(f"check-versions: every package is {version}, licensed and documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
