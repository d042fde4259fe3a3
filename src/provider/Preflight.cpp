#include "provider/Preflight.h"

#include "provider/GatewayPolicyLookup.h"
#include "provider/LeaseProvider.h"
#include "provider/RbacManifests.h"

#include <vector>

namespace kms {

namespace {

struct Permission {
    QString verb;
    QString group;
    QString resource;
    QString subresource;
    QString namespaceName; // empty: cluster scope
    QString name;

    QString describe() const
    {
        QString what = resource + (subresource.isEmpty() ? QString() : QLatin1Char('/') + subresource);
        if (!group.isEmpty())
            what += QLatin1Char('.') + group;
        if (!name.isEmpty())
            what += QStringLiteral(" \"%1\"").arg(name);
        return namespaceName.isEmpty()
            ? QStringLiteral("%1 %2 at the cluster scope").arg(verb, what)
            : QStringLiteral("%1 %2 in namespace \"%3\"").arg(verb, what, namespaceName);
    }
};

QList<Permission> permissionsFor(const DynamicSecret &secret)
{
    const QString rbac = QStringLiteral("rbac.authorization.k8s.io");
    QList<Permission> needed;
    if (secret.credentialType == CredentialType::Static) {
        const QString ns = secret.namespaceName;
        needed.push_back({ QStringLiteral("create"), {}, QStringLiteral("serviceaccounts"),
            QStringLiteral("token"), ns, secret.serviceAccount });
        if (secret.boundTokens) {
            needed.push_back({ QStringLiteral("create"), {}, QStringLiteral("secrets"), {}, ns, {} });
            needed.push_back({ QStringLiteral("delete"), {}, QStringLiteral("secrets"), {}, ns, {} });
        }
        return needed;
    }
    const bool clusterBinding = secret.roleType == RoleType::ClusterRole && secret.clusterWide;
    for (const QString &ns : secret.allowedNamespaces) {
        needed.push_back({ QStringLiteral("create"), {}, QStringLiteral("serviceaccounts"), {}, ns, {} });
        needed.push_back({ QStringLiteral("delete"), {}, QStringLiteral("serviceaccounts"), {}, ns, {} });
        needed.push_back({ QStringLiteral("create"), {}, QStringLiteral("serviceaccounts"),
            QStringLiteral("token"), ns, {} });
        if (!clusterBinding) {
            needed.push_back({ QStringLiteral("create"), rbac, QStringLiteral("rolebindings"), {}, ns, {} });
            needed.push_back({ QStringLiteral("delete"), rbac, QStringLiteral("rolebindings"), {}, ns, {} });
        }
    }
    if (clusterBinding) {
        needed.push_back(
            { QStringLiteral("create"), rbac, QStringLiteral("clusterrolebindings"), {}, {}, {} });
        needed.push_back(
            { QStringLiteral("delete"), rbac, QStringLiteral("clusterrolebindings"), {}, {}, {} });
    }
    return needed;
}

QCoro::Task<PreflightCheck> review(KubeClient &client, Permission p)
{
    QJsonObject attributes { { QStringLiteral("verb"), p.verb }, { QStringLiteral("group"), p.group },
        { QStringLiteral("resource"), p.resource } };
    if (!p.subresource.isEmpty())
        attributes.insert(QStringLiteral("subresource"), p.subresource);
    if (!p.namespaceName.isEmpty())
        attributes.insert(QStringLiteral("namespace"), p.namespaceName);
    if (!p.name.isEmpty())
        attributes.insert(QStringLiteral("name"), p.name);
    const QJsonObject body { { QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("SelfSubjectAccessReview") },
        { QStringLiteral("spec"), QJsonObject { { QStringLiteral("resourceAttributes"), attributes } } } };
    // A review changes nothing, so retrying it is safe.
    const KubeResult result
        = co_await client.post(QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"), body,
            KubeClient::Retry::IfTransient);
    PreflightCheck check;
    check.description = p.describe();
    if (!result.ok()) {
        check.result = PreflightCheck::Result::Unknown;
        check.detail = result.error->toString();
        co_return check;
    }
    const QJsonObject status = result.body.value(QLatin1String("status")).toObject();
    check.result = status.value(QLatin1String("allowed")).toBool() ? PreflightCheck::Result::Passed
                                                                   : PreflightCheck::Result::Missing;
    check.detail = status.value(QLatin1String("reason")).toString();
    co_return check;
}

QCoro::Task<PreflightCheck> exists(
    KubeClient &client, QString description, QString path, QString missingAdvice)
{
    PreflightCheck check;
    check.description = description;
    const KubeResult result = co_await client.get(path);
    if (result.ok()) {
        check.result = PreflightCheck::Result::Passed;
    } else if (result.error->isNotFound()) {
        check.result = PreflightCheck::Result::Missing;
        check.detail = result.error->message + QStringLiteral(". ") + missingAdvice;
    } else if (result.error->isForbidden()) {
        check.result = PreflightCheck::Result::Unknown;
        check.detail = QStringLiteral("The cluster token may not read it, so this could not be checked.");
    } else {
        check.result = PreflightCheck::Result::Unknown;
        check.detail = result.error->toString();
    }
    co_return check;
}

} // namespace

bool PreflightResult::passed() const
{
    if (!connectionError.isEmpty())
        return false;
    for (const PreflightCheck &c : checks) {
        if (c.result == PreflightCheck::Result::Missing)
            return false;
    }
    return true;
}

QStringList PreflightResult::missing() const
{
    QStringList out;
    for (const PreflightCheck &c : checks) {
        if (c.result == PreflightCheck::Result::Missing)
            out << c.description;
    }
    return out;
}

QCoro::Task<PreflightResult> Preflight::run(KubeClient &client, DynamicSecret secret)
{
    PreflightResult result;
    result.rbacYaml = RbacManifests::generate(secret, RbacManifests::requesterFor(secret));

    // Can we talk to it at all, and does it accept our credentials?
    const KubeResult version = co_await client.get(QStringLiteral("/version"));
    if (!version.ok()) {
        result.connectionError
            = LeaseProvider::explain(QStringLiteral("Connecting to the cluster"), *version.error, secret);
        co_return result;
    }

    if (secret.viaGateway()) {
        // What the gateway's policy allows this desktop comes first: the
        // gateway refuses everything else, whatever the RBAC (its own, or
        // that of the secret's cluster token, which the reviews below ask about).
        const GatewayPolicyAnswer answer = co_await GatewayPolicyLookup::fetch(client);
        PreflightCheck check;
        check.description = QStringLiteral("the gateway's policy allows this secret");
        if (answer.policy) {
            check.detail = answer.policy->refusalFor(secret);
            check.result
                = check.detail.isEmpty() ? PreflightCheck::Result::Passed : PreflightCheck::Result::Missing;
            if (check.detail.isEmpty())
                check.detail = answer.policy->summary();
        } else {
            check.result = answer.noEntry ? PreflightCheck::Result::Missing : PreflightCheck::Result::Unknown;
            check.detail = answer.error;
        }
        result.checks.push_back(check);
    }

    std::vector<QCoro::Task<PreflightCheck>> pending;
    for (const Permission &p : permissionsFor(secret))
        pending.push_back(review(client, p));
    if (secret.credentialType == CredentialType::Static) {
        pending.push_back(exists(client,
            QStringLiteral("service account \"%1\" exists in namespace \"%2\"")
                .arg(secret.serviceAccount, secret.namespaceName),
            corePath(secret.namespaceName, QStringLiteral("serviceaccounts"), secret.serviceAccount),
            QStringLiteral("Create it or correct the secret.")));
    } else {
        const QString rbac = QStringLiteral("rbac.authorization.k8s.io");
        if (secret.roleType == RoleType::ClusterRole) {
            pending.push_back(exists(client, QStringLiteral("ClusterRole \"%1\" exists").arg(secret.roleName),
                groupPath(rbac, QStringLiteral("v1"), {}, QStringLiteral("clusterroles"), secret.roleName),
                QStringLiteral("Create it or correct the role name.")));
        } else {
            for (const QString &ns : secret.allowedNamespaces)
                pending.push_back(exists(client,
                    QStringLiteral("Role \"%1\" exists in namespace \"%2\"").arg(secret.roleName, ns),
                    groupPath(rbac, QStringLiteral("v1"), ns, QStringLiteral("roles"), secret.roleName),
                    QStringLiteral("Create it in that namespace or correct the role name.")));
        }
        // Granting a role needs "bind" on it, or holding all of its rules.
        Permission bind { QStringLiteral("bind"), rbac,
            secret.roleType == RoleType::ClusterRole ? QStringLiteral("clusterroles")
                                                     : QStringLiteral("roles"),
            {}, {}, secret.roleName };
        const bool clusterBinding = secret.roleType == RoleType::ClusterRole && secret.clusterWide;
        // A local, not a ?: temporary: GCC 12 mishandles those in coroutines.
        QStringList scopes = secret.allowedNamespaces;
        if (clusterBinding)
            scopes = QStringList { QString() };
        for (const QString &ns : scopes) {
            bind.namespaceName = ns;
            pending.push_back(review(client, bind));
        }
    }
    for (auto &task : pending)
        result.checks.push_back(co_await task);

    // "bind" is one of two ways to be allowed to grant a role; holding its
    // rules is the other (the setup guide's way). Only a failed grant can tell
    // which, so a missing "bind" is reported as unknown, not missing.
    for (PreflightCheck &c : result.checks) {
        if (c.description.startsWith(QLatin1String("bind ")) && c.result == PreflightCheck::Result::Missing) {
            c.result = PreflightCheck::Result::Unknown;
            c.detail = QStringLiteral("Without \"bind\", the requester must itself hold every permission of "
                                      "the role (the setup guide binds it to the role for that).");
        }
    }
    co_return result;
}

} // namespace kms
