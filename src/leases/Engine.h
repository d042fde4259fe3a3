#pragma once

#include "core/AuditEvent.h"
#include "core/AuditQuery.h"
#include "core/Clock.h"
#include "core/DynamicSecret.h"
#include "core/Environment.h"
#include "core/Lease.h"
#include "core/LeaseSummary.h"
#include "core/Person.h"

#include <QCoro/QCoroTask>
#include <QHash>
#include <QList>

#include <memory>
#include <optional>

namespace kms {

class AuditKeychain;
class ClusterConnections;
class CredentialVault;
class Database;
class GatewayRegistry;
class LeaseService;

// The lease engine as the GUI and the CLI use it: one place that wires the
// store, the keychain, the cluster connections (direct or through gateways)
// and the LeaseService together. The GUI reaches the store only through it:
// the reads below, LeaseService for leases, gateways() for gateways, and
// SecretCatalog for secrets.
class Engine {
public:
    Engine(Database &db, CredentialVault &vault, Clock *clock = Clock::system());
    ~Engine();

    Database &database() { return m_db; }
    // The profile's data directory and keychain service, for what names them
    // to another program (the kubectl exec plugin's arguments).
    QString dataDir() const;
    QString keychainService() const;
    CredentialVault &vault() { return m_vault; }
    ClusterConnections &connections() { return *m_connections; }
    LeaseService &leases() { return *m_leases; }
    GatewayRegistry &gateways() { return *m_gateways; }
    // The audit log's keychain side: load the signing key once at start
    // (audit().loadSigningKey()) before anything is written.
    AuditKeychain &audit() { return *m_audit; }

    // Environments, in display order.
    QList<Environment> environments();
    std::optional<Environment> environment(qint64 id);
    // Adds a user-made environment at the end; its slug is the lower-cased
    // name with '-' for anything but letters and digits. Nullopt on an empty
    // or duplicate name, with *error saying which.
    std::optional<Environment> addEnvironment(const QString &name, QString *error = nullptr);
    // Renames (compare-and-set on the name the caller saw) or deletes an empty
    // environment; false with one sentence in *error otherwise.
    bool renameEnvironment(const Environment &environment, const QString &newName, QString *error = nullptr);
    bool removeEnvironment(const Environment &environment, QString *error = nullptr);
    // Why a name cannot be an environment's (empty, too long, control
    // characters), or empty when it can.
    static QString environmentNameProblem(const QString &name);

    // Dynamic secrets (SecretCatalog writes them).
    std::optional<DynamicSecret> secret(qint64 id);
    QList<DynamicSecret> secrets(qint64 environmentId); // by name
    QList<DynamicSecret> allSecrets(); // by environment, then name
    // Active leases per secret id, for the secrets of one environment (0: all).
    QHash<qint64, int> activeLeaseCounts(qint64 environmentId);
    // Leases of the secret not yet in a terminal state (they may hold cluster objects).
    int openLeaseCount(qint64 secretId);

    // Lease rows (LeaseService writes them).
    std::optional<Lease> lease(const QString &id);
    // Newest first. includeClosed=false: only leases not in a terminal state.
    QList<Lease> leasesOf(qint64 secretId, bool includeClosed = true);
    // The lease table's rows of one secret, newest first: a LeaseSummary each,
    // the whole Lease read by lease(id) when one is opened or acted on.
    QList<LeaseSummary> leaseSummariesOf(qint64 secretId);
    // Every lease in one state, of every secret, soonest expiry first.
    QList<Lease> leasesIn(LeaseState state);
    // The Active leases of every secret as the tray sees them at `now`, counted
    // and looked up in the store rather than read (a profile may hold 100,000).
    struct ActiveLeaseOutlook {
        int count = 0; // Active and not yet expired
        std::optional<Lease> next; // of those, the first to expire
        QList<Lease> expiringWithin; // expiring in (now, now + withinSeconds], soonest first
        std::optional<QDateTime> firstExpiryAfterWindow; // the first expiry after now + withinSeconds
    };
    // withinSeconds <= 0: expiringWithin and firstExpiryAfterWindow stay empty.
    ActiveLeaseOutlook activeLeaseOutlook(const QDateTime &now, qint64 withinSeconds);

    // The audit log: events oldest first, and its check: chain, signatures,
    // and this profile's anchor in the keychain (raised when intact).
    QList<AuditEvent> auditEvents(const AuditFilter &filter = {});
    QCoro::Task<AuditVerification> verifyAudit();

    // The profile's people: display names by actor, in one query (the table
    // is tiny), for showing "Alice Doe (alice@laptop)"; empty on a database error.
    PersonNames people();
    // This person's (AuditEvent::currentActor()) display name in the profile; empty when none.
    QString displayName();
    // Sets this person's display name (Person::displayNameProblem says what
    // is allowed) if it is still `expected`, the name the caller showed, and
    // writes its audit event. False with one sentence in *error; an unchanged
    // name is success.
    bool setDisplayName(const QString &name, const QString &expected, QString *error = nullptr);

private:
    Database &m_db;
    CredentialVault &m_vault;
    std::unique_ptr<GatewayRegistry> m_gateways; // before the connections that use it
    std::unique_ptr<ClusterConnections> m_connections;
    std::unique_ptr<LeaseService> m_leases;
    std::unique_ptr<AuditKeychain> m_audit;
};

} // namespace kms
