#!/usr/bin/env bash
# What each executable carries: the desktop app and the CLI neither link Qt
# HttpServer/WebSockets nor contain the gateway's server code; the gateway
# links neither Widgets, Sql nor the keychain.
# Usage: check-binaries.sh HANZO_KMS HANZO_KMSCTL HANZO_KMS_GATEWAY
set -uo pipefail
[ $# -eq 3 ] || { echo "usage: $0 HANZO_KMS HANZO_KMSCTL HANZO_KMS_GATEWAY" >&2; exit 2; }
status=0
needed() { readelf -d "$1" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'; }
symbols() { nm -C --defined-only "$1" 2>/dev/null; }

for bin in "$1" "$2"; do
  [ -x "$bin" ] || { echo "check-binaries: $bin is not an executable" >&2; exit 2; }
  libs=$(needed "$bin")
  for bad in libQt6HttpServer libQt6WebSockets; do
    if grep -q "^$bad" <<<"$libs"; then echo "$(basename "$bin") links $bad"; status=1; fi
  done
  count=$(symbols "$bin" | grep -cE 'kms::(GatewayServer|GatewayHealthServer|GatewayReaper|GatewayPolicy|UpstreamTransport|ServiceAccountTokenFile)\b')
  if [ "$count" -ne 0 ]; then echo "$(basename "$bin") contains $count symbol(s) of the gateway server"; status=1; fi
done
libs=$(needed "$3")
for bad in libQt6Widgets libQt6Sql libqt6keychain; do
  if grep -q "^$bad" <<<"$libs"; then echo "$(basename "$3") links $bad"; status=1; fi
done
# The check itself must be able to see what it looks for.
gateway_symbols=$(symbols "$3" | grep -cE 'kms::GatewayServer\b')
if [ "$gateway_symbols" -eq 0 ]; then
  echo "check-binaries: no kms::GatewayServer symbol in $(basename "$3"); symbols stripped? cannot check" >&2
  exit 2
fi
if ! grep -q '^libQt6HttpServer' <<<"$(needed "$3")"; then
  echo "check-binaries: $(basename "$3") does not list libQt6HttpServer; readelf output unexpected" >&2
  exit 2
fi
[ $status -eq 0 ] && echo "check-binaries: hanzo-kms and hanzo-kmsctl carry no gateway server; the gateway no widgets, SQL or keychain"
exit $status
