#!/usr/bin/env bash
# The test command of README.md and of CI (.ci/run). Installs what is missing,
# then, each stage a build and a run:
#   tests  ./build (or $KMS_BUILD_DIR): every test
#   asan   BUILD-asan, every target under AddressSanitizer + UBSan: every test
#          again; a sanitizer report from any process fails the run
#   fuzz   BUILD-fuzz, clang's libFuzzer: each fuzz target for
#          $KMS_FUZZ_SECONDS (default 20) from its corpus (packaging/run-fuzz.sh)
# Tests run under a private D-Bus session with an unlocked gnome-keyring
# (packaging/with-keyring.sh), so the real Secret Service path is exercised. Extra arguments go to every ctest
# run (e.g. -R unit_). KMS_CHECKS chooses the stages (default, and so CI:
# "tests asan fuzz"; KMS_CHECKS=tests for a quick run of the normal build only).
# The last lines give the time of each phase and the tests skipped, and why.
# The team-profile tests get a throw-away PostgreSQL server
# (packaging/test-postgres.sh), removed on exit; its URL is exported as
# KMS_TEST_DATABASE_URL. If it cannot start, the run fails (install-deps.sh
# installs the server, so CI never passes with those tests skipped); the
# team-profile tests then skip, saying so, and the last lines say why.
# KMS_POSTGRES=off runs without it, on purpose (the tests skip, saying so).
# Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KMS_BUILD_DIR:-$root/build}

# One ctest run in a private session with its own keyring (with-keyring.sh):
#   run-tests.sh --ctest BUILD [ctest args]
if [ "${1:-}" = "--ctest" ]; then
  cd "$2"
  shift 2
  exec ctest --output-on-failure -j "${KMS_TEST_JOBS:-2}" "$@"
fi

checks=${KMS_CHECKS:-tests asan fuzz}
wants() { [[ " $checks " == *" $1 "* ]]; }

phases=()
failed=()
ticks=$(getconf CLK_TCK)
# CPU seconds of this script's finished children (compilers, tests): with the
# wall time it shows how much of a phase was waiting for a busy machine.
child_cpu() {
  local stat
  read -ra stat </proc/$$/stat
  echo $(((stat[15] + stat[16]) / ticks))
}
# phase NAME COMMAND...: runs and times one phase; a failed build stops the
# run, a failed test run is reported and the next stage still runs.
phase() {
  local name=$1 start cpu status=0
  shift
  start=$(date +%s)
  cpu=$(child_cpu)
  echo "run-tests: == $name" >&2
  "$@" || status=$?
  phases+=("$(printf '%-12s %5ss wall %6ss cpu%s' "$name" "$(($(date +%s) - start))" "$(($(child_cpu) - cpu))" \
    "$([ $status -eq 0 ] || echo "  FAILED (exit $status)")")")
  if [ $status -ne 0 ]; then
    failed+=("$name")
    case $name in deps | build*) summary; exit $status ;; esac
  fi
  return 0
}

# QSKIP lines from CTest's log of every test's output, with the test's name.
skips() {
  local log=$1/Testing/Temporary/LastTest.log
  [ -f "$log" ] || return 0
  awk '/^[0-9]+\/[0-9]+ Testing: / { test = $3 }
       /^SKIP   : / { sub(/^SKIP   : /, ""); print "  " test ": " $0 }' "$log"
}

