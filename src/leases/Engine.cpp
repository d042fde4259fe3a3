#include "leases/Engine.h"

#include "core/DisplayText.h"

#include "gateway/GatewayRegistry.h"
#include "leases/ClusterConnections.h"
#include "leases/LeaseService.h"
#include "store/AuditKeychain.h"
#include "store/AuditLog.h"
#include "store/CredentialVault.h"
#include "store/Database.h"
#include "store/EnvironmentRepository.h"
#include "store/LeaseRepository.h"
#include "store/PeopleRepository.h"
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

namespace {
// One sentence when another environment has this name or slug, else empty.
QString nameTaken(Database &db, const QString &name, qint64 exceptId)
{
    EnvironmentRepository repo(db);
    std::optional<Environment> other = repo.byName(name);
    if (!other || other->id == exceptId) {
        QString slug;
        for (const QChar c : name.toLower())
            slug += c.isLetterOrNumber() ? c : QLatin1Char('-');
        other = repo.byName(slug);
    }
    if (other && other->id != exceptId)
        return QStringLiteral("An environment called %1 exists already; choose another name.")
            .arg(quoted(other->name));
    return {};
}

QString slugFor(const QString &name)
{
    QString slug;
    for (const QChar c : name.toLower())
        slug += c.isLetterOrNumber() ? c : QLatin1Char('-');
    return slug;
}
} // namespace

QString Engine::dataDir() const
{
    return m_db.dataDir();
}

QString Engine::keychainService() const
{
    return m_vault.serviceName();
}

std::optional<Environment> Engine::environment(qint64 id)
{
    return EnvironmentRepository(m_db).byId(id);
}

QString Engine::environmentNameProblem(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return QStringLiteral("Enter a name for the environment.");
    if (trimmed.size() > 64)
        return QStringLiteral("An environment's name is at most 64 characters (this one has %1).")
            .arg(trimmed.size());
    for (const QChar c : trimmed) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return QStringLiteral("Environment name %1 contains a control character; use letters, digits, "
                                  "spaces and punctuation.")
                .arg(quoted(trimmed));
    }
    return {};
}

std::optional<Environment> Engine::addEnvironment(const QString &name, QString *error)
{
    if (const QString problem = environmentNameProblem(name); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return std::nullopt;
    }
    if (const QString taken = nameTaken(m_db, name.trimmed(), 0); !taken.isEmpty()) {
        if (error)
            *error = taken;
        return std::nullopt;
    }
    Environment env;
    env.name = name.trimmed();
    env.slug = slugFor(env.name);
    if (!EnvironmentRepository(m_db).insert(env)) {
        if (error)
            *error = m_db.lastError();
        return std::nullopt;
    }
    return env;
}

bool Engine::renameEnvironment(const Environment &environment, const QString &newName, QString *error)
{
    if (const QString problem = environmentNameProblem(newName); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    if (const QString taken = nameTaken(m_db, newName.trimmed(), environment.id); !taken.isEmpty()) {
        if (error)
            *error = taken;
        return false;
    }
    if (!EnvironmentRepository(m_db).rename(
            environment.id, environment.name, newName.trimmed(), slugFor(newName.trimmed()))) {
        if (error)
            *error = m_db.lastError();
        return false;
    }
    return true;
}

bool Engine::removeEnvironment(const Environment &environment, QString *error)
{
    if (!EnvironmentRepository(m_db).remove(environment.id)) {
        if (error)
            *error = m_db.lastError();
        return false;
    }
    return true;
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

QList<LeaseSummary> Engine::leaseSummariesOf(qint64 secretId)
{
    return LeaseRepository(m_db).summariesForSecret(secretId);
}

Engine::ActiveLeaseOutlook Engine::activeLeaseOutlook(const QDateTime &now, qint64 withinSeconds)
{
    LeaseRepository leases(m_db);
    ActiveLeaseOutlook outlook;
    outlook.count = std::max(0, leases.countActiveExpiringAfter(now));
    outlook.next = leases.firstActiveExpiringAfter(now);
    if (withinSeconds <= 0 || !outlook.next)
        return outlook;
    const QDateTime horizon = now.addSecs(withinSeconds);
    if (outlook.next->expiresAt > horizon) {
        outlook.firstExpiryAfterWindow = outlook.next->expiresAt;
        return outlook;
    }
    outlook.expiringWithin = leases.listActiveExpiringBetween(now, horizon);
    if (const auto later = leases.firstActiveExpiringAfter(horizon))
        outlook.firstExpiryAfterWindow = later->expiresAt;
    return outlook;
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

PersonNames Engine::people()
{
    return PeopleRepository(m_db).names().value_or(PersonNames());
}

QString Engine::displayName()
{
    return PeopleRepository(m_db).nameOf(AuditEvent::currentActor()).value_or(QString());
}

bool Engine::setDisplayName(const QString &name, const QString &expected, QString *error)
{
    if (const QString problem = Person::displayNameProblem(name); !problem.isEmpty()) {
        if (error)
            *error = QStringLiteral("The display name %1.").arg(problem);
        return false;
    }
    const PeopleRepository::Naming naming
        = PeopleRepository(m_db).setName(AuditEvent::currentActor(), name, expected);
    using Outcome = PeopleRepository::Naming::Outcome;
    if (naming.outcome == Outcome::Named || naming.outcome == Outcome::Unchanged)
        return true;
    if (error)
        *error = naming.error;
    return false;
}

} // namespace kms
