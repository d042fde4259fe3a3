#!/usr/bin/env bash
# Runs GUI tests on a real X server (Xvfb) with a window manager (openbox),
# so dialogs are framed as users see them, and saves the screenshots the tests
# take (GuiFixture::shot) to OUT-DIR. For looking at a screen while changing it.
# Usage: packaging/gui-test-shots.sh OUT-DIR TEST-TARGET... (e.g. gui_tokendialog)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}
out=$(realpath -m "$1")
shift

if [ "${KMS_SHOTS_IN_SESSION:-}" != 1 ]; then
  KMS_JOBS=${KMS_JOBS:-2} "$root/packaging/build.sh"
  command -v openbox >/dev/null || { echo "gui-test-shots: openbox is missing; packaging/install-deps.sh installs it" >&2; exit 2; }
  export KMS_SHOTS_IN_SESSION=1
  exec dbus-run-session -- xvfb-run -a -s '-screen 0 1400x900x24' "$0" "$out" "$@"
fi

scratch=$(mktemp -d)
trap 'kill "${GNOME_KEYRING_PID:-}" "${wm:-}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
export XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache
export XDG_RUNTIME_DIR=$scratch/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$out"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'kms-shots\n' | gnome-keyring-daemon --unlock --components=secrets)"
eval "$(gnome-keyring-daemon --start --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
openbox >/dev/null 2>&1 &
wm=$!
sleep 1
export QT_QPA_PLATFORM=xcb QT_STYLE_OVERRIDE=${QT_STYLE_OVERRIDE:-Fusion} KMS_TEST_SHOTS=$out
status=0
for target in "$@"; do
  HANZO_KMS_KEYCHAIN_SERVICE=hanzo-kms-shots-$target "$build/tests/gui/$target" || status=1
done
echo "gui-test-shots: screenshots in $out"
exit $status
