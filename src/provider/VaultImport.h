#pragma once

#include "core/DynamicSecret.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// A dynamic secret from HashiCorp Vault's Kubernetes secrets engine: the JSON
// of `vault read -format=json kubernetes/roles/X` (and, optionally, of
// `vault read -format=json kubernetes/config`), field by field. Whatever has
// no equivalent here is named in `notImported`, never dropped silently.
//
//   service_account_name            Static: that account (one namespace)
//   kubernetes_role_name/_type      Dynamic: bound to that Role/ClusterRole
//   generated_role_rules            Dynamic: a role generated per lease (of kubernetes_role_type)
//   allowed_kubernetes_namespaces   allowed namespaces ("*": any)
//   allowed_kubernetes_namespace_selector   namespace selector
//   token_default_ttl, token_max_ttl        default and maximum TTL (0: ours)
//   token_default_audiences         audiences
//   extra_labels, extra_annotations extra labels and annotations
//   name_template                   name template, when its Go template uses
//                                   only .RoleName, .DisplayName, unix_time,
//                                   random N, lowercase, truncate N, replace
//   config: kubernetes_host, kubernetes_ca_cert   cluster URL and CA
struct VaultImport {
    static constexpr qint64 MaxFileBytes = 1024 * 1024;

    DynamicSecret secret; // name, environment, auth, gateway and token are the caller's
    // The role's own name in Vault ("name", when the file has it): the caller
    // names the secret, and says so when the names differ.
    QString roleName;
    // One sentence per Vault field that was not carried over, and why.
    QStringList notImported;
    // One sentence per field carried over with a change (0 TTL, a translated template).
    QStringList changed;

    // role: the role's JSON (the whole `vault read` answer, or its "data").
    // staticNamespace: the namespace of a static secret when the role allows
    // several. nullopt and one sentence in *error (naming the Vault field)
    // when the role cannot be imported.
    static std::optional<VaultImport> fromRole(
        const QByteArray &role, const QString &staticNamespace, QString *error);
    // The mount's config (`vault read -format=json kubernetes/config`): the
    // cluster URL and CA. False and one sentence in *error when it is not one.
    bool applyConfig(const QByteArray &config, QString *error);

    // Vault's name_template (a Go template) in NameTemplate's grammar, or
    // nullopt and why in *why when it uses what that grammar lacks.
    static std::optional<QString> translateNameTemplate(const QString &vaultTemplate, QString *why);
};

} // namespace kms
