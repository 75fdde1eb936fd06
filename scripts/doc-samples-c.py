#!/usr/bin/env python3
"""Compiles and runs every ```c sample in the README and the guide
(docs/src) against the library scripts/build-c.sh installed in target/c,
with the same strict flags as the C tests. Called by scripts/test-c.sh."""
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
pages = [ROOT / "README.md", *sorted((ROOT / "docs" / "src").rglob("*.md"))]
samples = []
for page in pages:
    text = page.read_text()
    for m in re.finditer(r"^```c\n(.*?)^```", text, re.S | re.M):
        samples.append((f"{page.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}", m.group(1)))
if len(samples) < 2:
    sys.exit(f"doc samples (C): only {len(samples)} found")
out = ROOT / "target" / "c"
with tempfile.TemporaryDirectory() as work:
    for i, (name, code) in enumerate(samples):
        src = pathlib.Path(work) / f"sample{i}.c"
        exe = pathlib.Path(work) / f"sample{i}"
        src.write_text(code)
        subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{ROOT / 'include'}",
                        str(src), "-o", str(exe), f"-L{out / 'lib'}", "-l:libclickfence.a", "-lpthread", "-ldl",
                        "-lm", "-lrt"], check=True)
        run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            sys.exit(f"doc samples (C): {name} exited {run.returncode}\n{run.stdout}{run.stderr}")
        print(f"doc samples (C): {name} ran: {run.stdout.strip()}")
