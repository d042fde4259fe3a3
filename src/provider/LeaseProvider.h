#pragma once

#include "core/DynamicSecret.h"
#include "core/Lease.h"
#include "kube/KubeClient.h"

#include <QCoro/QCoroTask>
#include <QDateTime>

#include <functional>
#include <optional>

namespace kms {

// A token as the API server issued it. Shown once, never stored.
struct IssuedToken {
    QByteArray token;
    QDateTime expiresAt; // from status.expirationTimestamp (the server may shorten the TTL)
    QString jti;
    QStringList
        warnings; // about this token, e.g. "requested expiration of 7200 seconds shortened to 3600 seconds"
    // Other Warning headers of the answer: about the request's credentials
    // (e.g. a legacy cluster token), not the issued token. For the audit log.
    QStringList clusterWarnings;
};

struct ProvisionOutcome {
    std::optional<IssuedToken> issued;
    // On success: the lease with the uids of the objects it created, to record.
    Lease lease;
    QString error; // one sentence: what failed, the server's message, what to do
    // On failure: whether everything this lease created is gone again. When
    // false, the lease keeps its names so a later cleanup can finish the job.
    bool rolledBack = true;
    QString rollbackError;
    // When the rollback did not finish: the lease with the names of the
    // objects that may still exist, for the lifecycle to retry.
    Lease leftBehind;

    bool ok() const { return issued.has_value(); }
};

struct RenewalOutcome {
    std::optional<IssuedToken> issued; // the new token; the old one is untouched
    QString error; // one sentence
    QStringList warnings; // it worked, but e.g. an expiry annotation could not be corrected

    bool ok() const { return issued.has_value(); }
};

struct CleanupOutcome {
    bool done = false; // every object of the lease is gone (404 counts as gone)
    QString error;
};

// One object a lease created, as the cluster has it now (LeaseProvider::inspect).
struct LeaseObjectState {
    enum class Presence {
        Present, // there, and it is this lease's (its uid or lease label matches)
        Gone, // 404
        Replaced, // an object of another owner has the name now
        Unknown, // could not be read; detail says why
    };
    QString kind; // "ServiceAccount", "RoleBinding", "ClusterRoleBinding", "Secret"
    QString namespaceName; // empty for cluster-scoped objects
    QString name;
    Presence presence = Presence::Unknown;
    QString detail; // one sentence for Unknown and Replaced

    static QString presenceText(Presence presence); // "present", "gone", "replaced", "unknown"
};

struct SweepOutcome {
    QStringList deleted; // "ServiceAccount team-a/kms-x-abcde", ...
    QStringList errors;
};

// Where an orphan sweep lists: objects of a kind in a namespace (empty: cluster-scoped).
struct SweepPlace {
    QString kind;
    QString namespaceName;
    bool operator==(const SweepPlace &) const = default;
};

// What a lease means on a cluster: for each kind, which objects are created
// and which calls issue and revoke its token. Stateless: the lease lifecycle
// (when to provision, revoke, retry) lives in leases/.
class LeaseProvider {
public:
    explicit LeaseProvider(KubeClient &client);

    // Names every object the lease will create, before the first cluster write:
    // dynamic, the account and a binding per role (the first in bindingName,
    // the others, "<account>-2" ..., in extraObjects).
    // objectName: what the secret's name template gave for this lease (the
    // account, or a bound lease's Secret); empty: leaseObjectName(secret).
    static Lease plan(const DynamicSecret &secret, const QString &leaseId, const QString &namespaceName,
        const QString &objectName = {});

    // Creates the lease's objects and its token. Static: 1 round trip. Bound
    // static: the Secret, then the bound token (2). Dynamic: service account
    // and bindings concurrently, then the token (2). Any failure rolls back what
    // was created.
    QCoro::Task<ProvisionOutcome> provision(
        DynamicSecret secret, Lease lease, qint64 ttlSeconds, QStringList audiences);

    // Renewal by re-issue, for dynamic and bound leases: the expiry annotations
    // of the lease's objects move to plannedExpiry first (so no sweep deletes
    // them at the old expiry), then a new TokenRequest for the same service
    // account (bound: bound to the same Secret, by its uid). The previous token
    // is not touched: it stays valid until its own expiry or the lease's
    // revocation. When the server shortens the new token, the annotations
    // follow (never before the previous expiry). When the cluster token may not
    // patch (the setup guide's RBAC grants no "patch"), the renewal goes on with
    // a warning: this profile goes by the lease's row, but another profile's
    // orphan sweep could take the objects at the old expiry. Unbound static
    // leases have no objects to carry an expiry and cannot be renewed.
    QCoro::Task<RenewalOutcome> renew(
        DynamicSecret secret, Lease lease, qint64 ttlSeconds, QStringList audiences, QDateTime plannedExpiry);

