#pragma once

#include "Rbac.h"

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>

#include <functional>

namespace kms::testcluster {

class Pki;
class Store;

// Issues service account JWTs and authenticates bearer tokens the way
// kube-apiserver's service account authenticators do (pkg/serviceaccount).
class TokenAuthority {
public:
    static constexpr const char *kLegacyIssuer = "kubernetes/serviceaccount";

    TokenAuthority(const Pki &pki, const Store &store, QString issuer);

    QString issuer() const { return m_issuer; }
    // The API server's own audiences (--api-audiences; default: the issuer).
    QStringList apiAudiences() const { return { m_issuer }; }

    struct BoundObject {
        QString kind; // Secret, Pod, Node
        QString name;
        QString uid;
    };
    // A bound token (TokenRequest). Returns the JWT; jti through *jti.
    QString issue(const QJsonObject &serviceAccount, const QStringList &audiences, const QDateTime &issuedAt,
        qint64 expirationSeconds, const std::optional<BoundObject> &bound, QString *jti = nullptr) const;
    // A legacy token for a kubernetes.io/service-account-token Secret.
    QString issueLegacy(const QJsonObject &serviceAccount, const QString &secretName) const;

    struct Result {
        bool authenticated = false;
        UserInfo user;
        QStringList audiences; // the token's audiences that matched
        QString error; // empty when no authenticator recognised the token
    };
    // targetAudiences empty: the API audiences.
    Result authenticate(const QString &token, QStringList targetAudiences, const QDateTime &now) const;

    // Decodes a JWT's payload after checking its signature; empty on failure. For tests.
    QJsonObject verifiedClaims(const QString &token) const;

private:
    QString sign(const QJsonObject &claims) const;

    const Pki &m_pki;
    const Store &m_store;
    QString m_issuer;
};

} // namespace kms::testcluster
