#pragma once

#include "core/GatewayRecord.h"
#include "kube/KubeTransport.h"

#include <QCoro/QCoroTask>
#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace kms {

class CredentialVault;
class Database;

struct GatewayTransportResult {
    std::shared_ptr<const KubeTransport> transport;
    QString error; // one sentence when there is no transport
};

// Registered gateways: the `gateways` table (through GatewayRepository) plus
// the client keys in the keychain, and the transports Gateway-auth secrets
// reach their clusters by.
class GatewayRegistry {
public:
    struct Result {
        bool ok = false;
        QString error; // one sentence, naming the field or the call and what to do
        bool usageError = false; // the input was wrong (vs. the store or keychain failing)
    };

    // Audit event kinds.
    static inline const QString GatewayAdded = QStringLiteral("gateway.added");
    static inline const QString GatewayRemoved = QStringLiteral("gateway.removed");

    GatewayRegistry(Database &db, CredentialVault &vault);

    static QString vaultKeyFor(const QString &name);

    // Checks everything (name, URL, PEMs, that the key belongs to the
    // certificate), stores the row and puts the key in the keychain. Nothing
    // is stored when any step fails.
    QCoro::Task<Result> add(GatewayRecord record, QByteArray clientKeyPem);
    // Refuses while dynamic secrets use the gateway (names them).
    QCoro::Task<Result> remove(QString name);

    QList<GatewayRecord> list(QString *error = nullptr); // by name
    std::optional<GatewayRecord> byName(const QString &name, QString *error = nullptr);
    QStringList names();

    // The transport to a registered gateway, with its client key from the
    // keychain; with a caller token (Token (API) auth through the gateway),
    // every request carries it for the gateway to use instead of its own account.
    QCoro::Task<GatewayTransportResult> transport(QString name, QByteArray callerToken = {});

    // For ClusterConnections::setGatewayTransportFactory: db and vault must
    // outlive the factory.
    static std::function<QCoro::Task<GatewayTransportResult>(QString, QByteArray)> transportFactory(
        Database &db, CredentialVault &vault);

private:
    Database &m_db;
    CredentialVault &m_vault;
};

} // namespace kms
