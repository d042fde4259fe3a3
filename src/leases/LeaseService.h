#pragma once

#include "core/Clock.h"
#include "core/DynamicSecret.h"
#include "core/FieldError.h"
#include "core/Lease.h"
#include "provider/LeaseProvider.h"
#include "provider/Preflight.h"

#include <QCoro/QCoroTask>
#include <QObject>
#include <QSet>

#include <optional>

namespace kms {

class AuditLog;
class ClusterConnections;
class Database;
class LeaseLock;
class LeaseRepository;
class SecretRepository;

struct LeaseRequest {
    qint64 secretId = 0;
    std::optional<Duration> ttl; // default: the secret's default TTL
    QString namespaceName; // dynamic: one of the allowed namespaces (may be empty when only one is allowed)
    std::optional<QStringList> audiences; // default: the secret's audiences
    QString auditNote; // added to the lease.created event, e.g. who asked (kubectl's credential plugin)
    // The definition as the caller shows it (the desktop's list, the CLI's
    // lookup), so that it is not read again: the lease is recorded only if it
    // is still the stored one (updatedAt), else planned again from the store.
    std::optional<DynamicSecret> secret;
};

struct LeaseCreation {
    std::optional<Lease> lease; // the stored row (Active on success, Failed/CleanupFailed otherwise)
    std::optional<IssuedToken> issued; // shown once, never stored
    FieldErrors fieldErrors; // the request was refused before any cluster call
    QString error; // one sentence
    // The secret's stored settings or cluster token cannot be used: refused
    // before any row or request, like fieldErrors (bad input, not a failure).
    bool unusableSecret = false;
    // The secret's max leases is reached: refused before any row or request.
    bool limitReached = false;

    bool ok() const { return issued.has_value(); }
};

struct NamespaceChoices {
    QStringList namespaces; // sorted; the listed ones even when the cluster could not be asked
    QString error; // why the cluster could not be asked, one sentence
};

struct RevokeOutcome {
    bool ok = false;
    bool alreadyClosed = false; // another process or person closed it first; message says who and when
    std::optional<Lease> lease;
    QString message; // what happened, true for the lease kind
};

struct LeaseInspection {
    QList<LeaseObjectState> objects; // each object the lease created, as the cluster has it now
    QString error; // one sentence when the cluster could not be asked at all
};

struct RenewOutcome {
    bool ok = false;
    // Refused before any cluster call because of what was asked (a TTL that
    // does not extend the lease): bad usage, not a failure.
    bool badRequest = false;
    std::optional<Lease> lease; // the renewed lease; for an unbound static lease, the new one
    std::optional<IssuedToken> issued; // shown once, never stored
    bool newLease = false; // unbound static: renewing issued a new lease
    QString previousJti; // the token that stays valid until previousExpiresAt
    QDateTime previousExpiresAt;
    QString message; // what happened, including what becomes of the previous token
    QStringList warnings;
};

struct ReconcileReport {
    int rolledBack = 0; // unfinished provisioning undone
    int cleanedUp = 0; // revokes and expiries completed
    int orphansDeleted = 0;
    QStringList errors; // cleanups that failed (they stay CleanupFailed and are retried)
    QStringList warnings; // e.g. a sweep the cluster token may not do

    bool ok() const { return errors.isEmpty(); }
};

// The lease lifecycle: provisioning that survives crashes, revoke, expiry,
// retries, reconcile. Every step is committed to the store (and the audit
// log) before and after its cluster calls; the provider does the calls.
class LeaseService : public QObject {
    Q_OBJECT
public:
    LeaseService(Database &db, ClusterConnections &connections, Clock *clock = Clock::system(),
        QObject *parent = nullptr);
    ~LeaseService() override;

    Clock *clock() const { return m_clock; }

    // Checks the request against the secret (TTL at least 10 minutes and at
    // most the max TTL, namespace allowed, audiences) without any cluster call.
    static FieldErrors validateRequest(const DynamicSecret &secret, const LeaseRequest &request,
        qint64 *ttlSeconds, QString *namespaceName, QStringList *audiences);

