#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, never the system service:
#   scripts/test-postgres.sh start       prints postgres://postgres@127.0.0.1:<port>/postgres
#   scripts/test-postgres.sh stop <url>  stops that cluster and deletes its folder
# The cluster lives in $TMPDIR/grp-postgres-<port> (data, log and unix socket), listens on loopback only on a port
# that was free, trusts local connections (nobody else can reach it) and skips fsync: it holds test data only.
# initdb and pg_ctl refuse to run as root, so as root they run as the postgres user.
set -euo pipefail

base="${TMPDIR:-/tmp}"

find_bin() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  # Debian keeps the server binaries out of PATH, one folder per major version: take the newest.
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$newest" ] || [ ! -x "$newest/initdb" ]; then
    echo "no PostgreSQL server binaries (initdb): install Debian's postgresql package" >&2
    exit 3
  fi
  echo "$newest"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

start() {
  local bin port dir
  bin="$(find_bin)"
  for _ in 1 2 3 4 5; do
    port="$(free_port)"
    dir="$base/grp-postgres-$port"
    mkdir "$dir" 2>/dev/null || continue
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      return
    fi
    # Another process took the port between the check and the start: try another one.
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
  done
  echo "could not start PostgreSQL on a free port" >&2
  exit 1
}

stop() {
  local url="${1:?usage: scripts/test-postgres.sh stop <url printed by start>}" port dir
  port="$(echo "$url" | sed -E 's#^[a-z]+://[^/]*:([0-9]+)/.*$#\1#')"
  dir="$base/grp-postgres-$port"
  [ -d "$dir/data" ] || { echo "no test cluster at $dir" >&2; exit 1; }
  as_owner "$(find_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: scripts/test-postgres.sh start | stop <url>" >&2
    exit 2
    ;;
esac
