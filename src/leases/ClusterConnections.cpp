#include "leases/ClusterConnections.h"

#include "core/BearerToken.h"
#include "core/DisplayText.h"
#include "store/CredentialVault.h"

namespace kms {

ClusterConnections::ClusterConnections(CredentialVault &vault)
    : m_vault(vault)
{
}

ClusterConnections::~ClusterConnections() = default;

void ClusterConnections::invalidate(qint64 secretId)
{
    m_connections.remove(secretId);
}

QCoro::Task<ClusterConnections::Result> ClusterConnections::forSecret(DynamicSecret secret)
{
    Result result;
    if (const auto it = m_connections.constFind(secret.id);
        secret.id != 0 && it != m_connections.constEnd()) {
        result.connection = *it;
        co_return result;
    }
    std::shared_ptr<ClusterConnection> connection;
    if (secret.authMethod == AuthMethod::Gateway) {
        if (!m_gatewayFactory) {
            result.error = QStringLiteral(
                "Secret \"%1\" uses gateway \"%2\", but gateways are not available in this build.")
                               .arg(secret.name, secret.gateway);
            co_return result;
        }
        const TransportResult transport = co_await m_gatewayFactory(secret.gateway);
        if (!transport.transport) {
            result.error = transport.error;
            co_return result;
        }
        connection = std::make_shared<ClusterConnection>(transport.transport);
    } else {
        const VaultResult token = co_await m_vault.get(secret.vaultKey());
        if (!token.ok) {
            result.error
                = QStringLiteral("The cluster token of secret %1 could not be read from the keychain: %2")
                      .arg(quoted(secret.name), token.message);
            co_return result;
        }
        // What the keychain holds is outside input too: checked before it goes near a request.
        if (const QString problem = BearerToken::problem(token.value); !problem.isEmpty()) {
            result.error = QStringLiteral(
                "The cluster token of secret %1 in the keychain %2; store the token again (edit the secret).")
                               .arg(quoted(secret.name), problem);
            result.unusable = true;
            co_return result;
        }
        QString error;
        connection = ClusterConnection::forToken(secret, token.value, &error);
        if (!connection) {
            result.error = QStringLiteral("Secret %1 cannot be used: %2").arg(quoted(secret.name), error);
            result.unusable = true;
            co_return result;
        }
    }
    // An unsaved secret (id 0, "Test Connection") gets a connection of its own.
    if (secret.id == 0) {
        result.connection = connection;
        co_return result;
    }
    // Another coroutine may have connected meanwhile; keep the first.
    if (const auto it = m_connections.constFind(secret.id); it != m_connections.constEnd()) {
        result.connection = *it;
        co_return result;
    }
    m_connections.insert(secret.id, connection);
    result.connection = connection;
    co_return result;
}

} // namespace kms
