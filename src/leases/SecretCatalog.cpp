#include "leases/SecretCatalog.h"

#include <QCoreApplication>

#include "core/AuditEvent.h"
#include "core/BearerToken.h"
#include "gateway/GatewayRegistry.h"
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"
#include "provider/ClusterConnection.h"
#include "provider/GatewayPolicyLookup.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

#include <openssl/crypto.h>

namespace kms {

namespace {

// One sentence about the secret for the audit log; never secret material.
QString describe(const DynamicSecret &secret, const QString &environment)
{
    QString where = secret.clusterUrl;
    if (secret.viaGateway())
        where = secret.hasClusterToken()
            ? QStringLiteral("gateway \"%1\" with its own cluster token").arg(secret.gateway)
            : QStringLiteral("gateway \"%1\"").arg(secret.gateway);
    QStringList roles;
    for (const RoleRef &r : secret.boundRoles())
        roles << r.toString();
    if (secret.generatesRole())
        roles << QStringLiteral("a %1 generated per lease")
                     .arg(DynamicSecret::toString(secret.generatedRoleType));
    QStringList places;
    if (secret.anyNamespace())
        places << QStringLiteral("any namespace");
    else if (!secret.allowedNamespaces.isEmpty())
        places << secret.allowedNamespaces.join(QStringLiteral(","));
    if (!secret.namespaceSelector.isEmpty())
        places << QStringLiteral("a namespace matching %1").arg(secret.namespaceSelector);
    const QString who = secret.credentialType == CredentialType::Static
        ? QStringLiteral("service account %1/%2").arg(secret.namespaceName, secret.serviceAccount)
        : QStringLiteral("%1 in %2")
              .arg(roles.join(QStringLiteral(", ")), places.join(QStringLiteral(" or ")));
    return QStringLiteral("%1 secret in %2 on %3 for %4, default TTL %5, max TTL %6.")
        .arg(DynamicSecret::displayName(secret.credentialType), environment, where, who,
            secret.defaultTtl.toString(), secret.maxTtl.toString());
}

QString formatExpiry(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODate);
}

} // namespace

SecretCatalog::SecretCatalog(
    Database &db, CredentialVault &vault, ClusterConnections *connections, LeaseService *leases)
    : m_db(db)
    , m_vault(vault)
    , m_connections(connections)
    , m_leases(leases)
{
}

SecretValidationContext SecretCatalog::validationContext(const DynamicSecret &secret, bool tokenGiven)
{
    SecretRepository secrets(m_db);
    SecretValidationContext ctx;
    ctx.otherSecretNames = secrets.namesInEnvironment(secret.environmentId, secret.id);
    ctx.hasClusterToken = tokenGiven;
    ctx.gatewayNames = GatewayRegistry(m_db, m_vault).names();
    ctx.gatewaysKnown = true;
    if (!tokenGiven && secret.id != 0) {
        const auto stored = secrets.byId(secret.id);
        ctx.hasClusterToken = stored && stored->authMethod == AuthMethod::Token;
    }
    return ctx;
}

QString SecretCatalog::environmentName(qint64 environmentId)
{
    const std::optional<Environment> env = EnvironmentRepository(m_db).byId(environmentId);
    return env ? env->name : QString::number(environmentId);
}

QCoro::Task<std::optional<FieldError>> SecretCatalog::gatewayRefusal(
    ClusterConnections &connections, DynamicSecret secret, QByteArray clusterToken)
{
    if (!secret.viaGateway())
        co_return std::nullopt;
    // Fresh: an edit may have changed the gateway the open connection goes to.
    const ClusterConnections::Result connection
        = co_await connections.forSecret(secret, std::move(clusterToken), ClusterConnections::Reuse::Fresh);
    if (!connection.connection)
        co_return std::nullopt;
    const GatewayPolicyAnswer answer = co_await GatewayPolicyLookup::fetch(connection.connection->client());
    FieldError refusal { QStringLiteral("gateway"), {} };
    if (answer.policy)
        refusal.message = answer.policy->refusalFor(secret, &refusal.field);
    else if (answer.noEntry)
        refusal.message = answer.error;
    if (refusal.message.isEmpty())
        co_return std::nullopt;
    co_return refusal;
}

