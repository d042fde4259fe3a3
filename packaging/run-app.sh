#!/usr/bin/env bash
# The run command of README.md: installs what is missing, builds, and starts
# the app: in demo mode (hanzo-kms --demo: a local kms-testcluster and a
# throw-away profile) when no profile exists yet, normally otherwise.
# Arguments are passed to hanzo-kms; --demo or --no-demo choose the mode.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}
app=$build/app/hanzo-kms

# Inside the private D-Bus session started below: a throw-away, unlocked
# gnome-keyring as the Secret Service, then the app.
if [ "${1:-}" = "--in-keyring-session" ]; then
  shift
  scratch=$(mktemp -d)
  trap 'kill "${GNOME_KEYRING_PID:-}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
  # Only the keyring's files go to the scratch folder (gnome-keyring keeps them in $XDG_DATA_HOME).
  export XDG_DATA_HOME=$scratch/data XDG_RUNTIME_DIR=$scratch/run
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  eval "$(head -c 24 /dev/urandom | base64 | gnome-keyring-daemon --unlock --components=secrets)"
  eval "$(gnome-keyring-daemon --start --components=secrets)"
  export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
  "$app" "$@"
  exit
fi

"$root/packaging/install-deps.sh"
"$root/packaging/build.sh"

# The mode: --demo / --no-demo, else demo when the profile hanzo-kms would open
# (Database::resolveDataDir: $HANZO_KMS_DATA_DIR, else
# ${XDG_DATA_HOME:-~/.local/share}/hanzo-kms) has no database yet.
mode=
args=()
for a in "$@"; do
  case $a in
    --demo) mode=demo ;;
    --no-demo) mode=normal ;;
    *) args+=("$a") ;;
  esac
done
data_dir=${HANZO_KMS_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/hanzo-kms}
if [ -z "$mode" ]; then
  if [ -f "$data_dir/kms.sqlite" ]; then mode=normal; else mode=demo; fi
fi
if [ "$mode" = demo ]; then
  echo "run-app: no profile in $data_dir yet: starting the demo (a local test cluster and a throw-away" \
       "profile; run with --no-demo to start with an empty profile instead)." >&2
  args=(--demo "${args[@]}")
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run-app: there is no display (DISPLAY and WAYLAND_DISPLAY are unset); use a desktop session," \
       "ssh -X, or xvfb-run packaging/run-app.sh." >&2
fi

# The Secret Service (cluster tokens live only there): is one on the session bus, or activatable?
has_secret_service() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ] || return 1
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && return 0
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.ListActivatableNames 2>/dev/null | grep -q '"org.freedesktop.secrets"'
}

if has_secret_service; then
  exec "$app" "${args[@]}"
fi

echo "run-app: no Secret Service (org.freedesktop.secrets) on the D-Bus session bus, so the app cannot" \
     "keep cluster tokens (a bare server or CI machine?)." >&2
if [ "$mode" = demo ]; then
  echo "run-app: the demo profile is throw-away anyway: starting it under dbus-run-session with a" \
       "throw-away, unlocked gnome-keyring." >&2
  exec dbus-run-session -- "$0" --in-keyring-session "${args[@]}"
fi
answer=n
if [ -t 0 ]; then
  read -r -p "Start the app under dbus-run-session with a throw-away, unlocked gnome-keyring? Cluster tokens you enter are lost when it quits, and the tokens of secrets you made before are not in it. [y/N] " answer || answer=n
fi
case $answer in
  y|Y|yes|YES)
    exec dbus-run-session -- "$0" --in-keyring-session "${args[@]}" ;;
  *)
    echo "run-app: starting without a keychain: secrets can be browsed but not used. Install and unlock" \
         "a Secret Service (gnome-keyring, KeePassXC, KWallet) in your session for normal use." >&2
    exec "$app" "${args[@]}" ;;
esac
