#!/usr/bin/env bash
# Makes docs/screenshots/*.png from the real app: builds, then runs
# kms-screenshots (tests/gui/screenshots) under Xvfb, in a private D-Bus
# session with a throw-away unlocked gnome-keyring, against kms-testcluster.
# Usage: packaging/screenshots.sh [output-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}
out=$(realpath -m "${1:-$root/docs/screenshots}")

if [ "${KMS_SCREENSHOTS_IN_SESSION:-}" != 1 ]; then
  KMS_JOBS=${KMS_JOBS:-2} "$root/packaging/build.sh"
  export KMS_SCREENSHOTS_IN_SESSION=1
  exec "$root/packaging/with-keyring.sh" "$0" "$@"
fi

mkdir -p "$out"
export HANZO_KMS_KEYCHAIN_SERVICE=hanzo-kms-screenshots
export QT_QPA_PLATFORM=xcb
# The same look on every machine: Qt's own style and font settings.
export QT_STYLE_OVERRIDE=${QT_STYLE_OVERRIDE:-Fusion}

# A window manager (openbox) frames the dialogs as users see them.
command -v openbox >/dev/null || { echo "screenshots: openbox is missing; packaging/install-deps.sh installs it" >&2; exit 2; }
xvfb-run -a -s '-screen 0 1400x900x24' bash -c 'openbox >/dev/null 2>&1 & wm=$!; sleep 1; "$0" "$1"; status=$?; kill $wm; exit $status' \
  "$build/tests/gui/kms-screenshots" "$out"
echo "screenshots: written to $out"
