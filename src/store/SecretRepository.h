#pragma once

#include "core/DynamicSecret.h"

#include <QHash>
#include <QList>

#include <optional>

namespace kms {

class Database;

// Dynamic secrets (their configuration; the cluster token is in the CredentialVault).
// Failing calls return false / nullopt / {} and leave the reason in Database::lastError().
class SecretRepository {
public:
    explicit SecretRepository(Database &db)
        : m_db(db)
    {
    }

    // Sets id (a fresh reserveId()), createdAt and updatedAt. Fails on a
    // duplicate name in the environment.
    bool insert(DynamicSecret &secret);
    // A new secret id, never handed out before and never reused after a
    // delete (its own short transaction); 0 on failure. For a row whose
    // keychain entry is written first (SecretCatalog).
    qint64 reserveId();
    // Inserts with secret.id, which must come from reserveId(); sets createdAt and updatedAt.
    bool insertReserved(DynamicSecret &secret);
    // Updates every field by id; sets updatedAt. With expectedUpdatedAt, only
    // if the row still has that updatedAt (compare-and-set: false, and
    // Database::lastError() says so, when another writer changed it since).
    // updatedAt only grows: at least 1 ms past the one it replaces.
    bool update(DynamicSecret &secret, const QDateTime &expectedUpdatedAt = {});
    // Deletes the secret and (by cascade) its lease rows. Check openLeaseCount() first.
    bool remove(qint64 id);

    std::optional<DynamicSecret> byId(qint64 id);
    std::optional<DynamicSecret> byName(qint64 environmentId, const QString &name);
    QList<DynamicSecret> listByEnvironment(qint64 environmentId); // by name
    QList<DynamicSecret> listAll(); // by environment, then name
    // Every secret called name, in environment order, in one statement (the
    // CLI's SECRET argument without --env). nullopt: the read failed
    // (Database::lastError() says why), which is not "there is none".
    std::optional<QList<DynamicSecret>> listNamed(const QString &name);
    // Names in the environment other than excludeId's (for SecretValidationContext).
    QStringList namesInEnvironment(qint64 environmentId, qint64 excludeId = 0);

    // Leases in state Active, per secret id, for the secrets of one environment (0: all).
    QHash<qint64, int> activeLeaseCounts(qint64 environmentId = 0);
    // Leases not yet in a terminal state (they may hold cluster objects).
    int openLeaseCount(qint64 secretId);

private:
    Database &m_db;
};

} // namespace kms
