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
  [ui]="core kube provider store gateway leases"
  [app/gui]="core kube provider store gateway leases"
  [app/ctl]="core kube provider store gateway leases"
  [app/gateway]="core kube provider gatewayserver"
)
layers="core kube provider store gateway gatewayserver leases"
status=0
finding() { printf '%s\n' "$*"; status=1; }

sources() { find "$1" -type f \( -name '*.cpp' -o -name '*.h' \) 2>/dev/null | sort; }

# 1. Includes point down only.
for dir in "${!allowed[@]}"; do
  while IFS= read -r file; do
    while IFS=: read -r line target; do
      layer=${target%%/*}
      case " $layers " in *" $layer "*) ;; *) continue ;; esac
      case " ${allowed[$dir]} " in
        *" $layer "*) ;;
        *) finding "$file:$line: includes \"$target\", but $dir may only use: ${allowed[$dir]}" ;;
      esac
    done < <(grep -no '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"' "$file" | sed -E 's/^([0-9]+):.*"([^"]*)"$/\1:\2/')
  done < <(sources "$dir")
done
# ui/ and app/ headers are not for src/.
while IFS= read -r file; do
  while IFS=: read -r line target; do
    [ -e "ui/$target" ] && finding "$file:$line: includes the ui header \"$target\""
  done < <(grep -no '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"/]*"' "$file" | sed -E 's/^([0-9]+):.*"([^"]*)"$/\1:\2/')
done < <(sources src)

# 2. QtWidgets only in ui/ and app/gui/. The header names come from the
#    installed QtWidgets module, so a new widget class is caught as well.
widgets_dir=$(find /usr/include -maxdepth 3 -type d -name QtWidgets 2>/dev/null | head -n 1)
if [ -z "$widgets_dir" ]; then
  echo "check-layers: the QtWidgets headers are not installed; cannot check" >&2
  exit 2
fi
widget_headers=$(ls "$widgets_dir" | grep -E '^Q[A-Za-z]+$' | sort -u)
for dir in src app/ctl app/gateway; do
  while IFS= read -r file; do
    while IFS=: read -r line header; do
      header=${header#QtWidgets/}
      if [ "$header" = QtWidgets ] || grep -qx "$header" <<<"$widget_headers"; then
        finding "$file:$line: includes the QtWidgets header <$header>; widgets belong in ui/ or app/gui/"
      fi
    done < <(grep -no '^[[:space:]]*#[[:space:]]*include[[:space:]]*<[^>]*>' "$file" | sed -E 's/^([0-9]+):.*<([^>]*)>$/\1:\2/')
  done < <(sources "$dir")
done

# 3. SQL only in src/store/.
sql='QSql[A-Z][A-Za-z]*|<QtSql|"[^"]*\b(SELECT [^"]*FROM|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|INDEX|TRIGGER)|BEGIN IMMEDIATE|PRAGMA )'
for dir in src ui app; do
  while IFS= read -r file; do
    case "$file" in src/store/*) continue ;; esac
    # Until the gateway repository lands in store/ (issue 10), the one known offender.
    case "$file" in src/gateway/GatewayRegistry.cpp) [ -z "${KMS_STRICT_LAYERS:-}" ] && continue ;; esac
    while IFS=: read -r line _; do
      finding "$file:$line: SQL outside src/store/; use a repository there"
    done < <(grep -nE "$sql" "$file")
  done < <(sources "$dir")
done

[ $status -eq 0 ] && echo "check-layers: every include points down, widgets only in ui/ and app/gui/, SQL only in src/store/"
exit $status
