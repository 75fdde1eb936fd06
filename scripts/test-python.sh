#!/usr/bin/env bash
# Builds the Python package the way a user installs it (pip install
# ./bindings-python, maturin backend) into a venv under target/, then runs
# the pytest suite (vectors, errors, threads, stubtest, examples).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/py
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2" "pytest>=8" "mypy>=1.10" "flask>=3" "maxminddb>=2.6" "redis>=5" \
  "fastapi>=0.110" "httpx>=0.27" "django-stubs>=5" "pyright>=1.1.380" "typing_extensions>=4.7" \
  "crawler-user-agents==1.67.0" "standardwebhooks>=1.1" "stripe>=10" "cryptography>=42"
# MaxMind's published test databases ship in the maxminddb source distribution.
data=target/maxmind-test-data
if [ ! -d "$data/test-data" ]; then
  tmp=$(mktemp -d)
  "$venv/bin/pip" download -q --disable-pip-version-check --no-binary :all: --no-deps "maxminddb>=2.6" -d "$tmp"
  mkdir -p "$data"
  tar xzf "$tmp"/maxminddb-*.tar.gz -C "$tmp"
  cp -r "$tmp"/maxminddb-*/tests/data/test-data "$tmp"/maxminddb-*/tests/data/bad-data "$data"/
  rm -rf "$tmp"
fi
export CLICKFENCE_MAXMIND_DATA="$PWD/$data"
# Share the workspace's target dir so the core is not rebuilt from scratch.
CARGO_TARGET_DIR="$PWD/target" "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./bindings-python
cd bindings-python
"../$venv/bin/python" -m pytest -q tests
# The stubs against Flask, Starlette and Django request types, and the
# mistakes they must catch (tests/types_check/frameworks.py), with the
# examples: mypy --strict and pyright.
cd tests/types_check
"../../../$venv/bin/python" -m mypy --strict frameworks.py ../../../examples/python
"../../../$venv/bin/pyright" --pythonpath "../../../$venv/bin/python" -p pyrightconfig.json
# The reference server's Standard Webhooks deliveries, verified by the
# standardwebhooks library from PyPI against a real server on loopback.
cd ../../..
"$venv/bin/python" examples/server/tests/standard_webhooks.py
