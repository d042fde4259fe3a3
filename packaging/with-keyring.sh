#!/usr/bin/env bash
# packaging/with-keyring.sh COMMAND...: runs one command as the test run does
# (packaging/run-tests.sh runs ctest through it): a private D-Bus session, an
# unlocked gnome-keyring of its own (a login keyring left elsewhere with
# another password would stay locked), temporary XDG folders and a temporary
# default profile, QT_QPA_PLATFORM=offscreen unless set. Checks first that the
# keychain stores and returns a secret. Also for one test function, or the CLI
# by hand, against the real keychain:
#   packaging/with-keyring.sh build/tests/gui/gui_tokendialog copyIsExplicit
set -euo pipefail
if [ "${1:-}" != "--in-session" ]; then
  exec dbus-run-session -- "$0" --in-session "$@"
fi
shift
scratch=$(mktemp -d)
trap 'kill "${GNOME_KEYRING_PID:-}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
export XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache
export XDG_RUNTIME_DIR=$scratch/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'kms-test\n' | gnome-keyring-daemon --unlock --components=secrets)"
eval "$(gnome-keyring-daemon --start --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
export HANZO_KMS_DATA_DIR=$scratch/default-profile

printf "secret\n" | secret-tool store --label=kms-selftest service kms-selftest account probe
[ "$(secret-tool lookup service kms-selftest account probe)" = secret ] || { echo "with-keyring: the test keyring does not work" >&2; exit 1; }
secret-tool clear service kms-selftest account probe

# Not exec: the trap stops the keyring daemon and removes the scratch folder.
"$@"
