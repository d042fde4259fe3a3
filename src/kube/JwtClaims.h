#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// The claims of a Kubernetes service account token, read without checking
// the signature (the API server does that; we only need exp and jti to record
// what was issued).
struct JwtClaims {
    QString issuer;
    QString subject;
    QStringList audiences;
    QDateTime issuedAt;
    QDateTime expiresAt;
    QString jti;
    QString namespaceName;
    QString serviceAccountName;
    QString serviceAccountUid;
    QString boundSecretName;

    // nullopt and error set when the text is not a JWT with a JSON payload.
    static std::optional<JwtClaims> decode(const QByteArray &token, QString *error = nullptr);
};

} // namespace kms
