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
    // Renames the environment if it is still called expectedName (compare-and-
    // set: a rename made meanwhile elsewhere is not overwritten). False on a
    // duplicate name or slug, or a changed row (Database::lastError() says which).
    bool rename(qint64 id, const QString &expectedName, const QString &name, const QString &slug);
    // Deletes an environment that holds no dynamic secret; in the same
    // statement, so a secret added meanwhile keeps it. False otherwise, with
    // Database::lastError() saying why.
    bool remove(qint64 id);

private:
    Database &m_db;
};

} // namespace kms
