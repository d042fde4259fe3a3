#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace kms::test {

// One permission as an RBAC rule grants it and the authorizer checks it:
// "verb resource[/subresource][.group]", e.g. "create serviceaccounts/token",
// "get rolebindings.rbac.authorization.k8s.io".
QString permission(const QString &verb, const QString &group, const QString &resource);

// Every permission the rules grant (each verb on each resource of each group).
QSet<QString> grantedBy(const QJsonArray &rules);

// What one identity did, from TestCluster::authorizations(user): the
// permissions it used (allowed), and every request the cluster denied it
// ("list secrets in namespace default"), in order.
struct RbacUse {
    QSet<QString> used;
    QStringList denied;
};
RbacUse rbacUse(const QList<QJsonObject> &authorizations);

// Sorted, one per line, for a failure message.
QString listed(const QSet<QString> &permissions);

} // namespace kms::test
