#include "provider/LeaseProvider.h"

#include "core/DisplayText.h"
#include "core/LabelSelector.h"
#include "core/Names.h"
#include "kube/JwtClaims.h"
#include "kube/ObjectKinds.h"
#include "provider/LeaseLabels.h"

#include <QJsonArray>
#include <QUrl>

#include <algorithm>
#include <vector>

namespace kms {

namespace {

const QString RbacGroup = QStringLiteral("rbac.authorization.k8s.io");

QString uidOf(const QJsonObject &object)
{
    return object.value(QLatin1String("metadata")).toObject().value(QLatin1String("uid")).toString();
}

} // namespace

LeaseProvider::LeaseProvider(KubeClient &client)
    : m_client(client)
{
}

Lease LeaseProvider::plan(const DynamicSecret &secret, const QString &leaseId, const QString &namespaceName,
    const QString &objectName)
{
    const QString name = objectName.isEmpty() ? leaseObjectName(secret.name) : objectName;
    Lease lease;
    lease.id = leaseId;
    lease.secretId = secret.id;
    if (secret.credentialType == CredentialType::Static) {
        lease.kind = secret.boundTokens ? LeaseKind::BoundStatic : LeaseKind::Static;
        lease.namespaceName = secret.namespaceName;
        lease.serviceAccount = secret.serviceAccount;
        if (secret.boundTokens)
            lease.boundSecretName = name;
    } else {
        lease.kind = LeaseKind::Dynamic;
        lease.namespaceName = namespaceName;
        lease.serviceAccount = name;
        lease.createdServiceAccount = true;
        // One binding per role: the first in bindingName/bindingKind (as
        // leases have always recorded it), the others in extraObjects.
        const QList<RoleRef> roles = bindingTargets(secret, lease.serviceAccount);
        if (secret.generatesRole()) {
            LeaseObject role;
            role.kind = DynamicSecret::toString(secret.generatedRoleType);
            role.namespaceName = secret.generatedRoleType == RoleType::Role ? namespaceName : QString();
            role.name = lease.serviceAccount;
            lease.extraObjects.append(role);
        }
        for (qsizetype i = 0; i < roles.size(); ++i) {
            const RoleRef &role = roles.at(i);
            const bool cluster = secret.bindsClusterWide(role);
            const QString kind
                = cluster ? QStringLiteral("ClusterRoleBinding") : QStringLiteral("RoleBinding");
            if (i == 0) {
                lease.bindingName = lease.serviceAccount;
                lease.bindingKind = kind;
                continue;
            }
            LeaseObject binding;
            binding.kind = kind;
            binding.namespaceName = cluster ? QString() : namespaceName;
            binding.name = QStringLiteral("%1-%2").arg(lease.serviceAccount).arg(i + 1);
            binding.roleKind = DynamicSecret::toString(role.kind);
            binding.roleName = role.name;
            lease.extraObjects.append(binding);
        }
    }
    return lease;
}

QList<RoleRef> LeaseProvider::bindingTargets(const DynamicSecret &secret, const QString &generatedRoleName)
{
    QList<RoleRef> roles = secret.boundRoles();
    if (secret.generatesRole())
        roles.append(RoleRef { secret.generatedRoleType, generatedRoleName });
    return roles;
}

std::optional<LeaseObject> LeaseProvider::generatedRoleOf(const Lease &lease)
{
    for (const LeaseObject &o : lease.extraObjects) {
        if (o.kind == QLatin1String("Role") || o.kind == QLatin1String("ClusterRole"))
            return o;
    }
    return std::nullopt;
}

QList<LeaseObject> LeaseProvider::bindingsOf(const Lease &lease, const DynamicSecret &secret)
{
    QList<LeaseObject> bindings;
    if (!lease.bindingName.isEmpty()) {
        const QList<RoleRef> roles = bindingTargets(secret, lease.serviceAccount);
        LeaseObject first;
        first.kind = lease.bindingKind == QLatin1String("ClusterRoleBinding")
            ? QStringLiteral("ClusterRoleBinding")
            : QStringLiteral("RoleBinding");
        first.namespaceName = first.kind == QLatin1String("RoleBinding") ? lease.namespaceName : QString();
        first.name = lease.bindingName;
        first.uid = lease.bindingUid;
        if (!roles.isEmpty()) {
            first.roleKind = DynamicSecret::toString(roles.first().kind);
            first.roleName = roles.first().name;
        }
        bindings.append(first);
    }
    for (const LeaseObject &o : lease.extraObjects) {
        if (o.isBinding())
            bindings.append(o);
    }
    return bindings;
}

void LeaseProvider::forgetObject(Lease &lease, const LeaseObject &object)
{
    if (object.name == lease.bindingName && object.kind == lease.bindingKind) {
        lease.bindingName.clear();
        return;
    }
    lease.extraObjects.removeIf([&object](const LeaseObject &o) {
        return o.kind == object.kind && o.name == object.name && o.namespaceName == object.namespaceName;
    });
}

void LeaseProvider::setUid(Lease &lease, const LeaseObject &object, const QString &uid)
{
    if (uid.isEmpty())
        return;
    if (object.name == lease.bindingName && object.kind == lease.bindingKind) {
        lease.bindingUid = uid;
        return;
    }
    for (LeaseObject &o : lease.extraObjects) {
        if (o.kind == object.kind && o.name == object.name && o.namespaceName == object.namespaceName)
            o.uid = uid;
    }
}

QString LeaseProvider::bindingPath(const Lease &lease, bool collection)
{
    // Any kind but a ClusterRoleBinding means a RoleBinding in the lease's namespace.
    const QString kind = lease.bindingKind == QLatin1String("ClusterRoleBinding")
        ? QStringLiteral("ClusterRoleBinding")
        : QStringLiteral("RoleBinding");
    return objectPath(kind, lease.namespaceName, collection ? QString() : lease.bindingName);
}

QCoro::Task<LeaseProvider::Created> LeaseProvider::createOwned(
    QString collectionPath, QJsonObject body, QString leaseId)
{
    // A retried POST may find the object its first attempt made: AlreadyExists
    // with our lease id is success, anything else with that name is not ours.
    Created created;
    const KubeResult result = co_await m_client.post(collectionPath, body, KubeClient::Retry::IfTransient);
    if (result.ok()) {
        created.ok = true;
        created.object = result.body;
        co_return created;
    }
    if (result.error->isAlreadyExists()) {
        const QString name
            = body.value(QLatin1String("metadata")).toObject().value(QLatin1String("name")).toString();
        const KubeResult existing = co_await m_client.get(collectionPath + QLatin1Char('/') + name);
        if (existing.ok() && LeaseLabels::leaseIdOf(existing.body) == leaseId) {
            created.ok = true;
            created.object = existing.body;
            co_return created;
        }
    }
    created.error = result.error;
    co_return created;
}

QCoro::Task<std::optional<KubeError>> LeaseProvider::deleteObject(
    QString path, QString uid, QString leaseId, bool verifyOwnership)
{
    if (verifyOwnership) {
        // The seed's RBAC grants no "get" on bindings: when reading is
        // forbidden, the name (random, chosen for this lease) has to do.
        const KubeResult existing = co_await m_client.get(path);
        if (!existing.ok() && existing.error->isNotFound())
            co_return std::nullopt;
        if (!existing.ok() && !existing.error->isForbidden())
            co_return existing.error;
        if (existing.ok() && LeaseLabels::leaseIdOf(existing.body) != leaseId)
            co_return std::nullopt; // same name, another owner: not ours to delete
        if (existing.ok() && uid.isEmpty())
            uid = existing.body.value(QLatin1String("metadata"))
                      .toObject()
                      .value(QLatin1String("uid"))
                      .toString();
    }
    const KubeResult result = co_await m_client.remove(path, uid);
    if (result.ok() || result.error->isNotFound())
        co_return std::nullopt;
    if (!uid.isEmpty() && result.error->isConflict())
        co_return std::nullopt; // the uid precondition failed: another object has the name now
    co_return result.error;
}

QCoro::Task<KubeResult> LeaseProvider::requestToken(DynamicSecret secret, Lease lease, qint64 ttlSeconds,
    QStringList audiences, QJsonObject boundSecret, bool retry)
{
    QJsonObject spec { { QStringLiteral("expirationSeconds"), ttlSeconds } };
    if (!audiences.isEmpty())
        spec.insert(QStringLiteral("audiences"), QJsonArray::fromStringList(audiences));
    if (!boundSecret.isEmpty()) {
        const QJsonObject meta = boundSecret.value(QLatin1String("metadata")).toObject();
        spec.insert(QStringLiteral("boundObjectRef"),
            QJsonObject { { QStringLiteral("kind"), QStringLiteral("Secret") },
                { QStringLiteral("apiVersion"), QStringLiteral("v1") },
                { QStringLiteral("name"), meta.value(QLatin1String("name")) },
                { QStringLiteral("uid"), meta.value(QLatin1String("uid")) } });
    }
    const QJsonObject body { { QStringLiteral("apiVersion"), QStringLiteral("authentication.k8s.io/v1") },
        { QStringLiteral("kind"), QStringLiteral("TokenRequest") }, { QStringLiteral("spec"), spec } };
    Q_UNUSED(secret);
    co_return co_await m_client.post(
        corePath(lease.namespaceName, QStringLiteral("serviceaccounts"), lease.serviceAccount)
            + QStringLiteral("/token"),
        body, retry ? KubeClient::Retry::IfTransient : KubeClient::Retry::Never);
}

std::optional<IssuedToken> LeaseProvider::readToken(const KubeResult &result, QString *error)
{
    const QJsonObject status = result.body.value(QLatin1String("status")).toObject();
    IssuedToken issued;
    issued.token = status.value(QLatin1String("token")).toString().toUtf8();
    issued.expiresAt
        = QDateTime::fromString(status.value(QLatin1String("expirationTimestamp")).toString(), Qt::ISODate);
    for (const QString &warning : result.warnings) {
        if (warning.contains(QLatin1String("requested expiration")))
            issued.warnings << warning;
        else
            issued.clusterWarnings << warning;
    }
    if (issued.token.isEmpty()) {
        *error = QStringLiteral("The cluster answered the token request without a token.");
        return std::nullopt;
    }
    QString claimsError;
    const auto claims = JwtClaims::decode(issued.token, &claimsError);
    if (claims) {
        issued.jti = claims->jti;
        if (!issued.expiresAt.isValid())
            issued.expiresAt = claims->expiresAt;
    }
    if (!issued.expiresAt.isValid()) {
        *error = QStringLiteral("The cluster answered the token request without an expiry time.");
        return std::nullopt;
    }
    issued.expiresAt = issued.expiresAt.toUTC();
    return issued;
}

QCoro::Task<ProvisionOutcome> LeaseProvider::provision(
    DynamicSecret secret, Lease lease, qint64 ttlSeconds, QStringList audiences)
{
    ProvisionOutcome outcome;
    const QDateTime expiresAt = QDateTime::currentDateTimeUtc().addSecs(ttlSeconds);

    // What a rollback must delete: objects whose create succeeded, and those
    // whose create had no clear answer (timeouts); never an object whose create
    // was refused, since then the name may belong to someone else.
    Lease undo = lease;
    bool uncertain = false;
    auto settle = [&undo, &uncertain](const Created &created, auto clear) {
        if (created.ok)
            return;
        if (created.error->isTransient())
            uncertain = true;
        else
            clear(undo);
    };
    auto rollback = [this, &outcome, &undo, &uncertain]() -> QCoro::Task<> {
        const CleanupOutcome cleaned = co_await cleanup(undo, uncertain);
        outcome.rolledBack = cleaned.done;
        outcome.rollbackError = cleaned.error;
        outcome.leftBehind = cleaned.done ? Lease() : undo;
    };

    QJsonObject boundSecret;
    if (lease.kind == LeaseKind::BoundStatic) {
        const QJsonObject body { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("Secret") },
            { QStringLiteral("type"), QStringLiteral("Opaque") },
            { QStringLiteral("metadata"),
                LeaseLabels::metadata(lease.boundSecretName, lease.namespaceName, lease.id, secret.name,
                    expiresAt, secret.extraLabels, secret.extraAnnotations) } };
        const Created created
            = co_await createOwned(corePath(lease.namespaceName, QStringLiteral("secrets")), body, lease.id);
        settle(created, [](Lease &l) { l.boundSecretName.clear(); });
        if (!created.ok) {
            outcome.error = explain(QStringLiteral("Creating the lease's Secret \"%1\" in namespace \"%2\"")
                                        .arg(lease.boundSecretName, lease.namespaceName),
                *created.error, secret);
            co_await rollback();
            co_return outcome;
        }
        boundSecret = created.object;
        lease.boundSecretUid = uidOf(created.object);
        undo.boundSecretUid = lease.boundSecretUid;
    } else if (lease.kind == LeaseKind::Dynamic) {
        const QJsonObject account { { QStringLiteral("apiVersion"), QStringLiteral("v1") },
            { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
            { QStringLiteral("metadata"),
                LeaseLabels::metadata(lease.serviceAccount, lease.namespaceName, lease.id, secret.name,
                    expiresAt, secret.extraLabels, secret.extraAnnotations) } };
        const QList<LeaseObject> bindings = bindingsOf(lease, secret);
        const auto bindingBody = [&](const LeaseObject &b) {
            return QJsonObject { { QStringLiteral("apiVersion"),
                                     QStringLiteral("rbac.authorization.k8s.io/v1") },
                { QStringLiteral("kind"), b.kind },
                { QStringLiteral("metadata"),
                    LeaseLabels::metadata(b.name, b.namespaceName, lease.id, secret.name, expiresAt,
                        secret.extraLabels, secret.extraAnnotations) },
                { QStringLiteral("roleRef"),
                    QJsonObject { { QStringLiteral("apiGroup"), RbacGroup },
                        { QStringLiteral("kind"), b.roleKind }, { QStringLiteral("name"), b.roleName } } },
                { QStringLiteral("subjects"),
                    QJsonArray { QJsonObject { { QStringLiteral("kind"), QStringLiteral("ServiceAccount") },
                        { QStringLiteral("name"), lease.serviceAccount },
                        { QStringLiteral("namespace"), lease.namespaceName } } } } };
        };
        // All at once: QCoro tasks start eagerly, so the POSTs overlap. The
        // generated role goes first, so that its bindings usually find it.
        const std::optional<LeaseObject> role = generatedRoleOf(lease);
        std::vector<QCoro::Task<Created>> roleTasks;
        if (role) {
            const QJsonObject body { { QStringLiteral("apiVersion"),
                                         QStringLiteral("rbac.authorization.k8s.io/v1") },
                { QStringLiteral("kind"), role->kind },
                { QStringLiteral("metadata"),
                    LeaseLabels::metadata(role->name, role->namespaceName, lease.id, secret.name, expiresAt,
                        secret.extraLabels, secret.extraAnnotations) },
                { QStringLiteral("rules"), PolicyRule::toJson(secret.generatedRules) } };
            roleTasks.push_back(createOwned(objectPath(role->kind, role->namespaceName), body, lease.id));
        }
        QCoro::Task<Created> accountTask = createOwned(
            corePath(lease.namespaceName, QStringLiteral("serviceaccounts")), account, lease.id);
        std::vector<QCoro::Task<Created>> bindingTasks;
        for (const LeaseObject &b : bindings)
            bindingTasks.push_back(
                createOwned(objectPath(b.kind, b.namespaceName), bindingBody(b), lease.id));

        bool roleCreated = !role;
        for (auto &task : roleTasks) {
            const Created created = co_await task;
            settle(created, [&role](Lease &l) { forgetObject(l, *role); });
            const QString uid = uidOf(created.object);
            setUid(lease, *role, uid);
            setUid(undo, *role, uid);
            roleCreated = created.ok;
            if (!created.ok)
                outcome.error
                    = explain(QStringLiteral("Creating the lease's %1 \"%2\"").arg(role->kind, role->name),
                        *created.error, secret, QStringLiteral("the generated %1").arg(role->kind));
        }
        const Created accountCreated = co_await accountTask;
        settle(accountCreated, [](Lease &l) { l.createdServiceAccount = false; });
        lease.serviceAccountUid = uidOf(accountCreated.object);
        undo.serviceAccountUid = lease.serviceAccountUid;
        if (!accountCreated.ok && outcome.error.isEmpty())
            outcome.error = explain(QStringLiteral("Creating service account \"%1\" in namespace \"%2\"")
                                        .arg(lease.serviceAccount, lease.namespaceName),
                *accountCreated.error, secret);
        for (size_t i = 0; i < bindingTasks.size(); ++i) {
            const LeaseObject &b = bindings.at(qsizetype(i));
            Created created = co_await bindingTasks[i];
            // A binding of the generated role may reach the API server before
            // the role does (NotFound): once the role is there, once more.
            const bool ofGeneratedRole = role && b.roleName == role->name && b.roleKind == role->kind;
            if (!created.ok && ofGeneratedRole && roleCreated && created.error->isNotFound()
                && (created.error->detailsKind == QLatin1String("roles")
                    || created.error->detailsKind == QLatin1String("clusterroles")))
                created = co_await createOwned(objectPath(b.kind, b.namespaceName), bindingBody(b), lease.id);
            const QString uid = uidOf(created.object);
            settle(created, [&b](Lease &l) { forgetObject(l, b); });
            setUid(lease, b, uid);
            setUid(undo, b, uid);
            if (!created.ok && outcome.error.isEmpty())
                outcome.error = explain(QStringLiteral("Binding %1 \"%2\" to the lease's service account")
                                            .arg(b.roleKind, b.roleName),
                    *created.error, secret, QStringLiteral("%1 \"%2\"").arg(b.roleKind, b.roleName));
        }
        if (!outcome.error.isEmpty()) {
            co_await rollback();
            co_return outcome;
        }
    }

    // Unbound static tokens cannot be revoked: never retry their request, so
    // no second live token can exist that nobody holds. Dynamic and bound
    // tokens die with the lease's objects, so a retry is harmless.
    const bool retry = lease.kind != LeaseKind::Static;
    const KubeResult token = co_await requestToken(secret, lease, ttlSeconds, audiences, boundSecret, retry);
    if (!token.ok()) {
        outcome.error
            = explain(QStringLiteral("Requesting a token for service account \"%1\" in namespace \"%2\"")
                          .arg(lease.serviceAccount, lease.namespaceName),
                *token.error, secret);
        co_await rollback();
        co_return outcome;
    }
    QString readError;
    outcome.issued = readToken(token, &readError);
    outcome.lease = lease;
    if (!outcome.issued) {
        outcome.error = readError;
        co_await rollback();
    }
    co_return outcome;
}

QList<LeaseProvider::Owned> LeaseProvider::ownedObjects(const Lease &lease)
{
    QList<Owned> owned;
    if (!lease.bindingName.isEmpty()) {
        const bool cluster = lease.bindingKind == QLatin1String("ClusterRoleBinding");
        owned.append({ cluster ? lease.bindingKind : QStringLiteral("RoleBinding"),
            cluster ? QString() : lease.namespaceName, lease.bindingName, bindingPath(lease, false),
            lease.bindingUid });
    }
    if (lease.createdServiceAccount)
        owned.append({ QStringLiteral("ServiceAccount"), lease.namespaceName, lease.serviceAccount,
            corePath(lease.namespaceName, QStringLiteral("serviceaccounts"), lease.serviceAccount),
            lease.serviceAccountUid });
    for (const LeaseObject &o : lease.extraObjects)
        owned.append({ o.kind, o.namespaceName, o.name, objectPath(o.kind, o.namespaceName, o.name), o.uid });
    if (!lease.boundSecretName.isEmpty())
        owned.append({ QStringLiteral("Secret"), lease.namespaceName, lease.boundSecretName,
            corePath(lease.namespaceName, QStringLiteral("secrets"), lease.boundSecretName),
            lease.boundSecretUid });
    return owned;
}

QString LeaseObjectState::presenceText(Presence presence)
{
    switch (presence) {
    case Presence::Present:
        return QStringLiteral("present");
    case Presence::Gone:
        return QStringLiteral("gone");
    case Presence::Replaced:
        return QStringLiteral("replaced");
    case Presence::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

QCoro::Task<QList<LeaseObjectState>> LeaseProvider::inspect(Lease lease)
{
    const QList<Owned> owned = ownedObjects(lease);
    std::vector<QCoro::Task<KubeResult>> reads;
    for (const Owned &object : owned)
        reads.push_back(m_client.get(object.path));
    QList<LeaseObjectState> states;
    for (qsizetype i = 0; i < owned.size(); ++i) {
        const Owned &object = owned.at(i);
        const KubeResult result = co_await reads[size_t(i)];
        LeaseObjectState state { object.kind, object.namespaceName, object.name,
            LeaseObjectState::Presence::Unknown, {} };
        if (result.ok()) {
            const QString uid = uidOf(result.body);
            const bool ours
                = object.uid.isEmpty() ? LeaseLabels::leaseIdOf(result.body) == lease.id : uid == object.uid;
            state.presence
                = ours ? LeaseObjectState::Presence::Present : LeaseObjectState::Presence::Replaced;
            if (!ours)
                state.detail = QStringLiteral("Another object has this name now; it is not this lease's.");
        } else if (result.error->isNotFound()) {
            state.presence = LeaseObjectState::Presence::Gone;
        } else if (result.error->isForbidden()) {
            state.detail
                = QStringLiteral("The credentials of this secret may not read %1 objects.").arg(object.kind);
        } else {
            state.detail = result.error->toString();
        }
        states << state;
    }
    co_return states;
}

QCoro::Task<LeaseProvider::Annotated> LeaseProvider::annotateExpiry(
    DynamicSecret secret, Lease lease, QDateTime expiresAt)
{
    const QJsonObject patch { { QStringLiteral("metadata"),
        QJsonObject { { QStringLiteral("annotations"),
            QJsonObject { { LeaseLabels::ExpiresAt, expiresAt.toUTC().toString(Qt::ISODate) } } } } } };
    QStringList paths;
    QStringList what;
    if (lease.createdServiceAccount) {
        paths << corePath(lease.namespaceName, QStringLiteral("serviceaccounts"), lease.serviceAccount);
        what << describeObject(QStringLiteral("ServiceAccount"), lease.namespaceName, lease.serviceAccount);
    }
    if (!lease.bindingName.isEmpty()) {
        QString bindingNamespace = lease.namespaceName;
        if (lease.bindingKind == QLatin1String("ClusterRoleBinding"))
            bindingNamespace.clear();
        paths << bindingPath(lease, false);
        what << describeObject(lease.bindingKind, bindingNamespace, lease.bindingName);
    }
    if (!lease.boundSecretName.isEmpty()) {
        paths << corePath(lease.namespaceName, QStringLiteral("secrets"), lease.boundSecretName);
        what << describeObject(QStringLiteral("Secret"), lease.namespaceName, lease.boundSecretName);
    }
    // All at once: QCoro tasks start eagerly.
    std::vector<QCoro::Task<KubeResult>> patches;
    for (const QString &path : paths)
        patches.push_back(m_client.mergePatch(path, patch));
    Annotated annotated;
    for (size_t i = 0; i < patches.size(); ++i) {
        const KubeResult result = co_await patches[i];
        if (result.ok())
            continue;
        annotated.errors << explain(
            QStringLiteral("Moving the expiry annotation of %1").arg(what.at(qsizetype(i))), *result.error,
            secret);
        annotated.forbiddenOnly = annotated.forbiddenOnly && result.error->isForbidden();
    }
    co_return annotated;
}

QCoro::Task<RenewalOutcome> LeaseProvider::renew(
    DynamicSecret secret, Lease lease, qint64 ttlSeconds, QStringList audiences, QDateTime plannedExpiry)
{
    RenewalOutcome outcome;
    if (lease.kind == LeaseKind::Static) {
        outcome.error = QStringLiteral("An unbound static token cannot be renewed: nothing on the cluster "
                                       "holds its expiry; issue a new lease.");
        co_return outcome;
    }
    // First the annotations: a sweep (another profile's, the gateway's) must
    // not delete the objects at the old expiry while the new token lives.
    const Annotated annotated = co_await annotateExpiry(secret, lease, plannedExpiry);
    if (!annotated.errors.isEmpty() && !annotated.forbiddenOnly) {
        outcome.error = annotated.errors.constFirst();
        co_return outcome;
    }
    const bool mayPatch = annotated.errors.isEmpty();
    if (!mayPatch)
        outcome.warnings << QStringLiteral(
            "The lease's objects keep their old expiry annotation (%1): the cluster token may not patch "
            "them. "
            "This profile keeps them until the new expiry, but another profile's orphan sweep could delete "
            "them "
            "at %2; grant \"patch\" as hanzo-kmsctl secret check %3 --rbac shows.")
                                .arg(annotated.errors.constFirst(),
                                    lease.expiresAt.toUTC().toString(Qt::ISODate), secret.name);
    QJsonObject boundSecret;
    if (lease.kind == LeaseKind::BoundStatic) {
        boundSecret = QJsonObject { { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("name"), lease.boundSecretName },
                { QStringLiteral("uid"), lease.boundSecretUid } } } };
    }
    // Retried: the new token dies with the lease's objects, like the first.
    const KubeResult token = co_await requestToken(secret, lease, ttlSeconds, audiences, boundSecret, true);
    QString readError;
    if (token.ok())
        outcome.issued = readToken(token, &readError);
    if (!outcome.issued) {
        if (!token.ok())
            outcome.error = explain(
                QStringLiteral("Requesting a new token for service account \"%1\" in namespace \"%2\"")
                    .arg(lease.serviceAccount, lease.namespaceName),
                *token.error, secret);
        else
            outcome.error = readError;
        // Back to the expiry the lease keeps; if this fails, a later expiry only delays a sweep.
        if (mayPatch)
            co_await annotateExpiry(secret, lease, lease.expiresAt);
        co_return outcome;
    }
    // The server may have shortened the token: the objects live as long as
    // the longer of the two tokens.
    // (A second or so either way is the two clocks, not a shortened token.)
    const QDateTime expiry = std::max(lease.expiresAt, outcome.issued->expiresAt);
    const qint64 drift = plannedExpiry.secsTo(expiry);
    if (mayPatch && (drift > 0 || drift < -60)) {
        const Annotated corrected = co_await annotateExpiry(secret, lease, expiry);
        outcome.warnings += corrected.errors;
    }
    co_return outcome;
}

QCoro::Task<CleanupOutcome> LeaseProvider::cleanup(Lease lease, bool verifyOwnership)
{
    CleanupOutcome outcome;
    std::vector<QCoro::Task<std::optional<KubeError>>> deletions;
    QStringList what;
    for (const Owned &object : ownedObjects(lease)) {
        deletions.push_back(deleteObject(object.path, object.uid, lease.id, verifyOwnership));
        what << describeObject(object.kind, object.namespaceName, object.name);
    }
    QStringList errors;
    for (size_t i = 0; i < deletions.size(); ++i) {
        const std::optional<KubeError> error = co_await deletions[i];
        if (error)
            errors << QStringLiteral("deleting %1: %2").arg(what.at(qsizetype(i)), error->toString());
    }
    outcome.done = errors.isEmpty();
    if (!errors.isEmpty())
        outcome.error = QStringLiteral("Cleanup of lease %1 is not finished (%2); it will be retried.")
                            .arg(lease.id, errors.join(QStringLiteral("; ")));
    co_return outcome;
}

QCoro::Task<QString> LeaseProvider::checkNamespace(DynamicSecret secret, QString ns)
{
    if (secret.credentialType != CredentialType::Dynamic || secret.anyNamespace()
        || secret.listedNamespaces().contains(ns))
        co_return QString();
    // Built in locals, not ?: temporaries in co_return: GCC 12 mishandles those in coroutines.
    QString message = QStringLiteral("Namespace %1").arg(quoted(ns));
    if (!secret.listedNamespaces().isEmpty())
        message += QStringLiteral(" is not one of the secret's allowed namespaces (%1) and")
                       .arg(secret.listedNamespaces().join(QStringLiteral(", ")));
    if (secret.namespaceSelector.isEmpty()) {
        message += QStringLiteral(" matches no selector.");
        co_return message;
    }
    const std::optional<LabelSelector> selector = LabelSelector::parse(secret.namespaceSelector, nullptr);
    const KubeResult found = co_await m_client.get(corePath(QString(), QStringLiteral("namespaces"), ns));
    if (!found.ok() && found.error->isNotFound()) {
        message = QStringLiteral("Namespace %1 does not exist.").arg(quoted(ns));
        co_return message;
    }
    if (!found.ok()) {
        message = explain(
            QStringLiteral("Reading namespace %1 to check the secret's namespace selector").arg(quoted(ns)),
            *found.error, secret);
        co_return message;
    }
    const QJsonObject labels
        = found.body.value(QLatin1String("metadata")).toObject().value(QLatin1String("labels")).toObject();
    if (selector && selector->matches(labels))
        co_return QString();
    QStringList shown;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        shown << it.key() + QLatin1Char('=') + it.value().toString();
    QString labelText = QStringLiteral("none");
    if (!shown.isEmpty())
        labelText = escapeControls(shown.join(QStringLiteral(", ")));
    message += QStringLiteral(" has labels (%1) that do not match the secret's namespace selector %2.")
                   .arg(labelText, quoted(secret.namespaceSelector));
    co_return message;
}

QCoro::Task<QStringList> LeaseProvider::namespaceChoices(DynamicSecret secret, QString *error)
{
    QStringList choices = secret.listedNamespaces();
    if (secret.credentialType != CredentialType::Dynamic || !secret.namespacesOpen())
        co_return choices;
    QString path = corePath(QString(), QStringLiteral("namespaces"));
    if (!secret.anyNamespace())
        path += QStringLiteral("?labelSelector=")
            + QString::fromLatin1(QUrl::toPercentEncoding(secret.namespaceSelector));
    const KubeResult list = co_await m_client.get(path);
    if (!list.ok()) {
        if (error)
            *error = explain(QStringLiteral("Listing the namespaces the secret allows"), *list.error, secret);
        co_return choices;
    }
    for (const QJsonValue &item : list.body.value(QLatin1String("items")).toArray()) {
        const QString name = item.toObject()
                                 .value(QLatin1String("metadata"))
                                 .toObject()
                                 .value(QLatin1String("name"))
                                 .toString();
        // A server's answer is checked like any input: only namespace names are offered.
        if (Names::isDns1123Label(name) && !choices.contains(name))
            choices << name;
    }
    std::sort(choices.begin(), choices.end());
    co_return choices;
}

QList<SweepPlace> LeaseProvider::placesOf(const Lease &lease)
{
    QList<SweepPlace> places;
    if (lease.createdServiceAccount)
        places.append({ QStringLiteral("ServiceAccount"), lease.namespaceName });
    if (!lease.bindingKind.isEmpty())
        places.append({ lease.bindingKind,
            lease.bindingKind == QLatin1String("ClusterRoleBinding") ? QString() : lease.namespaceName });
    if (!lease.boundSecretName.isEmpty())
        places.append({ QStringLiteral("Secret"), lease.namespaceName });
    for (const LeaseObject &object : lease.extraObjects)
        places.append({ object.kind, object.namespaceName });
    return places;
}

QCoro::Task<SweepOutcome> LeaseProvider::sweep(DynamicSecret secret, QDateTime now,
    std::function<LeaseStatus(const QString &)> leaseStatus, QList<SweepPlace> alsoIn)
{
    SweepOutcome outcome;
    QStringList namespaces = secret.listedNamespaces();
    if (secret.credentialType == CredentialType::Static)
        namespaces = QStringList { secret.namespaceName };
    namespaces.removeAll(QString());
    QList<SweepPlace> listings;
    const auto add = [&listings](const SweepPlace &place) {
        if (!place.kind.isEmpty() && !listings.contains(place))
            listings.append(place);
    };
    for (const QString &ns : namespaces) {
        if (secret.credentialType == CredentialType::Dynamic) {
            add({ QStringLiteral("RoleBinding"), ns });
            add({ QStringLiteral("ServiceAccount"), ns });
            if (secret.generatesRole() && secret.generatedRoleType == RoleType::Role)
                add({ QStringLiteral("Role"), ns });
        } else {
            add({ QStringLiteral("Secret"), ns });
        }
    }
    if (secret.generatesRole() && secret.generatedRoleType == RoleType::ClusterRole)
        add({ QStringLiteral("ClusterRole"), QString() });
    if (secret.credentialType == CredentialType::Dynamic && secret.anyClusterWideBinding())
        add({ QStringLiteral("ClusterRoleBinding"), QString() });
    for (const SweepPlace &place : alsoIn)
        add(place);
    // Bindings first, then what they bind: no binding outlives its role or account.
    const auto rank = [](const SweepPlace &place) {
        if (place.kind == QLatin1String("ClusterRoleBinding"))
            return 0;
        if (place.kind == QLatin1String("RoleBinding"))
            return 1;
        if (place.kind == QLatin1String("Role"))
            return 3;
        if (place.kind == QLatin1String("ClusterRole"))
            return 4;
        return 2;
    };
    std::stable_sort(listings.begin(), listings.end(),
        [&rank](const SweepPlace &a, const SweepPlace &b) { return rank(a) < rank(b); });

    for (const SweepPlace &listing : listings) {
        const KubeResult list = co_await m_client.get(objectPath(listing.kind, listing.namespaceName)
            + QLatin1Char('?') + LeaseLabels::managedSelectorQuery());
        if (!list.ok() && list.error->isForbidden()) {
            // One sentence per secret is enough: without "list" no listing will work.
            outcome.errors << QStringLiteral(
                "The orphan sweep for secret \"%1\" was skipped: its cluster token may not list %2s (%3). "
                "Add \"list\" as hanzo-kmsctl secret check %1 --rbac shows.")
                                  .arg(secret.name, listing.kind, list.error->message);
            break;
        }
        if (!list.ok()) {
            outcome.errors << explain(
                QStringLiteral("Listing %1s in %2")
                    .arg(listing.kind,
                        listing.namespaceName.isEmpty()
                            ? QStringLiteral("the cluster")
                            : QStringLiteral("namespace \"%1\"").arg(listing.namespaceName)),
                *list.error, secret);
            continue;
        }
        for (const QJsonValue &item : list.body.value(QLatin1String("items")).toArray()) {
            const QJsonObject object = item.toObject();
            if (!LeaseLabels::isManaged(object))
                continue;
            const QString leaseId = LeaseLabels::leaseIdOf(object);
            const QDateTime expires = LeaseLabels::expiresAtOf(object);
            const bool expired = expires.isValid() && expires <= now;
            const LeaseStatus status = leaseId.isEmpty() ? LeaseStatus::Unknown : leaseStatus(leaseId);
            // An open lease of this store is the expiry reaper's, which goes by the lease's own
            // expiry: a renewal may not have been able to move the annotation.
            if (status == LeaseStatus::Open || (!expired && status != LeaseStatus::Closed))
                continue;
            const QString name
                = object.value(QLatin1String("metadata")).toObject().value(QLatin1String("name")).toString();
            // The uid of the object listed: a namesake made since is left alone.
            const std::optional<KubeError> error = co_await deleteObject(
                objectPath(listing.kind, listing.namespaceName, name), uidOf(object), leaseId, false);
            if (error)
                outcome.errors << error->toString();
            else
                outcome.deleted << describeObject(listing.kind, listing.namespaceName, name);
        }
    }
    co_return outcome;
}

QString LeaseProvider::explain(
    const QString &step, const KubeError &error, const DynamicSecret &secret, const QString &role)
{
    QString advice;
    const QString check
        = QStringLiteral("run Test Connection (hanzo-kmsctl secret check %1) for the RBAC to add")
              .arg(secret.name);
    switch (error.category) {
    case KubeError::Category::Network:
    case KubeError::Category::Timeout:
        advice = QStringLiteral("Check the cluster URL and that the cluster is reachable, then try again.");
        break;
    case KubeError::Category::Tls:
        advice = QStringLiteral("Check the secret's CA certificate and cluster URL.");
        break;
    case KubeError::Category::InvalidResponse:
        advice = QStringLiteral("Check that the cluster URL points at a Kubernetes API server.");
        break;
    case KubeError::Category::NotSent:
        advice = QStringLiteral("Nothing was sent; correct the secret's cluster URL or token.");
        break;
    case KubeError::Category::Status:
        if (error.isUnauthorized())
            advice = QStringLiteral("The cluster token was rejected: it may have expired or its service "
                                    "account was deleted; update the secret's cluster token.");
        else if (error.isForbidden()
            && error.message.contains(
                QLatin1String("attempting to grant RBAC permissions not currently held")))
            advice = QStringLiteral(
                "The requester must itself hold every permission of %1, or be allowed to bind it; %2.")
                         .arg(role.isEmpty()
                                 ? QStringLiteral("%1 \"%2\"")
                                       .arg(DynamicSecret::toString(secret.roleType), secret.roleName)
                                 : role,
                             check);
        else if (error.isForbidden())
            advice = QStringLiteral("The cluster token lacks a permission; %1.").arg(check);
        else if (error.isNotFound() && error.detailsKind == QLatin1String("namespaces"))
            advice = QStringLiteral("Create the namespace or remove it from the secret.");
        else if (error.isNotFound() && error.detailsKind == QLatin1String("serviceaccounts"))
            advice = QStringLiteral("Create the service account or correct the secret.");
        else if (error.isNotFound()
            && (error.detailsKind == QLatin1String("roles")
                || error.detailsKind == QLatin1String("clusterroles")))
            advice = QStringLiteral("Create the role or correct the secret.");
        else if (error.isTransient())
            advice = QStringLiteral("The cluster is busy or failing; try again.");
        break;
    }
    QString sentence = QStringLiteral("%1 failed: %2").arg(step, error.message);
    if (error.category == KubeError::Category::Status)
        sentence += QStringLiteral(" (%1%2)")
                        .arg(error.httpStatus)
                        .arg(error.reason.isEmpty() ? QString() : QLatin1Char(' ') + error.reason);
    sentence += QLatin1Char('.');
    if (!advice.isEmpty())
        sentence += QLatin1Char(' ') + advice;
    return sentence;
}

} // namespace kms
