#pragma once

#include <QString>
#include <QStringView>

namespace kms {

// Values from outside (a name typed on the command line, a server's Status
// message, a kubeconfig's field) quoted in a message for people: control
// characters are shown as escapes, so they cannot move the cursor, colour a
// terminal, fake a second line or hide text.
//   "\n" -> \n, "\r" -> \r, "\t" -> \t, ESC -> \x1b, other C0/DEL -> \xNN,
//   C1 controls, format characters (bidi overrides, zero-width) and line or
//   paragraph separators -> \u{NNNN}.
// Backslashes are kept as they are, so escaping twice changes nothing: a
// message built from escaped parts can be escaped again where it is printed.
QString escapeControls(QStringView text);

// "\"" + escapeControls(text) + "\"".
QString quoted(QStringView text);

} // namespace kms
