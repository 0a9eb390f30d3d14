#!/usr/bin/env bash
# The project's private PostGIS cluster: `pg.sh start | stop | status`.
# Data lives in .pgdata/ (git-ignored), or under /tmp when the checkout's parent
# folders are not traversable by the cluster's OS user. Loopback only, own port
# (PGPORT, default 54329), short socket path. PostGIS and pg_trgm are created in
# template1 so every database made from it (test databases too) has them.
# Skipped entirely when DATABASE_URL points elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${PGPORT:-54329}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
KEY=$(echo -n "$ROOT" | sha256sum | cut -c1-8)
SOCKDIR=/tmp/gp-$KEY
DB_NAME=${PGDATABASE_NAME:-gis_portal}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "pg: DATABASE_URL is set; using that database, not the private cluster"
  exit 0
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

datadir() {
  local candidate="$ROOT/.pgdata"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$ROOT"; then
    candidate=/tmp/gp-data-$KEY
  fi
  echo "$candidate"
}
DATA=$(datadir)

running() { as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  if [ ! -f "$DATA/PG_VERSION" ]; then
    echo "pg: creating the private cluster in $DATA"
    mkdir -p "$DATA"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DATA"
    as_owner "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 512MB
max_connections = 200
CONF
  fi
  mkdir -p "$SOCKDIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$SOCKDIR"
  if ! running; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 30 start >/dev/null
  fi
  local psql=(env PGOPTIONS=--client-min-messages=warning "$PGBIN/psql" -h 127.0.0.1 -p "$PORT"
    -U postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;"
  if [ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $DB_NAME"
  fi
  echo "pg: running on 127.0.0.1:$PORT (data: $DATA)"
}

stop() {
  if running; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "pg: stopped"
  else
    echo "pg: not running"
  fi
}

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "pg: running on 127.0.0.1:$PORT"; else echo "pg: stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
