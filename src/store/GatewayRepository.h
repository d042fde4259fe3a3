#pragma once

#include "core/GatewayRecord.h"

#include <QList>
#include <QStringList>

#include <optional>

namespace kms {

class Database;

// Registered gateways (the `gateways` table; the client keys are in the
// CredentialVault). GatewayRegistry is its one writer.
// Failing calls return false / nullopt / {} and leave the reason in Database::lastError().
class GatewayRepository {
public:
    explicit GatewayRepository(Database &db)
        : m_db(db)
    {
    }

    // Stores name, trimmed URL, both PEMs and createdAt; sets id. Fails on a duplicate name.
    bool insert(GatewayRecord &record);
    // Deletes the row by name; true also when there was none.
    bool remove(const QString &name);

    // Nullopt when there is none, or when the read failed (then *failed is set).
    std::optional<GatewayRecord> byName(const QString &name, bool *failed = nullptr);
    // By name; nullopt when the read failed.
    std::optional<QList<GatewayRecord>> list();
    // The names of the Gateway-auth dynamic secrets that use the gateway, by
    // name; nullopt when the read failed.
    std::optional<QStringList> secretNamesUsing(const QString &name);

private:
    Database &m_db;
};

} // namespace kms
