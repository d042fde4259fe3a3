#pragma once

namespace kms {
class Clock;
class ClusterConnections;
class CredentialVault;
class Database;
class LeaseService;
class SecretCatalog;
} // namespace kms

namespace kms::ui {

// The engine the windows work through; owned by main() (or a test).
// The UI reads the store for display and leaves every change to these.
struct AppServices {
    Database *db = nullptr;
    CredentialVault *vault = nullptr;
    ClusterConnections *connections = nullptr;
    LeaseService *leases = nullptr;
    SecretCatalog *catalog = nullptr;
    Clock *clock = nullptr;
};

} // namespace kms::ui
