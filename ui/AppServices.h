#pragma once

#include <QString>

namespace kms {
class Clock;
class DatabaseReconnector;
class Engine;
class LeaseService;
class SecretCatalog;
} // namespace kms

namespace kms::ui {

// The engine the windows work through; owned by main() (or a test).
// The UI reaches the store only through these: it reads through the engine
// and leaves every change to the engine, its LeaseService and gateways, and
// the SecretCatalog.
struct AppServices {
    Engine *engine = nullptr;
    LeaseService *leases = nullptr; // &engine->leases()
    SecretCatalog *catalog = nullptr;
    Clock *clock = nullptr;
    // The hanzo-kmsctl kubectl contexts run for tokens; empty: the one next to this program.
    QString kmsctlPath;
    // A team profile's connection keeper (banner, reconnect); null for SQLite.
    DatabaseReconnector *reconnector = nullptr;
    // The data directory of the local profile (where File > Open Team Profile...
    // remembers its choice) and, for a team profile, its URL (without password).
    QString dataDir;
    QString teamDatabaseUrl;
};

} // namespace kms::ui
