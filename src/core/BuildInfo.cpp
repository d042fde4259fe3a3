#include "core/BuildInfo.h"

#include "BuildConfig.h"

#include <openssl/crypto.h>

#include <QtGlobal>

namespace kms {

QString BuildInfo::version()
{
    return QStringLiteral(KMS_VERSION);
}

QString BuildInfo::versionLine(const QString &program)
{
    // keychain.h's QTKEYCHAIN_VERSION is stale upstream; CMake's package version is right.
    const QString keychain = QStringLiteral(KMS_QTKEYCHAIN_VERSION);
    return QStringLiteral("%1 %2 (Qt %3, QtKeychain %4, %5)")
        .arg(program, version(), QString::fromLatin1(qVersion()), keychain,
            QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION)));
}

} // namespace kms
