#pragma once

#include "core/DynamicSecret.h"
#include "kube/KubeClient.h"

#include <QNetworkAccessManager>

#include <memory>

namespace kms {

// One way into one cluster with one set of credentials: its own
// QNetworkAccessManager (pools are never shared between credentials, see
// DESIGN.md) and the KubeClient on it.
class ClusterConnection {
public:
    explicit ClusterConnection(std::shared_ptr<const KubeTransport> transport);
    ~ClusterConnection();

    KubeClient &client() { return *m_client; }

    // A direct connection for a Token (API) secret with its cluster token.
    // nullptr and error set when the secret's URL or CA cannot be used.
    static std::unique_ptr<ClusterConnection> forToken(
        const DynamicSecret &secret, const QByteArray &clusterToken, QString *error);

private:
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<KubeClient> m_client;
};

} // namespace kms
