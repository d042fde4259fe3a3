#include "leases/SecretCatalog.h"

#include "core/AuditEvent.h"
#include "gateway/GatewayRegistry.h"
#include "leases/ClusterConnections.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/SecretRepository.h"

namespace kms {

namespace {

// One sentence about the secret for the audit log; never secret material.
QString describe(const DynamicSecret &secret)
{
    const QString where = secret.authMethod == AuthMethod::Gateway
        ? QStringLiteral("gateway \"%1\"").arg(secret.gateway)
        : secret.clusterUrl;
    const QString who = secret.credentialType == CredentialType::Static
        ? QStringLiteral("service account %1/%2").arg(secret.namespaceName, secret.serviceAccount)
        : QStringLiteral("%1 \"%2\" in %3")
              .arg(DynamicSecret::toString(secret.roleType), secret.roleName,
                  secret.allowedNamespaces.join(QStringLiteral(",")));
    return QStringLiteral("%1 secret on %2 for %3, default TTL %4, max TTL %5.")
        .arg(DynamicSecret::displayName(secret.credentialType), where, who, secret.defaultTtl.toString(),
            secret.maxTtl.toString());
}

} // namespace

SecretCatalog::SecretCatalog(Database &db, CredentialVault &vault, ClusterConnections *connections)
    : m_db(db)
    , m_vault(vault)
    , m_connections(connections)
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

QCoro::Task<SecretSaveResult> SecretCatalog::save(DynamicSecret secret, QByteArray clusterToken)
{
    SecretSaveResult result;
    const bool tokenGiven = !clusterToken.trimmed().isEmpty();
    result.fieldErrors = secret.validate(validationContext(secret, tokenGiven));
    if (!result.fieldErrors.isEmpty()) {
        result.error = result.fieldErrors.first().message;
        co_return result;
    }

    SecretRepository secrets(m_db);
    AuditLog audit(m_db);
    const bool isNew = secret.id == 0;
    std::optional<DynamicSecret> previous;
    if (!isNew) {
        previous = secrets.byId(secret.id);
        if (!previous) {
            result.error
                = QStringLiteral("Secret \"%1\" no longer exists; it may have been deleted elsewhere.")
                      .arg(secret.name);
            co_return result;
        }
    }

    if (isNew) {
        if (!secrets.insert(secret)) {
            result.error
                = QStringLiteral("Secret \"%1\" could not be saved: %2").arg(secret.name, m_db.lastError());
            co_return result;
        }
    }

    if (secret.authMethod == AuthMethod::Token && tokenGiven) {
        const VaultResult put = co_await m_vault.put(secret.vaultKey(), clusterToken.trimmed());
        if (!put.ok) {
            if (isNew)
                secrets.remove(secret.id);
            result.error = QStringLiteral(
                "The cluster token could not be stored in the keychain, so the secret was not saved: %1")
                               .arg(put.message);
            co_return result;
        }
    }

    if (!isNew) {
        if (!secrets.update(secret)) {
            result.error
                = QStringLiteral("Secret \"%1\" could not be saved: %2").arg(secret.name, m_db.lastError());
            co_return result;
        }
        // A secret that moved to Gateway auth no longer needs its token.
        if (secret.authMethod == AuthMethod::Gateway && previous->authMethod == AuthMethod::Token)
            co_await m_vault.remove(secret.vaultKey());
        if (m_connections)
            m_connections->invalidate(secret.id);
    }

    AuditEvent event;
    event.kind = isNew ? AuditEvent::SecretCreated : AuditEvent::SecretUpdated;
    event.secretName = secret.name;
    event.detail = describe(secret);
    audit.append(event);

    result.secret = secret;
    co_return result;
}

QCoro::Task<QString> SecretCatalog::remove(qint64 secretId)
{
    SecretRepository secrets(m_db);
    const auto secret = secrets.byId(secretId);
    if (!secret)
        co_return QString();
    const VaultResult removed = co_await m_vault.remove(secret->vaultKey());
    if (!removed.ok)
        co_return QStringLiteral("The cluster token of secret \"%1\" could not be removed from the keychain, "
                                 "so the secret was kept: %2")
            .arg(secret->name, removed.message);
    if (!secrets.remove(secretId))
        co_return QStringLiteral("Secret \"%1\" could not be deleted: %2")
            .arg(secret->name, m_db.lastError());
    if (m_connections)
        m_connections->invalidate(secretId);
    AuditEvent event;
    event.kind = AuditEvent::SecretDeleted;
    event.secretName = secret->name;
    event.detail = QStringLiteral("Secret \"%1\" and its lease history were deleted.").arg(secret->name);
    AuditLog(m_db).append(event);
    co_return QString();
}

} // namespace kms
