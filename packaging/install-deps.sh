#!/usr/bin/env bash
# Installs the Debian 12 / Ubuntu 24.04 packages that building, running and
# testing Hanzo KMS Desktop need. Only what is missing; safe to run again.
# Runs as root, or through sudo.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config ccache clang-format
  qt6-base-dev qt6-httpserver-dev libqt6sql6-sqlite libqt6sql6-psql qtkeychain-qt6-dev qcoro-qt6-dev
  qt6-tools-dev qt6-l10n-tools   # Qt6LinguistTools for CMake; lupdate and lrelease
  libssl-dev libyaml-cpp-dev
  libsqlite3-dev libkeyutils-dev # hanzo-kmsctl's front (app/front): the profile and the kernel keyring, without Qt
  # run and test: Secret Service for the keychain, a session bus, X for screenshots
  gnome-keyring dbus dbus-bin libsecret-tools xvfb xauth imagemagick openbox
  # team profiles: the tests start a throw-away PostgreSQL server (run-tests.sh)
  postgresql
  # packaging checks
  desktop-file-utils appstream dpkg-dev file
  # CI's checks: clang with libFuzzer and the sanitizer runtimes (packaging/build.sh --fuzz),
  # llvm-symbolizer for readable reports
  clang libclang-rt-dev llvm
)

# kubectl with `create token` (1.24 and later) for the tests that follow the
# seed's kubectl steps; without one they are skipped, and run-tests.sh says so.
# Debian 12's kubernetes-client is 1.20 (no `create token`), so it is installed
# only where the distribution offers a newer one.
if ! kubectl create token --help >/dev/null 2>&1; then
  candidate=$(apt-cache policy kubernetes-client 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && dpkg --compare-versions "$candidate" ge 1.24; then
    packages+=(kubernetes-client)
  else
    echo "install-deps: this distribution offers no kubectl with 'create token' (kubernetes-client ${candidate:-none}, 1.24 or later needed); the kubectl tests will be skipped. Install kubectl from https://kubernetes.io/docs/tasks/tools/ to run them." >&2
  fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
