#include "kube/JwtClaims.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace kms {

std::optional<JwtClaims> JwtClaims::decode(const QByteArray &token, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<JwtClaims> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QList<QByteArray> parts = token.trimmed().split('.');
    if (parts.size() != 3)
        return fail(QStringLiteral("The token is not a JWT (expected three dot-separated parts)."));
    const auto decoded = QByteArray::fromBase64Encoding(
        parts.at(1), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return fail(QStringLiteral("The token's payload is not base64url."));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(*decoded, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return fail(QStringLiteral("The token's payload is not a JSON object."));
    const QJsonObject o = doc.object();

    JwtClaims c;
    c.issuer = o.value(QLatin1String("iss")).toString();
    c.subject = o.value(QLatin1String("sub")).toString();
    const QJsonValue aud = o.value(QLatin1String("aud"));
    if (aud.isArray()) {
        for (const QJsonValue &v : aud.toArray())
            c.audiences << v.toString();
    } else if (aud.isString()) {
        c.audiences << aud.toString();
    }
    auto time = [&o](const char *key) {
        const QJsonValue v = o.value(QLatin1String(key));
        return v.isDouble() ? QDateTime::fromSecsSinceEpoch(qint64(v.toDouble()), Qt::UTC) : QDateTime();
    };
    c.issuedAt = time("iat");
    c.expiresAt = time("exp");
    c.jti = o.value(QLatin1String("jti")).toString();
    const QJsonObject k8s = o.value(QLatin1String("kubernetes.io")).toObject();
    c.namespaceName = k8s.value(QLatin1String("namespace")).toString();
    const QJsonObject sa = k8s.value(QLatin1String("serviceaccount")).toObject();
    c.serviceAccountName = sa.value(QLatin1String("name")).toString();
    c.serviceAccountUid = sa.value(QLatin1String("uid")).toString();
    c.boundSecretName = k8s.value(QLatin1String("secret")).toObject().value(QLatin1String("name")).toString();
    if (!c.expiresAt.isValid())
        return fail(QStringLiteral("The token has no expiry (exp) claim."));
    return c;
}

} // namespace kms
