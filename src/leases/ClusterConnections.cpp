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

QCoro::Task<ClusterConnections::Result> ClusterConnections::forSecret(
    DynamicSecret secret, QByteArray clusterToken, Reuse reuse)
{
    Result result;
    const bool keep = secret.id != 0 && clusterToken.isEmpty() && reuse == Reuse::Kept;
    if (const auto it = m_connections.constFind(secret.id); keep && it != m_connections.constEnd()) {
        result.connection = *it;
        co_return result;
    }
    // Token auth: the typed token, or the keychain's.
    QByteArray token = clusterToken;
    if (secret.hasClusterToken() && token.isEmpty()) {
        const VaultResult stored = co_await m_vault.get(secret.vaultKey());
        if (!stored.ok && stored.error == VaultResult::Error::NotFound) {
            result.error = QStringLiteral("Secret %1 has no cluster token on this computer; store yours with "
                                          "\"hanzo-kmsctl secret set-token %2 --token-stdin\" or Set Cluster "
                                          "Token in the app.")
                               .arg(quoted(secret.name), escapeControls(secret.name));
            result.missingToken = true;
            co_return result;
        }
        if (!stored.ok) {
            result.error
                = QStringLiteral("The cluster token of secret %1 could not be read from the keychain: %2")
                      .arg(quoted(secret.name), stored.message);
            co_return result;
        }
        // What the keychain holds is outside input too: checked before it goes near a request.
        if (const QString problem = BearerToken::problem(stored.value); !problem.isEmpty()) {
            result.error = QStringLiteral(
                "The cluster token of secret %1 in the keychain %2; store the token again (edit the secret).")
                               .arg(quoted(secret.name), problem);
            result.unusable = true;
            co_return result;
        }
        token = stored.value;
    }
    // A typed one too; and so a Token-auth secret never reaches a gateway
    // without its token, which would make the calls the gateway's own.
    if (secret.hasClusterToken()) {
        if (const QString problem = BearerToken::problem(token); !problem.isEmpty()) {
            result.error = QStringLiteral("The cluster token %1.").arg(problem);
            result.unusable = true;
            co_return result;
        }
    }
    std::shared_ptr<ClusterConnection> connection;
    if (secret.viaGateway()) {
        if (!m_gatewayFactory) {
            result.error
                = QStringLiteral("Secret %1 uses gateway %2, but gateways are not available in this build.")
                      .arg(quoted(secret.name), quoted(secret.gateway));
            co_return result;
        }
        // Gateway auth sends no token: the gateway uses its own account.
        if (!secret.hasClusterToken())
            token.clear();
        const TransportResult transport = co_await m_gatewayFactory(secret.gateway, token);
        if (!transport.transport) {
            result.error = transport.error;
            co_return result;
        }
        connection = std::make_shared<ClusterConnection>(transport.transport);
    } else {
        QString error;
        connection = ClusterConnection::forToken(secret, token, &error);
        if (!connection) {
            result.error = QStringLiteral("Secret %1 cannot be used: %2").arg(quoted(secret.name), error);
            result.unusable = true;
            co_return result;
        }
    }
    // An unsaved secret (id 0, "Test Connection"), a typed token or a fresh
    // look gets a connection of its own.
    if (!keep) {
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
