#!/usr/bin/env bash
# Runs every test function of the given Qt Test executables on its own
# (EXE FUNCTION), so a test that passes only after the tests before it in the
# suite shows up. Usage: each-alone.sh EXE...   Exit 1 if any function fails alone.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 EXE..." >&2; exit 2; }
failed=()
total=0
for exe in "$@"; do
  mapfile -t functions < <("$exe" -functions | sed -n 's/()$//p')
  [ ${#functions[@]} -gt 0 ] || { echo "each-alone: $exe lists no test functions" >&2; exit 2; }
  for f in "${functions[@]}"; do
    total=$((total + 1))
    if ! out=$("$exe" "$f" 2>&1); then
      failed+=("$(basename "$exe") $f")
      printf '%s\n' "$out" | grep -E '^(FAIL!|   Loc:|QFATAL|QWARN)' | head -n 10 >&2
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "each-alone: ${#failed[@]} of $total test function(s) fail when run alone:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "each-alone: all $total test function(s) pass when run alone"
