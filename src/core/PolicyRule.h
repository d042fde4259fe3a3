#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// One RBAC rule (rbac.authorization.k8s.io/v1 PolicyRule), as a generated
// role holds them (a secret's "generated role rules", Vault's
// generated_role_rules), and the RBAC arithmetic the API server's escalation
// check does with them (pkg/registry/rbac/validation: BreakdownRule, Covers).
struct PolicyRule {
    QStringList verbs;
    QStringList apiGroups;
    QStringList resources;
    QStringList resourceNames;
    QStringList nonResourceURLs;

    static constexpr int MaxRules = 256;

    bool operator==(const PolicyRule &) const = default;
    bool isResourceRule() const { return nonResourceURLs.isEmpty(); }

    // A list of rules from JSON: an array of rules, or an object with "rules"
    // (a Role, ClusterRole or Vault's {rules: [...]}). Every field is checked
    // (known keys, lists of strings, verbs given, resources or URLs given,
    // not both); nullopt and one sentence in *error naming the rule otherwise.
    static std::optional<QList<PolicyRule>> listFromJson(const QJsonValue &value, QString *error);
    static QJsonArray toJson(const QList<PolicyRule> &rules);
    QJsonObject toJson() const;

    // kube-apiserver's compact form: {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}
    QString describe() const;

    // One verb on one resource of one group (and one name), or one verb on one URL.
    QList<PolicyRule> breakdown() const;
    // Whether the owner's rules allow everything `servant` allows.
    static bool covers(const QList<PolicyRule> &owner, const PolicyRule &servant);
    // The atomic rules of `servant` that no rule of `owner` covers.
    static QList<PolicyRule> uncovered(const QList<PolicyRule> &owner, const QList<PolicyRule> &servant);
};

} // namespace kms
