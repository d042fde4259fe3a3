#pragma once

#include "core/DynamicSecret.h"
#include "provider/ClusterConnection.h"

#include <QCoro/QCoroTask>
#include <QHash>

#include <functional>
#include <memory>

namespace kms {

class CredentialVault;

// The open connection of each secret, made on first use: directly with the
// cluster token read from the keychain (Token auth), through the gateway's
// transport with that token (Token auth with a gateway), or through the
// gateway's transport alone (Gateway auth). Editing a secret must
// invalidate() it.
class ClusterConnections {
public:
    struct Result {
        std::shared_ptr<ClusterConnection> connection; // kept alive while a call uses it
        QString error; // one sentence when no connection could be made
        // The secret's stored settings or token cannot be used (bad input that
        // nothing was sent with), as opposed to a keychain or gateway failure.
        bool unusable = false;
        // Token auth, and this computer's keychain has no token for the secret
        // (a team profile's secret made by someone else): set one first.
        bool missingToken = false;
    };
    struct TransportResult {
        std::shared_ptr<const KubeTransport> transport;
        QString error;
    };
    // Builds the transport to a registered gateway (gateway/ provides it);
    // with a caller token, requests carry it for the gateway to use.
    using GatewayTransportFactory
        = std::function<QCoro::Task<TransportResult>(QString gatewayName, QByteArray callerToken)>;
    // Whether the secret's open connection may serve (and a new one be kept).
    enum class Reuse { Kept, Fresh };

    explicit ClusterConnections(CredentialVault &vault);
    ~ClusterConnections();

    void setGatewayTransportFactory(GatewayTransportFactory factory)
    {
        m_gatewayFactory = std::move(factory);
    }
    // clusterToken: one typed for this call (Test Connection, a save), used
    // instead of the keychain's. A connection made with one, for an unsaved
    // secret, or with Reuse::Fresh, is the caller's alone.
    QCoro::Task<Result> forSecret(
        DynamicSecret secret, QByteArray clusterToken = {}, Reuse reuse = Reuse::Kept);
    void invalidate(qint64 secretId);

private:
    CredentialVault &m_vault;
    GatewayTransportFactory m_gatewayFactory;
    QHash<qint64, std::shared_ptr<ClusterConnection>> m_connections;
};

} // namespace kms
