#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace kms::testcluster {

class Store;

// Who made a request, as the authenticators report it.
struct UserInfo {
    QString name;
    QString uid;
    QStringList groups;
    QJsonObject extra; // key -> [values]

    bool isMaster() const { return groups.contains(QStringLiteral("system:masters")); }
};

struct PolicyRule {
    QStringList verbs;
    QStringList apiGroups;
    QStringList resources;
    QStringList resourceNames;
    QStringList nonResourceURLs;

    static PolicyRule fromJson(const QJsonObject &json);
    QJsonObject toJson() const;
    // rbacv1helpers.CompactString: {APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}
    QString compactString() const;
    bool operator==(const PolicyRule &) const = default;
};

// What an authorizer decides on (k8s.io/apiserver authorizer.Attributes).
struct RequestAttributes {
    bool resourceRequest = true;
    QString verb;
    QString ns;
    QString apiGroup;
    QString resource;
    QString subresource;
    QString name;
    QString path; // non-resource requests
};

// The RBAC authorizer and the rule arithmetic of pkg/registry/rbac/validation.
class Rbac {
public:
    explicit Rbac(const Store &store);

    // Rules granted to the user by ClusterRoleBindings plus RoleBindings in ns.
    QList<PolicyRule> rulesFor(const UserInfo &user, const QString &ns) const;
    // system:masters, then RBAC. reason as SubjectAccessReview reports it.
    bool authorize(
        const UserInfo &user, const RequestAttributes &attributes, QString *reason = nullptr) const;
    // The rules of a roleRef (kind Role in ns, or ClusterRole); throws NotFound.
    QList<PolicyRule> roleRefRules(const QJsonObject &roleRef, const QString &ns) const;
    // Throws 403 unless the user may bind / escalate, or holds every rule.
    void confirmNoEscalation(const UserInfo &user, const QString &ns, const QList<PolicyRule> &rules,
        const QString &group, const QString &resource, const QString &name) const;

    // "clusterrole.rbac.authorization.k8s.io \"x\" not found" for each binding of the user to a missing role.
    QStringList resolutionErrors(const UserInfo &user, const QString &ns) const;

    static bool ruleAllows(const PolicyRule &rule, const RequestAttributes &attributes);
    // Atomic servant rules no owner rule covers (validation.Covers).
    static QList<PolicyRule> uncovered(const QList<PolicyRule> &owner, const QList<PolicyRule> &servant);
    // Compacted, described, sorted (ConfirmNoEscalation's list).
    static QStringList describe(const QList<PolicyRule> &rules);
    static QList<PolicyRule> rulesOf(const QJsonObject &role);
    static QList<PolicyRule> bootstrapClusterRoleRules(const QString &name);

private:
    bool subjectMatches(const QJsonObject &subject, const UserInfo &user, const QString &bindingNs) const;

    const Store &m_store;
};

// The ClusterRoles and ClusterRoleBindings a fresh kube-apiserver creates (the subset we serve).
QList<QJsonObject> bootstrapClusterRoles();
QList<QJsonObject> bootstrapClusterRoleBindings();

} // namespace kms::testcluster
