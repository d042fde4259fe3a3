#!/usr/bin/env bash
# Configures and builds into ./build (or $KMS_BUILD_DIR).
#   packaging/build.sh          the normal build (RelWithDebInfo, GCC)
#   packaging/build.sh --asan   every target under AddressSanitizer + UBSan
#                               (KMS_SANITIZE), into BUILD-asan; no benchmarks
#   packaging/build.sh --fuzz   the libFuzzer targets and what they link
#                               (KMS_FUZZ, clang), into BUILD-fuzz
# BUILD is $KMS_BUILD_DIR or ./build; cmake/KmsChecks.cmake has the flags.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}
case "${1:-}" in
  "") args=(-DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}") ;;
  --asan) build=$build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DKMS_SANITIZE=ON -DKMS_BENCHMARKS=OFF) ;;
  --fuzz) build=$build-fuzz; args=(-DCMAKE_BUILD_TYPE=Debug -DKMS_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: $0 [--asan|--fuzz]" >&2; exit 2 ;;
esac
# Share the compiler cache between checkouts of the tree.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
# Debug info embeds the build folder; without this, no checkout hits another's cache.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
# Room for the three builds' objects (normal, sanitized, fuzz), so one does not
# evict another's (ccache's default, 5 GB, is too small for all three).
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-12G}
cmake -S "$root" -B "$build" -G Ninja "${args[@]}" >/dev/null
cmake --build "$build" -j "${KMS_JOBS:-$(nproc)}"
