#include "leases/Engine.h"

#include "gateway/GatewayRegistry.h"
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"
#include "store/AuditKeychain.h"
#include "store/AuditLog.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/SecretRepository.h"

namespace kms {

namespace {

// Secrets with a gateway reach their cluster through the registered gateway;
// with Token auth, the requests carry the secret's cluster token.
QCoro::Task<ClusterConnections::TransportResult> gatewayTransport(
    GatewayRegistry *registry, QString name, QByteArray callerToken)
{
    const GatewayTransportResult result
        = co_await registry->transport(std::move(name), std::move(callerToken));
    co_return ClusterConnections::TransportResult { result.transport, result.error };
}

} // namespace

Engine::Engine(Database &db, CredentialVault &vault, Clock *clock)
    : m_db(db)
    , m_vault(vault)
    , m_gateways(std::make_unique<GatewayRegistry>(db, vault))
    , m_connections(std::make_unique<ClusterConnections>(vault))
    , m_leases(std::make_unique<LeaseService>(db, *m_connections, clock))
    , m_audit(std::make_unique<AuditKeychain>(db, vault))
{
    // Not a coroutine lambda: its captures would dangle once the std::function moves.
    m_connections->setGatewayTransportFactory(
        [registry = m_gateways.get()](QString name, QByteArray callerToken) {
            return gatewayTransport(registry, std::move(name), std::move(callerToken));
        });
}

Engine::~Engine()
{
    m_leases.reset(); // uses the connections
}

QList<Environment> Engine::environments()
{
    return EnvironmentRepository(m_db).list();
}

std::optional<Environment> Engine::addEnvironment(const QString &name, QString *error)
{
    Environment env;
    env.name = name.trimmed();
    if (env.name.isEmpty()) {
        if (error)
            *error = QStringLiteral("Enter a name for the environment.");
        return std::nullopt;
    }
    for (const QChar c : env.name.toLower())
        env.slug += c.isLetterOrNumber() ? c : QLatin1Char('-');
    if (!EnvironmentRepository(m_db).insert(env)) {
        if (error)
            *error = m_db.lastError();
        return std::nullopt;
    }
    return env;
}

std::optional<DynamicSecret> Engine::secret(qint64 id)
{
    return SecretRepository(m_db).byId(id);
}

QList<DynamicSecret> Engine::secrets(qint64 environmentId)
{
    return SecretRepository(m_db).listByEnvironment(environmentId);
}

QList<DynamicSecret> Engine::allSecrets()
{
    return SecretRepository(m_db).listAll();
}

QHash<qint64, int> Engine::activeLeaseCounts(qint64 environmentId)
{
    return SecretRepository(m_db).activeLeaseCounts(environmentId);
}

int Engine::openLeaseCount(qint64 secretId)
{
    return SecretRepository(m_db).openLeaseCount(secretId);
}

std::optional<Lease> Engine::lease(const QString &id)
{
    return LeaseRepository(m_db).byId(id);
}

QList<Lease> Engine::leasesOf(qint64 secretId, bool includeClosed)
{
    return LeaseRepository(m_db).listForSecret(secretId, includeClosed);
}

QList<Lease> Engine::leasesIn(LeaseState state)
{
    return LeaseRepository(m_db).listByState(state);
}

QList<AuditEvent> Engine::auditEvents(const AuditFilter &filter)
{
    return AuditLog(m_db).list(filter);
}

QCoro::Task<AuditVerification> Engine::verifyAudit()
{
    co_return co_await m_audit->verify();
}

} // namespace kms
