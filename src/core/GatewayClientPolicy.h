#pragma once

#include "core/DynamicSecret.h"
#include "core/PolicyRule.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// What a hanzo-kms-gateway lets one client (one certificate common name) do:
// one entry of the `clients:` list of its policy file. The gateway applies it
// to every call; it also tells the client its own entry (GET /kms/v1/policy),
// so that the desktop refuses a secret the gateway would refuse before any
// lease is tried.
struct GatewayClientPolicy {
    struct Role {
        QString kind; // "Role" or "ClusterRole"
        QString name;
        bool operator==(const Role &) const = default;
    };

    QString subject; // the client certificate's CN, or "*" for any
    QStringList namespaces; // where dynamic leases may be made; {"*"}: any
    // Where else they may be made: namespaces whose labels match this label
    // selector (kubectl -l form), as the gateway reads them from the API server
    // with its own account for each call. Empty: none.
    QString namespaceSelector;
    QStringList staticServiceAccounts; // "namespace/name": may receive tokens
    QList<Role> roles; // what a dynamic lease may be bound to
    bool clusterWide = false; // may a ClusterRoleBinding be created
    qint64 maxTtlSeconds = 0;
    QStringList audiences; // {"*"}: any
    // Keys of the extra labels and annotations a lease's objects may carry
    // ({"*"}: any); none by default. The product's own keys are never "extra".
    QStringList extraLabels;
    QStringList extraAnnotations;
    // Roles a lease may have made for it (a secret's generated role rules):
    // of these kinds ("Role", "ClusterRole"), granting no more than these
    // rules. None by default.
    struct GeneratedRoles {
        QStringList kinds;
        QList<PolicyRule> rules;
        bool operator==(const GeneratedRoles &) const = default;
    } generatedRoles;

    static inline const QString AnyAudience = QStringLiteral("*");
    static inline const QString AnyKey = QStringLiteral("*");

    bool matches(const QString &commonName) const;
    static inline const QString AnyNamespace = QStringLiteral("*");
    bool allowsNamespace(const QString &ns) const
    {
        return namespaces.contains(ns) || namespaces.contains(AnyNamespace);
    }
    // Whether labels (a namespace's metadata.labels, as the API server answered
    // them) match namespaceSelector; false without one.
    bool selectsNamespace(const QJsonObject &labels) const;
    bool allowsStaticServiceAccount(const QString &ns, const QString &name) const;
    // A namespace of one of the static service accounts.
    bool allowsStaticNamespace(const QString &ns) const;
    bool allowsRole(const QString &kind, const QString &name) const;
    bool allowsGeneratedRole(const QString &kind) const { return generatedRoles.kinds.contains(kind); }
    // Empty when a generated role of this kind with these rules is allowed;
    // otherwise why not, as a clause naming the first rule it lacks.
    QString checkGeneratedRole(const QString &kind, const QList<PolicyRule> &rules) const;
    bool anyAudience() const { return audiences.contains(AnyAudience); }
    bool allowsExtraLabel(const QString &key) const;
    bool allowsExtraAnnotation(const QString &key) const;

    // Empty when allowed; otherwise why not, as a clause ("audience "x" is not ...").
    QString checkAudiences(const QStringList &requested) const;
    QString checkTtl(qint64 seconds) const;

    // Why a lease of this secret through the gateway would be refused, in
    // one sentence that names the field; empty when the policy allows it.
    // *field: the secret's field key (as DynamicSecret::validate names them).
    QString refusalFor(const DynamicSecret &secret, QString *field = nullptr) const;

    // The first problem of the entry (field named), empty when it is usable.
    QString validate() const;

    // One line for people: "namespaces team-a, team-b; roles ClusterRole/x; ...".
    QString summary() const;

    // {subject, namespaces, namespaceSelector, staticServiceAccounts, roles:[{kind,name}],
    //  clusterWide, maxTTL: "24h", maxTTLSeconds, audiences, extraLabels, extraAnnotations,
    //  generatedRoles: {kinds, rules}}
    QJsonObject toJson() const;
    static std::optional<GatewayClientPolicy> fromJson(const QJsonObject &json, QString *error);
};

} // namespace kms