    // Deletes the lease's objects: dynamic, bindings, generated role and service account
    // concurrently; bound, its Secret. 404 counts as done. An object whose
    // uid the lease recorded is deleted with that uid as a precondition (a
    // 409 means another object took the name: not ours, done). With
    // verifyOwnership (used for rollbacks of unfinished leases), an object is
    // read first and deleted only when it carries this lease's id.
    QCoro::Task<CleanupOutcome> cleanup(Lease lease, bool verifyOwnership);

    // Reads each object the lease created (in the order cleanup deletes them)
    // and says whether it is still there: for lease details, never a write.
    QCoro::Task<QList<LeaseObjectState>> inspect(Lease lease);

    // Why the secret does not allow a lease in ns, in one sentence, or empty
    // when it does: ns is listed, or "*" allows any, or (one GET of the
    // namespace) its labels match the secret's namespace selector.
    QCoro::Task<QString> checkNamespace(DynamicSecret secret, QString ns);

    // The namespaces a lease of the secret may use, for a person to choose
    // from: the listed ones, and those the cluster has that "*" or the
    // selector allows (one list call). *error: why the cluster could not be
    // asked (the listed ones are still returned).
    QCoro::Task<QStringList> namespaceChoices(DynamicSecret secret, QString *error);

    enum class LeaseStatus { Unknown, Open, Closed };
    // Deletes labelled objects in the secret's namespaces whose expiry has
    // passed, or whose lease this store knows to be closed. Objects of leases
    // it does not know and that have not expired are left alone (another
    // profile may own them), and so are those of leases it knows to be open:
    // their end is the expiry reaper's, by the lease's own expiry.
    // alsoIn: more places to look (placesOf the secret's leases: where "*" or a
    // selector let them go, and what an edit of the secret no longer names).
    QCoro::Task<SweepOutcome> sweep(DynamicSecret secret, QDateTime now,
        std::function<LeaseStatus(const QString &)> leaseStatus, QList<SweepPlace> alsoIn = {});
    // The kinds and namespaces of the objects a lease creates, as it was planned
    // (with the secret as it was then).
    static QList<SweepPlace> placesOf(const Lease &lease);

    // The roles a lease's bindings grant, in order: the secret's, then the
    // generated role (named after the lease's account).
    static QList<RoleRef> bindingTargets(const DynamicSecret &secret, const QString &generatedRoleName);
    static std::optional<LeaseObject> generatedRoleOf(const Lease &lease);
    // Every binding of a dynamic lease, the first (bindingName) included, with the role it grants.
    static QList<LeaseObject> bindingsOf(const Lease &lease, const DynamicSecret &secret);

    // Turns a failed call into one sentence for a person: what failed, the
    // server's message, and what to do about it.
    // role: the role a binding grants ("ClusterRole \"view\""), for advice on an escalation refusal.
    static QString explain(
        const QString &step, const KubeError &error, const DynamicSecret &secret, const QString &role = {});

    struct Owned {
        QString kind;
        QString namespaceName;
        QString name;
        QString path;
        QString uid; // recorded at creation; empty when not known
    };
    // The objects this lease created, binding first (the order of deletion).
    static QList<Owned> ownedObjects(const Lease &lease);

private:
    struct Created {
        bool ok = false;
        QJsonObject object;
        std::optional<KubeError> error;
    };
    QCoro::Task<Created> createOwned(QString collectionPath, QJsonObject body, QString leaseId);
    QCoro::Task<std::optional<KubeError>> deleteObject(
        QString path, QString uid, QString leaseId, bool verifyOwnership);
    QCoro::Task<KubeResult> requestToken(DynamicSecret secret, Lease lease, qint64 ttlSeconds,
        QStringList audiences, QJsonObject boundSecret, bool retry);
    static std::optional<IssuedToken> readToken(const KubeResult &result, QString *error);
    struct Annotated {
        QStringList errors; // one sentence per object that kept its old annotation
        bool forbiddenOnly = true; // every error was a 403: the cluster token may not patch
    };
    // Sets the kms.hanzo.ai/expires-at annotation of each of the lease's objects.
    QCoro::Task<Annotated> annotateExpiry(DynamicSecret secret, Lease lease, QDateTime expiresAt);
    static QString bindingPath(const Lease &lease, bool collection);
    // Drops an object from what a lease holds (a create the server refused: not ours).
    static void forgetObject(Lease &lease, const LeaseObject &object);
    static void setUid(Lease &lease, const LeaseObject &object, const QString &uid);

    KubeClient &m_client;
};

} // namespace kms
