#include "leases/Engine.h"

#include "gateway/GatewayRegistry.h"
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"

namespace kms {

namespace {

// Gateway-auth secrets reach their cluster through the registered gateway.
QCoro::Task<ClusterConnections::TransportResult> gatewayTransport(
    Database *db, CredentialVault *vault, QString name)
{
    GatewayRegistry registry(*db, *vault);
    const GatewayTransportResult result = co_await registry.transport(std::move(name));
    co_return ClusterConnections::TransportResult { result.transport, result.error };
}

} // namespace

Engine::Engine(Database &db, CredentialVault &vault, Clock *clock)
    : m_db(db)
    , m_vault(vault)
    , m_connections(std::make_unique<ClusterConnections>(vault))
    , m_leases(std::make_unique<LeaseService>(db, *m_connections, clock))
{
    m_connections->setGatewayTransportFactory(
        [db = &db, vault = &vault](QString name) { return gatewayTransport(db, vault, std::move(name)); });
}

Engine::~Engine()
{
    m_leases.reset(); // uses the connections
}

} // namespace kms
