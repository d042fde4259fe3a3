#!/usr/bin/env bash
# Renders the application icon's PNG sizes from its SVG source, into
# resources/icons/hicolor/<size>x<size>/apps/. The PNGs are committed, so the
# build does not need librsvg; run this (apt-get install librsvg2-bin) after
# editing resources/icons/ai.hanzo.KmsDesktop.svg and commit the result. It
# also writes the Windows .ico (ImageMagick) that packaging/windows/ uses.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
id=ai.hanzo.KmsDesktop
svg=$root/resources/icons/$id.svg
command -v rsvg-convert >/dev/null || { echo "render-icons: rsvg-convert is missing; apt-get install librsvg2-bin" >&2; exit 1; }
for size in 16 22 24 32 48 64 128 256; do
  out=$root/resources/icons/hicolor/${size}x${size}/apps/$id.png
  mkdir -p "$(dirname "$out")"
  rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio "$svg" --output "$out"
done
echo "render-icons: wrote $root/resources/icons/hicolor/*/apps/$id.png"

# Windows: one .ico with the sizes Explorer uses (ImageMagick).
if command -v convert >/dev/null; then
  ico=$root/resources/icons/$id.ico
  convert $(for size in 16 24 32 48 64 128 256; do printf '%s ' "$root/resources/icons/hicolor/${size}x${size}/apps/$id.png"; done) "$ico"
  echo "render-icons: wrote $ico"
else
  echo "render-icons: ImageMagick's convert is missing; $id.ico not updated" >&2
fi
