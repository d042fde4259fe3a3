#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>

namespace kms {

// kubectl's exec credential plugin protocol (client.authentication.k8s.io/v1):
// the plugin prints an ExecCredential on stdout; kubectl describes itself in
// $KUBERNETES_EXEC_INFO.
struct ExecCredential {
    static inline const QString ApiVersion = QStringLiteral("client.authentication.k8s.io/v1");
    // What kubectl may put in KUBERNETES_EXEC_INFO; larger is refused.
    static constexpr qsizetype MaxExecInfoBytes = 64 * 1024;

    // {"apiVersion":...,"kind":"ExecCredential","spec":{},"status":{"expirationTimestamp":...,"token":...}},
    // compact, with a newline. kubectl uses the token until expiresAt, then runs the plugin again.
    static QByteArray json(const QByteArray &token, const QDateTime &expiresAt);

    // Why kubectl's KUBERNETES_EXEC_INFO cannot be answered (another
    // apiVersion, malformed, too large); empty when it can, or when it is unset.
    static QString execInfoProblem(const QByteArray &execInfo);
};

} // namespace kms
