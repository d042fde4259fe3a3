#!/usr/bin/env bash
# The layering of DESIGN.md as a fact: fails (exit 1, one line per finding) when
#  - a file of src/<layer> includes a header of a layer that is not below it,
#  - app/ or ui/ includes a layer it must not see (the gateway server outside
#    app/gateway, the engine inside app/gateway),
#  - a QtWidgets header is included outside ui/ and app/gui/,
#  - SQL (QtSql or statements) appears outside src/store/.
# Usage: check-layers.sh [ROOT]   (default: the source tree this script is in)
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

declare -A allowed=(
  [src/core]="core"
  [src/kube]="core kube"
  [src/provider]="core kube provider"
  [src/store]="core store"
  [src/gateway]="core kube store gateway"
  [src/gatewayserver]="core kube provider gatewayserver"
  [src/leases]="core kube provider store gateway leases"
  [ui]="core kube provider gateway leases"  # the store only through the engine (leases/Engine)
  [app/gui]="core kube provider store gateway leases"
  [app/ctl]="core kube provider store gateway leases"
  [app/gateway]="core kube provider gatewayserver"
)
layers="core kube provider store gateway gatewayserver leases"
status=0
finding() { printf '%s\n' "$*"; status=1; }


# The folder a file belongs to, as a key of allowed (longest match first).
folder_of() {
  case "$1" in
    app/gui/*) echo app/gui ;; app/ctl/*) echo app/ctl ;; app/gateway/*) echo app/gateway ;;
    ui/*) echo ui ;; src/*/*) local rest=${1#src/}; echo "src/${rest%%/*}" ;; *) echo "" ;;
  esac
}

# One grep over the tree (spawning per file is slow on a loaded machine).
includes=$(grep -rnoE --include='*.cpp' --include='*.h' '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<][^">]*[">]' src ui app 2>/dev/null)

# 1. Includes point down only; ui/ headers are not for src/.
while IFS=: read -r file line text; do
  [ -n "$file" ] || continue
  case "$text" in *'"'*) ;; *) continue ;; esac
  target=${text#*\"}; target=${target%\"*}
  dir=$(folder_of "$file")
  if [[ "$target" == */* ]]; then
    layer=${target%%/*}
    case " $layers " in *" $layer "*) ;; *) continue ;; esac
    [ -n "$dir" ] && [ -n "${allowed[$dir]+x}" ] || continue
    case " ${allowed[$dir]} " in
      *" $layer "*) ;;
      *) finding "$file:$line: includes \"$target\", but $dir may only use: ${allowed[$dir]}" ;;
    esac
  elif [[ "$file" == src/* ]] && [ -e "ui/$target" ]; then
    finding "$file:$line: includes the ui header \"$target\""
  fi
done <<<"$includes"

# 2. QtWidgets only in ui/ and app/gui/. The header names come from the
#    installed QtWidgets module, so a new widget class is caught as well.
widgets_dir=$(find /usr/include -maxdepth 3 -type d -name QtWidgets 2>/dev/null | head -n 1)
if [ -z "$widgets_dir" ]; then
  echo "check-layers: the QtWidgets headers are not installed; cannot check" >&2
  exit 2
fi
declare -A widget_header=([QtWidgets]=1)
for h in "$widgets_dir"/Q*; do widget_header[${h##*/}]=1; done
while IFS=: read -r file line text; do
  [ -n "$file" ] || continue
  case "$file" in ui/* | app/gui/*) continue ;; esac
  case "$text" in *'<'*) ;; *) continue ;; esac
  header=${text#*<}; header=${header%>*}; header=${header#QtWidgets/}
  if [ -n "${widget_header[$header]+x}" ]; then
    finding "$file:$line: includes the QtWidgets header <$header>; widgets belong in ui/ or app/gui/"
  fi
done <<<"$includes"

# 3. SQL only in src/store/.
sql='QSql[A-Z][A-Za-z]*|<QtSql|"[^"]*\b(SELECT [^"]*FROM|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|INDEX|TRIGGER)|BEGIN IMMEDIATE|PRAGMA )'
while IFS=: read -r file line _; do
  [ -n "$file" ] || continue
  case "$file" in src/store/*) continue ;; esac
  finding "$file:$line: SQL outside src/store/; use a repository there"
done < <(grep -rnE --include='*.cpp' --include='*.h' "$sql" src ui app 2>/dev/null)

# 4. No Qt in hanzo-kmsctl's front (app/front) and the kernel keyring cache it
#    links (src/store/kernelcache): kubectl starts the front for every command,
#    and it must start without loading Qt. They include only each other.
while IFS=: read -r file line text; do
  [ -n "$file" ] || continue
  case "$file" in app/front/* | src/store/kernelcache/*) ;; *) continue ;; esac
  case "$text" in
    *'<Q'* | *'<q'[a-z]*) finding "$file:$line: includes Qt ($text); the front and src/store/kernelcache are plain C++" ;;
    *'"store/kernelcache/'*) ;;
    *'"'*) finding "$file:$line: includes $text; the front and src/store/kernelcache include only src/store/kernelcache" ;;
  esac
done <<<"$includes"

[ $status -eq 0 ] && echo "check-layers: every include points down, widgets only in ui/ and app/gui/, SQL only in src/store/, no Qt in app/front"
exit $status
