#pragma once

#include "core/AuditEvent.h"
#include "core/Lease.h"
#include "core/LeaseSummary.h"

#include <QList>

#include <memory>
#include <optional>

namespace kms {

class Database;
class LeaseLock;

// A lease this program claimed to work on: while `lock` is held no other
// program (another desktop of a team profile, the CLI next to the GUI)
// cleans it up.
struct LeaseClaim {
    Lease lease;
    std::shared_ptr<LeaseLock> lock;
};

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
        SecretChanged, // the secret was edited or deleted since secretUpdatedAt; nothing written
        Locked, // another program holds the lease's lock; nothing written
        Failed, // a database error
    };
    // A new lease's row, recorded before its first cluster call with the
    // lease's LeaseLock taken: only while its secret is still the definition
    // it was planned from (updated_at == secretUpdatedAt, when given) and has
    // fewer than `limit` live leases (0: no limit). The check, the count and
    // the insert are one write transaction, so concurrent processes cannot
    // overshoot. *live: the count seen. SQLite: the lock file, then a
    // transaction. PostgreSQL: one statement (kms_lease_open), which also
    // takes the lock (recorded in `lock`) and tells Database::auditHint() the
    // audit head and this process's key id, for commit().
    Insert open(const Lease &lease, const std::optional<QDateTime> &secretUpdatedAt, int limit,
        LeaseLock &lock, int *live = nullptr);
    // open() with the lock held only for the insert, of whatever definition.
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

    // PostgreSQL (a team profile): update() and the audit event of the change
    // in one statement (kms_lease_commit): the event is signed here against
    // the head this connection last saw and stored only while that is still
    // the head (signed again against the true one otherwise); with `release`,
    // the lease's advisory lock is released in the same statement. No event:
    // update() alone. Nothing is written unless all of it is.
    Update commit(const Lease &lease, LeaseState expected, const QString &expectedJti,
        std::optional<AuditEvent> event, LeaseLock *release = nullptr);

    std::optional<Lease> byId(const QString &id);
    // Newest first. includeClosed=false: only leases not in a terminal state.
    QList<Lease> listForSecret(qint64 secretId, bool includeClosed = true);
    QList<Lease> listAll(bool includeClosed = true); // newest first
    // The leases a person (user@host) created or closed, newest first.
    QList<Lease> listByPerson(const QString &person, bool includeClosed = true);
    QList<Lease> listByState(LeaseState state); // soonest expiry first
    // The lease table's rows of one secret, newest first (as listForSecret):
    // only the columns a LeaseSummary holds, no JSON parsed, strings that
    // repeat (namespaces, creators) shared.
    QList<LeaseSummary> summariesForSecret(qint64 secretId);

    // For the tray, without reading every active lease: Active leases whose
    // expiry is after `after`; of them the one that expires first; those
    // expiring in (after, until], soonest first; and the first expiry after `after`.
    int countActiveExpiringAfter(const QDateTime &after);
    std::optional<Lease> firstActiveExpiringAfter(const QDateTime &after);
    QList<Lease> listActiveExpiringBetween(const QDateTime &after, const QDateTime &until);
    // Active leases past their expiry, and CleanupFailed leases whose retry is due, at `now`.
    QList<Lease> dueForCleanup(const QDateTime &now);
    // Leases left in Provisioning or Revoking (e.g. by a crash), for start-up reconcile.
    QList<Lease> unfinished();
    // dueForCleanup() and unfinished(), claimed: each lease comes with its
    // LeaseLock held, and a lease another program holds is left out. In
    // PostgreSQL the rows are read FOR UPDATE SKIP LOCKED (a row another
    // program is changing right now is skipped, not waited for) and each
    // lease's advisory lock is taken in the same transaction; in SQLite the
    // lock file is taken. At most `limit` leases, soonest due first.
    QList<LeaseClaim> claimDueForCleanup(const QDateTime &now, int limit = 200);
    QList<LeaseClaim> claimUnfinished(int limit = 200);
    // The soonest expiry among Active leases, or the soonest cleanup retry; nullopt if none.
    std::optional<QDateTime> nextExpiry();
    int count(); // all rows

private:
    QList<Lease> select(const QString &whereAndOrder, const QVariantList &values);
    QList<LeaseClaim> claim(
        const QString &where, const QString &order, const QVariantList &values, int limit);
    // After a compare-and-set matched no row: why, in lastError().
    Update conflict(const QString &id, LeaseState expected);
    // PostgreSQL: the INSERT or UPDATE with a NOTIFY of each lease it wrote.
    QString notifying(const QString &write) const;

    Database &m_db;
};

} // namespace kms
