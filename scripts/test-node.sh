#!/usr/bin/env bash
# Builds the Node addon the way a user does (npm ci && npm run build: the
# @napi-rs/cli v3 from the npm registry, a release build) and runs the
# node --test suite (vectors, CommonJS and ESM, Headers, oracles, bad input),
# then the types checks.
set -euo pipefail
cd "$(dirname "$0")/../bindings-node"

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
npm test
# The types: ESM and CommonJS resolution of both entry points
# (@arethetypeswrong/cli), and tsc --strict over the examples and a types
# test whose @ts-expect-error lines are mistakes that must stay errors.
npm run --silent test:types
