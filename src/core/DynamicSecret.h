#pragma once

#include "core/Duration.h"
#include "core/FieldError.h"
#include "core/PolicyRule.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// What validate() needs to know beyond the secret itself.
struct SecretValidationContext {
    // The cluster token is in the keychain (or about to be put there).
    bool hasClusterToken = false;
    // Names of the other dynamic secrets in the same environment.
    QStringList otherSecretNames;
    // Registered gateways, checked when gatewaysKnown (the callers that can
    // read the registry set it; with none registered every name is unknown).
    QStringList gatewayNames;
    bool gatewaysKnown = false;
    // The OS user whose name a name template's {{user}} is checked with
    // (empty: the user running this process).
    QString currentUser;
};

// The Kubernetes configuration of a dynamic secret: every field of its setup
// form. The cluster token itself is never held here; it lives in the
// CredentialVault under vaultKey().
struct DynamicSecret {
    enum class AuthMethod { Token, Gateway };
    // A CA bundle is a few certificates; a PEM file larger than this is something else.
    static constexpr qint64 MaxCaCertificateBytes = 1024 * 1024;
    enum class CredentialType { Static, Dynamic };
    enum class RoleType { Role, ClusterRole };
    // A Role or ClusterRole a lease's service account is bound to.
    struct RoleRef {
        RoleType kind = RoleType::ClusterRole;
        QString name;
        bool operator==(const RoleRef &) const = default;
        QString toString() const; // "ClusterRole/view"
    };
    // Extra labels and annotations: key -> value, on every object a lease creates.
    using Metadata = QMap<QString, QString>;
    // The API server's limit on all annotations of one object together.
    static constexpr qsizetype MaxAnnotationBytes = 256 * 1024;

    qint64 id = 0; // 0 until stored
    qint64 environmentId = 0;
    QString name;
    Duration defaultTtl = Duration::fromHours(1);
    Duration maxTtl = Duration::fromHours(24);

    AuthMethod authMethod = AuthMethod::Token;
    // The registered gateway's name: required with Gateway auth (the gateway
    // uses its own account); optional with Token auth (the gateway relays
    // the calls with this secret's cluster token). Empty: none.
    QString gateway;
    QString clusterUrl; // Token auth without a gateway: https://...
    bool sslVerify = true;
    QString caCertificate; // PEM; empty = system CAs

    CredentialType credentialType = CredentialType::Static;
    QString serviceAccount; // Static
    QString namespaceName; // Static
    // Dynamic: where leases may be made: these namespaces, or {"*"} for any,
    // and (or instead) those whose labels match namespaceSelector.
    QStringList allowedNamespaces;
    QString namespaceSelector; // Dynamic: a label selector (LabelSelector); empty: none
    RoleType roleType = RoleType::ClusterRole; // Dynamic: the first role's kind
    QString roleName; // Dynamic: the first role bound to each lease's account
    QList<RoleRef> extraRoles; // Dynamic: more roles, each bound to the account as well
    Metadata extraLabels; // Dynamic and bound static: on every object a lease creates
    Metadata extraAnnotations;
    int maxLeases = 0; // leases whose token may still work at once; 0: no limit
    // Dynamic: the rules of a Role or ClusterRole made for each lease (Vault's
    // generated_role_rules), bound to its account like the roles above and
    // deleted with it; empty: none.
    QList<PolicyRule> generatedRules;
    RoleType generatedRoleType = RoleType::Role;
    // Dynamic and bound static: how the objects of a lease are named
    // (NameTemplate); empty: "kms-<secret>-<5 random>".
    QString nameTemplate;

    QStringList audiences;
    bool clusterWide = false; // Dynamic + ClusterRole: a ClusterRoleBinding instead of a RoleBinding
    bool boundTokens = false; // Static: bind each token to a per-lease Secret, so revoke works

    QDateTime createdAt;
    QDateTime updatedAt;

    // Every problem, each tied to its field key: name, defaultTtl, maxTtl,
    // authMethod, gateway, clusterUrl, caCertificate, clusterToken,
    // credentialType, serviceAccount, namespace, allowedNamespaces, roleType,
    // role, roles, audiences, clusterWide, boundTokens, extraLabels,
    // extraAnnotations, maxLeases, nameTemplate, generatedRules. Empty when valid.
    FieldErrors validate(const SecretValidationContext &ctx) const;

