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
    bool everyNamespace = false; // a namespaced resource in every namespace ("*" or a selector)

    QString describe() const
    {
        QString what = resource + (subresource.isEmpty() ? QString() : QLatin1Char('/') + subresource);
        if (!group.isEmpty())
            what += QLatin1Char('.') + group;
        if (!name.isEmpty())
            what += QStringLiteral(" \"%1\"").arg(name);
        if (everyNamespace)
            return QStringLiteral("%1 %2 in every namespace").arg(verb, what);
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
    const bool clusterBinding = secret.anyClusterWideBinding();
    // Where leases may go: the listed namespaces, and every namespace when
    // "*" or a selector lets them go elsewhere (a cluster-wide grant).
    QStringList scopes = secret.listedNamespaces();
    if (secret.namespacesOpen())
        scopes << QString();
    const bool namespacedBinding = [&secret] {
        for (const RoleRef &r : secret.boundRoles()) {
            if (!secret.bindsClusterWide(r))
                return true;
        }
        return secret.generatesRole()
            && !(secret.generatedRoleType == RoleType::ClusterRole && secret.clusterWide);
    }();
    const auto inScope = [](Permission p) {
        p.everyNamespace = p.namespaceName.isEmpty();
        return p;
    };
    if (secret.namespacesOpen()) {
        // To list the choices in New Lease and check a namespace's labels.
        needed.push_back({ QStringLiteral("list"), {}, QStringLiteral("namespaces"), {}, {}, {} });
        if (!secret.anyNamespace())
            needed.push_back({ QStringLiteral("get"), {}, QStringLiteral("namespaces"), {}, {}, {} });
    }
    for (const QString &ns : scopes) {
        needed.push_back(
            inScope({ QStringLiteral("create"), {}, QStringLiteral("serviceaccounts"), {}, ns, {} }));
        needed.push_back(
            inScope({ QStringLiteral("delete"), {}, QStringLiteral("serviceaccounts"), {}, ns, {} }));
        needed.push_back(inScope({ QStringLiteral("create"), {}, QStringLiteral("serviceaccounts"),
            QStringLiteral("token"), ns, {} }));
        if (namespacedBinding) {
            needed.push_back(
                inScope({ QStringLiteral("create"), rbac, QStringLiteral("rolebindings"), {}, ns, {} }));
            needed.push_back(
                inScope({ QStringLiteral("delete"), rbac, QStringLiteral("rolebindings"), {}, ns, {} }));
        }
    }
    if (clusterBinding) {
        needed.push_back(
            { QStringLiteral("create"), rbac, QStringLiteral("clusterrolebindings"), {}, {}, {} });
        needed.push_back(
            { QStringLiteral("delete"), rbac, QStringLiteral("clusterrolebindings"), {}, {}, {} });
    }
    if (secret.generatesRole() && secret.generatedRoleType == RoleType::Role) {
        for (const QString &ns : scopes) {
            needed.push_back(
                inScope({ QStringLiteral("create"), rbac, QStringLiteral("roles"), {}, ns, {} }));
            needed.push_back(
                inScope({ QStringLiteral("delete"), rbac, QStringLiteral("roles"), {}, ns, {} }));
        }
    } else if (secret.generatesRole()) {
        needed.push_back({ QStringLiteral("create"), rbac, QStringLiteral("clusterroles"), {}, {}, {} });
        needed.push_back({ QStringLiteral("delete"), rbac, QStringLiteral("clusterroles"), {}, {}, {} });
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

// One SelfSubjectAccessReview for an atomic rule: allowed, denied, or unknown (nullopt).
QCoro::Task<std::optional<bool>> reviewRule(KubeClient &client, PolicyRule rule, QString ns)
{
    QJsonObject spec;
    if (rule.isResourceRule()) {
        QJsonObject attributes { { QStringLiteral("verb"), rule.verbs.value(0) },
            { QStringLiteral("group"), rule.apiGroups.value(0) } };
        QString resource = rule.resources.value(0);
        const qsizetype slash = resource.indexOf(QLatin1Char('/'));
        if (slash >= 0) {
            attributes.insert(QStringLiteral("subresource"), resource.mid(slash + 1));
            resource.truncate(slash);
        }
        attributes.insert(QStringLiteral("resource"), resource);
        if (!ns.isEmpty())
            attributes.insert(QStringLiteral("namespace"), ns);
        if (!rule.resourceNames.isEmpty())
            attributes.insert(QStringLiteral("name"), rule.resourceNames.value(0));
        spec.insert(QStringLiteral("resourceAttributes"), attributes);
    } else {
        spec.insert(QStringLiteral("nonResourceAttributes"),
            QJsonObject { { QStringLiteral("verb"), rule.verbs.value(0) },
                { QStringLiteral("path"), rule.nonResourceURLs.value(0) } });
    }
    const QJsonObject body { { QStringLiteral("apiVersion"), QStringLiteral("authorization.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("SelfSubjectAccessReview") },
        { QStringLiteral("spec"), spec } };
    const KubeResult result
        = co_await client.post(QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"), body,
            KubeClient::Retry::IfTransient);
    if (!result.ok())
        co_return std::nullopt;
    co_return result.body.value(QLatin1String("status")).toObject().value(QLatin1String("allowed")).toBool();
}

// Whether the cluster token holds every permission of the rules in ns ("": cluster-wide).
QCoro::Task<PreflightCheck> holdsRules(KubeClient &client, QList<PolicyRule> rules, QString ns)
{
    PreflightCheck check;
    check.description = ns.isEmpty()
        ? QStringLiteral("holds every permission of the generated role at the cluster scope")
        : QStringLiteral("holds every permission of the generated role in namespace \"%1\"").arg(ns);
    QList<PolicyRule> atomic;
    for (const PolicyRule &r : rules) {
        for (const PolicyRule &a : r.breakdown()) {
            if (!atomic.contains(a))
                atomic.append(a);
        }
    }
    constexpr qsizetype MaxReviews = 500;
    if (atomic.size() > MaxReviews) {
        check.result = PreflightCheck::Result::Unknown;
        check.detail
            = QStringLiteral("The rules come to %1 permissions, more than are checked one by one (%2).")
                  .arg(atomic.size())
                  .arg(MaxReviews);
        co_return check;
    }
    std::vector<QCoro::Task<std::optional<bool>>> reviews;
    for (const PolicyRule &a : atomic) {
        // Non-resource URLs exist only at the cluster scope.
        QString scope;
        if (a.isResourceRule())
            scope = ns;
        reviews.push_back(reviewRule(client, a, scope));
    }
    QStringList missing;
    int unknown = 0;
    for (size_t i = 0; i < reviews.size(); ++i) {
        const std::optional<bool> allowed = co_await reviews[i];
        if (!allowed)
            ++unknown;
        else if (!*allowed)
            missing << atomic.at(qsizetype(i)).describe();
    }
    if (!missing.isEmpty()) {
        check.result = PreflightCheck::Result::Missing;
        check.detail = QStringLiteral("The cluster token lacks %1, so it may not create or bind the role "
                                      "(Kubernetes' escalation prevention).")
                           .arg(missing.join(QStringLiteral(", ")));
    } else if (unknown > 0) {
        check.result = PreflightCheck::Result::Unknown;
        check.detail = QStringLiteral("%1 of the access reviews got no answer.").arg(unknown);
    } else {
        check.result = PreflightCheck::Result::Passed;
    }
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
        for (const RoleRef &role : secret.boundRoles()) {
            if (role.kind == RoleType::ClusterRole) {
                pending.push_back(exists(client, QStringLiteral("ClusterRole \"%1\" exists").arg(role.name),
                    groupPath(rbac, QStringLiteral("v1"), {}, QStringLiteral("clusterroles"), role.name),
                    QStringLiteral("Create it or correct the role name.")));
            } else {
                for (const QString &ns : secret.listedNamespaces())
                    pending.push_back(exists(client,
                        QStringLiteral("Role \"%1\" exists in namespace \"%2\"").arg(role.name, ns),
                        groupPath(rbac, QStringLiteral("v1"), ns, QStringLiteral("roles"), role.name),
                        QStringLiteral("Create it in that namespace or correct the role name.")));
            }
            // Granting a role needs "bind" on it, or holding all of its rules.
            Permission bind { QStringLiteral("bind"), rbac,
                role.kind == RoleType::ClusterRole ? QStringLiteral("clusterroles") : QStringLiteral("roles"),
                {}, {}, role.name };
            // A local, not a ?: temporary: GCC 12 mishandles those in coroutines.
            QStringList scopes = secret.listedNamespaces();
            if (secret.namespacesOpen() || secret.bindsClusterWide(role))
                scopes << QString();
            if (secret.bindsClusterWide(role))
                scopes = QStringList { QString() };
            for (const QString &ns : scopes) {
                bind.namespaceName = ns;
                pending.push_back(review(client, bind));
            }
        }
    }
    for (auto &task : pending)
        result.checks.push_back(co_await task);
    if (secret.generatesRole()) {
        // Kubernetes lets the cluster token create and bind a role only with
        // rules it holds itself (escalation prevention): check each of them
        // where the role will grant it.
        QStringList scopes = secret.listedNamespaces();
        if (secret.namespacesOpen())
            scopes << QString();
        if (secret.generatedRoleType == RoleType::ClusterRole && secret.clusterWide)
            scopes = QStringList { QString() };
        std::vector<QCoro::Task<PreflightCheck>> holds;
        for (const QString &ns : scopes)
            holds.push_back(holdsRules(client, secret.generatedRules, ns));
        for (auto &task : holds)
            result.checks.push_back(co_await task);
    }

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
