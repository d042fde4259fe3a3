#pragma once

#include "core/Environment.h"

#include <QList>

#include <optional>

namespace kms {

class Database;

// Environments: the three seeded ones plus any the user adds.
class EnvironmentRepository {
public:
    explicit EnvironmentRepository(Database &db)
        : m_db(db)
    {
    }

    QList<Environment> list(); // in display order
    std::optional<Environment> byId(qint64 id);
    // Case-insensitive: "production" finds "Production"; also matches the slug ("prod").
    std::optional<Environment> byName(const QString &name);
    // Adds a user-made environment at the end; sets id and position. False on
    // a duplicate name or slug (Database::lastError() says which).
    bool insert(Environment &environment);

private:
    Database &m_db;
};

} // namespace kms
