#!/usr/bin/env bash
# Installs what the test command needs on a fresh machine (the Rust
# toolchain, Python 3.11, Node 20 and gcc are already there). Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo rustfmt cargo-clippy gcc; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is missing" >&2; exit 1; }
done

# C tests: a JSON reader for the vectors, valgrind, pkg-config for the example.
need=()
[ -f /usr/include/cjson/cJSON.h ] || need+=(libcjson-dev)
dpkg -s valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkg-config)
# The server's PostgreSQL backend is tested on a throwaway cluster
# (scripts/with-postgres.sh): Debian's server package, 15 on bookworm.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Shared rate windows are tested against a real Redis (a throwaway
# redis-server per test run, on a free loopback port).
command -v redis-server >/dev/null || need+=(redis-server)
# Verified crawlers are tested against a real DNS server on loopback
# (dnsmasq-base: the binary, no system service).
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
# The dashboard's browser tests and the screenshot scripts drive Debian's
# Chromium (headless) through playwright-core from npm.
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
