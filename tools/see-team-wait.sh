#!/usr/bin/env bash
# Looks at the app's start on a team profile whose server is down: starts a
# throw-away PostgreSQL (packaging/test-postgres.sh), creates a database, stops
# the server, starts the app on it under Xvfb with openbox, screenshots the
# "Team Database Unreachable" dialog, starts the server again on the same
# port and screenshots the window that opens by itself. Needs a build.
#   tools/see-team-wait.sh BUILD OUT   (OUT/wait-down.png, OUT/wait-opened.png)
set -euo pipefail
build=$(cd "$1" && pwd) out=$(mkdir -p "$2" && cd "$2" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${KMS_SEE_TEAM_WAIT_INNER:-}" ]; then
  export KMS_SEE_TEAM_WAIT_INNER=1
  exec xvfb-run -a -s '-screen 0 1400x900x24' "$root/packaging/with-keyring.sh" "$0" "$build" "$out"
fi
export QT_QPA_PLATFORM=xcb
pg=$(mktemp -d)
data=$(mktemp -d)
trap '"$root/packaging/test-postgres.sh" stop "$pg" >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
url=$("$root/packaging/test-postgres.sh" start "$pg")
port=$(cat "$pg/port")
psql -qAt "$url" -c "CREATE DATABASE team"
bin=$(dirname "$(command -v pg_ctl 2>/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl | head -1)")
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_owner "$bin/pg_ctl" -D "$pg/data" -m fast -s stop
openbox >/dev/null 2>&1 &
HANZO_KMS_DATA_DIR=$data HANZO_KMS_KEYCHAIN_SERVICE=see-team-wait-$$ \
  "$build/app/hanzo-kms" --database "postgresql://postgres@127.0.0.1:$port/team" &
app=$!
for _ in $(seq 40); do xdotool search --onlyvisible --name "Team Database Unreachable" >/dev/null 2>&1 && break; sleep 0.25; done
sleep 0.5
import -window root "$out/wait-down.png"
as_owner "$bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 -s \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$pg' -c fsync=off" start
start=$(date +%s%N)
for _ in $(seq 160); do
  xdotool search --onlyvisible --name "team profile" >/dev/null 2>&1 && break
  sleep 0.25
done
echo "see-team-wait: the window opened $(( ($(date +%s%N) - start) / 1000000 )) ms after the server started"
sleep 1
import -window root "$out/wait-opened.png"
kill "$app"
wait "$app" || true
