#pragma once

#include "core/Clock.h"

#include <memory>

namespace kms {

class ClusterConnections;
class CredentialVault;
class Database;
class LeaseService;

// The lease engine as the GUI and the CLI use it: one place that wires the
// store, the keychain, the cluster connections (direct or through gateways)
// and the LeaseService together.
class Engine {
public:
    Engine(Database &db, CredentialVault &vault, Clock *clock = Clock::system());
    ~Engine();

    Database &database() { return m_db; }
    CredentialVault &vault() { return m_vault; }
    ClusterConnections &connections() { return *m_connections; }
    LeaseService &leases() { return *m_leases; }

private:
    Database &m_db;
    CredentialVault &m_vault;
    std::unique_ptr<ClusterConnections> m_connections;
    std::unique_ptr<LeaseService> m_leases;
};

} // namespace kms
