#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initdb in a temporary
# directory (as an unprivileged user), a free loopback port, trust
# authentication for one role, C collation (the same text order as SQLite);
# stopped and removed when the command ends, however it ends.
#
#   scripts/with-postgres.sh cargo test -p clickfence-server
#
# The command sees CLICKFENCE_TEST_POSTGRES=postgres://clickfence@127.0.0.1:PORT
# (no database: tests create one each). Needs Debian's postgresql package
# (scripts/setup.sh installs it).
#
# CLICKFENCE_PG_OPTIONS adds server settings, for profiles (BENCHMARKS.md):
#   CLICKFENCE_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements" \
#     scripts/with-postgres.sh bash -c '...; psql ... -c "CREATE EXTENSION pg_stat_statements"; ...'
#   CLICKFENCE_PG_OPTIONS="-c log_min_duration_statement=20 -c log_lock_waits=on"
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "with-postgres: no PostgreSQL (run scripts/setup.sh)" >&2; exit 1; }
dir=$(mktemp -d /tmp/clickfence-pg.XXXXXX)
chmod 755 "$dir"
run=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root; Debian's package brings this user.
  chown postgres "$dir"
  run=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${run[@]}" "$bin/initdb" -D "$dir/data" -U clickfence --auth=trust --locale=C --encoding=UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off ${CLICKFENCE_PG_OPTIONS:-}" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export CLICKFENCE_TEST_POSTGRES="postgres://clickfence@127.0.0.1:$port"
"$@"
