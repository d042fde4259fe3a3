#!/usr/bin/env bash
# Lands a branch on main: rebase onto main, clean stale moc output, build,
# run the given tests, then move main with a compare-and-swap (update-ref with
# the old value), so two landings cannot overwrite each other.
# Usage: tools/land.sh WORKTREE [ctest -R pattern]   (run from any checkout)
set -euo pipefail
wt=$(cd "$1" && pwd); pattern=${2:-.}
cd "$wt"
branch=$(git symbolic-ref --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || { echo "land: $wt has uncommitted changes" >&2; exit 1; }
git rebase main
old=$(git rev-parse main)
git merge-base --is-ancestor "$old" HEAD || { echo "land: $branch is not on top of main" >&2; exit 1; }
rm -rf "$wt"/build/*/*_autogen "$wt"/build/*/*/*_autogen 2>/dev/null || true
export KMS_BUILD_DIR=$wt/build
KMS_CHECKS=tests "$wt/packaging/run-tests.sh" -R "$pattern"
git update-ref refs/heads/main HEAD "$old"
echo "land: main is now $(git rev-parse --short HEAD) ($branch)"
