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
msrv = {v for k, v in declared.items() if k in published}
if len(msrv) != 1 or None in msrv:
    sys.exit(f"msrv: every crate must declare the same rust-version: {declared}")
msrv = msrv.pop()

# Normal and build dependencies reachable from the workspace crates.
seen, stack = set(), [m for m in members if packages[m]["name"] in published]
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
print(f"msrv: declared {msrv}; the lock's dependencies need at most "
      f"{'.'.join(map(str, top[0]))} ({', '.join(f'{n} {v}' for r, n, v in needs[:3])})")
if top[0] > version(msrv):
    sys.exit(f"msrv: rust-version = \"{msrv}\" is not true: {top[1]} {top[2]} needs "
             f"{'.'.join(map(str, top[0]))}")
