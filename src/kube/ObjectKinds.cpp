#include "kube/ObjectKinds.h"

#include "kube/KubeClient.h"

namespace kms {

namespace {

const ObjectKind Kinds[] = {
    { "Namespace", "v1", "namespaces", false },
    { "ServiceAccount", "v1", "serviceaccounts", true },
    { "Secret", "v1", "secrets", true },
    { "ClusterRole", "rbac.authorization.k8s.io/v1", "clusterroles", false },
    { "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "clusterrolebindings", false },
    { "Role", "rbac.authorization.k8s.io/v1", "roles", true },
    { "RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings", true },
};

} // namespace

const ObjectKind *findObjectKind(const QString &kind)
{
    for (const ObjectKind &k : Kinds) {
        if (kind == QLatin1String(k.kind))
            return &k;
    }
    return nullptr;
}

QString objectPath(const QString &kind, const QString &ns, const QString &name)
{
    const ObjectKind *k = findObjectKind(kind);
    if (!k)
        return {};
    const QString resource = QString::fromLatin1(k->resource);
    const QString scope = k->namespaced ? ns : QString();
    const QString apiVersion = QString::fromLatin1(k->apiVersion);
    const qsizetype slash = apiVersion.indexOf(QLatin1Char('/'));
    if (slash < 0)
        return corePath(scope, resource, name);
    return groupPath(apiVersion.left(slash), apiVersion.mid(slash + 1), scope, resource, name);
}

QString describeObject(const QString &kind, const QString &ns, const QString &name)
{
    return ns.isEmpty() ? QStringLiteral("%1 %2").arg(kind, name)
                        : QStringLiteral("%1 %2/%3").arg(kind, ns, name);
}

} // namespace kms
