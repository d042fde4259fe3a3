#!/usr/bin/env bash
# How many statements one CLI command sends to a team profile's PostgreSQL
# server, counted by the server itself (log_statement = all), with the
# statements listed: the figure of issue 14's "a lease adds at most 2 round
# trips". Needs a server of packaging/test-postgres.sh (its log is
# DIR/server.log) and a build:
#   tools/pg-statements.sh DIR BUILD -- hanzo-kmsctl arguments...
# e.g. tools/pg-statements.sh /tmp/pg build -- lease create deploy --namespace team-a
# The command runs with HANZO_KMS_DATABASE_URL and the keychain of the
# caller's environment (run it under packaging/with-keyring.sh).
set -euo pipefail
dir=$1 build=$2
shift 2
[ "${1:-}" = "--" ] && shift
log=$dir/server.log
url=${HANZO_KMS_DATABASE_URL:?set HANZO_KMS_DATABASE_URL to the team profile}
db=${url##*/}
db=${db%%\?*}
admin="postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
psql -qAt "$admin" -c "ALTER DATABASE \"$db\" SET log_statement = 'all'" >/dev/null
trap 'psql -qAt "$admin" -c "ALTER DATABASE \"$db\" RESET log_statement" >/dev/null' EXIT
start=$(wc -l <"$log")
"$build/libexec/hanzo-kms/hanzo-kmsctl" "$@" >/dev/null
sleep 0.2 # the server writes its log asynchronously
tail -n +"$((start + 1))" "$log" | grep -E 'LOG:  (statement|execute)' | sed -E 's/^.*LOG:  //' | cut -c1-160 | nl
