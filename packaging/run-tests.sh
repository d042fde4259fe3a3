#!/usr/bin/env bash
# The test command of README.md: installs what is missing, builds, and runs
# every test under a private D-Bus session with an unlocked gnome-keyring, so
# the real Secret Service path is exercised. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}

if [ "${1:-}" != "--in-session" ]; then
  "$root/packaging/install-deps.sh"
  "$root/packaging/build.sh"
  exec dbus-run-session -- "$0" --in-session "$@"
fi
shift

# A keyring of our own: a login keyring left elsewhere with another password
# would stay locked and fail the run.
scratch=$(mktemp -d)
trap 'kill "${GNOME_KEYRING_PID:-}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
export XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache
export XDG_RUNTIME_DIR=$scratch/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'kms-test\n' | gnome-keyring-daemon --unlock --components=secrets)"
eval "$(gnome-keyring-daemon --start --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
export QT_QPA_PLATFORM=offscreen
export HANZO_KMS_DATA_DIR=$scratch/default-profile

cd "$build"
printf "secret\n" | secret-tool store --label=kms-selftest service kms-selftest account probe
[ "$(secret-tool lookup service kms-selftest account probe)" = secret ] || { echo "run-tests: the test keyring does not work" >&2; exit 1; }
secret-tool clear service kms-selftest account probe

ctest --output-on-failure -j "${KMS_TEST_JOBS:-2}" "$@"
