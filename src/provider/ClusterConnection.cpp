#include "provider/ClusterConnection.h"

namespace kms {

ClusterConnection::ClusterConnection(std::shared_ptr<const KubeTransport> transport)
    : m_nam(std::make_unique<QNetworkAccessManager>())
    , m_client(std::make_unique<KubeClient>(m_nam.get(), std::move(transport)))
{
}

ClusterConnection::~ClusterConnection() = default;

std::unique_ptr<ClusterConnection> ClusterConnection::forToken(
    const DynamicSecret &secret, const QByteArray &clusterToken, QString *error)
{
    std::shared_ptr<const KubeTransport> transport = TokenTransport::create(
        secret.clusterUrl, secret.caCertificate.toUtf8(), secret.sslVerify, clusterToken, error);
    if (!transport)
        return nullptr;
    return std::make_unique<ClusterConnection>(std::move(transport));
}

} // namespace kms
