#!/usr/bin/env bash
# Install (if needed) and start a throwaway PostgreSQL server on loopback for the test suite.
# Usage: .ci/postgres.sh start|stop   (port from CCFINOPS_PG_PORT, default 55432)
set -euo pipefail
PORT="${CCFINOPS_PG_PORT:-55432}"
DATA="${CCFINOPS_PG_DATA:-/tmp/ccfinops-pg-$PORT}"
find_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}
BIN="$(find_bindir || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "installing postgresql server" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  BIN="$(find_bindir)"
fi
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
case "${1:-start}" in
  start)
    if run_pg "$BIN/pg_ctl -D $DATA status" >/dev/null 2>&1; then echo "postgres already running on $PORT"; exit 0; fi
    rm -rf "$DATA"; mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    run_pg "$BIN/initdb -D $DATA -A trust -U ccf" >/dev/null
    run_pg "$BIN/pg_ctl -D $DATA -o '-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off' -l $DATA/pg.log -w start" >/dev/null
    run_pg "$BIN/createdb -h 127.0.0.1 -p $PORT -U ccf ccfinops"
    echo "postgres started on 127.0.0.1:$PORT (user ccf, db ccfinops)"
    ;;
  stop)
    run_pg "$BIN/pg_ctl -D $DATA -m fast stop" >/dev/null 2>&1 || true
    ;;
esac