summary() {
  echo
  if [ -n "${postgres_problem:-}" ]; then
    echo "run-tests: no PostgreSQL server for the team-profile tests ($postgres_problem), so they were skipped."
  fi
  echo "run-tests: time per phase (total $(($(date +%s) - run_start))s):"
  printf '  %s\n' "${phases[@]}"
  local dir lines count
  for dir in "$build" "$build-asan"; do
    [ -f "$dir/Testing/Temporary/LastTest.log" ] && [ "$dir/Testing/Temporary/LastTest.log" -nt "$run_marker" ] || continue
    lines=$(skips "$dir")
    count=$(grep -c . <<<"$lines" || true)
    echo "run-tests: $count test function(s) skipped in $(basename "$dir")${lines:+:}"
    [ -z "$lines" ] || echo "$lines"
  done
  if ! kubectl create token --help >/dev/null 2>&1; then
    echo "run-tests: no kubectl with 'create token' on this machine (packaging/install-deps.sh says why), so the kubectl tests were skipped."
  fi
  if [ ${#failed[@]} -eq 0 ]; then
    echo "run-tests: all passed ($checks)."
  else
    echo "run-tests: FAILED: ${failed[*]}."
  fi
}

run_start=$(date +%s)
run_marker=$(mktemp)
postgres_dir=
cleanup() {
  rm -f "$run_marker"
  [ -z "$postgres_dir" ] || "$root/packaging/test-postgres.sh" stop "$postgres_dir"
}
trap cleanup EXIT

phase deps "$root/packaging/install-deps.sh"

# One server for every stage's tests, each test profile in a database of its own.
start_postgres() {
  local log
  if [ "${KMS_POSTGRES:-}" = off ]; then
    postgres_problem="KMS_POSTGRES=off"
    unset KMS_TEST_DATABASE_URL
    return 0
  fi
  postgres_dir=$(mktemp -d -t kms-postgres.XXXXXX)
  log=$(mktemp)
  if KMS_TEST_DATABASE_URL=$("$root/packaging/test-postgres.sh" start "$postgres_dir" 2>"$log"); then
    export KMS_TEST_DATABASE_URL
  else
    postgres_problem=$(tr '\n' ' ' <"$log" | sed 's/ *$//')
    unset KMS_TEST_DATABASE_URL
    echo "run-tests: the PostgreSQL test server did not start: $postgres_problem" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  return 0
}
if wants tests || wants asan; then
  phase postgres start_postgres
fi

if wants tests; then
  phase build "$root/packaging/build.sh"
  phase test "$root/packaging/with-keyring.sh" "$0" --ctest "$build" "$@"
fi

if wants asan; then
  phase build-asan "$root/packaging/build.sh" --asan
  # Every instrumented process (tests, the CLI and gateway they start,
  # kms-testcluster) writes its report to a file here as well as failing, so a
  # report from a child whose exit status no test reads still fails the run.
  reports=$build-asan/sanitizer-reports
  rm -rf "$reports"
  mkdir -p "$reports"
  # Allocation stacks use the fast (frame pointer) unwinder: the slow one made
  # every malloc several times dearer and the suite too slow for CI. A leak
  # whose stack stops inside a library built without frame pointers (OpenSSL)
  # is re-run by hand with ASAN_OPTIONS=fast_unwind_on_malloc=0 for the whole stack.
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=0:log_path=$reports/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
  export LSAN_OPTIONS="suppressions=$root/packaging/lsan-suppressions.txt:print_suppressions=0"
  sanitizer_reports() {
    if compgen -G "$reports/*" >/dev/null; then
      echo "run-tests: sanitizer reports in $reports:" >&2
      cat "$reports"/* >&2
      return 1
    fi
  }
  # The checks that instrument nothing (format, arch, the packages, each GUI
  # test alone) run once, in the normal stage. The sanitized suite waits more
  # than it computes (0.6 of a core per 2 jobs in the first whole run), so it
  # runs more tests at once; its time bounds are scaled (TestSupport.h).
  phase test-asan env KMS_TEST_JOBS="${KMS_ASAN_TEST_JOBS:-4}" "$root/packaging/with-keyring.sh" "$0" --ctest "$build-asan" \
    -LE '^(format|arch)$' -E '^(integration_packaging|gui_each_alone)$' "$@"
  phase reports-asan sanitizer_reports
  unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
fi

if wants fuzz; then
  phase build-fuzz "$root/packaging/build.sh" --fuzz
  phase fuzz "$root/packaging/run-fuzz.sh" "${KMS_FUZZ_SECONDS:-20}"
fi

summary
[ ${#failed[@]} -eq 0 ]
