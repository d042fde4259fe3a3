#include "gateway/GatewayRegistry.h"

#include "core/AuditEvent.h"
#include "core/Names.h"
#include "gateway/GatewayTransport.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/GatewayRepository.h"

#include <QSslCertificate>

namespace kms {

namespace {

GatewayRegistry::Result failed(const QString &message, bool usage)
{
    return { false, message, usage };
}

QCoro::Task<GatewayTransportResult> transportFor(
    Database *db, CredentialVault *vault, QString name, QByteArray callerToken)
{
    GatewayRegistry registry(*db, *vault);
    co_return co_await registry.transport(std::move(name), std::move(callerToken));
}

} // namespace

GatewayRegistry::GatewayRegistry(Database &db, CredentialVault &vault)
    : m_db(db)
    , m_vault(vault)
{
}

QString GatewayRegistry::vaultKeyFor(const QString &name)
{
    return QStringLiteral("gateway/%1/client-key").arg(name);
}

QCoro::Task<GatewayRegistry::Result> GatewayRegistry::add(GatewayRecord record, QByteArray clientKeyPem)
{
    if (!Names::isDns1123Label(record.name))
        co_return failed(
            QStringLiteral("NAME: \"%1\" is not a valid gateway name; use lower-case letters, digits "
                           "and '-', at most 63 characters (e.g. prod-eu).")
                .arg(record.name),
            true);
    QString error;
    if (!GatewayTransport::create(
            record.name, record.url, record.caCertificate, record.clientCertificate, clientKeyPem, &error))
        co_return failed(error, true);
    if (byName(record.name, &error))
        co_return failed(
            QStringLiteral("NAME: a gateway \"%1\" is already registered; remove it first or choose "
                           "another name.")
                .arg(record.name),
            true);
    if (!error.isEmpty())
        co_return failed(error, false);

    record.createdAt = QDateTime::currentDateTimeUtc();
    GatewayRepository gateways(m_db);
    const bool inserted = m_db.transaction([&] {
        if (!gateways.insert(record))
            return false;
        AuditEvent e;
        e.kind = GatewayAdded;
        e.detail = QStringLiteral("Gateway \"%1\" registered: %2, client certificate %3.")
                       .arg(record.name, record.url.trimmed(),
                           QSslCertificate(record.clientCertificate).subjectDisplayName());
        return AuditLog(m_db).append(e).has_value();
    });
    if (!inserted)
        co_return failed(m_db.lastError(), false);
    const VaultResult put = co_await m_vault.put(vaultKeyFor(record.name), clientKeyPem);
    if (!put.ok) {
        // No row without its key.
        m_db.transaction([&] { return gateways.remove(record.name); });
        co_return failed(
            QStringLiteral("The client key could not be stored in the keychain: %1").arg(put.message), false);
    }
    co_return Result { true, {}, false };
}

QCoro::Task<GatewayRegistry::Result> GatewayRegistry::remove(QString name)
{
    QString error;
    if (!byName(name, &error)) {
        if (!error.isEmpty())
            co_return failed(error, false);
        co_return failed(
            QStringLiteral("NAME: there is no gateway \"%1\"; see hanzo-kmsctl gateway list.").arg(name),
            true);
    }
    GatewayRepository gateways(m_db);
    const std::optional<QStringList> users = gateways.secretNamesUsing(name);
    if (!users)
        co_return failed(m_db.lastError(), false);
    if (!users->isEmpty())
        co_return failed(
            QStringLiteral("The gateway \"%1\" is used by the dynamic secrets %2; delete them or move "
                           "them to another gateway first.")
                .arg(name, users->join(QStringLiteral(", "))),
            true);
    // The key first: a row without a key is harmless, a key without a row is an orphan.
    const VaultResult removed = co_await m_vault.remove(vaultKeyFor(name));
    if (!removed.ok)
        co_return failed(
            QStringLiteral("The client key could not be removed from the keychain: %1").arg(removed.message),
            false);
    const bool deleted = m_db.transaction([&] {
        if (!gateways.remove(name))
            return false;
        AuditEvent e;
        e.kind = GatewayRemoved;
        e.detail = QStringLiteral("Gateway \"%1\" removed with its client key.").arg(name);
        return AuditLog(m_db).append(e).has_value();
    });
    if (!deleted)
        co_return failed(m_db.lastError(), false);
    co_return Result { true, {}, false };
}

QList<GatewayRecord> GatewayRegistry::list(QString *error)
{
    std::optional<QList<GatewayRecord>> rows = GatewayRepository(m_db).list();
    if (!rows) {
        if (error)
            *error = m_db.lastError();
        return {};
    }
    return *std::move(rows);
}

std::optional<GatewayRecord> GatewayRegistry::byName(const QString &name, QString *error)
{
    bool readFailed = false;
    std::optional<GatewayRecord> record = GatewayRepository(m_db).byName(name, &readFailed);
    if (readFailed && error)
        *error = m_db.lastError();
    return record;
}

QStringList GatewayRegistry::names()
{
    QStringList out;
    for (const GatewayRecord &r : list())
        out << r.name;
    return out;
}

QCoro::Task<GatewayTransportResult> GatewayRegistry::transport(QString name, QByteArray callerToken)
{
    QString error;
    const std::optional<GatewayRecord> record = byName(name, &error);
    if (!record) {
        if (error.isEmpty())
            error = QStringLiteral(
                "The gateway \"%1\" is not registered; register it with hanzo-kmsctl gateway "
                "add, or choose another gateway for the secret.")
                        .arg(name);
        co_return GatewayTransportResult { nullptr, error };
    }
    const VaultResult key = co_await m_vault.get(vaultKeyFor(name));
    if (!key.ok)
        co_return GatewayTransportResult { nullptr,
            QStringLiteral("The client key of gateway \"%1\" could not be read from the keychain: %2")
                .arg(name, key.message) };
    std::unique_ptr<GatewayTransport> transport = GatewayTransport::create(
        record->name, record->url, record->caCertificate, record->clientCertificate, key.value, &error);
    if (!transport)
        co_return GatewayTransportResult { nullptr,
            QStringLiteral("The gateway \"%1\" cannot be used: %2 Register it again.").arg(name, error) };
    transport->setCallerToken(callerToken);
    co_return GatewayTransportResult { std::shared_ptr<const KubeTransport>(std::move(transport)), {} };
}

std::function<QCoro::Task<GatewayTransportResult>(QString, QByteArray)> GatewayRegistry::transportFactory(
    Database &db, CredentialVault &vault)
{
    // Not a coroutine lambda: its captures would dangle once the std::function moves.
    return [db = &db, vault = &vault](QString name, QByteArray callerToken) {
        return transportFor(db, vault, std::move(name), std::move(callerToken));
    };
}

} // namespace kms
