#include "ResourceType.h"

#include <tuple>

namespace kms::testcluster {

const QList<ResourceType> &storedResources()
{
    static const QList<ResourceType> types = [] {
        const QString rbac = QStringLiteral("rbac.authorization.k8s.io");
        QList<ResourceType> t;
        auto add = [&t](QString group, QString plural, QString singular, QString kind, bool namespaced,
                       QStringList shortNames, bool returnDeleted) {
            ResourceType r;
            r.group = std::move(group);
            r.version = QStringLiteral("v1");
            r.plural = std::move(plural);
            r.singular = std::move(singular);
            r.kind = std::move(kind);
            r.namespaced = namespaced;
            r.shortNames = std::move(shortNames);
            r.returnDeletedObject = returnDeleted;
            t.append(r);
            return &t.last();
        };
        add({}, QStringLiteral("configmaps"), QStringLiteral("configmap"), QStringLiteral("ConfigMap"), true,
            { QStringLiteral("cm") }, false);
        add({}, QStringLiteral("namespaces"), QStringLiteral("namespace"), QStringLiteral("Namespace"), false,
            { QStringLiteral("ns") }, true);
        add({}, QStringLiteral("nodes"), QStringLiteral("node"), QStringLiteral("Node"), false,
            { QStringLiteral("no") }, false);
        add({}, QStringLiteral("pods"), QStringLiteral("pod"), QStringLiteral("Pod"), true,
            { QStringLiteral("po") }, true);
        t.last().categories = QStringList { QStringLiteral("all") };
        add({}, QStringLiteral("secrets"), QStringLiteral("secret"), QStringLiteral("Secret"), true, {},
            false);
        ResourceType *sa = add({}, QStringLiteral("serviceaccounts"), QStringLiteral("serviceaccount"),
            QStringLiteral("ServiceAccount"), true, { QStringLiteral("sa") }, true);
        sa->subresources.append({ QStringLiteral("token"), QStringLiteral("TokenRequest") });
        add(rbac, QStringLiteral("clusterrolebindings"), QStringLiteral("clusterrolebinding"),
            QStringLiteral("ClusterRoleBinding"), false, {}, false);
        add(rbac, QStringLiteral("clusterroles"), QStringLiteral("clusterrole"),
            QStringLiteral("ClusterRole"), false, {}, false);
        add(rbac, QStringLiteral("rolebindings"), QStringLiteral("rolebinding"),
            QStringLiteral("RoleBinding"), true, {}, false);
        add(rbac, QStringLiteral("roles"), QStringLiteral("role"), QStringLiteral("Role"), true, {}, false);
        return t;
    }();
    return types;
}

const QList<ReviewResource> &reviewResources()
{
    static const QList<ReviewResource> reviews = [] {
        const QString authn = QStringLiteral("authentication.k8s.io");
        const QString authz = QStringLiteral("authorization.k8s.io");
        QList<ReviewResource> r;
        for (const auto &[group, kind, namespaced] :
            { std::tuple { authn, QStringLiteral("SelfSubjectReview"), false },
                std::tuple { authn, QStringLiteral("TokenReview"), false },
                std::tuple { authz, QStringLiteral("LocalSubjectAccessReview"), true },
                std::tuple { authz, QStringLiteral("SelfSubjectAccessReview"), false },
                std::tuple { authz, QStringLiteral("SelfSubjectRulesReview"), false },
                std::tuple { authz, QStringLiteral("SubjectAccessReview"), false } }) {
            const QString singular = kind.toLower();
            r.append(ReviewResource { group, singular + u's', singular, kind, namespaced });
        }
        return r;
    }();
    return reviews;
}

const ReviewResource *findReview(const QString &group, const QString &plural)
{
    for (const ReviewResource &r : reviewResources()) {
        if (r.group == group && r.plural == plural)
            return &r;
    }
    return nullptr;
}

const ResourceType *findResource(const QString &group, const QString &version, const QString &plural)
{
    for (const ResourceType &t : storedResources()) {
        if (t.group == group && t.version == version && t.plural == plural)
            return &t;
    }
    return nullptr;
}

const ResourceType *findKind(const QString &apiVersion, const QString &kind)
{
    for (const ResourceType &t : storedResources()) {
        if (t.apiVersion() == apiVersion && t.kind == kind)
            return &t;
    }
    return nullptr;
}

} // namespace kms::testcluster