QStringList SecretCatalog::changedFields(const DynamicSecret &a, const DynamicSecret &b)
{
    QStringList changed;
    const auto add = [&changed](bool differs, const char *what) {
        if (differs)
            changed << QString::fromLatin1(what);
    };
    add(a.name != b.name, "name");
    add(a.environmentId != b.environmentId, "environment");
    add(a.authMethod != b.authMethod, "authentication");
    add(a.gateway != b.gateway, "gateway");
    add(a.clusterUrl != b.clusterUrl, "cluster URL");
    add(a.sslVerify != b.sslVerify, "TLS verification");
    add(a.caCertificate != b.caCertificate, "CA certificate");
    add(a.credentialType != b.credentialType, "credential type");
    add(a.serviceAccount != b.serviceAccount, "service account");
    add(a.namespaceName != b.namespaceName, "namespace");
    add(a.boundTokens != b.boundTokens, "bound tokens");
    add(a.allowedNamespaces != b.allowedNamespaces, "allowed namespaces");
    add(a.namespaceSelector != b.namespaceSelector, "namespace selector");
    add(a.boundRoles() != b.boundRoles(), "roles");
    add(a.clusterWide != b.clusterWide, "cluster-wide binding");
    add(a.generatedRules != b.generatedRules
            || (b.generatesRole() && a.generatedRoleType != b.generatedRoleType),
        "generated role");
    add(a.nameTemplate != b.nameTemplate, "name template");
    add(a.extraLabels != b.extraLabels, "extra labels");
    add(a.extraAnnotations != b.extraAnnotations, "extra annotations");
    add(a.maxLeases != b.maxLeases, "lease limit");
    add(a.audiences != b.audiences, "audiences");
    add(a.defaultTtl != b.defaultTtl, "default TTL");
    add(a.maxTtl != b.maxTtl, "max TTL");
    return changed;
}

QCoro::Task<SecretSaveResult> SecretCatalog::save(
    DynamicSecret secret, QByteArray clusterToken, QDateTime expectedUpdatedAt)
{
    SecretSaveResult result;
    const QByteArray token = clusterToken.trimmed();
    const bool tokenGiven = !token.isEmpty();
    result.fieldErrors = secret.validate(validationContext(secret, tokenGiven));
    if (tokenGiven && secret.authMethod == AuthMethod::Token) {
        if (const QString problem = BearerToken::problem(token); !problem.isEmpty())
            result.fieldErrors.append(
                { QStringLiteral("clusterToken"), QStringLiteral("Cluster token %1.").arg(problem) });
    }
    if (!result.fieldErrors.isEmpty()) {
        result.failure = SecretSaveResult::Failure::Invalid;
        result.error = result.fieldErrors.first().message;
        co_return result;
    }
    // A gateway says what it allows this desktop: a secret it would refuse
    // is refused here, before any lease.
    if (secret.viaGateway() && m_connections) {
        const std::optional<FieldError> refusal = co_await gatewayRefusal(*m_connections, secret, token);
        if (refusal) {
            result.failure = SecretSaveResult::Failure::Refused;
            result.fieldErrors.append(*refusal);
            result.error = refusal->message;
            co_return result;
        }
    }

    SecretRepository secrets(m_db);
    const bool isNew = secret.id == 0;
    std::optional<DynamicSecret> previous;
    if (!isNew) {
        previous = secrets.byId(secret.id);
        if (!previous) {
            result.failure = SecretSaveResult::Failure::Gone;
            result.error = QStringLiteral(
                "Dynamic secret \"%1\" no longer exists; it may have been deleted elsewhere.")
                               .arg(secret.name);
            co_return result;
        }
    }
    const auto conflict = [&] {
        result.failure = SecretSaveResult::Failure::Conflict;
        result.error = QStringLiteral(
            "Dynamic secret \"%1\" was changed elsewhere since it was read, so this edit was not saved; "
            "look at it again and repeat the edit.")
                           .arg(secret.name);
    };
    if (!isNew && expectedUpdatedAt.isValid() && previous->updatedAt != expectedUpdatedAt) {
        conflict();
        co_return result;
    }
    const auto databaseFailure = [&] {
        result.failure = SecretSaveResult::Failure::Database;
        result.error = QStringLiteral("Dynamic secret \"%1\" could not be saved: %2")
                           .arg(secret.name, m_db.lastError());
    };
    // The keychain entry is named after the id, so a new secret gets its id first.
    if (isNew) {
        secret.id = secrets.reserveId();
        if (secret.id == 0) {
            databaseFailure();
            co_return result;
        }
    }

    // 1. The keychain, outside any transaction.
    const bool writeToken = secret.authMethod == AuthMethod::Token && tokenGiven;
    std::optional<QByteArray> previousToken; // put back should the row not be written
    if (writeToken) {
        Q_ASSERT(!m_db.inTransaction());
        if (!isNew && previous->authMethod == AuthMethod::Token) {
            const VaultResult stored = co_await m_vault.get(secret.vaultKey());
            if (stored.ok)
                previousToken = stored.value;
        }
        const VaultResult put = co_await m_vault.put(secret.vaultKey(), token);
        if (!put.ok) {
            result.failure = SecretSaveResult::Failure::Keychain;
            result.error = put.message
                + (isNew ? QStringLiteral(" Nothing was created.")
                         : QStringLiteral(" The secret was not changed."));
            co_return result;
        }
    }

    // 2. The row and its audit event, in one short transaction.
    AuditEvent event;
    event.kind = isNew ? AuditEvent::SecretCreated : AuditEvent::SecretUpdated;
    event.secretName = secret.name;
    if (secret.credentialType == CredentialType::Static) {
        event.namespaceName = secret.namespaceName;
        event.serviceAccount = secret.serviceAccount;
    }
    event.detail = describe(secret, environmentName(secret.environmentId));
    if (!isNew) {
        QStringList changed = changedFields(*previous, secret);
        if (writeToken)
            changed << QStringLiteral("cluster token");
        event.detail
            = (changed.isEmpty() ? QStringLiteral("Nothing changed. ")
                                 : QStringLiteral("Changed: %1. ").arg(changed.join(QStringLiteral(", "))))
            + event.detail;
    }
    const bool written = m_db.transaction([&] {
        const bool row = isNew ? secrets.insertReserved(secret) : secrets.update(secret, expectedUpdatedAt);
        return row && AuditLog(m_db).append(event).has_value();
    });
    if (!written) {
        const std::optional<DynamicSecret> now = isNew ? std::nullopt : secrets.byId(secret.id);
        if (!isNew && expectedUpdatedAt.isValid() && now && now->updatedAt != expectedUpdatedAt)
            conflict();
        else
            databaseFailure();
        if (writeToken) {
            // Undo the keychain write. Should that fail too, a new secret's entry
            // is left under an id no row will ever have; an edited one keeps the
            // new token, which is better than a row without any.
            if (isNew)
                co_await m_vault.remove(secret.vaultKey());
            else if (previousToken)
                co_await m_vault.put(secret.vaultKey(), *previousToken);
        }
        co_return result;
    }

    if (!isNew) {
        // A secret that moved to Gateway auth no longer needs its token; the row
        // no longer refers to it, so a failure here leaves only a harmless entry.
        if (secret.authMethod == AuthMethod::Gateway && previous->authMethod == AuthMethod::Token)
            co_await m_vault.remove(secret.vaultKey());
        if (m_connections)
            m_connections->invalidate(secret.id);
    }
    result.secret = secret;
    co_return result;
}

