#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace kms {

// Where a lease is in its life. Allowed transitions (canTransition):
//
//   Provisioning  -> Active         token issued, all objects in place
//                 -> Failed         provisioning failed and what it created was rolled back
//                 -> CleanupFailed  provisioning failed and the rollback did not finish
//   Active        -> Revoking       revoke (by a user, or at expiry for objects to delete) started
//                 -> Released       an unbound static lease closed early: nothing can revoke its
//                                   token, which stays valid until it expires
//                 -> Expired        past its expiry with nothing left to clean up
//                 -> CleanupFailed  expiry cleanup failed; retried at nextCleanupAt
//   Revoking      -> Revoked        its objects are gone (a user asked)
//                 -> Expired        its objects are gone (the expiry reaper asked)
//                 -> CleanupFailed  deletion failed; retried at nextCleanupAt
//   CleanupFailed -> Revoking       a retry started
//                 -> Revoked | Expired | Failed   a retry finished (Failed: it was a rollback)
//   Revoked, Released, Expired, Failed: terminal.
//
// Every change is compare-and-set against the state it was read in
// (LeaseRepository::update): of two processes that race, one wins.
//
// A state never "transitions" to itself; updating attempts is not a transition.
enum class LeaseState { Provisioning, Active, Revoking, Revoked, Expired, CleanupFailed, Failed, Released };

enum class LeaseKind {
    Static, // a token for an existing service account, unbound: lives until it expires
    BoundStatic, // a token for an existing service account, bound to a per-lease Secret
    Dynamic, // a temporary service account bound to a Role/ClusterRole
};

// An object a lease creates beyond its service account, first binding and
// bound Secret: the bindings of further roles, and a role generated for it.
struct LeaseObject {
    QString kind; // "RoleBinding", "ClusterRoleBinding", "Role" or "ClusterRole"
    QString namespaceName; // empty for cluster-scoped kinds
    QString name;
    QString uid; // what the API server answered when this lease created it; empty until then
    // Bindings: the role they grant ("ClusterRole", "view").
    QString roleKind;
    QString roleName;

    bool isBinding() const { return kind.endsWith(QLatin1String("Binding")); }
    bool operator==(const LeaseObject &) const = default;

    static QJsonArray toJson(const QList<LeaseObject> &objects);
    // Entries that are not objects with a kind and name are skipped.
    static QList<LeaseObject> fromJson(const QJsonArray &array);
};

// One issued token. The token itself is shown once and never stored; the lease
// records what is needed to find, revoke and audit it.
struct Lease {
    QString id; // UUID, lowercase, without braces
    qint64 secretId = 0;
    LeaseKind kind = LeaseKind::Static;
    QString namespaceName;
    QString serviceAccount;
    QDateTime createdAt; // UTC
    QDateTime expiresAt; // UTC, as the API server answered
    QString createdBy; // user@host
    LeaseState state = LeaseState::Provisioning;
    QString tokenJti;
    QString failureReason;
    qint64 requestedTtlSeconds = 0;
    // The audiences the token was requested for (empty: the API server's);
    // nullopt for leases recorded before audiences were kept.
    std::optional<QStringList> audiences;

    // Objects this lease creates on the cluster (named before the first cluster write).
    QString bindingName;
    QString bindingKind; // "RoleBinding", "ClusterRoleBinding" or empty
    QString boundSecretName; // BoundStatic: the Secret the token is bound to
    bool createdServiceAccount = false; // Dynamic: serviceAccount was made for this lease
    // The uids the API server gave the objects above when this lease created
    // them (empty until then). A delete carries the uid as a precondition, so
    // that only that very object goes: a gateway that may not read bindings
    // deletes nothing else.
    QString serviceAccountUid;
    QString bindingUid;
    QString boundSecretUid;
    // Further bindings and the generated role, named before the first cluster
    // write like the objects above; a rollback keeps only those that may exist.
    QList<LeaseObject> extraObjects;

    // Who closed it (revoke, release, expiry cleanup) and when; empty while open.
    QString closedBy; // user@host
    QDateTime closedAt; // UTC

    int cleanupAttempts = 0;
    QDateTime nextCleanupAt; // UTC; null when no cleanup is pending

    static QString newId(); // a fresh lowercase UUID without braces

    static bool canTransition(LeaseState from, LeaseState to);
    static bool isTerminal(LeaseState state);
    // Not terminal: the lease may still hold objects or a live token.
    static bool isOpen(LeaseState state) { return !isTerminal(state); }

    // "provisioning", "active", "revoking", "revoked", "expired", "cleanup_failed", "failed", "released"
    static QString toString(LeaseState state);
    static std::optional<LeaseState> stateFromString(const QString &text);
    // Words for people: "Cleanup failed" etc.
    static QString displayName(LeaseState state);

    // "static", "bound_static", "dynamic"
    static QString toString(LeaseKind kind);
    static std::optional<LeaseKind> kindFromString(const QString &text);
};

} // namespace kms
