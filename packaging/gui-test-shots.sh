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
  export KMS_SHOTS_IN_SESSION=1 QT_QPA_PLATFORM=xcb
  exec xvfb-run -a -s '-screen 0 1400x900x24' "$root/packaging/with-keyring.sh" "$0" "$out" "$@"
fi

# In Xvfb, with a keyring of its own (with-keyring.sh): a window manager
# (openbox) frames the dialogs as users see them.
openbox >/dev/null 2>&1 &
wm=$!
trap 'kill "$wm" 2>/dev/null || true' EXIT
sleep 1
mkdir -p "$out"
export QT_STYLE_OVERRIDE=${QT_STYLE_OVERRIDE:-Fusion} KMS_TEST_SHOTS=$out
status=0
for target in "$@"; do
  HANZO_KMS_KEYCHAIN_SERVICE=hanzo-kms-shots-$target "$build/tests/gui/$target" || status=1
done
echo "gui-test-shots: screenshots in $out"
exit $status
