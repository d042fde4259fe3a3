#include "Fixtures.h"

namespace kms::test {

DynamicSecret staticSecret(qint64 environmentId, const QString &name)
{
    DynamicSecret s;
    s.environmentId = environmentId;
    s.name = name;
    s.authMethod = AuthMethod::Token;
    s.clusterUrl = QStringLiteral("https://kubernetes.example.com:6443");
    s.credentialType = CredentialType::Static;
    s.serviceAccount = QStringLiteral("builder");
    s.namespaceName = QStringLiteral("ci");
    s.audiences = { QStringLiteral("https://kubernetes.default.svc") };
    return s;
}

DynamicSecret dynamicSecret(qint64 environmentId, const QString &name)
{
    DynamicSecret s = staticSecret(environmentId, name);
    s.credentialType = CredentialType::Dynamic;
    s.serviceAccount.clear();
    s.namespaceName.clear();
    s.allowedNamespaces = { QStringLiteral("default"), QStringLiteral("monitoring") };
    s.roleType = RoleType::ClusterRole;
    s.roleName = QStringLiteral("view");
    return s;
}

Lease activeLease(qint64 secretId, const QDateTime &created, qint64 ttlSeconds)
{
    Lease l;
    l.id = Lease::newId();
    l.secretId = secretId;
    l.kind = LeaseKind::Dynamic;
    l.namespaceName = QStringLiteral("default");
    l.serviceAccount = QStringLiteral("kms-") + l.id.left(8);
    l.createdAt = QDateTime::fromMSecsSinceEpoch(created.toMSecsSinceEpoch(), Qt::UTC);
    l.expiresAt = l.createdAt.addSecs(ttlSeconds);
    l.createdBy = QStringLiteral("tester@host");
    l.state = LeaseState::Active;
    l.tokenJti = Lease::newId();
    l.requestedTtlSeconds = ttlSeconds;
    l.bindingName = l.serviceAccount;
    l.bindingKind = QStringLiteral("RoleBinding");
    l.createdServiceAccount = true;
    return l;
}

} // namespace kms::test