QCoro::Task<SecretSaveResult> SecretCatalog::setClusterToken(qint64 secretId, QByteArray clusterToken)
{
    SecretSaveResult result;
    const std::optional<DynamicSecret> secret = SecretRepository(m_db).byId(secretId);
    if (!secret) {
        result.failure = SecretSaveResult::Failure::Gone;
        result.error
            = QStringLiteral("There is no dynamic secret with id %1; it may have been deleted elsewhere.")
                  .arg(secretId);
        co_return result;
    }
    if (!secret->hasClusterToken()) {
        result.failure = SecretSaveResult::Failure::Invalid;
        result.fieldErrors.append({ QStringLiteral("clusterToken"),
            QStringLiteral("Dynamic secret \"%1\" uses gateway \"%2\": it needs no cluster token, only this "
                           "desktop's gateway client key (hanzo-kmsctl gateway add).")
                .arg(secret->name, secret->gateway) });
        result.error = result.fieldErrors.constFirst().message;
        co_return result;
    }
    const QByteArray token = clusterToken.trimmed();
    if (const QString problem = BearerToken::problem(token); !problem.isEmpty()) {
        result.failure = SecretSaveResult::Failure::Invalid;
        result.fieldErrors.append(
            { QStringLiteral("clusterToken"), QStringLiteral("Cluster token %1.").arg(problem) });
        result.error = result.fieldErrors.constFirst().message;
        co_return result;
    }
    Q_ASSERT(!m_db.inTransaction());
    const VaultResult put = co_await m_vault.put(secret->vaultKey(), token);
    if (!put.ok) {
        result.failure = SecretSaveResult::Failure::Keychain;
        result.error = put.message;
        co_return result;
    }
    if (m_connections)
        m_connections->invalidate(secret->id);
    result.secret = secret;
    co_return result;
}

QCoro::Task<ClusterTokenCheck> SecretCatalog::clusterTokenOnThisComputer(DynamicSecret secret)
{
    ClusterTokenCheck check;
    if (!secret.hasClusterToken()) {
        check.state = ClusterTokenCheck::State::NotNeeded;
        co_return check;
    }
    VaultResult stored = co_await m_vault.get(secret.vaultKey());
    if (stored.ok)
        check.state = ClusterTokenCheck::State::Stored;
    else if (stored.error == VaultResult::Error::NotFound)
        check.state = ClusterTokenCheck::State::Missing;
    else
        check.error = stored.message;
    if (!stored.value.isEmpty())
        OPENSSL_cleanse(stored.value.data(), std::size_t(stored.value.size()));
    co_return check;
}

