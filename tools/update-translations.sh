#!/usr/bin/env bash
# Updates translations/hanzo-kms_en.ts from the sources (lupdate, texts with a
# count only: English needs nothing else), then fills the English singular and
# plural forms of the new ones by reading "(s)" as "" and "s". Check the new
# entries (verbs such as "was"/"were" need a hand) and commit the file;
# tests/unit/tst_translations fails while one is unfinished.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ts=$root/translations/hanzo-kms_en.ts
lupdate=$(command -v lupdate || echo /usr/lib/qt6/bin/lupdate)
"$lupdate" -silent -pluralonly -no-obsolete -locations none -source-language en -target-language en \
  "$root/src" "$root/app" "$root/ui" -ts "$ts"
python3 - "$ts" <<'PY'
import sys, xml.etree.ElementTree as ET
path = sys.argv[1]
tree = ET.parse(path)
filled = 0
for message in tree.iter('message'):
    if message.get('numerus') != 'yes':
        continue
    translation = message.find('translation')
    if translation is None or translation.get('type') != 'unfinished':
        continue
    source = message.find('source').text
    for form in list(translation):
        translation.remove(form)
    for text in (source.replace('(s)', ''), source.replace('(s)', 's')):
        ET.SubElement(translation, 'numerusform').text = text
    del translation.attrib['type']
    filled += 1
tree.write(path, encoding='utf-8', xml_declaration=True)
print(f"update-translations: {filled} new text(s) filled; check them in {path}")
PY
