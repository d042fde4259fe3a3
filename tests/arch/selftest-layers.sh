#!/usr/bin/env bash
# check-layers.sh must catch each kind of violation: copies a minimal tree,
# adds one violation at a time and expects exit 1 naming the file.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail=0
expect_violation() {  # name file content
  rm -rf "$work/t"; mkdir -p "$work/t/src/core" "$work/t/src/store/kernelcache" "$work/t/src/kube" "$work/t/ui" "$work/t/app/ctl" "$work/t/app/front"
  echo '#include "core/Names.h"' > "$work/t/src/kube/Ok.cpp"
  touch "$work/t/ui/MainWindow.h"
  printf '%s\n' "$3" > "$work/t/$2"
  out=$("$here/check-layers.sh" "$work/t"); rc=$?
  if [ $rc -ne 1 ] || ! grep -q "^$2:" <<<"$out"; then echo "selftest: $1 was not caught (exit $rc): $out"; fail=1; fi
}
expect_violation "upward include" src/core/Bad.cpp '#include "store/Database.h"'
expect_violation "sideways include" src/store/Bad.cpp '#include "kube/KubeClient.h"'
expect_violation "widgets in the CLI" app/ctl/Bad.cpp '#include <QLineEdit>'
expect_violation "widgets in src" src/kube/Bad.h '#include <QtWidgets/QWidget>'
expect_violation "QtSql outside store" src/kube/Bad.cpp 'QSqlQuery query;'
expect_violation "SQL text outside store" ui/Bad.cpp 'auto q = "SELECT id FROM leases";'
expect_violation "store from the ui" ui/Bad.cpp '#include "store/Database.h"'
expect_violation "ui header in src" src/kube/Bad.cpp '#include "MainWindow.h"'
expect_violation "Qt in the front" app/front/main.cpp '#include <QString>'
expect_violation "a Qt layer in the front" app/front/main.cpp '#include "store/Database.h"'
expect_violation "Qt in the kernel cache" src/store/kernelcache/Bad.cpp '#include <QtCore/QByteArray>'
# And a clean tree passes.
rm -rf "$work/t"; mkdir -p "$work/t/src/kube"; echo '#include "core/Names.h"' > "$work/t/src/kube/Ok.cpp"
"$here/check-layers.sh" "$work/t" >/dev/null || { echo "selftest: a clean tree failed"; fail=1; }
[ $fail -eq 0 ] && echo "selftest: every kind of violation is caught"
exit $fail
