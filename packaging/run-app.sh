#!/usr/bin/env bash
# The run command of README.md: installs what is missing, builds, and starts
# the app (against the local demo cluster when no profile exists yet).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/packaging/install-deps.sh"
"$root/packaging/build.sh"
build=${KMS_BUILD_DIR:-$root/build}
exec "$build/app/hanzo-kms" "$@"