QCoro::Task<SecretRemoval> SecretCatalog::remove(qint64 secretId, bool force)
{
    SecretRemoval result;
    SecretRepository secrets(m_db);
    const std::optional<DynamicSecret> secret = secrets.byId(secretId);
    if (!secret) {
        result.deleted = true;
        co_return result;
    }

    // 1. Its open leases: revoked first, each reported; with force, only reported.
    const QDateTime now = m_leases ? m_leases->clock()->now() : QDateTime::currentDateTimeUtc();
    QStringList validTokens; // leases whose token outlives the secret, for the audit log
    const QList<Lease> open = LeaseRepository(m_db).listForSecret(secretId, false);
    for (const Lease &lease : open) {
        SecretLeaseReport report;
        report.leaseId = lease.id;
        report.expiresAt = lease.expiresAt;
        const bool liveToken
            = !lease.tokenJti.isEmpty() && lease.expiresAt.isValid() && lease.expiresAt > now;
        if (force) {
            report.tokenStaysValid = liveToken;
            report.message = liveToken
                ? QStringLiteral("Lease %1 was not revoked: its token stays valid until it expires at %2.")
                      .arg(lease.id, formatExpiry(lease.expiresAt))
                : QStringLiteral("Lease %1 was not revoked; it has no valid token.").arg(lease.id);
        } else {
            RevokeOutcome outcome;
            if (m_leases)
                outcome = co_await m_leases->revoke(lease.id);
            else
                outcome.message = QStringLiteral("this program cannot revoke leases.");
            report.revoked = outcome.ok;
            if (!outcome.ok) {
                report.tokenStaysValid = liveToken;
                report.message
                    = QStringLiteral("Lease %1 could not be revoked: %2").arg(lease.id, outcome.message);
                result.leases << report;
                result.failure = SecretRemoval::Failure::LeaseNotRevoked;
                result.error = QStringLiteral(
                    "Dynamic secret \"%1\" was kept because lease %2 could not be revoked: %3")
                                   .arg(secret->name, lease.id, outcome.message);
                co_return result;
            }
            // Kubernetes cannot revoke an unbound token; LeaseService's message says so.
            report.tokenStaysValid = lease.kind == LeaseKind::Static && liveToken;
            report.message = outcome.message;
        }
        if (report.tokenStaysValid)
            validTokens << lease.id;
        result.leases << report;
    }

    // 2. The row, its lease history (by cascade) and the audit event, in one transaction.
    const QString env = environmentName(secret->environmentId);
    AuditEvent event;
    event.kind = AuditEvent::SecretDeleted;
    event.secretName = secret->name;
    event.detail = validTokens.isEmpty() ? QStringLiteral("Deleted from %1 with its lease history.").arg(env)
                                         : QCoreApplication::translate("SecretCatalog",
                                             "Deleted from %1 with its lease history; the token(s) of "
                                             "lease(s) %2 stay valid until they expire.",
                                             nullptr, int(validTokens.size()))
                                               .arg(env, validTokens.join(QStringLiteral(", ")));
    if (force && !result.leases.isEmpty())
        event.detail += QLatin1Char(' ')
            + QCoreApplication::translate("SecretCatalog", "Forced: %n open lease(s) were not revoked.",
                nullptr, int(result.leases.size()));
    bool leaseOpened = false;
    const bool deleted = m_db.transaction([&] {
        if (!force) {
            // A lease made meanwhile (another window, the CLI) would lose its row with the secret.
            const int stillOpen = secrets.openLeaseCount(secretId);
            if (stillOpen != 0) {
                leaseOpened = stillOpen > 0;
                return false;
            }
        }
        return secrets.remove(secretId) && AuditLog(m_db).append(event).has_value();
    });
    if (!deleted) {
        result.failure = SecretRemoval::Failure::Database;
        result.error = leaseOpened
            ? QStringLiteral(
                "Dynamic secret \"%1\" was kept because a lease was created while it was being deleted; "
                "delete it again.")
                  .arg(secret->name)
            : QStringLiteral("Dynamic secret \"%1\" could not be deleted: %2")
                  .arg(secret->name, m_db.lastError());
        co_return result;
    }
    result.deleted = true;
    if (m_connections)
        m_connections->invalidate(secretId);

    // 3. The keychain entry, after the row: a leftover entry is harmless (its id
    // is never reused), a row whose token is missing is not.
    if (secret->authMethod == AuthMethod::Token) {
        Q_ASSERT(!m_db.inTransaction());
        const VaultResult removed = co_await m_vault.remove(secret->vaultKey());
        if (!removed.ok) {
            result.failure = SecretRemoval::Failure::Keychain;
            result.error = QStringLiteral(
                "Deleted dynamic secret \"%1\", but its cluster token is still in the keychain: %2")
                               .arg(secret->name, removed.message);
        }
    }
    co_return result;
}

} // namespace kms
