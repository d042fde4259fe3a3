#pragma once

#include "core/GatewayClientPolicy.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace kms {

// hanzo-kms-gateway's policy file (--policy FILE), written by the cluster
// owner: which client may do what. YAML:
//
//   clients:
//     - subject: "*"              # the client certificate's CN, or "*" for any
//       namespaces: [team-a]      # where dynamic leases may be made
//       staticServiceAccounts: [default/app-sa]
//       roles: [{kind: ClusterRole, name: kms-dynamic-role}]
//       clusterWide: false
//       maxTTL: 24h
//       audiences: ["*"]
//       extraLabels: [team]       # keys of extra labels a lease's objects may carry ("*": any)
//       extraAnnotations: []      # the same for annotations; none when absent
//       generatedRoles:           # roles made per lease from a secret's rules; none when absent
//         kinds: [Role]           # Role and/or ClusterRole
//         rules:                  # the most a generated role may grant
//           - {apiGroups: [""], resources: [pods], verbs: [get, list]}
//
// The first entry whose subject matches the client applies; a client no entry
// matches may do nothing at all.
class GatewayAccessPolicy {
public:
    static constexpr qint64 MaxFileBytes = 1024 * 1024;

    // nullopt and one sentence naming the entry and field when the text is not a usable policy.
    static std::optional<GatewayAccessPolicy> parse(const QByteArray &yaml, QString *error);
    // The same for a file (read with a size bound); the sentence names the file.
    static std::optional<GatewayAccessPolicy> load(const QString &path, QString *error);

    // The entry for a client certificate's common name; nullptr when none matches.
    const GatewayClientPolicy *entryFor(const QString &commonName) const;
    const QList<GatewayClientPolicy> &clients() const { return m_clients; }

private:
    QList<GatewayClientPolicy> m_clients;
};

} // namespace kms