    // Every role a lease's account is bound to, in order: the first
    // (roleType/roleName, when named), then extraRoles.
    QList<RoleRef> boundRoles() const;
    // Sets roleType/roleName to the first of roles and extraRoles to the rest.
    void setBoundRoles(const QList<RoleRef> &roles);
    bool generatesRole() const
    {
        return credentialType == CredentialType::Dynamic && !generatedRules.isEmpty();
    }
    // Whether any binding of a lease is a ClusterRoleBinding.
    bool anyClusterWideBinding() const;
    static inline const QString AnyNamespace = QStringLiteral("*");
    bool anyNamespace() const { return allowedNamespaces == QStringList { AnyNamespace }; }
    // The namespaces named one by one ("*" left out).
    QStringList listedNamespaces() const;
    // Whether leases may use namespaces not named one by one ("*" or a selector).
    bool namespacesOpen() const { return anyNamespace() || !namespaceSelector.isEmpty(); }
    // Whether a binding of this ClusterRole/Role is a ClusterRoleBinding.
    bool bindsClusterWide(const RoleRef &role) const
    {
        return clusterWide && role.kind == RoleType::ClusterRole;
    }

    // "default, kube-system ,default" -> {"default", "kube-system"}: trimmed,
    // de-duplicated in order; "*" alone: any namespace. Sets *error (and
    // returns {}) when the list is empty, has an empty entry, an entry that is
    // not a namespace name, or "*" beside names.
    static QStringList parseNamespaceList(const QString &text, QString *error = nullptr);
    // "a, b" -> {"a", "b"}: trimmed, de-duplicated; empty text -> {}. Sets
    // *error (and returns {}) on an empty entry such as "a,,b".
    static QStringList parseAudiences(const QString &text, QString *error = nullptr);
    // "ClusterRole/view, Role/deployer" -> roles; the kind is Role or
    // ClusterRole (any case). Sets *error (and returns {}) on an empty entry,
    // an entry without "Kind/", an unknown kind, a name that is not a role
    // name, or a role listed twice.
    static QList<RoleRef> parseRoleList(const QString &text, QString *error = nullptr);
    // "team=a, tier=web" -> {team: a, tier: web}; "\," is a comma inside a
    // value, "\\" a backslash. what: "label" or "annotation", for messages.
    // Sets *error (and returns {}) on an entry without "=", an empty key or a
    // key given twice. Keys and values are checked by validate(), not here.
    static Metadata parseMetadata(const QString &text, const QString &what, QString *error = nullptr);
    static QString formatMetadata(const Metadata &metadata); // "k=v,k2=a\,b": what parseMetadata reads
    // The product's own label and annotation keys, which extra labels and
    // annotations may not set: app.kubernetes.io/managed-by and kms.hanzo.ai/*.
    static bool isReservedMetadataKey(const QString &key);

    // The cluster is reached through a gateway (either auth method), so
    // there is no API server URL here.
    bool viaGateway() const { return !gateway.trimmed().isEmpty(); }
    // A cluster token of this secret is in the keychain (Token auth, with or without a gateway).
    bool hasClusterToken() const { return authMethod == AuthMethod::Token; }

    // Keychain key of this secret's cluster token (needs a stored id).
    QString vaultKey() const;
    static QString vaultKeyFor(qint64 secretId);

    // Storage / command-line spellings: "token"/"gateway", "static"/"dynamic",
    // "Role"/"ClusterRole". fromString is case-insensitive.
    static QString toString(AuthMethod method);
    static QString toString(CredentialType type);
    static QString toString(RoleType type);
    static std::optional<AuthMethod> authMethodFromString(const QString &text);
    static std::optional<CredentialType> credentialTypeFromString(const QString &text);
    static std::optional<RoleType> roleTypeFromString(const QString &text);

    // Words for people: "Token (API)", "Gateway", "Static", "Dynamic".
    static QString displayName(AuthMethod method);
    static QString displayName(CredentialType type);
};

// Namespace-level names for the nested enums.
using AuthMethod = DynamicSecret::AuthMethod;
using CredentialType = DynamicSecret::CredentialType;
using RoleType = DynamicSecret::RoleType;
using RoleRef = DynamicSecret::RoleRef;

} // namespace kms
