"""Every ```python sample in the README and the guide (docs/src), run as a
script against the installed package: a sample that stops working fails
here. Samples that talk to Redis get a throwaway redis-server (REDIS_URL)."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

from test_redis import redis_url  # noqa: F401  (a fixture)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "src").rglob("*.md"))]


def samples():
    for page in PAGES:
        text = page.read_text()
        for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text[: m.start()].count("\n") + 1
            yield pytest.param(m.group(1), id=f"{page.relative_to(ROOT)}:{line}")


def test_there_are_samples():
    assert len(list(samples())) >= 3


@pytest.mark.parametrize("code", list(samples()))
def test_sample_runs(code, redis_url, tmp_path):  # noqa: F811
    env = dict(os.environ, REDIS_URL=redis_url)
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
