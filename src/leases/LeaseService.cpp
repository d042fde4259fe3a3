#include "leases/LeaseService.h"

#include "core/SignalWait.h"

#include <QDeadlineTimer>

#include "core/AuditEvent.h"
#include "core/DisplayText.h"
#include "core/NameTemplate.h"
#include "core/Names.h"
#include "leases/ClusterConnections.h"
#include "store/AuditLog.h"
#include "store/Database.h"
#include "store/LeaseLock.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

namespace kms {

namespace {

QString formatExpiry(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODate);
}

} // namespace

LeaseService::LeaseService(Database &db, ClusterConnections &connections, Clock *clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_connections(connections)
    , m_clock(clock)
    , m_leases(std::make_unique<LeaseRepository>(db))
    , m_secrets(std::make_unique<SecretRepository>(db))
    , m_audit(std::make_unique<AuditLog>(db))
{
}

LeaseService::~LeaseService() = default;

qint64 LeaseService::cleanupBackoffSeconds(int attempts)
{
    qint64 delay = 30;
    for (int i = 1; i < attempts && delay < 3600; ++i)
        delay *= 2;
    return std::min<qint64>(delay, 3600);
}

FieldErrors LeaseService::validateRequest(const DynamicSecret &secret, const LeaseRequest &request,
    qint64 *ttlSeconds, QString *namespaceName, QStringList *audiences)
{
    FieldErrors errors;
    const Duration ttl = request.ttl.value_or(secret.defaultTtl);
    if (ttl < MinimumTtl)
        errors.append({ QStringLiteral("ttl"),
            QStringLiteral("TTL must be at least 10 minutes (got %1): the API server refuses shorter tokens.")
                .arg(ttl.toString()) });
    else if (ttl > secret.maxTtl)
        errors.append({ QStringLiteral("ttl"),
            QStringLiteral("TTL must be at most the secret's max TTL of %1 (got %2).")
                .arg(secret.maxTtl.toString(), ttl.toString()) });
    *ttlSeconds = ttl.seconds();

    if (secret.credentialType == CredentialType::Dynamic) {
        QString ns = request.namespaceName.trimmed();
        const QStringList listed = secret.listedNamespaces();
        if (ns.isEmpty() && listed.size() == 1 && !secret.namespacesOpen())
            ns = listed.first();
        QString choices = listed.join(QStringLiteral(", "));
        if (secret.anyNamespace())
            choices = QStringLiteral("any namespace");
        else if (!secret.namespaceSelector.isEmpty())
            choices = (listed.isEmpty() ? QString() : QStringLiteral("one of %1, or ").arg(choices))
                + QStringLiteral("one whose labels match \"%1\"").arg(secret.namespaceSelector);
        else
            choices = QStringLiteral("one of %1").arg(choices);
        if (ns.isEmpty())
            errors.append(
                { QStringLiteral("namespace"), QStringLiteral("Choose a namespace: %1.").arg(choices) });
        else if (!Names::isDns1123Label(ns))
            errors.append({ QStringLiteral("namespace"),
                QStringLiteral("Namespace %1 is not a namespace name.").arg(quoted(ns)) });
        else if (!listed.contains(ns) && !secret.namespacesOpen())
            errors.append({ QStringLiteral("namespace"),
                QStringLiteral("Namespace \"%1\" is not one of the secret's allowed namespaces (%2).")
                    .arg(ns, listed.join(QStringLiteral(", "))) });
        // A namespace the selector may allow is checked against the cluster by createLease.
        *namespaceName = ns;
    } else {
        const QString ns = request.namespaceName.trimmed();
        if (!ns.isEmpty() && ns != secret.namespaceName)
            errors.append({ QStringLiteral("namespace"),
                QStringLiteral("A static secret issues tokens in namespace \"%1\" only (got \"%2\").")
                    .arg(secret.namespaceName, ns) });
        *namespaceName = secret.namespaceName;
    }

    QStringList wanted = request.audiences.value_or(secret.audiences);
    QStringList cleaned;
    for (const QString &a : wanted) {
        const QString t = a.trimmed();
        if (t.isEmpty()) {
            errors.append({ QStringLiteral("audiences"),
                QStringLiteral("Audiences must not contain an empty entry.") });
            break;
        }
        if (!cleaned.contains(t))
            cleaned << t;
    }
    *audiences = cleaned;
    return errors;
}

QString LeaseService::limitMessage(const DynamicSecret &secret, int live)
{
    return QStringLiteral("Secret \"%1\" already has %2 of its at most %3 leases whose token may still work; "
                          "revoke one or wait until one expires.")
        .arg(secret.name)
        .arg(live)
        .arg(secret.maxLeases);
}

QString LeaseService::secretNameOf(qint64 secretId)
{
    const auto secret = m_secrets->byId(secretId);
    return secret ? secret->name : QString();
}

LeaseService::Commit LeaseService::commit(Lease &lease, std::optional<LeaseState> state,
    const QString &auditKind, const QString &detail, const QString &secretName, const QString &expectedJti,
    LeaseLock *release)
{
    Lease next = lease;
    if (state)
        next.state = *state;
    const auto event = [&] {
        AuditEvent event;
        event.kind = auditKind;
        event.secretName = secretName;
        event.leaseId = next.id;
        event.namespaceName = next.namespaceName;
        event.serviceAccount = next.serviceAccount;
        event.jti = next.tokenJti;
        event.expiresAt = next.expiresAt;
        event.detail = detail;
        return event;
    };
    LeaseRepository::Update written = LeaseRepository::Update::Failed;
    if (m_db.backend() == Database::Backend::PostgreSQL && !m_db.inTransaction()) {
        // A team profile's server is a round trip away: the compare-and-set
        // and its event in one statement.
        std::optional<AuditEvent> audited;
        if (!auditKind.isEmpty())
            audited = event();
        written = m_leases->commit(next, lease.state, expectedJti, audited, release);
    } else {
        const bool ok = m_db.transaction([&] {
            // Compare-and-set against the state this process read: one writer wins
            // a transition, and only the winner writes its audit event.
            written = m_leases->update(next, lease.state, expectedJti);
            if (written != LeaseRepository::Update::Updated)
                return false;
            if (auditKind.isEmpty())
                return true;
            return m_audit->append(event()).has_value();
        });
        if (!ok && written == LeaseRepository::Update::Updated)
            written = LeaseRepository::Update::Failed; // the event or the commit failed
    }
    if (written != LeaseRepository::Update::Updated) {
        if (written == LeaseRepository::Update::Conflict) {
            if (const auto stored = m_leases->byId(lease.id))
                lease = *stored; // what the winner wrote
            return Commit::Conflict;
        }
        return Commit::Failed;
    }
    lease = next;
    emit leaseChanged(lease.id);
    emit scheduleChanged();
    return Commit::Done;
}

void LeaseService::markClosed(Lease &lease) const
{
    if (lease.closedBy.isEmpty()) {
        lease.closedBy = AuditEvent::currentActor();
        lease.closedAt = m_clock->now();
    }
}

QString LeaseService::describeClosed(const Lease &lease)
{
    QString by;
    if (!lease.closedBy.isEmpty())
        by = QStringLiteral(" by %1 at %2").arg(lease.closedBy, formatExpiry(lease.closedAt));
    switch (lease.state) {
    case LeaseState::Revoked:
        return QStringLiteral("Lease %1 was already revoked%2.").arg(lease.id, by);
    case LeaseState::Released:
        return QStringLiteral("Lease %1 was already released%2; its token stays valid until %3.")
            .arg(lease.id, by, formatExpiry(lease.expiresAt));
    case LeaseState::Revoking:
        return QStringLiteral("Lease %1 is being revoked%2.").arg(lease.id, by);
    case LeaseState::Expired:
        return QStringLiteral("Lease %1 already expired at %2.").arg(lease.id, formatExpiry(lease.expiresAt));
    case LeaseState::Failed:
        return QStringLiteral("Lease %1 failed before it issued a token, so there is nothing to revoke.")
            .arg(lease.id);
    case LeaseState::Provisioning:
        return QStringLiteral("Lease %1 is still being provisioned; revoke it when it is active.")
            .arg(lease.id);
    case LeaseState::Active:
        // Only asked when another process holds the lease's lock: it is closing it now.
        return QStringLiteral("Lease %1 is being revoked by another process right now.").arg(lease.id);
    case LeaseState::CleanupFailed:
        break;
    }
    return QStringLiteral("Lease %1 is %2.").arg(lease.id, Lease::displayName(lease.state).toLower());
}

// Counts the operations under way (a frame each), so a quitting app can let
// them finish instead of leaving a lease half made.
class LeaseService::Busy {
public:
    explicit Busy(LeaseService *service)
        : m_service(service)
    {
        ++m_service->m_busy;
    }
    ~Busy()
    {
        if (--m_service->m_busy == 0)
            emit m_service->idle();
    }
    Busy(const Busy &) = delete;
    Busy &operator=(const Busy &) = delete;

private:
    LeaseService *m_service;
};

QCoro::Task<bool> LeaseService::waitUntilIdle(std::chrono::milliseconds timeout)
{
    QDeadlineTimer deadline(timeout);
    while (m_busy > 0) {
        if (deadline.hasExpired())
            co_return false;
        co_await waitForSignal(
            this, &LeaseService::idle, std::chrono::milliseconds(deadline.remainingTime()));
    }
    co_return true;
}

QCoro::Task<LeaseCreation> LeaseService::createLease(LeaseRequest request)
{
    const Busy busy(this);
    LeaseCreation creation;
    // The caller's copy of the definition if it has one (checked against the
    // store when the row is recorded), else the stored one.
    std::optional<DynamicSecret> secret;
    if (request.secret && request.secret->id == request.secretId)
        secret = request.secret;
    else
        secret = m_secrets->byId(request.secretId);
    if (!secret) {
        if (m_db.isConnectionLost()) // not "no such secret": the team database cannot be reached
            creation.error = m_db.unreachableMessage();
        else
            creation.error = QStringLiteral("There is no dynamic secret with id %1.").arg(request.secretId);
        co_return creation;
    }
    qint64 ttlSeconds = 0;
    QString namespaceName;
    QStringList audiences;
    creation.fieldErrors = validateRequest(*secret, request, &ttlSeconds, &namespaceName, &audiences);
    if (!creation.fieldErrors.isEmpty()) {
        creation.error = creation.fieldErrors.first().message;
        co_return creation;
    }

    // Refused early when the limit is reached already; the insert below counts
    // again in its transaction, which is what holds against concurrent leases.
    // A team profile's insert counts before any cluster call too, in the same
    // round trip: no read of its own.
    if (secret->maxLeases > 0 && m_db.backend() == Database::Backend::SQLite) {
        const int live = m_leases->liveCount(secret->id, m_clock->now());
        if (live >= secret->maxLeases) {
            creation.limitReached = true;
            creation.error = limitMessage(*secret, live);
            co_return creation;
        }
    }

    // The connection first: without a keychain, or with a token or URL that
    // cannot be used, nothing happens and no row is left behind. Making it
    // sends nothing to the cluster.
    const ClusterConnections::Result connection = co_await m_connections.forSecret(*secret);
    if (!connection.connection) {
        creation.error = connection.error;
        creation.unusableSecret = connection.unusable;
        co_return creation;
    }

    // A namespace the secret's selector may allow: its labels decide (one read).
    if (secret->credentialType == CredentialType::Dynamic && !secret->anyNamespace()
        && !secret->listedNamespaces().contains(namespaceName)) {
        LeaseProvider checker(connection.connection->client());
        const QString refusal = co_await checker.checkNamespace(*secret, namespaceName);
        if (!refusal.isEmpty()) {
            creation.fieldErrors.append({ QStringLiteral("namespace"), refusal });
            creation.error = refusal;
            co_return creation;
        }
    }

    // The secret's name template, for this user and namespace: a name it
    // cannot give is refused before any row or request.
    const QDateTime now = m_clock->now();
    QString objectName;
    const bool named = secret->credentialType == CredentialType::Dynamic || secret->boundTokens;
    if (!secret->nameTemplate.isEmpty() && named) {
        const NameTemplate::Inputs inputs { secret->name, namespaceName, NameTemplate::currentUser(),
            now.toSecsSinceEpoch() };
        objectName = NameTemplate::nameFor(secret->nameTemplate, inputs, &creation.error);
        if (objectName.isEmpty()) {
            creation.unusableSecret = true;
            co_return creation;
        }
    }

    // The row, with every name it will create, is committed before the first
    // cluster write: a crash from here on leaves something reconcile can undo.
    Lease lease = LeaseProvider::plan(*secret, Lease::newId(), namespaceName, objectName);
    lease.createdAt = now;
    lease.expiresAt = now.addSecs(ttlSeconds);
    lease.createdBy = AuditEvent::currentActor();
    lease.requestedTtlSeconds = ttlSeconds;
    lease.audiences = audiences;
    lease.state = LeaseState::Provisioning;
    LeaseLock lock(m_db, lease.id);
    int live = 0;
    const LeaseRepository::Insert inserted
        = m_leases->open(lease, secret->updatedAt, secret->maxLeases, lock, &live);
    if (inserted == LeaseRepository::Insert::SecretChanged && request.secret) {
        // Edited (or deleted) since the caller read it: plan again from the store.
        request.secret.reset();
        co_return co_await createLease(std::move(request));
    }
    if (inserted == LeaseRepository::Insert::SecretChanged) {
        creation.error = QStringLiteral("Secret \"%1\" was changed or deleted while the lease was being "
                                        "prepared; nothing was created. Try again.")
                             .arg(secret->name);
        co_return creation;
    }
    if (inserted == LeaseRepository::Insert::Locked) {
        creation.error = QStringLiteral("The lease could not be locked: %1.").arg(m_db.lastError());
        co_return creation;
    }
    if (inserted == LeaseRepository::Insert::LimitReached) {
        creation.limitReached = true;
        creation.error = limitMessage(*secret, live);
        co_return creation;
    }
    if (inserted != LeaseRepository::Insert::Inserted) {
        creation.error = QStringLiteral("The lease could not be recorded: %1").arg(m_db.lastError());
        co_return creation;
    }
    m_inFlight.insert(lease.id);
    emit leaseChanged(lease.id);

    LeaseProvider provider(connection.connection->client());
    const ProvisionOutcome outcome = co_await provider.provision(*secret, lease, ttlSeconds, audiences);
    if (outcome.ok()) {
        lease.expiresAt = outcome.issued->expiresAt; // the server's answer, not our request
        lease.tokenJti = outcome.issued->jti;
        lease.serviceAccountUid = outcome.lease.serviceAccountUid;
        lease.bindingUid = outcome.lease.bindingUid;
        lease.boundSecretUid = outcome.lease.boundSecretUid;
        lease.extraObjects = outcome.lease.extraObjects;
        QString detail;
        const QStringList said = outcome.issued->warnings + outcome.issued->clusterWarnings;
        if (!said.isEmpty())
            detail = QStringLiteral("The cluster said: %1").arg(said.join(QStringLiteral("; ")));
        if (!request.auditNote.isEmpty() && !detail.isEmpty())
            detail.prepend(request.auditNote + QLatin1Char(' '));
        else if (!request.auditNote.isEmpty())
            detail = request.auditNote;
        if (commit(lease, LeaseState::Active, AuditEvent::LeaseCreated, detail, secret->name, {}, &lock)
            != Commit::Done) {
            // Without its row the token would be unmanaged: take it back. The
            // token dies with its service account (dynamic) or its Secret (bound
            // static); an unbound static token cannot be revoked.
            const QString dbError = m_db.lastError();
            const CleanupOutcome cleaned = co_await provider.cleanup(lease, false);
            m_inFlight.remove(lease.id);
            const bool withdrawable = lease.createdServiceAccount || !lease.boundSecretName.isEmpty();
            if (!cleaned.done) {
                creation.error = QStringLiteral("The lease could not be recorded (%1), so its token is not "
                                                "shown; deleting what it created in the cluster failed too "
                                                "(%2), a later reconcile deletes it.")
                                     .arg(dbError, cleaned.error);
            } else if (withdrawable) {
                creation.error
                    = QStringLiteral("The lease could not be recorded (%1), so its token was "
                                     "withdrawn and what it created in the cluster deleted; create "
                                     "the lease again.")
                          .arg(dbError);
            } else {
                creation.error = QStringLiteral("The lease could not be recorded (%1), so its token is not "
                                                "shown (a token of an existing service account cannot be "
                                                "revoked: it stays valid until %2); create the lease again.")
                                     .arg(dbError, lease.expiresAt.toString(Qt::ISODate));
            }
            co_return creation;
        }
        m_inFlight.remove(lease.id);
        creation.lease = lease;
        creation.issued = outcome.issued;
        co_return creation;
    }

    lease.failureReason = outcome.error;
    if (outcome.rolledBack) {
        commit(lease, LeaseState::Failed, AuditEvent::LeaseFailed, outcome.error, secret->name, {}, &lock);
    } else {
        const Lease &left = outcome.leftBehind;
        lease.bindingName = left.bindingName;
        lease.createdServiceAccount = left.createdServiceAccount;
        lease.boundSecretName = left.boundSecretName;
        lease.serviceAccountUid = left.serviceAccountUid;
        lease.bindingUid = left.bindingUid;
        lease.boundSecretUid = left.boundSecretUid;
        lease.extraObjects = left.extraObjects;
        lease.cleanupAttempts = 1;
        lease.nextCleanupAt = m_clock->now().addSecs(cleanupBackoffSeconds(1));
        commit(lease, LeaseState::CleanupFailed, AuditEvent::LeaseCleanupFailed,
            outcome.error + QLatin1Char(' ') + outcome.rollbackError, secret->name, {}, &lock);
    }
    m_inFlight.remove(lease.id);
    creation.lease = lease;
    creation.error = outcome.error;
    co_return creation;
}

QCoro::Task<RenewOutcome> LeaseService::renew(QString leaseId, std::optional<Duration> ttl)
{
    RenewOutcome outcome;
    auto found = m_leases->byId(leaseId);
    if (!found) {
        if (m_db.isConnectionLost()) // not "no such lease": the team database cannot be reached
            outcome.message = m_db.unreachableMessage();
        else
            outcome.message = QStringLiteral("There is no lease %1.").arg(leaseId);
        co_return outcome;
    }
    Lease lease = *found;
    const auto secret = m_secrets->byId(lease.secretId);
    if (!secret) {
        outcome.message = QStringLiteral("The secret of lease %1 no longer exists.").arg(leaseId);
        co_return outcome;
    }
    const QDateTime now = m_clock->now();
    if (lease.state != LeaseState::Active) {
        outcome.message = describeClosed(lease) + QStringLiteral(" Only an active lease can be renewed.");
        co_return outcome;
    }
    if (lease.expiresAt <= now) {
        outcome.message = QStringLiteral("Lease %1 expired at %2; issue a new lease instead.")
                              .arg(leaseId, formatExpiry(lease.expiresAt));
        co_return outcome;
    }
    if (ttl && (*ttl < MinimumTtl || *ttl > secret->maxTtl)) {
        // if/else rather than ?: with temporaries: GCC 12 mishandles those in coroutines.
        outcome.badRequest = true;
        if (*ttl < MinimumTtl)
            outcome.message
                = QStringLiteral("--ttl: TTL must be at least 10 minutes (got %1): the API server "
                                 "refuses shorter tokens.")
                      .arg(ttl->toString());
        else
            outcome.message
                = QStringLiteral("--ttl: TTL must be at most the secret's max TTL of %1 (got %2).")
                      .arg(secret->maxTtl.toString(), ttl->toString());
        co_return outcome;
    }
    qint64 ttlSeconds = secret->defaultTtl.seconds();
    if (ttl)
        ttlSeconds = ttl->seconds();
    else if (lease.requestedTtlSeconds > 0)
        ttlSeconds = lease.requestedTtlSeconds;
    const QStringList audiences = lease.audiences.value_or(secret->audiences);
    outcome.previousJti = lease.tokenJti;
    outcome.previousExpiresAt = lease.expiresAt;

    if (lease.kind == LeaseKind::Static) {
        // Nothing on the cluster holds an unbound token's expiry: a new lease it is.
        LeaseRequest request;
        request.secretId = lease.secretId;
        request.ttl = Duration::fromSeconds(ttlSeconds);
        request.namespaceName = lease.namespaceName;
        request.audiences = audiences;
        request.auditNote = QStringLiteral("Renewal of lease %1, whose unbound token cannot be extended; its "
                                           "token stays valid until %2.")
                                .arg(lease.id, formatExpiry(lease.expiresAt));
        LeaseCreation created = co_await createLease(request);
        if (!created.ok()) {
            outcome.badRequest = created.unusableSecret || !created.fieldErrors.isEmpty();
            outcome.message = created.error;
            co_return outcome;
        }
        outcome.ok = true;
        outcome.newLease = true;
        outcome.lease = created.lease;
        outcome.issued = created.issued;
        outcome.message = QStringLiteral(
            "Lease %1 is an unbound static lease, whose token cannot be extended, so renewing issued a new "
            "lease %2 (expires at %3). The token of lease %1 stays valid until %4: Kubernetes cannot revoke "
            "it.")
                              .arg(lease.id, created.lease->id, formatExpiry(created.lease->expiresAt),
                                  formatExpiry(lease.expiresAt));
        co_return outcome;
    }
    if (secret->authMethod == AuthMethod::Gateway) {
        outcome.message = QStringLiteral(
            "Lease %1 reaches its cluster through gateway \"%2\", which does not let the desktop move the "
            "expiry of a lease's objects, so it cannot be renewed; issue a new lease instead.")
                              .arg(lease.id, secret->gateway);
        co_return outcome;
    }

    // Never past the lease's creation + the secret's max TTL.
    const QDateTime cap = lease.createdAt.addSecs(secret->maxTtl.seconds());
    const QDateTime wanted = now.addSecs(ttlSeconds);
    const QDateTime until = std::min(wanted, cap);
    // Worth a new token only when it moves the expiry by a minute at least.
    const bool extends = lease.expiresAt.secsTo(until) >= 60;
    if (!extends && wanted < cap) {
        // What was asked for (or the lease's own TTL) ends before the lease does.
        outcome.badRequest = ttl.has_value();
        outcome.message
            = QStringLiteral("Lease %1 already lasts until %2; a TTL of %3 from now would not extend "
                             "it. Ask for a longer TTL (at most until %4).")
                  .arg(lease.id, formatExpiry(lease.expiresAt), Duration::fromSeconds(ttlSeconds).toString(),
                      formatExpiry(cap));
        if (ttl)
            outcome.message.prepend(QStringLiteral("--ttl: "));
        co_return outcome;
    }
    if (now.secsTo(until) < MinimumTtl.seconds() || !extends) {
        outcome.message
            = QStringLiteral("Lease %1 cannot be renewed: the secret's max TTL of %2, counted from "
                             "the lease's creation at %3, ends at %4, and a token must last at "
                             "least 10 minutes past now. Issue a new lease instead.")
                  .arg(lease.id, secret->maxTtl.toString(), formatExpiry(lease.createdAt), formatExpiry(cap));
        co_return outcome;
    }

    const ClusterConnections::Result connection = co_await m_connections.forSecret(*secret);
    if (!connection.connection) {
        outcome.message = connection.error;
        co_return outcome;
    }
    LeaseLock lock(m_db, lease.id);
    if (!lock.tryLock()) {
        outcome.message
            = QStringLiteral("Lease %1 is being changed by another process right now (its lock is %2); "
                             "try again.")
                  .arg(lease.id, lock.errorString());
        co_return outcome;
    }
    // The row as it is now, under the lock: still active, still the token we read.
    const auto current = m_leases->byId(lease.id);
    if (!current || current->state != LeaseState::Active || current->tokenJti != lease.tokenJti
        || current->expiresAt != lease.expiresAt) {
        if (current && current->state != LeaseState::Active)
            outcome.message
                = describeClosed(*current) + QStringLiteral(" Only an active lease can be renewed.");
        else
            outcome.message = QStringLiteral(
                "Lease %1 was renewed by another process meanwhile; see hanzo-kmsctl lease list.")
                                  .arg(lease.id);
        co_return outcome;
    }
    m_inFlight.insert(lease.id);
    const qint64 effectiveTtl = now.secsTo(until);
    LeaseProvider provider(connection.connection->client());
    // The annotations a little past the token: a later expiry there only delays a sweep.
    const RenewalOutcome renewed
        = co_await provider.renew(*secret, lease, effectiveTtl, audiences, until.addSecs(2));
    if (!renewed.ok()) {
        m_inFlight.remove(lease.id);
        outcome.message = renewed.error;
        co_return outcome;
    }
    const QString previousJti = lease.tokenJti;
    lease.expiresAt = std::max(lease.expiresAt, renewed.issued->expiresAt);
    lease.tokenJti = renewed.issued->jti;
    lease.requestedTtlSeconds = ttlSeconds;
    QString detail = QStringLiteral("Renewed by re-issue: a new token until %1; the previous token (jti %2) "
                                    "stays valid until its own expiry at %3.")
                         .arg(formatExpiry(renewed.issued->expiresAt), previousJti,
                             formatExpiry(outcome.previousExpiresAt));
    const QStringList said = renewed.issued->warnings + renewed.issued->clusterWarnings;
    if (!said.isEmpty())
        detail += QStringLiteral(" The cluster said: %1").arg(said.join(QStringLiteral("; ")));
    const Commit committed
        = commit(lease, LeaseState::Active, AuditEvent::LeaseRenewed, detail, secret->name, previousJti);
    m_inFlight.remove(lease.id);
    if (committed != Commit::Done) {
        // The new token dies with the lease's objects, at the expiry the row still has.
        outcome.message
            = QStringLiteral("Lease %1 was renewed on the cluster, but the renewal could not be "
                             "recorded (%2), so its new token is not shown; it stops working when "
                             "the lease ends at %3.")
                  .arg(lease.id, m_db.lastError(), formatExpiry(outcome.previousExpiresAt));
        co_return outcome;
    }
    outcome.ok = true;
    outcome.lease = lease;
    outcome.issued = renewed.issued;
    outcome.warnings = renewed.warnings + renewed.issued->warnings;
    outcome.message
        = QStringLiteral("Lease %1 is renewed until %2 with a new token. The previous token stays "
                         "valid until its own expiry at %3 (revoking the lease ends both).")
              .arg(lease.id, formatExpiry(lease.expiresAt), formatExpiry(outcome.previousExpiresAt));
    co_return outcome;
}

QCoro::Task<RevokeOutcome> LeaseService::revoke(QString leaseId)
{
    const Busy busy(this);
    RevokeOutcome outcome;
    const auto lease = m_leases->byId(leaseId);
    if (!lease) {
        if (m_db.isConnectionLost()) // not "no such lease": the team database cannot be reached
            outcome.message = m_db.unreachableMessage();
        else
            outcome.message = QStringLiteral("There is no lease %1.").arg(leaseId);
        co_return outcome;
    }
    if (lease->state == LeaseState::CleanupFailed)
        co_return co_await retryCleanup(leaseId);
    if (lease->state != LeaseState::Active)
        co_return closedAlready(*lease);
    co_return co_await closeLease(*lease, false);
}

RevokeOutcome LeaseService::closedAlready(const Lease &lease)
{
    RevokeOutcome outcome;
    outcome.lease = lease;
    outcome.message = describeClosed(lease);
    // Closed by someone else (or closing now): what the caller wanted holds.
    outcome.ok = lease.state != LeaseState::Provisioning;
    outcome.alreadyClosed = true;
    return outcome;
}

QCoro::Task<RevokeOutcome> LeaseService::retryCleanup(QString leaseId)
{
    const Busy busy(this);
    RevokeOutcome outcome;
    auto lease = m_leases->byId(leaseId);
    if (!lease || lease->state != LeaseState::CleanupFailed) {
        outcome.lease = lease;
        outcome.message = QStringLiteral("Lease %1 has no cleanup to retry.").arg(leaseId);
        co_return outcome;
    }
    const LeaseState finalState = lease->tokenJti.isEmpty() ? LeaseState::Failed
        : lease->expiresAt <= m_clock->now()                ? LeaseState::Expired
                                                            : LeaseState::Revoked;
    ReconcileReport report;
    const Cleanup cleaned = co_await finishCleanup(*lease, finalState, &report);
    if (cleaned == Cleanup::Busy) {
        const auto now = m_leases->byId(leaseId);
        co_return closedAlready(now.value_or(*lease));
    }
    outcome.ok = cleaned == Cleanup::Done;
    outcome.lease = m_leases->byId(leaseId);
    outcome.message = outcome.ok
        ? QStringLiteral("Lease %1 is cleaned up; its objects are gone from the cluster.").arg(leaseId)
        : report.errors.value(0);
    co_return outcome;
}

QCoro::Task<RevokeOutcome> LeaseService::closeLease(Lease lease, bool expiry, std::shared_ptr<LeaseLock> held)
{
    RevokeOutcome outcome;
    const QString secretName = secretNameOf(lease.secretId);
    markClosed(lease);
    if (lease.kind == LeaseKind::Static) {
        // Nothing on the cluster can revoke an unbound token: closed early it is
        // released, and its token stays valid until it expires.
        const LeaseState finalState = expiry ? LeaseState::Expired : LeaseState::Released;
        const QString kind = expiry ? AuditEvent::LeaseExpired : AuditEvent::LeaseReleased;
        const QString detail = expiry
            ? QString()
            : QStringLiteral("The token stays valid until it expires at %1: Kubernetes cannot revoke an "
                             "unbound service account token.")
                  .arg(formatExpiry(lease.expiresAt));
        const Commit committed = commit(lease, finalState, kind, detail, secretName);
        if (committed == Commit::Conflict)
            co_return closedAlready(lease);
        outcome.ok = committed == Commit::Done;
        outcome.lease = lease;
        if (!outcome.ok)
            outcome.message = m_db.lastError();
        else if (expiry)
            outcome.message = QStringLiteral("Lease %1 has expired.").arg(lease.id);
        else
            outcome.message
                = QStringLiteral("Lease %1 is released, but its token stays valid until it expires "
                                 "at %2: Kubernetes cannot revoke an unbound service account token.")
                      .arg(lease.id, formatExpiry(lease.expiresAt));
        co_return outcome;
    }
    const LeaseState finalState = expiry ? LeaseState::Expired : LeaseState::Revoked;
    // Held from Revoking to the final state, so no reconcile elsewhere takes the lease over meanwhile.
    if (!held) {
        held = std::make_shared<LeaseLock>(m_db, lease.id);
        if (!held->tryLock()) {
            const auto now = m_leases->byId(lease.id);
            co_return closedAlready(now.value_or(lease));
        }
    }
    const Commit started = commit(lease, LeaseState::Revoking, {}, {}, secretName);
    if (started == Commit::Conflict)
        co_return closedAlready(lease);
    if (started != Commit::Done) {
        outcome.message = m_db.lastError();
        co_return outcome;
    }
    ReconcileReport report;
    const Cleanup cleaned = co_await finishCleanup(lease, finalState, &report, true);
    outcome.lease = m_leases->byId(lease.id);
    if (cleaned == Cleanup::Busy && outcome.lease) {
        co_return closedAlready(*outcome.lease);
    }
    outcome.ok = cleaned == Cleanup::Done;
    if (outcome.ok) {
        QString objects = QStringLiteral("bound Secret is");
        if (lease.kind == LeaseKind::Dynamic && lease.extraObjects.isEmpty())
            objects = QStringLiteral("service account and binding are");
        else if (lease.kind == LeaseKind::Dynamic)
            objects = QStringLiteral("service account and its %1 other objects are")
                          .arg(lease.extraObjects.size() + 1);
        outcome.message = QStringLiteral(
            "Lease %1 is revoked: its %2 deleted, so the token stops working within seconds.")
                              .arg(lease.id, objects);
    } else {
        outcome.message = report.errors.value(0);
    }
    co_return outcome;
}

QCoro::Task<LeaseService::Cleanup> LeaseService::finishCleanup(
    Lease lease, LeaseState finalState, ReconcileReport *report, bool lockHeld)
{
    const QString secretName = secretNameOf(lease.secretId);
    const auto secret = m_secrets->byId(lease.secretId);
    LeaseLock lock(m_db, lease.id);
    if (!lockHeld && !lock.tryLock())
        co_return Cleanup::Busy; // another process works on this lease right now
    // The snapshot the caller read may be stale: work from the row as it is now.
    const auto current = m_leases->byId(lease.id);
    if (!current || current->state != lease.state)
        co_return Cleanup::Busy;
    m_inFlight.insert(lease.id);
    QString error;
    if (!secret) {
        error = QStringLiteral("The secret of lease %1 no longer exists, so its objects cannot be reached.")
                    .arg(lease.id);
    } else {
        // A revoke or expiry cleanup is Revoking while it runs; a rollback retried stays CleanupFailed
        // until it ends Failed (Revoking cannot end Failed).
        if (lease.state == LeaseState::Active
            || (lease.state == LeaseState::CleanupFailed && finalState != LeaseState::Failed)) {
            markClosed(lease);
            const Commit started = commit(lease, LeaseState::Revoking, {}, {}, secretName);
            if (started != Commit::Done) {
                m_inFlight.remove(lease.id);
                if (started == Commit::Conflict)
                    co_return Cleanup::Busy;
                report->errors << m_db.lastError();
                co_return Cleanup::Failed;
            }
        }
        const ClusterConnections::Result connection = co_await m_connections.forSecret(*secret);
        if (!connection.connection) {
            error = connection.error;
        } else {
            LeaseProvider provider(connection.connection->client());
            // A lease that never became Active may have objects in any state: check before deleting.
            const CleanupOutcome cleaned = co_await provider.cleanup(lease, lease.tokenJti.isEmpty());
            if (!cleaned.done)
                error = cleaned.error;
        }
    }
    m_inFlight.remove(lease.id);
    if (error.isEmpty()) {
        QString kind = AuditEvent::LeaseRevoked;
        if (finalState == LeaseState::Expired)
            kind = AuditEvent::LeaseExpired;
        else if (finalState == LeaseState::Failed)
            kind = AuditEvent::LeaseRolledBack;
        lease.nextCleanupAt = QDateTime();
        const Commit done = commit(lease, finalState, kind,
            QStringLiteral("Its objects were deleted from the cluster."), secretName);
        if (done == Commit::Conflict)
            co_return Cleanup::Busy;
        if (done != Commit::Done) {
            report->errors << m_db.lastError();
            co_return Cleanup::Failed;
        }
        report->cleanedUp++;
        co_return Cleanup::Done;
    }
    lease.cleanupAttempts++;
    lease.nextCleanupAt = m_clock->now().addSecs(cleanupBackoffSeconds(lease.cleanupAttempts));
    lease.failureReason = error;
    if (commit(lease, LeaseState::CleanupFailed, AuditEvent::LeaseCleanupFailed, error, secretName)
        == Commit::Failed)
        error += QLatin1Char(' ') + m_db.lastError();
    report->errors << error;
    co_return Cleanup::Failed;
}

QCoro::Task<ReconcileReport> LeaseService::runDueCleanups()
{
    const Busy busy(this);
    ReconcileReport report;
    const QDateTime now = m_clock->now();
    // Claimed: a lease another program (another desktop of a team profile)
    // is cleaning up is not in the list, and none of these is cleaned up
    // elsewhere while this program holds its claim.
    QList<LeaseClaim> claims = m_leases->claimDueForCleanup(now);
    for (LeaseClaim &claim : claims) {
        const Lease lease = claim.lease;
        const std::shared_ptr<LeaseLock> lock = std::move(claim.lock);
        if (m_inFlight.contains(lease.id))
            continue;
        if (lease.state == LeaseState::Active) {
            // The list is a snapshot: closeLease's compare-and-set skips a lease closed since.
            const RevokeOutcome closed = co_await closeLease(lease, true, lock);
            if (closed.alreadyClosed)
                continue;
            if (closed.ok)
                report.cleanedUp++;
            else
                report.errors << closed.message;
        } else if (lease.state == LeaseState::CleanupFailed) {
            const LeaseState finalState = lease.tokenJti.isEmpty() ? LeaseState::Failed
                : lease.expiresAt <= now                           ? LeaseState::Expired
                                                                   : LeaseState::Revoked;
            co_await finishCleanup(lease, finalState, &report, true);
        }
    }
    co_return report;
}

QCoro::Task<ReconcileReport> LeaseService::reconcile(bool sweepOrphans)
{
    const Busy busy(this);
    ReconcileReport report;
    // Claimed like the due cleanups: a lease another running program holds is left to it.
    QList<LeaseClaim> claims = m_leases->claimUnfinished();
    for (LeaseClaim &claim : claims) {
        const Lease lease = claim.lease;
        const std::shared_ptr<LeaseLock> lock = std::move(claim.lock);
        if (m_inFlight.contains(lease.id))
            continue;
        Lease row = lease;
        if (row.state == LeaseState::Provisioning) {
            // Interrupted before it was Active: undo whatever it may have created.
            row.failureReason = QStringLiteral(
                "Provisioning was interrupted (the app or command stopped); what it created was removed.");
            const int before = report.cleanedUp;
            co_await finishCleanup(row, LeaseState::Failed, &report, true);
            if (report.cleanedUp > before) {
                report.cleanedUp = before;
                report.rolledBack++;
            }
        } else if (row.state == LeaseState::Revoking) {
            const LeaseState finalState
                = row.expiresAt <= m_clock->now() ? LeaseState::Expired : LeaseState::Revoked;
            co_await finishCleanup(row, finalState, &report, true);
        }
    }
    const ReconcileReport due = co_await runDueCleanups();
    report.cleanedUp += due.cleanedUp;
    report.errors += due.errors;

    if (sweepOrphans) {
        const QDateTime now = m_clock->now();
        for (const DynamicSecret &secret : m_secrets->listAll()) {
            // Look where the secret's leases went too: "*" and selectors let them go anywhere, and
            // an edit may since have removed their namespace, role or kind of binding.
            QList<SweepPlace> alsoIn;
            for (const Lease &lease : m_leases->listForSecret(secret.id)) {
                for (const SweepPlace &place : LeaseProvider::placesOf(lease)) {
                    if (!alsoIn.contains(place))
                        alsoIn << place;
                }
            }
            if (secret.credentialType == CredentialType::Static && !secret.boundTokens && alsoIn.isEmpty())
                continue; // creates nothing
            const ClusterConnections::Result connection = co_await m_connections.forSecret(secret);
            if (!connection.connection) {
                report.warnings << connection.error;
                continue;
            }
            LeaseProvider provider(connection.connection->client());
            const SweepOutcome swept = co_await provider.sweep(
                secret, now,
                [this](const QString &id) {
                    if (m_inFlight.contains(id))
                        return LeaseProvider::LeaseStatus::Open;
                    const auto lease = m_leases->byId(id);
                    if (!lease)
                        return LeaseProvider::LeaseStatus::Unknown;
                    return Lease::isTerminal(lease->state) ? LeaseProvider::LeaseStatus::Closed
                                                           : LeaseProvider::LeaseStatus::Open;
                },
                alsoIn);
            report.orphansDeleted += int(swept.deleted.size());
            report.warnings += swept.errors;
        }
    }
    co_return report;
}

QCoro::Task<NamespaceChoices> LeaseService::namespaceChoices(DynamicSecret secret)
{
    NamespaceChoices choices;
    choices.namespaces = secret.listedNamespaces();
    if (secret.credentialType != CredentialType::Dynamic || !secret.namespacesOpen())
        co_return choices;
    const ClusterConnections::Result connection = co_await m_connections.forSecret(secret);
    if (!connection.connection) {
        choices.error = connection.error;
        co_return choices;
    }
    LeaseProvider provider(connection.connection->client());
    QString error;
    choices.namespaces = co_await provider.namespaceChoices(secret, &error);
    choices.error = error;
    co_return choices;
}

QCoro::Task<PreflightResult> LeaseService::preflight(
    DynamicSecret secret, QByteArray clusterToken, bool fresh)
{
    const Busy busy(this);
    const ClusterConnections::Reuse reuse
        = fresh ? ClusterConnections::Reuse::Fresh : ClusterConnections::Reuse::Kept;
    const ClusterConnections::Result connection
        = co_await m_connections.forSecret(secret, std::move(clusterToken), reuse);
    if (!connection.connection) {
        PreflightResult result;
        result.connectionError = connection.error;
        co_return result;
    }
    co_return co_await Preflight::run(connection.connection->client(), secret);
}

QCoro::Task<LeaseInspection> LeaseService::inspect(QString leaseId)
{
    const Busy busy(this);
    LeaseInspection inspection;
    const auto lease = m_leases->byId(leaseId);
    if (!lease) {
        inspection.error = QStringLiteral("Lease %1 does not exist.").arg(leaseId);
        co_return inspection;
    }
    if (LeaseProvider::ownedObjects(*lease).isEmpty())
        co_return inspection; // an unbound static lease creates nothing
    const auto secret = m_secrets->byId(lease->secretId);
    if (!secret) {
        inspection.error = QStringLiteral("The secret of lease %1 no longer exists.").arg(leaseId);
        co_return inspection;
    }
    const ClusterConnections::Result connection = co_await m_connections.forSecret(*secret);
    if (!connection.connection) {
        inspection.error = connection.error;
        co_return inspection;
    }
    LeaseProvider provider(connection.connection->client());
    inspection.objects = co_await provider.inspect(*lease);
    co_return inspection;
}

} // namespace kms
