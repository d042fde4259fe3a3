#include "leases/Engine.h"

#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"

namespace kms {

Engine::Engine(Database &db, CredentialVault &vault, Clock *clock)
    : m_db(db)
    , m_vault(vault)
    , m_connections(std::make_unique<ClusterConnections>(vault))
    , m_leases(std::make_unique<LeaseService>(db, *m_connections, clock))
{
}

Engine::~Engine()
{
    m_leases.reset(); // uses the connections
}

} // namespace kms
