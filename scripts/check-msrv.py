"""Checks that the workspace's declared rust-version (MSRV) is true of the
lock file: no dependency that the published crates build with (normal and
build dependencies, all features of the lock) declares a newer
rust-version. This machine has no older toolchain to build with, so the
check reads what each crate declares, as `cargo msrv verify` would start
from. Prints the dependencies that set the bound."""
import json
import subprocess
import sys

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    check=True, capture_output=True, text=True).stdout)
packages = {p["id"]: p for p in meta["packages"]}
members = set(meta["workspace_members"])
published = {"clickfence", "clickfence-ffi", "clickfence-python", "clickfence-node", "clickfence-server"}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def version(text):
    parts = [int(x) for x in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


declared = {packages[m]["name"]: packages[m].get("rust_version") for m in members}
# The libraries share one MSRV; the reference server is an application,
# built with a current toolchain, and declares its own (its migration tool,
# refinery, needs a newer compiler than the libraries' users may have).
libraries = published - {"clickfence-server"}
msrv = {v for k, v in declared.items() if k in libraries}
if len(msrv) != 1 or None in msrv or declared.get("clickfence-server") is None:
    sys.exit(f"msrv: every library must declare the same rust-version: {declared}")
failed = False
for name in sorted(published):
    # Normal and build dependencies reachable from this crate.
    root = next(m for m in members if packages[m]["name"] == name)
    seen, stack = set(), [root]
    while stack:
        pid = stack.pop()
        for dep in nodes[pid]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds - {"dev"} and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    needs = sorted(((version(packages[p]["rust_version"]), packages[p]["name"], packages[p]["version"])
                    for p in seen if packages[p].get("rust_version")), reverse=True)
    top = needs[0] if needs else ((0, 0, 0), "-", "-")
    own = declared[name]
    print(f"msrv: {name} declares {own}; its dependencies need at most "
          f"{'.'.join(map(str, top[0]))} ({', '.join(f'{n} {v}' for r, n, v in needs[:3])})")
    if top[0] > version(own):
        print(f"msrv: {name}: rust-version = \"{own}\" is not true: {top[1]} {top[2]} needs "
              f"{'.'.join(map(str, top[0]))}")
        failed = True
sys.exit(1 if failed else 0)
