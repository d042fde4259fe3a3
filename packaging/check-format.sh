#!/usr/bin/env bash
# Fails when a C++ file of the project does not match .clang-format.
# Fix with: git ls-files '*.cpp' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (packaging/install-deps.sh installs it)" >&2; exit 1; }
bad=()
while IFS= read -r f; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find app src ui tests -name '*.cpp' -o -name '*.h')
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format: not formatted with .clang-format:\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: all files match .clang-format"
