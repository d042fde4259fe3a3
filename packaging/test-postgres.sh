#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests of team profiles.
#   packaging/test-postgres.sh start DIR   initdb in DIR/data, listen on 127.0.0.1
#                                          and a free port; prints the URL of its
#                                          admin role on stdout when it accepts
#                                          connections
#   packaging/test-postgres.sh stop DIR    stops it and removes DIR
# run-tests.sh starts one per run and exports the URL as KMS_TEST_DATABASE_URL;
# every test profile then gets a database of its own on it (tests/support).
# The server refuses to run as root, so as root it runs as the `postgres`
# system user (DIR is handed to it). Local connections are trusted (the
# server lives for one test run), except the role kms_password_user, which
# must give its password: the tests of the keychain-held password use it.
# Durability is off (fsync, synchronous_commit): it starts in about a second.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2

bindir() {
  local d
  if command -v pg_config >/dev/null && d=$(pg_config --bindir 2>/dev/null) && [ -x "$d/initdb" ]; then
    echo "$d"
    return
  fi
  # Debian and Ubuntu keep the server programs out of PATH.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return
    fi
  done
  return 1
}

# Runs a server program as the user that owns DIR.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  return 1
}

case $action in
start)
  bin=$(bindir) || { echo "no PostgreSQL server programs (initdb, pg_ctl); packaging/install-deps.sh installs them" >&2; exit 1; }
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "the server refuses to run as root and there is no postgres user to run it as" >&2; exit 1; }
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions \
    >"$dir/initdb.log" 2>&1 || { echo "initdb failed: $(tail -n 3 "$dir/initdb.log" | tr '\n' ' ')" >&2; exit 1; }
  # Password users first: the last line trusts everyone else.
  {
    echo "host all kms_password_user 127.0.0.1/32 scram-sha-256"
    echo "host all all 127.0.0.1/32 trust"
  } >"$dir/data/pg_hba.conf"
  for attempt in 1 2 3; do
    port=$(free_port) || { echo "no free port on 127.0.0.1" >&2; exit 1; }
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -s \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB" \
      start >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      echo "postgresql://postgres@127.0.0.1:$port/postgres"
      exit 0
    fi
    [ "$attempt" -lt 3 ] || break
  done
  echo "pg_ctl could not start the server: $(tail -n 3 "$dir/server.log" 2>/dev/null | tr '\n' ' ')" >&2
  exit 1
  ;;
stop)
  if [ -d "$dir/data" ] && bin=$(bindir); then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*) usage ;;
esac
