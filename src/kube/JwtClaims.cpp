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
    // NumericDate: seconds since 1970. A number no calendar date between 1970
    // and 9999 has counts as no time (converting 1e300 to qint64 is undefined).
    constexpr double LastSecondOf9999 = 253402300799.0;
    auto inRange = [](const QJsonValue &v) {
        return v.isDouble() && v.toDouble() >= 0 && v.toDouble() <= LastSecondOf9999;
    };
    auto time = [&o, &inRange](const char *key) {
        const QJsonValue v = o.value(QLatin1String(key));
        return inRange(v) ? QDateTime::fromSecsSinceEpoch(qint64(v.toDouble()), Qt::UTC) : QDateTime();
    };
    c.issuedAt = time("iat");
    c.expiresAt = time("exp");
    if (o.value(QLatin1String("exp")).isDouble() && !inRange(o.value(QLatin1String("exp"))))
        return fail(QStringLiteral("The token's expiry (exp) is not a time between 1970 and 9999."));
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
