#!/usr/bin/env bash
# Configures and builds into ./build (or $KMS_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}
# Share the compiler cache between checkouts of the tree.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
# Debug info embeds the build folder; without this, no checkout hits another's cache.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$build" -j "${KMS_JOBS:-$(nproc)}"