    QCoro::Task<LeaseCreation> createLease(LeaseRequest request);
    // Early delete. Dynamic and bound leases: their objects are deleted, which
    // revokes the token. Unbound static: the lease closes, and the message says
    // the token stays valid until it expires.
    QCoro::Task<RevokeOutcome> revoke(QString leaseId);
    // Renewal by re-issue. Dynamic and bound leases: a new token for the same
    // service account (and Secret), the objects' expiry annotations and the
    // lease's expiry moved to the new token's, capped at the lease's creation
    // plus the secret's max TTL; compare-and-set on the token, audited. The
    // previous token stays valid until its own expiry. Unbound static leases
    // cannot be extended: renewing issues a new lease and says so. ttl
    // defaults to the TTL the lease was made with.
    QCoro::Task<RenewOutcome> renew(QString leaseId, std::optional<Duration> ttl = std::nullopt);
    // Retries a CleanupFailed lease now.
    QCoro::Task<RevokeOutcome> retryCleanup(QString leaseId);
    // Cleans up every lease whose expiry (or cleanup retry) is due.
    QCoro::Task<ReconcileReport> runDueCleanups();
    // At start-up and on demand: rolls back provisioning left unfinished by a
    // crash, finishes revokes, cleans up expired leases, sweeps orphans.
    QCoro::Task<ReconcileReport> reconcile(bool sweepOrphans = true);

    // Test Connection: clusterToken, when typed, is used instead of the
    // keychain's; fresh: a connection made for this look alone (the form may
    // have changed what the secret's open connection reaches).
    QCoro::Task<PreflightResult> preflight(
        DynamicSecret secret, QByteArray clusterToken = {}, bool fresh = false);

    // Reads the objects the lease created on its cluster (lease details); writes nothing.
    QCoro::Task<LeaseInspection> inspect(QString leaseId);
    // Operations under way (create, revoke, cleanups, reconcile, preflight,
    // inspect); waitUntilIdle lets them finish, up to timeout: true when none
    // is left. A quitting app calls it so no lease is left half made.
    int busyCount() const { return m_busy; }
    QCoro::Task<bool> waitUntilIdle(std::chrono::milliseconds timeout);
    // The namespaces a person may choose for a lease of the secret (New Lease):
    // the listed ones, and where "*" or a selector allow more, those the cluster has.
    QCoro::Task<NamespaceChoices> namespaceChoices(DynamicSecret secret);

    // Retry delay after the n-th failed cleanup: 30 s doubling, at most 1 hour.
    static qint64 cleanupBackoffSeconds(int attempts);

    // "Secret X already has N of its at most M leases ...": why a lease is refused at the limit.
    static QString limitMessage(const DynamicSecret &secret, int live);

    // "Lease X was already revoked by user@host at TIME." and the like, for a lease not Active.
    static QString describeClosed(const Lease &lease);

signals:
    void leaseChanged(const QString &leaseId);
    // The earliest due time may have changed (the scheduler re-arms).
    void scheduleChanged();
    // The last operation under way finished.
    void idle();

private:
    enum class Commit { Done, Conflict, Failed };
    enum class Cleanup { Done, Failed, Busy };
    // held: the lease's lock, when a claim already holds it.
    QCoro::Task<RevokeOutcome> closeLease(Lease lease, bool expiry, std::shared_ptr<LeaseLock> held = {});
    // Busy: another process holds the lease or changed it first; nothing was done.
    QCoro::Task<Cleanup> finishCleanup(
        Lease lease, LeaseState finalState, ReconcileReport *report, bool lockHeld = false);
    // Compare-and-set from lease.state; on Conflict, lease becomes the stored row.
    // expectedJti (if not empty): only while the stored token is still that one.
    // In a team profile one statement (LeaseRepository::commit), which with
    // `release` also releases the lease's lock.
    Commit commit(Lease &lease, std::optional<LeaseState> state, const QString &auditKind,
        const QString &detail, const QString &secretName, const QString &expectedJti = {},
        LeaseLock *release = nullptr);
    RevokeOutcome closedAlready(const Lease &lease);
    void markClosed(Lease &lease) const;
    QString secretNameOf(qint64 secretId);

    Database &m_db;
    ClusterConnections &m_connections;
    Clock *m_clock;
    std::unique_ptr<LeaseRepository> m_leases;
    std::unique_ptr<SecretRepository> m_secrets;
    std::unique_ptr<AuditLog> m_audit;
    QSet<QString> m_inFlight; // leases this process is working on right now
    class Busy;
    int m_busy = 0;
};

} // namespace kms
