#pragma once

#include <QString>

namespace kms {

// What --version prints on every binary: our version and the libraries in use.
struct BuildInfo {
    static QString version();
    // "hanzo-kmsctl 0.1.0 (Qt 6.4.2, QtKeychain 0.13.2, OpenSSL 3.0.x)"
    static QString versionLine(const QString &program);
};

} // namespace kms
