#!/usr/bin/env bash
# Pauses (STOP) or resumes (CONT) every process working in the given worktrees,
# so a landing build gets the machine's two cores. Usage:
#   tools/pause-others.sh STOP|CONT /work/wt/a /work/wt/b ...
sig=$1; shift
for wt in "$@"; do
  for pid in $(pgrep -f "$wt/" ); do kill -"$sig" "$pid" 2>/dev/null || true; done
  # Processes whose working directory is in the worktree (compilers run there).
  for d in /proc/[0-9]*; do
    cwd=$(readlink "$d/cwd" 2>/dev/null) || continue
    [[ $cwd == "$wt"* ]] && kill -"$sig" "${d#/proc/}" 2>/dev/null || true
  done
done
