#!/usr/bin/env bash
# Saves the work of helper worktrees, committed or not, without touching them
# (their HEAD, index and files stay as they are, so a helper can go on), as
# refs/heads/wip/NAME in the repository, then writes every wip/* branch into
# wip/unlanded.bundle of the checkout it runs from. Usage:
#   tools/snapshot-wip.sh /work/wt/a /work/wt/b ...
# Bring one back later: git fetch wip/unlanded.bundle 'refs/heads/wip/*:refs/remotes/wip/*'
set -euo pipefail
here=$(git rev-parse --show-toplevel)
for wt in "$@"; do
  name=$(basename "$wt")
  index=$(mktemp)
  (
    cd "$wt"
    cp "$(git rev-parse --git-dir)/index" "$index"
    export GIT_INDEX_FILE=$index
    git add -A
    tree=$(git write-tree)
    head=$(git rev-parse HEAD)
    if [ "$tree" = "$(git rev-parse "HEAD^{tree}")" ]; then
      commit=$head
    else
      commit=$(git commit-tree "$tree" -p "$head" -m "WIP $name: uncommitted work saved by tools/snapshot-wip.sh (not built or tested as a whole)")
    fi
    git update-ref "refs/heads/wip/$name" "$commit"
    echo "snapshot-wip: wip/$name = $(git rev-parse --short "$commit") ($(git log --oneline main..HEAD | wc -l) commits on main + uncommitted work)"
  )
  rm -f "$index"
done
mkdir -p "$here/wip"
# Only what main lacks: the bundle needs main's history, which the repository has.
git -C "$here" bundle create "$here/wip/unlanded.bundle" $(git -C "$here" for-each-ref --format='%(refname)' refs/heads/wip/) --not main 2>&1 | tail -1
