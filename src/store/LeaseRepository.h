#pragma once

#include "core/Lease.h"

#include <QList>

#include <optional>

namespace kms {

class Database;

// Lease rows. Indexed for 100,000+ rows by secret, by state and expiry, by expiry.
// Failing calls return false / nullopt / {} and leave the reason in Database::lastError().
class LeaseRepository {
public:
    explicit LeaseRepository(Database &db)
        : m_db(db)
    {
    }

    // The row must carry an id (Lease::newId()) and an existing secretId.
    bool insert(const Lease &lease);
    enum class Insert {
        Inserted,
        LimitReached, // the secret already has `limit` live leases; nothing written
        Failed, // a database error
    };
    // insert(), unless the secret already has `limit` live leases (limit 0:
    // no limit); the count and the insert are one write transaction, so
    // concurrent processes cannot overshoot. *live: the count seen.
    Insert insertWithinLimit(const Lease &lease, int limit, int *live = nullptr);
    // Leases of the secret whose token may still work at `now`: provisioning,
    // or holding an unexpired token (active, released, or with cleanup pending).
    int liveCount(qint64 secretId, const QDateTime &now);
    enum class Update {
        Updated,
        Conflict, // the stored state is no longer `expected`: another writer won; nothing written
        Failed, // refused (a transition canTransition forbids, no such lease) or a database error
    };
    // Writes every field by id, compare-and-set: only while the stored state is
    // still `expected` (the state the caller read). Refuses a state change
    // Lease::canTransition forbids.
    Update update(const Lease &lease, LeaseState expected);
    // The same, and only while the stored token jti is still expectedJti
    // (a renewal replaces the token of an Active lease: of two, one wins).
    Update update(const Lease &lease, LeaseState expected, const QString &expectedJti);

    std::optional<Lease> byId(const QString &id);
    // Newest first. includeClosed=false: only leases not in a terminal state.
    QList<Lease> listForSecret(qint64 secretId, bool includeClosed = true);
    QList<Lease> listAll(bool includeClosed = true); // newest first
    QList<Lease> listByState(LeaseState state); // soonest expiry first
    // Active leases past their expiry, and CleanupFailed leases whose retry is due, at `now`.
    QList<Lease> dueForCleanup(const QDateTime &now);
    // Leases left in Provisioning or Revoking (e.g. by a crash), for start-up reconcile.
    QList<Lease> unfinished();
    // The soonest expiry among Active leases, or the soonest cleanup retry; nullopt if none.
    std::optional<QDateTime> nextExpiry();
    int count(); // all rows
    // Every namespace the secret's leases were made in, open or closed (where a sweep looks).
    QStringList namespacesOf(qint64 secretId);

private:
    QList<Lease> select(const QString &whereAndOrder, const QVariantList &values);

    Database &m_db;
};

} // namespace kms
