#!/usr/bin/env bash
# Runs each libFuzzer target of the fuzz build (packaging/build.sh --fuzz)
# for a bounded time from its corpus, tests/fuzz/corpus/NAME/, two at a time.
# New inputs that add coverage are written to BUILD-fuzz/corpus/NAME, not to
# the repository (copy the useful ones in by hand). A crash, leak, hang
# (over 10 s) or failed check stops that target with the input saved in
# BUILD-fuzz/findings/NAME/; the run then fails and says how to repeat it.
# Keep every such input as a test case: add it to tests/fuzz/corpus/NAME/
# (CTest replays the corpus in every build) and fix the parser.
# Usage: run-fuzz.sh [SECONDS [NAME...]]   (default 20 s, every target)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzzbuild=${KMS_BUILD_DIR:-$root/build}-fuzz
seconds=${1:-20}
shift || true
if [ $# -gt 0 ]; then
  names=("$@")
else
  mapfile -t names < <(cd "$root/tests/fuzz/corpus" && ls -d -- */ | tr -d /)
fi

run_one() {
  local name=$1 exe=$fuzzbuild/tests/fuzz/fuzzer_$1
  local work=$fuzzbuild/corpus/$name findings=$fuzzbuild/findings/$name log=$fuzzbuild/fuzz-$name.log
  [ -x "$exe" ] || { echo "run-fuzz: $exe is missing; build it with packaging/build.sh --fuzz" >&2; return 1; }
  mkdir -p "$work" "$findings"
  local dict=()
  [ -f "$root/tests/fuzz/corpus/$name.dict" ] && dict=(-dict="$root/tests/fuzz/corpus/$name.dict")
  if "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "${dict[@]}" "$work" "$root/tests/fuzz/corpus/$name" >"$log" 2>&1; then
    echo "run-fuzz: $name: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$') runs in ${seconds}s, no finding"
  else
    echo "run-fuzz: $name FAILED; the end of $log:" >&2
    tail -n 40 "$log" >&2
    echo "run-fuzz: repeat with: $exe $findings/<file>; then keep the file in tests/fuzz/corpus/$name/" >&2
    return 1
  fi
}
export -f run_one
export root fuzzbuild seconds
printf '%s\n' "${names[@]}" | xargs -P "${KMS_JOBS:-$(nproc)}" -I{} bash -c 'run_one "$1"' _ {}
