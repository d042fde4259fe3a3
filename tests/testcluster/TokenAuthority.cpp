#include "TokenAuthority.h"

#include "ApiError.h"
#include "Pki.h"
#include "ResourceType.h"
#include "Store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

namespace kms::testcluster {

namespace {

QByteArray b64url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

const ResourceType &type(const char *plural)
{
    return *findResource({}, QStringLiteral("v1"), QString::fromLatin1(plural));
}

QString metaString(const QJsonObject &o, const char *key)
{
    return o.value(QStringLiteral("metadata")).toObject().value(QLatin1String(key)).toString();
}

UserInfo serviceAccountUser(const QString &ns, const QString &name, const QString &uid)
{
    UserInfo u;
    u.name = QStringLiteral("system:serviceaccount:%1:%2").arg(ns, name);
    u.uid = uid;
    u.groups = QStringList { QStringLiteral("system:serviceaccounts"),
        QStringLiteral("system:serviceaccounts:") + ns, QStringLiteral("system:authenticated") };
    return u;
}

} // namespace

TokenAuthority::TokenAuthority(const Pki &pki, const Store &store, QString issuer)
    : m_pki(pki)
    , m_store(store)
    , m_issuer(std::move(issuer))
{
}

QString TokenAuthority::sign(const QJsonObject &claims) const
{
    const QJsonObject header { { QStringLiteral("alg"), QStringLiteral("RS256") },
        { QStringLiteral("kid"), m_pki.keyId() } };
    const QByteArray signingInput = b64url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + b64url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    return QString::fromLatin1(signingInput + '.' + b64url(m_pki.signRs256(signingInput)));
}

QString TokenAuthority::issue(const QJsonObject &serviceAccount, const QStringList &audiences,
    const QDateTime &issuedAt, qint64 expirationSeconds, const std::optional<BoundObject> &bound,
    QString *jti) const
{
    const QString ns = metaString(serviceAccount, "namespace");
    const QString name = metaString(serviceAccount, "name");
    const qint64 iat = issuedAt.toSecsSinceEpoch();
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QJsonObject kube { { QStringLiteral("namespace"), ns },
        { QStringLiteral("serviceaccount"),
            QJsonObject { { QStringLiteral("name"), name },
                { QStringLiteral("uid"), metaString(serviceAccount, "uid") } } } };
    if (bound) {
        kube.insert(bound->kind.toLower(),
            QJsonObject { { QStringLiteral("name"), bound->name }, { QStringLiteral("uid"), bound->uid } });
    }
    const QJsonObject claims { { QStringLiteral("aud"), QJsonArray::fromStringList(audiences) },
        { QStringLiteral("exp"), double(iat + expirationSeconds) }, { QStringLiteral("iat"), double(iat) },
        { QStringLiteral("iss"), m_issuer }, { QStringLiteral("jti"), id },
        { QStringLiteral("kubernetes.io"), kube }, { QStringLiteral("nbf"), double(iat) },
        { QStringLiteral("sub"), QStringLiteral("system:serviceaccount:%1:%2").arg(ns, name) } };
    if (jti)
        *jti = id;
    return sign(claims);
}

QString TokenAuthority::issueLegacy(const QJsonObject &serviceAccount, const QString &secretName) const
{
    const QString ns = metaString(serviceAccount, "namespace");
    const QString name = metaString(serviceAccount, "name");
    const QJsonObject claims { { QStringLiteral("iss"), QString::fromLatin1(kLegacyIssuer) },
        { QStringLiteral("kubernetes.io/serviceaccount/namespace"), ns },
        { QStringLiteral("kubernetes.io/serviceaccount/secret.name"), secretName },
        { QStringLiteral("kubernetes.io/serviceaccount/service-account.name"), name },
        { QStringLiteral("kubernetes.io/serviceaccount/service-account.uid"),
            metaString(serviceAccount, "uid") },
        { QStringLiteral("sub"), QStringLiteral("system:serviceaccount:%1:%2").arg(ns, name) } };
    return sign(claims);
}

QJsonObject TokenAuthority::verifiedClaims(const QString &token) const
{
    const QStringList parts = token.split(u'.');
    if (parts.size() != 3)
        return {};
    const QByteArray signature = QByteArray::fromBase64(parts[2].toLatin1(), QByteArray::Base64UrlEncoding);
    if (!m_pki.verifyRs256((parts[0] + u'.' + parts[1]).toLatin1(), signature))
        return {};
    return QJsonDocument::fromJson(QByteArray::fromBase64(parts[1].toLatin1(), QByteArray::Base64UrlEncoding))
        .object();
}

TokenAuthority::Result TokenAuthority::authenticate(
    const QString &token, QStringList targetAudiences, const QDateTime &now) const
{
    Result result;
    const QStringList parts = token.split(u'.');
    if (parts.size() != 3)
        return result;
    QJsonParseError parseError;
    const QJsonObject header = QJsonDocument::fromJson(
        QByteArray::fromBase64(parts[0].toLatin1(), QByteArray::Base64UrlEncoding), &parseError)
                                   .object();
    const QJsonObject claims
        = QJsonDocument::fromJson(QByteArray::fromBase64(parts[1].toLatin1(), QByteArray::Base64UrlEncoding))
              .object();
    if (header.isEmpty() || claims.isEmpty())
        return result;
    const QString iss = claims.value(QStringLiteral("iss")).toString();
    const bool legacy = iss == QLatin1String(kLegacyIssuer);
    if (!legacy && iss != m_issuer)
        return result; // not ours: no opinion
    const QByteArray signature = QByteArray::fromBase64(parts[2].toLatin1(), QByteArray::Base64UrlEncoding);
    if (header.value(QStringLiteral("alg")).toString() != QStringLiteral("RS256")
        || !m_pki.verifyRs256((parts[0] + u'.' + parts[1]).toLatin1(), signature)) {
        result.error = QStringLiteral("go-jose/go-jose: error in cryptographic primitive");
        return result;
    }

    // Audiences: a token without any (legacy) is implicitly for the API server.
    QStringList tokenAudiences;
    const QJsonValue aud = claims.value(QStringLiteral("aud"));
    if (aud.isString())
        tokenAudiences << aud.toString();
    for (const QJsonValue &a : aud.toArray())
        tokenAudiences << a.toString();
    if (tokenAudiences.isEmpty())
        tokenAudiences = apiAudiences();
    if (targetAudiences.isEmpty())
        targetAudiences = apiAudiences();
    QStringList matched;
    for (const QString &a : tokenAudiences) {
        if (targetAudiences.contains(a) && !matched.contains(a))
            matched << a;
    }
    if (matched.isEmpty()) {
        result.error = QStringLiteral("token audiences %1 is invalid for the target audiences %2")
                           .arg(goQuoteList(tokenAudiences), goQuoteList(targetAudiences));
        return result;
    }

    if (legacy) {
        const QString ns = claims.value(QStringLiteral("kubernetes.io/serviceaccount/namespace")).toString();
        const QString secretName
            = claims.value(QStringLiteral("kubernetes.io/serviceaccount/secret.name")).toString();
        const QString saName
            = claims.value(QStringLiteral("kubernetes.io/serviceaccount/service-account.name")).toString();
        const QString saUid
            = claims.value(QStringLiteral("kubernetes.io/serviceaccount/service-account.uid")).toString();
        const auto secret = m_store.get(type("secrets"), ns, secretName);
        if (!secret) {
            result.error = QStringLiteral("token has been invalidated");
            return result;
        }
        const QByteArray stored = QByteArray::fromBase64(secret->value(QStringLiteral("data"))
                                                             .toObject()
                                                             .value(QStringLiteral("token"))
                                                             .toString()
                                                             .toLatin1());
        if (stored != token.toLatin1()) {
            result.error = QStringLiteral("token does not match server's copy");
            return result;
        }
        const auto sa = m_store.get(type("serviceaccounts"), ns, saName);
        if (!sa) {
            result.error = ApiError::notFound({}, QStringLiteral("serviceaccounts"), saName).message();
            return result;
        }
        if (metaString(*sa, "uid") != saUid) {
            result.error = QStringLiteral("service account UID (%1) does not match claim (%2)")
                               .arg(metaString(*sa, "uid"), saUid);
            return result;
        }
        // LegacyServiceAccountTokenCleanUp marks unused tokens invalid with this label.
        const QString invalidSince = QStringLiteral("kubernetes.io/legacy-token-invalid-since");
        if (!secret->value(QStringLiteral("metadata"))
                 .toObject()
                 .value(QStringLiteral("labels"))
                 .toObject()
                 .value(invalidSince)
                 .toString()
                 .isEmpty()) {
            result.error = QStringLiteral(
                "the token in secret %1/%2 for service account %1/%3 has been marked invalid. "
                "Use tokens from the TokenRequest API or manually created secret-based tokens, "
                "or remove the '%4' label from the secret to re-enable it")
                               .arg(ns, secretName, saName, invalidSince);
            return result;
        }
        for (const QJsonValue &ref : sa->value(QStringLiteral("secrets")).toArray()) {
            if (ref.toObject().value(QStringLiteral("name")).toString() == secretName)
                result.legacyAutoGenerated = true;
        }
        result.legacySecretNamespace = ns;
        result.legacySecretName = secretName;
        result.authenticated = true;
        result.user = serviceAccountUser(ns, saName, saUid);
        result.audiences = matched;
        return result;
    }

    // Time, with go-jose's default leeway of one minute.
    const qint64 t = now.toSecsSinceEpoch();
    const qint64 leeway = 60;
    if (claims.contains(QStringLiteral("exp"))
        && t > qint64(claims.value(QStringLiteral("exp")).toDouble()) + leeway) {
        result.error = QStringLiteral("service account token has expired");
        return result;
    }
    if (claims.contains(QStringLiteral("nbf"))
        && t + leeway < qint64(claims.value(QStringLiteral("nbf")).toDouble())) {
        result.error = QStringLiteral("service account token is not valid yet");
        return result;
    }
    if (claims.contains(QStringLiteral("iat"))
        && t + leeway < qint64(claims.value(QStringLiteral("iat")).toDouble())) {
        result.error = QStringLiteral("service account token is issued in the future");
        return result;
    }
    const QJsonObject kube = claims.value(QStringLiteral("kubernetes.io")).toObject();
    const QString ns = kube.value(QStringLiteral("namespace")).toString();
    const QJsonObject saRef = kube.value(QStringLiteral("serviceaccount")).toObject();
    const QString saName = saRef.value(QStringLiteral("name")).toString();
    const QString saUid = saRef.value(QStringLiteral("uid")).toString();
    const auto sa = m_store.get(type("serviceaccounts"), ns, saName);
    if (!sa) {
        result.error = ApiError::notFound({}, QStringLiteral("serviceaccounts"), saName).message();
        return result;
    }
    if (metaString(*sa, "uid") != saUid) {
        result.error = QStringLiteral("service account UID (%1) does not match claim (%2)")
                           .arg(metaString(*sa, "uid"), saUid);
        return result;
    }
    UserInfo user = serviceAccountUser(ns, saName, saUid);
    for (const auto &[key, plural] :
        { std::pair { "secret", "secrets" }, std::pair { "pod", "pods" }, std::pair { "node", "nodes" } }) {
        const QJsonObject ref = kube.value(QLatin1String(key)).toObject();
        if (ref.isEmpty())
            continue;
        const bool namespaced = QLatin1String(key) != QLatin1String("node");
        const auto object = m_store.get(
            type(plural), namespaced ? ns : QString(), ref.value(QStringLiteral("name")).toString());
        if (!object || metaString(*object, "uid") != ref.value(QStringLiteral("uid")).toString()) {
            result.error = QStringLiteral("service account token has been invalidated");
            return result;
        }
        if (QLatin1String(key) == QLatin1String("pod")) {
            user.extra.insert(QStringLiteral("authentication.kubernetes.io/pod-name"),
                QJsonArray { ref.value(QStringLiteral("name")) });
            user.extra.insert(QStringLiteral("authentication.kubernetes.io/pod-uid"),
                QJsonArray { ref.value(QStringLiteral("uid")) });
        }
        if (QLatin1String(key) == QLatin1String("node")) {
            user.extra.insert(QStringLiteral("authentication.kubernetes.io/node-name"),
                QJsonArray { ref.value(QStringLiteral("name")) });
            user.extra.insert(QStringLiteral("authentication.kubernetes.io/node-uid"),
                QJsonArray { ref.value(QStringLiteral("uid")) });
        }
    }
    const QString jti = claims.value(QStringLiteral("jti")).toString();
    if (!jti.isEmpty()) {
        user.extra.insert(QStringLiteral("authentication.kubernetes.io/credential-id"),
            QJsonArray { QStringLiteral("JTI=") + jti });
    }
    result.authenticated = true;
    result.user = user;
    result.audiences = matched;
    return result;
}

} // namespace kms::testcluster
